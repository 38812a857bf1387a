"""Tencent Cloud ASR API 3.0 through tencentcloud-sdk-python-asr: CreateRecTask → DescribeTaskStatus."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from tencentcloud.asr.v20190614 import asr_client, models
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from contract_tests.conftest import FIXTURES, LocalFiles
from contract_tests.tencent.conftest import make_asr
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def create(client: asr_client.AsrClient, **fields: Any) -> int:
    req = models.CreateRecTaskRequest()
    req.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0,
                                     "SourceType": 0, **fields}))
    task_id: int = client.CreateRecTask(req).Data.TaskId
    return task_id


def describe(client: asr_client.AsrClient, task_id: int) -> models.TaskStatus:
    req = models.DescribeTaskStatusRequest()
    req.TaskId = task_id
    status: models.TaskStatus = client.DescribeTaskStatus(req).Data
    return status


def wait(client: asr_client.AsrClient, task_id: int) -> tuple[list[str], models.TaskStatus]:
    seen = []
    for _ in range(20):
        status = describe(client, task_id)
        seen.append(status.StatusStr)
        if status.Status in (2, 3):
            return seen, status
    raise AssertionError(f"task {task_id} never ended: {seen}")


def test_create_then_describe_to_success(asr: asr_client.AsrClient, emulator: ControlClient) -> None:
    task_id = create(asr, Url=emulator.fixture_url("hello_zh.wav"))
    seen, status = wait(asr, task_id)
    assert seen == ["waiting", "doing", "success"]
    assert status.TaskId == task_id and status.ErrorMsg == ""
    lines = status.Result.splitlines()
    assert all(line.startswith("[0:") and "]  " in line for line in lines)
    assert "".join(line.split("]  ", 1)[1] for line in lines) == script("hello_zh.wav")
    assert status.AudioDuration > 0
    assert status.ResultDetail is None                      # ResTextFormat 0: no details


def test_word_details_and_base64_data(asr: asr_client.AsrClient) -> None:
    data = FIXTURES.joinpath("hello_en.wav").read_bytes()
    task_id = create(asr, EngineModelType="16k_en", ResTextFormat=2, SourceType=1,
                     Data=base64.b64encode(data).decode(), DataLen=len(data))
    _, status = wait(asr, task_id)
    assert status.StatusStr == "success"
    details = status.ResultDetail
    assert " ".join(d.FinalSentence for d in details) == script("hello_en.wav")
    first = details[0]
    assert first.Words[0].OffsetStartMs == 0 and first.WordsNum == len(first.Words)
    assert first.SliceSentence == " ".join(w.Word.rstrip(".,") for w in first.Words)
    assert first.EndMs > first.StartMs and first.SpeechSpeed > 0


def test_a_download_failure_fails_the_task(asr: asr_client.AsrClient) -> None:
    task_id = create(asr, Url="http://media.asr-emulator.test/a.wav?status=404")
    seen, status = wait(asr, task_id)
    assert seen[-1] == "failed" and status.Status == 3
    assert status.ErrorMsg == "Failed to download audio file!"


def test_stereo_needs_an_8k_engine(asr: asr_client.AsrClient, emulator: ControlClient) -> None:
    with pytest.raises(TencentCloudSDKException) as err:
        create(asr, ChannelNum=2, Url=emulator.fixture_url("stereo_call.wav"))
    assert err.value.get_code() == "InvalidParameterValue"
    task_id = create(asr, EngineModelType="8k_zh", ChannelNum=2, ResTextFormat=1,
                     Url=emulator.fixture_url("stereo_call.wav"))
    _, status = wait(asr, task_id)
    assert {d.SpeakerId for d in status.ResultDetail} == {0, 1}


def test_a_wrong_key(emulator: ControlClient) -> None:
    client = make_asr(emulator, secret_key="not-the-key")
    with pytest.raises(TencentCloudSDKException) as err:
        create(client, Url=emulator.fixture_url("hello_zh.wav"))
    assert err.value.get_code() == "AuthFailure.SignatureFailure"
    assert err.value.get_request_id()


def test_an_unknown_task(asr: asr_client.AsrClient) -> None:
    with pytest.raises(TencentCloudSDKException) as err:
        describe(asr, 42)
    assert err.value.get_code() == "FailedOperation.NoSuchTask"


@pytest.mark.parametrize(("fields", "code"), [
    ({"EngineModelType": "99k_zz"}, "InvalidParameterValue.ErrorInvalidEngservice"),
    ({"SourceType": 0}, "InvalidParameterValue.ErrorInvalidUrl"),
    ({"SourceType": 1, "Data": "***"}, "InvalidParameterValue.ErrorInvalidVoicedata"),
    ({"ResTextFormat": 9, "Url": "http://a/b.wav"}, "InvalidParameterValue"),
])
def test_bad_parameters(asr: asr_client.AsrClient, fields: dict[str, Any], code: str) -> None:
    with pytest.raises(TencentCloudSDKException) as err:
        create(asr, **fields)
    assert err.value.get_code() == code


def test_the_get_method_and_proxy_mode(emulator: ControlClient, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.lifecycle("instant")
    via_get = make_asr(emulator, reqMethod="GET")
    _, status = wait(via_get, create(via_get, Url=emulator.fixture_url("hello_zh.wav")))
    assert status.StatusStr == "success"
    monkeypatch.setenv("HTTP_PROXY", emulator.url)
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    proxied = asr_client.AsrClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                   ClientProfile(httpProfile=HttpProfile(protocol="http")))
    _, status = wait(proxied, create(proxied, Url=emulator.fixture_url("hello_zh.wav")))
    assert status.StatusStr == "success"


def test_faults_reach_the_sdk(asr: asr_client.AsrClient, emulator: ControlClient) -> None:
    emulator.fault("throttle", vendor="tencent_asr", operation="CreateRecTask")
    with pytest.raises(TencentCloudSDKException) as err:
        create(asr, Url=emulator.fixture_url("hello_zh.wav"))
    assert err.value.get_code() == "RequestLimitExceeded"
    emulator.clear_faults()
    emulator.fault({"type": "fail_job", "code": "recognition_failed", "message": "Recognition failed!"},
                   vendor="tencent_asr")
    _, status = wait(asr, create(asr, Url=emulator.fixture_url("hello_zh.wav")))
    assert (status.Status, status.ErrorMsg) == (3, "Recognition failed!")


def test_callback(asr: asr_client.AsrClient, emulator: ControlClient, local_files: LocalFiles) -> None:
    emulator.settings(callback_retry_delays=[0.05])
    task_id = create(asr, Url=emulator.fixture_url("hello_zh.wav"), ResTextFormat=1,
                     CallbackUrl=f"{local_files.url}/tencent-cb")
    wait(asr, task_id)
    import time

    for _ in range(200):
        with local_files.lock:
            bodies = [b for p, _, b in local_files.received if p == "/tencent-cb"]
        if bodies:
            break
        time.sleep(0.02)
    form = {k: v[0] for k, v in parse_qs(bodies[0].decode(), keep_blank_values=True).items()}
    assert form["code"] == "0" and form["requestId"] == str(task_id)
    assert "]  " in form["text"] and float(form["audioTime"]) > 0
    assert json.loads(form["resultDetail"])[0]["FinalSentence"]


@pytest.mark.parametrize("method", ["HmacSHA1", "HmacSHA256"])
def test_the_legacy_signature(emulator: ControlClient, method: str) -> None:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    emulator.lifecycle("polls:1")

    def client(key: str) -> asr_client.AsrClient:
        profile = ClientProfile(signMethod=method, httpProfile=HttpProfile(protocol="http",
                                                                           endpoint=emulator.url.split("//", 1)[1]))
        return asr_client.AsrClient(credential.Credential(SECRET_ID, key), "ap-guangzhou", profile)

    legacy = client(SECRET_KEY)
    seen, status = wait(legacy, create(legacy, Url=emulator.fixture_url("hello_zh.wav"), ResTextFormat=1))
    assert seen == ["waiting", "doing", "success"] and status.ResultDetail
    with pytest.raises(TencentCloudSDKException) as err:
        create(client("wrong"), Url=emulator.fixture_url("hello_zh.wav"))
    assert err.value.get_code() == "AuthFailure.SignatureFailure"


MAGIC = "http://media.asr-emulator.test/audio.wav"


def text_of(status: models.TaskStatus) -> str:
    return "".join(line.split("]  ", 1)[1] for line in status.Result.splitlines())


def test_filter_dirty_drops_or_stars_restricted_words(asr: asr_client.AsrClient, emulator: ControlClient) -> None:
    url = f"{MAGIC}?text=你这个混蛋，快走开。&duration=4"
    assert text_of(wait(asr, create(asr, Url=url))[1]) == "你这个混蛋，快走开。"          # FilterDirty 0 (default)
    assert text_of(wait(asr, create(asr, Url=url, FilterDirty=1))[1]) == "你这个，快走开。"
    assert text_of(wait(asr, create(asr, Url=url, FilterDirty=2))[1]) == "你这个**，快走开。"
    # the user's own words join the list (settings "tencent": {"restricted_words": [...]})
    emulator.settings(tencent={"restricted_words": ["走开"]})
    assert text_of(wait(asr, create(asr, Url=url, FilterDirty=2))[1]) == "你这个**，快**。"
    # words in the details are filtered too
    status = wait(asr, create(asr, Url=url, FilterDirty=1, ResTextFormat=1))[1]
    assert "".join(w.Word for d in status.ResultDetail for w in d.Words) == "你这个快"
