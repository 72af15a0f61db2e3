"""Render a report's blocks as Markdown or self-contained HTML.

A report is a list of blocks (headings, text, tables, figures). REPORT.md links the
figures by relative path; report.html embeds them, so that it can be mailed or archived alone.
The page opens with a table of contents; headings and figures carry anchors, so a table
cell can link to them (``Links``): a figure's anchor is ``figure_anchor(its file name)``.
"""

import base64
import dataclasses
import html
import os
import pathlib
import re

from gandiag.analysis.evidence import Verdict
from gandiag.analysis.format import number

# A table cell that is a verdict gets its CSS class (the verdict with dashes for spaces).
VERDICTS = frozenset(str(verdict) for verdict in Verdict)


@dataclasses.dataclass(frozen=True)
class Heading:
    """A heading; ``anchor`` is its id (default: made from its text); ``toc``: listed in
    the table of contents (levels 2 and 3 only)."""

    text: str
    level: int = 2
    anchor: str = ""
    toc: bool = True


@dataclasses.dataclass(frozen=True)
class Links:
    """A table cell of links within the page: ((text, anchor), ...)."""

    targets: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return " · ".join(text for text, _ in self.targets)


@dataclasses.dataclass(frozen=True)
class Text:
    """A paragraph; `backticks` mark code."""

    text: str


@dataclasses.dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list]


@dataclasses.dataclass(frozen=True)
class Figure:
    path: pathlib.Path
    caption: str


def figure_anchor(name: str) -> str:
    """The anchor of the first figure drawn from the file ``name`` (e.g. figure2.png)."""
    return "figure-" + slug(pathlib.Path(name).stem)


def slug(text: str) -> str:
    """'Figure 2: the gradient' -> 'figure-2-the-gradient'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _markdown_cell(value) -> str:
    if isinstance(value, Links):
        return " · ".join(f"[{text}](#{anchor})" for text, anchor in value.targets)
    return number(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list, report_dir: pathlib.Path) -> str:
    """GitHub-flavoured markdown; figures linked relative to ``report_dir``."""
    parts = []
    for block in blocks:
        match block:
            case Heading(text, level, anchor):
                parts.append((f'<a id="{anchor}"></a>\n\n' if anchor else "")
                             + f"{'#' * level} {text}")
            case Text(text):
                parts.append(text)
            case Table(columns, rows):
                lines = [columns, ["---"] * len(columns), *rows]
                parts.append("\n".join(
                    f"| {' | '.join(_markdown_cell(cell) for cell in line)} |" for line in lines))
            case Figure(path, caption):
                relative = pathlib.Path(os.path.relpath(path, report_dir)).as_posix()
                parts.append(f"![{caption}]({relative})")
    return "\n\n".join(parts) + "\n"


CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; word-break: break-all; } h2 { border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
code { background: #f4f4f4; padding: 0.1em 0.3em; border-radius: 3px; }
figure { display: inline-block; margin: 0.5em; text-align: center; vertical-align: top; }
img { max-width: 100%; } figcaption { font-size: 0.85em; color: #555; }
.verdict { font-weight: bold; } .SUPPORTED { color: #1a7f37; } .CONTRADICTED { color: #cf222e; }
.INCONCLUSIVE { color: #9a6700; } .PREMISE-NOT-MET { color: #8250df; } .NOT-RUN { color: #6e7781; }
nav { background: #f8f8f8; border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0; }
nav ul { margin: 0.2em 0; padding-left: 1.2em; } nav li.level-3 { margin-left: 1.2em; }
.table-scroll { overflow-x: auto; } :target { outline: 2px solid #0969da; }
td.verdict, td a { white-space: nowrap; } td { overflow-wrap: break-word; }
@media (max-width: 900px) { body { padding: 0 0.5em; } table { font-size: 0.8em; }
                             th, td { padding: 0.2em 0.3em; } }
"""


def _html_cell(value, tag: str = "td") -> str:
    if isinstance(value, Links):
        links = " · ".join(f'<a href="#{anchor}">{html.escape(text)}</a>'
                           for text, anchor in value.targets)
        return f"<{tag}>{links}</{tag}>"
    text = number(value)
    if text in VERDICTS:
        return f'<{tag} class="verdict {text.replace(" ", "-")}">{text}</{tag}>'
    return f"<{tag}>{html.escape(text)}</{tag}>"


def _image_uri(path: pathlib.Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


class _Anchors:
    """Unique ids: the first use of a name keeps it, later ones get -2, -3, ..."""

    def __init__(self):
        self._used: set[str] = set()

    def __call__(self, name: str) -> str:
        anchor, count = name, 1
        while anchor in self._used:
            count += 1
            anchor = f"{name}-{count}"
        self._used.add(anchor)
        return anchor


def _contents(entries: list[tuple[int, str, str]]) -> str:
    items = "".join(f'<li class="level-{level}"><a href="#{anchor}">{html.escape(text)}</a></li>'
                    for level, text, anchor in entries)
    return f"<nav><strong>Contents</strong><ul>{items}</ul></nav>"


def to_html(blocks: list, title: str) -> str:
    """One HTML page with inline CSS, a table of contents after the title, and every
    figure embedded as a data URI."""
    parts, contents, anchors = [], [], _Anchors()
    for block in blocks:
        match block:
            case Heading(text, level, anchor, toc):
                anchor = anchors(anchor or slug(text))
                if toc and level in (2, 3):
                    contents.append((level, text, anchor))
                parts.append(f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>')
            case Text(text):
                parts.append("<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))
                             + "</p>")
            case Table(columns, rows):
                header = "".join(_html_cell(column, "th") for column in columns)
                body = "".join(f"<tr>{''.join(map(_html_cell, row))}</tr>" for row in rows)
                parts.append(f'<div class="table-scroll"><table><thead><tr>{header}</tr></thead>'
                             f"<tbody>{body}</tbody></table></div>")
            case Figure(path, caption):
                parts.append(f'<figure id="{anchors(figure_anchor(path.name))}">'
                             f'<img src="{_image_uri(path)}" alt="{html.escape(caption)}">'
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    if contents:  # after the page's title
        parts.insert(1 if blocks and isinstance(blocks[0], Heading) else 0, _contents(contents))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
