"""aliyun-python-sdk-core as the vendor's filetrans sample uses it, a local file server and a callback receiver."""

from __future__ import annotations

import json
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
