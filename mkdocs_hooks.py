"""MkDocs hooks for the documentation site (``make docs``): the command-line page is generated from the CLI's own
parser when the site is built, so it cannot fall behind the options."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-reference -->"


def cli_reference() -> str:
    """Every subcommand's ``--help``, as Markdown (a fixed width, so that the page is the same on every machine)."""
    import argparse
    import os

    os.environ["COLUMNS"] = "100"
    from emulator.cli import parser

    top = parser()
    out = ["## asr-emulator", "", "```text", top.format_help().rstrip(), "```", ""]
    for action in top._actions:                      # the subcommands, in the parser's order
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += [f"## asr-emulator {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
