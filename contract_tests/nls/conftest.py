"""aliyun-python-sdk-core as the vendor's filetrans sample uses it, a local file server and a callback receiver."""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from contract_tests.conftest import drop_proxies
from emulator.testing import ControlClient

AKID, SECRET = "asr-emulator-akid", "asr-emulator-secret"
APPKEY = "asr-emulator-appkey"
RUNNING = (21050001, 21050002)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """aliyunsdkcore sends everything to HTTP_PROXY and ignores NO_PROXY: keep the tests direct."""
    drop_proxies(monkeypatch)


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


# ---- the realtime gateway through the nls SDK ------------------------------------------------------------

@dataclass
class Events:
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    closed: int = 0

    def callbacks(self, *names: str) -> dict[str, Any]:
        out: dict[str, Any] = {f"on_{n}": (lambda kind: lambda msg, *a: self.seen.append((kind, json.loads(msg))))(n)
                               for n in names}
        out["on_error"] = lambda msg, *a: self.seen.append(("error", json.loads(msg)))
        out["on_close"] = lambda *a: setattr(self, "closed", self.closed + 1)
        return out

    def named(self, kind: str) -> list[dict[str, Any]]:
        return [m for k, m in self.seen if k == kind]


def wait_for(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def ws_url(emulator: ControlClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield emulator.url.replace("http://", "ws://") + "/ws/v1"
    wait_for(lambda: not any(t.name.endswith("(__run)") for t in threading.enumerate()))   # the SDK's threads
    gc.collect()


def transcribe(url: str, audio: bytes, token: str = "local-token", **params: Any) -> Events:
    import nls

    events = Events()
    transcriber = nls.NlsSpeechTranscriber(url=url, token=token, appkey=params.pop("appkey", APPKEY),
                                           **events.callbacks("start", "sentence_begin", "sentence_end",
                                                              "result_changed", "completed"))
    transcriber.start(aformat=params.pop("aformat", "wav"), **params)
    for i in range(0, len(audio), 3200):
        transcriber.send_audio(audio[i:i + 3200])
    transcriber.stop()
    wait_for(lambda: events.closed)       # after Completed the SDK closes; after TaskFailed the gateway does
    transcriber.shutdown()
    return events


