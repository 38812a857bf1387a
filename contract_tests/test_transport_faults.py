"""Transport faults on the wire, for every vendor: a dropped connection, an empty body, a malformed body and a slow
body, through the fault API — seen by raw HTTP and by the vendors' own clients."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from contract_tests.tencent.conftest import make_asr
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
EAS = {"Authorization": "asr-emulator-eas-token"}


def requests_for(emulator: ControlClient) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """One read-only call per vendor: (method, url, httpx keyword arguments)."""
    url = emulator.url
    return {
        "dashscope": ("GET", f"{url}/api/v1/tasks/nope",
                      {"headers": {"Authorization": "Bearer sk-asr-emulator-local"}}),
        "eas": ("POST", f"{url}/api/predict/asr_general_express",
                {"headers": EAS, "json": {"input": {"url": emulator.fixture_url("hello_zh.wav")}}}),
        "tencent_ci": ("GET", f"{url}/asr_jobs/snothing", {}),
        "nls": ("GET", f"{url}/?Action=GetTaskResult&Version=2018-08-17&TaskId=x", {}),
        "tencent_asr": ("POST", f"{url}/", {"headers": {"X-TC-Action": "DescribeTaskStatus",
                                                        "X-TC-Version": "2019-06-14"}, "json": {"TaskId": 1}}),
    }


@pytest.mark.parametrize("vendor", ["dashscope", "nls", "eas", "tencent_asr", "tencent_ci"])
def test_each_transport_fault_reaches_the_wire(emulator: ControlClient, vendor: str) -> None:
    emulator.lifecycle("instant")
    emulator.settings(credentials="off")
    method, url, kwargs = requests_for(emulator)[vendor]
    with httpx.Client(trust_env=False) as client:
        clean = client.request(method, url, **kwargs)
        assert clean.content
        emulator.fault("empty_body", vendor=vendor, times=1)
        empty = client.request(method, url, **kwargs)
        assert (empty.status_code, empty.content) == (clean.status_code, b"")
        emulator.fault("malformed_body", vendor=vendor, times=1)
        broken = client.request(method, url, **kwargs)
        assert len(broken.content) == len(clean.content) // 2 + 12          # cut short, then garbage
        assert broken.content[:8] == clean.content[:8]
        emulator.fault({"type": "slow_body", "seconds": 0.5}, vendor=vendor, times=1)
        started = time.monotonic()
        slow = client.request(method, url, **kwargs)
        assert len(slow.content) == len(clean.content) and time.monotonic() - started >= 0.4
        emulator.fault("drop", vendor=vendor, times=1)
        with pytest.raises(httpx.RemoteProtocolError):
            client.request(method, url, **kwargs)
        assert len(client.request(method, url, **kwargs).content) == len(clean.content)    # rules used up


def test_the_eas_client_retries_a_dropped_connection(emulator: ControlClient) -> None:
    from eas_prediction import PredictClient, StringRequest

    emulator.lifecycle("instant")
    emulator.fault("drop", vendor="eas", times=2)
    client = PredictClient(emulator.url.split("//", 1)[1], "asr_general_express")
    client.set_token("asr-emulator-eas-token")
    client.init()
    try:
        out = client.predict(StringRequest(json.dumps({"input": {"url": emulator.fixture_url("hello_zh.wav")}})))
    finally:
        client.destroy()
    assert json.loads(out.response_data)["0"]
    assert len(emulator.journal(vendor="eas")) == 3


def test_the_tencent_sdk_sees_an_empty_body(emulator: ControlClient) -> None:
    from tencentcloud.asr.v20190614 import models
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    emulator.fault("empty_body", vendor="tencent_asr")
    req = models.DescribeTaskStatusRequest()
    req.TaskId = 1
    with pytest.raises(TencentCloudSDKException) as err:
        make_asr(emulator).DescribeTaskStatus(req)
    assert err.value.get_code() in ("JSONDecodeError", "ClientNetworkError", "ServerNetworkError")


def test_malformed_bodies_replay_with_the_seed(emulator: ControlClient) -> None:
    emulator.settings(seed=11, credentials="off")
    method, url, kwargs = requests_for(emulator)["dashscope"]
    seen = []
    for _ in range(2):
        emulator.clear_faults()
        emulator.settings(seed=11)
        emulator.fault("malformed_body", vendor="dashscope", times=1)
        seen.append(httpx.request(method, url, trust_env=False, **kwargs).content[-12:])
    assert seen[0] == seen[1]
