"""aliyun-python-sdk-core as the vendor's filetrans sample uses it, a local file server and a callback receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient

AKID, SECRET = "asr-emulator-akid", "asr-emulator-secret"
APPKEY = "asr-emulator-appkey"
RUNNING = (21050001, 21050002)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """aliyunsdkcore sends everything to HTTP_PROXY and ignores NO_PROXY: keep the tests direct."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class Filetrans:
    """The calls of the vendor's sample: SubmitTask by POST with a ``Task`` body parameter, GetTaskResult by GET."""

    def __init__(self, client: AcsClient, domain: str) -> None:
        self.client = client
        self.domain = domain

    def request(self, action: str, method: str) -> CommonRequest:
        req = CommonRequest()
        req.set_domain(self.domain)
        req.set_version("2018-08-17")
        req.set_product("nls-filetrans")
        req.set_action_name(action)
        req.set_method(method)
        return req

    def submit(self, task: dict[str, Any]) -> dict[str, Any]:
        req = self.request("SubmitTask", "POST")
        req.add_body_params("Task", json.dumps({"appkey": APPKEY, "version": "4.0", **task}))
        result: dict[str, Any] = json.loads(self.client.do_action_with_exception(req))
        return result

    def result(self, task_id: str) -> dict[str, Any]:
        req = self.request("GetTaskResult", "GET")
        req.add_query_param("TaskId", task_id)
        result: dict[str, Any] = json.loads(self.client.do_action_with_exception(req))
        return result

    def wait(self, task_id: str, polls: int = 50) -> tuple[list[str], dict[str, Any]]:
        """Poll as the sample does (without its 10 s sleep): the status texts seen, and the final answer."""
        seen = []
        for _ in range(polls):
            body = self.result(task_id)
            seen.append(body["StatusText"])
            if body["StatusCode"] not in RUNNING:
                return seen, body
        raise AssertionError(f"task {task_id} still running after {polls} polls: {seen}")

    def transcribe(self, **task: Any) -> dict[str, Any]:
        submitted = self.submit(task)
        assert submitted["StatusText"] == "SUCCESS", submitted
        return self.wait(submitted["TaskId"])[1]


@pytest.fixture
def filetrans(emulator: ControlClient) -> Filetrans:
    emulator.lifecycle("polls:1")
    return Filetrans(AcsClient(AKID, SECRET, "cn-shanghai"), emulator.url.split("//", 1)[1])


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
