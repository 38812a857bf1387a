"""The documentation: the site builds with no warning, the CLI page is the parser's, every code example of the site
and the README runs in the suite (and what it prints is compared there), and the README stays a quick start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^[ ]*```(\w*)\n(.*?)^[ ]*```", re.M | re.S)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--site-dir", str(out)],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    return out


def test_the_site_builds_with_a_page_per_vendor_api(site: Path) -> None:
    for page in ("dashscope", "qwen3-asr", "dashscope-realtime", "nls", "nls-realtime", "eas", "tencent-asr",
                 "tencent-realtime", "tencent-ci", "clients", "control-plane", "plugin", "cli", "dashboard",
                 "configuration", "deployment", "recipes", "audio", "development"):
        assert (site / page / "index.html").is_file(), page
    assert (site / "screenshots" / "jobs.png").is_file()


def test_the_cli_page_is_made_from_the_parser(site: Path) -> None:
    from emulator.cli import parser

    html = (site / "cli" / "index.html").read_text("utf-8")
    top = parser()
    names = next(a for a in top._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name, sub in names.items():
        assert f"asr-emulator {name}" in html, name
        for action in sub._actions:
            for flag in action.option_strings:
                assert flag in html, (name, flag)


def test_every_code_example_is_one_the_suite_runs() -> None:
    """A Python or JavaScript block is an example (``# readme-example: NAME``) that a test in contract_tests runs;
    the shell blocks are the commands the suite runs too (make, pip, asr-emulator, curl, docker)."""
    tests = "\n".join(p.read_text("utf-8") for p in (ROOT / "contract_tests").rglob("test_*.py"))
    tests += (ROOT / "tests" / "test_package.py").read_text("utf-8")
    names: set[str] = set()
    for page in PAGES:
        for language, body in BLOCK.findall(page.read_text("utf-8")):
            first = body.split("\n", 1)[0]
            if language in ("python", "js", "javascript"):
                found = re.fullmatch(r"(?:#|//) readme-example: ([\w-]+)", first)
                assert found, f"{page.name}: a {language} block that no test runs: {first!r}"
                names.add(found.group(1))
            elif language in ("sh", "bash", "shell"):
                assert body.split()[0] in ("make", "pip", "eval", "curl", "docker", "asr-emulator"), \
                    f"{page.name}: {first!r}"
    for name in names:
        assert f'"{name}"' in tests, f"no test runs the example {name!r}"


def test_the_readme_is_a_quick_start() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert len(readme.splitlines()) <= 250
    for link in re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme):
        assert (ROOT / link).is_file(), link
    assert "make docs" in readme and "make serve" in readme and "make test" in readme
