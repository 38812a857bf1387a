"""A real browser — Debian's chromium, driven by Playwright with ``executable_path`` (no browser download) — on
the dashboard of a live emulator. ``make test`` installs chromium; where it cannot be (no apt-get, not root), the
tests are skipped and say why."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import drop_proxies
from emulator.testing import ControlClient

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.environ.get("ASR_EMULATOR_SCREENSHOTS")     # a folder: the README's screenshots are written there


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (make test installs Debian's chromium where it can)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    drop_proxies(monkeypatch)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def dashscope_sdk(emulator: ControlClient) -> Iterator[Any]:
    import dashscope

    saved = (dashscope.api_key, dashscope.base_http_api_url)
    dashscope.api_key = "sk-asr-emulator-dashboard"
    dashscope.base_http_api_url = f"{emulator.url}/api/v1"
    yield dashscope
    dashscope.api_key, dashscope.base_http_api_url = saved


def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=False)
