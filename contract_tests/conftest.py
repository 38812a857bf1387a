"""Contract tests: the vendors' real SDKs, configured as a user would, against a live emulator on 127.0.0.1.

Set ``ASR_EMULATOR_URL`` to aim the suite at an emulator that is already running (e.g. the Docker image).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.testing import ControlClient, ServerProcess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    external = os.environ.get("ASR_EMULATOR_URL")
    if external:
        yield external.rstrip("/")
        return
    with ServerProcess() as server:   # its own process, as the real service would be
        yield server.url


@pytest.fixture
def emulator(live_url: str) -> Iterator[ControlClient]:
    """A control-plane client for a freshly reset emulator."""
    client = ControlClient(live_url)
    client.reset()
    yield client
    client.close()
