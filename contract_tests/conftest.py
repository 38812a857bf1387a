"""Contract tests: the vendors' real SDKs, configured as a user would, against a live emulator on 127.0.0.1.

Set ``ASR_EMULATOR_URL`` to aim the suite at an emulator that is already running (e.g. the Docker image).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import ControlClient, ServerProcess

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def drop_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep an SDK's requests direct: the requests-based SDKs honour proxy variables, and aliyunsdkcore sends
    everything to HTTP_PROXY, ignoring NO_PROXY."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def live_url() -> Iterator[str]:
    external = os.environ.get("ASR_EMULATOR_URL")
    if external:
        yield external.rstrip("/")
        return
    with ServerProcess() as server:   # its own process, as the real service would be
        yield server.url


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the local certificate authority of the servers that use TLS (never the user's own)."""
    return tmp_path_factory.mktemp("ca")


def ca_file(ca_dir: Path) -> str:
    """The CA's certificate, made as a user makes it (``asr-emulator ca``)."""
    import subprocess
    import sys

    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    done = subprocess.run([sys.executable, "-m", "emulator", "ca", "--quiet"], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.strip()


@pytest.fixture
def emulator(live_url: str) -> Iterator[ControlClient]:
    """A control-plane client for a freshly reset emulator."""
    client = ControlClient(live_url)
    client.reset()
    yield client
    client.close()


@dataclass
class LocalFiles:
    """A plain HTTP server on 127.0.0.1: audio files, broken answers, and a callback receiver."""

    url: str
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    fail_first: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for p, _, body in self.received if p == path]


@pytest.fixture(scope="session")
def local_files() -> Iterator[LocalFiles]:
    audio = (FIXTURES / "hello_en.wav").read_bytes()
    state = LocalFiles(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            statuses = {"/missing.wav": 404, "/forbidden.wav": 403, "/broken.wav": 500}
            if path in statuses:
                self.send_response(statuses[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/short.wav":         # declares more bytes than it sends
                self.send_response(200)
                self.send_header("Content-Length", str(len(audio) + 1000))
                self.end_headers()
                self.wfile.write(audio)
                self.close_connection = True
            else:
                body = audio if path.endswith(".wav") else b"this is a text file, not audio"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.received.append((self.path, dict(self.headers), body))
                flaky = self.path in state.fail_first
                state.fail_first.discard(self.path)
            self.send_response(500 if flaky else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
