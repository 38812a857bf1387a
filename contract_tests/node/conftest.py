"""The vendors' Node.js SDKs against a live emulator: each scenario in ``scenarios/`` is a Node.js program using one
SDK as its README shows, printing one JSON line of what a user would check; these tests run it and assert on that.

``make test`` installs the SDKs (``npm ci`` from ``package-lock.json``); where ``node`` or the installed packages are
missing, the tests are skipped and say why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient, ServerProcess

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
TENCENT = {"SECRET_ID": "AKIDASREMULATOR000000000000000000000", "SECRET_KEY": "asr-emulator-tencent-secret-key"}
NLS = {"AKID": "asr-emulator-akid", "SECRET": "asr-emulator-secret", "APPKEY": "asr-emulator-appkey"}
AUDIO = str(FIXTURES / "hello_zh.wav")


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed here: the Node.js SDK scenarios need Node.js 18 or newer"
    if not (HERE / "node_modules" / ".package-lock.json").exists():
        return "the Node.js SDKs are not installed: run make test (npm ci in contract_tests/node)"
    return None


@pytest.fixture(scope="session")
def node_server(ca_dir: Path) -> Iterator[str]:
    """An emulator of its own, with its local CA in a temporary folder (the scenarios reach it over TLS too)."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    with ServerProcess(["--lifecycle", "polls:1"], env={**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}) as server:
        yield server.url


@pytest.fixture
def emulator(node_server: str) -> Iterator[ControlClient]:
    client = ControlClient(node_server)
    client.reset(lifecycle="polls:1")
    yield client
    client.close()


def scenario(name: str, url: str, timeout: float = 90, **env: str) -> dict[str, Any]:
    """Run ``scenarios/<name>.js`` against the emulator at ``url``; its JSON line."""
    clean = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    done = subprocess.run(["node", str(SCENARIOS / f"{name}.js")], cwd=HERE, capture_output=True, text=True,
                          timeout=timeout, env={**clean, "EMULATOR_URL": url, **env})
    assert done.returncode == 0, f"{name}.js failed ({done.returncode}):\n{done.stderr[-4000:]}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{name}.js printed no result:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(lines[-1])
    return result


__all__ = ["AUDIO", "NLS", "TENCENT", "scenario"]
