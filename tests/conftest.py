"""Unit tests drive the ASGI app in-process through httpx (no sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.app import Emulator
from emulator.config import Settings

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KEY = "sk-unit-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
SUBMIT = "/api/v1/services/audio/asr/transcription"
ASYNC = {**AUTH, "X-DashScope-Async": "enable"}

Call = Callable[..., httpx.Response]


def caller(app: Emulator) -> Call:
    def call(method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://emulator.local") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(go())

    return call


@pytest.fixture
def app() -> Emulator:
    made = Emulator(Settings(lifecycle="instant"))
    # ``caller`` runs each request in a loop of its own, which ends with the request: a fetch still running then is
    # gone. A submit here waits for its media however loaded the machine is (the 1 s of a served emulator is not it).
    made.engine.submit_wait_s = 60.0
    return made


@pytest.fixture
def call(app: Emulator) -> Call:
    return caller(app)


def magic(text: str | None = None, **query: Any) -> str:
    """A magic media URL: audio synthesised by the emulator itself."""
    params = dict(query)
    if text is not None:
        params["text"] = text
    return str(httpx.URL("http://media.asr-emulator.test/audio.wav", params=params))


REPORT: list[str] = []        # lines a test wants in the run's summary (the image's build and start-up figures)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for line in REPORT:
        terminalreporter.write_line(line)
