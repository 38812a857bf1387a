"""Contracts the emulator and the real services must both keep, checked with the vendors' SDKs only.

What is asserted is what a user's code relies on — statuses, codes, field names and types, orderings — never the
words recognised, so the same assertions hold for the emulator's scripts and the services' models.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.drift.conftest import Target

pytestmark = [pytest.mark.sdk, pytest.mark.drift]
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
WAIT_S = 300          # the real services take their time


# ---- DashScope ----------------------------------------------------------------------------------------------------

def test_dashscope_file_transcription(target: Target) -> None:
    from dashscope.audio.asr import Transcription

    target.dashscope()
    submitted = Transcription.async_call(model="paraformer-v2", file_urls=[target.media_url()])
    assert submitted.status_code == 200, submitted.message
    assert submitted.output.task_status in ("PENDING", "RUNNING", "SUCCEEDED")
    done = Transcription.wait(task=submitted.output.task_id)
    assert done.status_code == 200 and done.output.task_status == "SUCCEEDED"
    [result] = done.output.results
    assert result["subtask_status"] == "SUCCEEDED"
    document = httpx.get(result["transcription_url"], timeout=30).json()
    assert document["file_url"] == target.media_url()
    assert isinstance(document["properties"]["original_sampling_rate"], int)
    for transcript in document["transcripts"]:
        assert isinstance(transcript["channel_id"], int) and isinstance(transcript["text"], str)
        for sentence in transcript["sentences"]:
            assert 0 <= sentence["begin_time"] <= sentence["end_time"]
            assert sentence["text"]
    # 001: only speech content is billed (the rounding is not documented: within a second)
    content_s = sum(t["content_duration_in_milliseconds"] for t in document["transcripts"]) / 1000
    assert abs(done.usage["duration"] - content_s) <= 1


def test_dashscope_unknown_task_and_bad_key(target: Target) -> None:
    from dashscope.audio.asr import Transcription

    target.dashscope()
    unknown = Transcription.fetch(task="8a7c2f1e-0000-4000-8000-000000000000")
    assert unknown.status_code == 200 and unknown.output.task_status == "UNKNOWN"
    refused = Transcription.async_call(model="paraformer-v2", file_urls=[target.media_url()],
                                       api_key="sk-drift-test-not-a-key")
    assert (refused.status_code, refused.code) == (401, "InvalidApiKey")


def test_dashscope_realtime_recognition(target: Target) -> None:
    from dashscope.audio.asr import Recognition

    target.dashscope()

    def sentences(**kwargs: Any) -> list[dict[str, Any]]:
        result = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                             **kwargs).call(str(FIXTURES / "hello_zh.wav"))
        assert result.status_code == 200, result.message
        found: list[dict[str, Any]] = result.get_sentence()
        return found

    vad = sentences()
    assert vad and all(s["text"] and s["end_time"] is not None and s["sentence_end"] for s in vad)
    assert [s["begin_time"] for s in vad] == sorted(s["begin_time"] for s in vad)
    for sentence in vad:
        for word in sentence["words"]:
            assert sentence["begin_time"] <= word["begin_time"] <= word["end_time"] <= sentence["end_time"]
            assert set(word) >= {"text", "punctuation"}
    # two sentences 420 ms apart: the 800 ms silence joins them; by meaning they are not fewer
    assert len(sentences(semantic_punctuation_enabled=True)) >= len(vad)
    assert len(sentences(max_sentence_silence=6000)) <= len(vad)


def test_dashscope_realtime_unknown_model(target: Target) -> None:
    from dashscope.audio.asr import Recognition

    target.dashscope()
    result = Recognition(model="paraformer-realtime-v0-drift", format="wav", sample_rate=16000,
                         callback=None).call(str(FIXTURES / "hello_zh.wav"))
    assert result.status_code != 200 and result.code == "InvalidParameter"


# ---- NLS recording-file recognition -------------------------------------------------------------------------------

def _nls(target: Target, secret: str | None = None) -> tuple[Any, str, str]:
    from aliyunsdkcore.client import AcsClient

    akid, key, appkey = target.credential("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                                          "NLS_APPKEY")
    return AcsClient(akid, secret or key, "cn-shanghai"), target.host("filetrans.cn-shanghai.aliyuncs.com"), appkey


def _nls_request(domain: str, action: str, method: str) -> Any:
    from aliyunsdkcore.request import CommonRequest

    req = CommonRequest()
    req.set_domain(domain)
    req.set_version("2018-08-17")
    req.set_product("nls-filetrans")
    req.set_action_name(action)
    req.set_method(method)
    return req


def test_nls_filetrans(target: Target) -> None:
    client, domain, appkey = _nls(target)
    submit = _nls_request(domain, "SubmitTask", "POST")
    submit.add_body_params("Task", json.dumps({"appkey": appkey, "file_link": target.media_url(), "version": "4.0",
                                               "enable_words": False}))
    submitted = json.loads(client.do_action_with_exception(submit))
    assert (submitted["StatusCode"], submitted["StatusText"]) == (21050000, "SUCCESS")
    assert isinstance(submitted["TaskId"], str) and submitted["TaskId"]
    deadline = time.monotonic() + WAIT_S
    while True:
        query = _nls_request(domain, "GetTaskResult", "GET")
        query.add_query_param("TaskId", submitted["TaskId"])
        answer = json.loads(client.do_action_with_exception(query))
        if answer["StatusText"] not in ("RUNNING", "QUEUEING"):
            break
        assert time.monotonic() < deadline, answer
        time.sleep(0 if not target.vendor else 5)
    assert (answer["StatusCode"], answer["StatusText"]) == (21050000, "SUCCESS")
    sentences = answer["Result"]["Sentences"]
    assert sentences and all(s["BeginTime"] <= s["EndTime"] and isinstance(s["ChannelId"], int) for s in sentences)
    assert all(isinstance(answer[k], int) for k in ("BizDuration", "SolveTime"))
    assert "RequestTime" not in answer          # only callbacks carry it (004's query samples never do)


def test_nls_wrong_secret_is_a_signature_error(target: Target) -> None:
    from aliyunsdkcore.acs_exception.exceptions import ServerException

    client, domain, _ = _nls(target, secret="drift-test-wrong-secret")
    query = _nls_request(domain, "GetTaskResult", "GET")
    query.add_query_param("TaskId", "0" * 32)
    with pytest.raises(ServerException) as refused:
        client.do_action_with_exception(query)
    assert refused.value.get_error_code() == "SignatureDoesNotMatch"
    assert refused.value.get_http_status() == 400


# ---- Tencent Cloud ASR API 3.0 ------------------------------------------------------------------------------------

def _asr(target: Target, secret: str | None = None) -> Any:
    from tencentcloud.asr.v20190614 import asr_client
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    secret_id, secret_key = target.credential("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY")
    http = HttpProfile() if target.vendor else HttpProfile(protocol="http", endpoint=target.host(""))
    return asr_client.AsrClient(credential.Credential(secret_id, secret or secret_key), "ap-guangzhou",
                                ClientProfile(httpProfile=http))


def test_tencent_rec_task(target: Target) -> None:
    from tencentcloud.asr.v20190614 import models

    client = _asr(target)
    create = models.CreateRecTaskRequest()
    create.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 2,
                                        "SourceType": 0, "Url": target.media_url()}))
    task_id = client.CreateRecTask(create).Data.TaskId
    assert isinstance(task_id, int) and task_id > 0
    describe = models.DescribeTaskStatusRequest()
    describe.TaskId = task_id
    deadline = time.monotonic() + WAIT_S
    while (status := client.DescribeTaskStatus(describe).Data).Status in (0, 1):
        assert time.monotonic() < deadline, status.StatusStr
        time.sleep(0 if not target.vendor else 5)
    assert (status.Status, status.StatusStr) == (2, "success")
    assert isinstance(status.Result, str) and status.AudioDuration > 0
    for detail in status.ResultDetail:
        assert detail.StartMs <= detail.EndMs and isinstance(detail.FinalSentence, str)


def test_tencent_errors(target: Target) -> None:
    from tencentcloud.asr.v20190614 import models
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    describe = models.DescribeTaskStatusRequest()
    describe.TaskId = 1
    with pytest.raises(TencentCloudSDKException) as missing:
        _asr(target).DescribeTaskStatus(describe)
    assert missing.value.get_code() == "FailedOperation.NoSuchTask"
    with pytest.raises(TencentCloudSDKException) as refused:
        _asr(target, secret="drift-test-wrong-secret-key").DescribeTaskStatus(describe)
    assert refused.value.get_code() == "AuthFailure.SignatureFailure"
