"""The README and docs/ stay true to the CLI: every `gandiag ...` they show names a command
and options that exist, and the README stays short with its fresh-machine commands first."""

import pathlib
import re

import pytest
import typer

from gandiag.cli import app

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# A command line: `gandiag`, a command (or a top-level option), then its words up to a
# comment, another command or the end of the code.
INVOCATION = re.compile(r"(?:^|[\s(;|&`$])gandiag ((?:--)?[a-z][\w-]*)([^#;|&`]*)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")


def code_of(text: str) -> list[str]:
    """The page's code: each line of its fenced blocks, and each inline `code` span."""
    fenced = [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]
    return fenced + INLINE.findall(FENCE.sub("", text))


def invocations(text: str) -> list[tuple[str, list[str]]]:
    """(command, its --options) for every gandiag command line in the page's code."""
    found = []
    for code in code_of(text):
        for command, rest in INVOCATION.findall(code):
            found.append((command, re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest)))
    return found


def known_options() -> dict[str, set[str]]:
    """Command name -> every option it accepts; "" holds the top-level options."""
    group = typer.main.get_command(app)
    options = {"": {"--help"} | {opt for param in group.params
                                  for opt in [*param.opts, *param.secondary_opts]}}
    for name, command in group.commands.items():
        options[name] = {opt for param in command.params
                         for opt in [*param.opts, *param.secondary_opts]} | {"--help"}
    return options


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_documented_commands_and_options_exist(page):
    options = known_options()
    shown = invocations(page.read_text())
    wrong = []
    for command, flags in shown:
        if command.startswith("--"):
            wrong += [] if command in options[""] else [f"gandiag {command}"]
            continue
        if command not in options:
            wrong.append(f"gandiag {command} (no such command)")
            continue
        wrong += [f"gandiag {command} {flag}" for flag in flags if flag not in options[command]]
    assert not wrong, f"{page.name} documents what the CLI lacks: {wrong}"


def test_the_check_catches_a_stale_command_and_option():
    options = known_options()
    stale = invocations("```bash\ngandiag train --no-such-flag\ngandiag frobnicate\n```")
    assert stale == [("train", ["--no-such-flag"]), ("frobnicate", [])]
    assert "--no-such-flag" not in options["train"] and "frobnicate" not in options


def test_readme_is_two_screens_with_the_fresh_machine_commands_first():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150
    head = "\n".join(lines[:40])
    assert "make demo" in head and "make test" in head


OFF_TOPIC = re.compile(r"\b(issue|session|closing note)s?\b", re.I)


def test_product_text_speaks_of_the_project_alone():
    texts = [*PAGES, *sorted((ROOT / "gandiag").rglob("*.py"))]
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in texts
             for match in [OFF_TOPIC.search(path.read_text())] if match]
    assert not found, found
    assert OFF_TOPIC.search("see the closing note")  # the check can fail


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_and_images_resolve(page):
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text())
    missing = [t for t in targets if "://" not in t and not (page.parent / t).exists()]
    assert not missing, f"{page.name} links to missing files: {missing}"
