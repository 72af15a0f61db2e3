"""Render a report's blocks as Markdown or self-contained HTML.

A report is a list of blocks (headings, text, tables, figures). REPORT.md links the
figures by relative path; report.html embeds them, so that it can be mailed or archived alone.
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
    text: str
    level: int = 2


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


def _markdown_cell(value) -> str:
    return number(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list, report_dir: pathlib.Path) -> str:
    """GitHub-flavoured markdown; figures linked relative to ``report_dir``."""
    parts = []
    for block in blocks:
        match block:
            case Heading(text, level):
                parts.append(f"{'#' * level} {text}")
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
"""


def _html_cell(value, tag: str = "td") -> str:
    text = number(value)
    if text in VERDICTS:
        return f'<{tag} class="verdict {text.replace(" ", "-")}">{text}</{tag}>'
    return f"<{tag}>{html.escape(text)}</{tag}>"


def _image_uri(path: pathlib.Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def to_html(blocks: list, title: str) -> str:
    """One HTML page with inline CSS and every figure embedded as a data URI."""
    parts = []
    for block in blocks:
        match block:
            case Heading(text, level):
                parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
            case Text(text):
                parts.append("<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(text))
                             + "</p>")
            case Table(columns, rows):
                header = "".join(_html_cell(column, "th") for column in columns)
                body = "".join(f"<tr>{''.join(map(_html_cell, row))}</tr>" for row in rows)
                parts.append(f"<table><thead><tr>{header}</tr></thead>"
                             f"<tbody>{body}</tbody></table>")
            case Figure(path, caption):
                parts.append(f'<figure><img src="{_image_uri(path)}" alt="{html.escape(caption)}">'
                             f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
