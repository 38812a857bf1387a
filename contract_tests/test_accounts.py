"""Accounts that don't see each other: two accounts on one live server, each through the vendors' SDKs with its own
credentials, and a control plane acting for one account (``X-ASR-Emulator-Account``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from qcloud_cos.cos_exception import CosServiceError
from tencentcloud.asr.v20190614 import models
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from contract_tests.conftest import FIXTURES, drop_proxies
from contract_tests.nls.conftest import Filetrans
from emulator.testing import Account, ControlClient
from emulator.testing.client import ControlError
from emulator.testing.handle import EmulatorHandle

pytestmark = pytest.mark.sdk
BUCKET = "examplebucket-1250000000"


@pytest.fixture
def two(emulator: ControlClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatorHandle, EmulatorHandle]]:
    drop_proxies(monkeypatch)
    a = EmulatorHandle(emulator.url, account=Account.named("account a"))
    b = EmulatorHandle(emulator.url, account=Account.named("account b"))
    yield a, b
    for handle in (a, b):
        handle.restore()
        handle.close()


def dashscope_submit(handle: EmulatorHandle, url: str) -> str:
    dashscope = handle.dashscope(fast_polling=True)
    task_id: str = dashscope.audio.asr.Transcription.async_call(model="paraformer-v2", file_urls=[url]).output.task_id
    return task_id


def test_jobs_scripts_and_lifecycles_are_each_accounts_own(two: tuple[EmulatorHandle, EmulatorHandle]) -> None:
    a, b = two
    url = a.fixture_url("hello_zh.wav")
    a.lifecycle("manual")
    b.lifecycle("instant")
    a.script("甲的脚本。", url=url)
    b.script("乙的脚本。", url=url)
    a_task, b_task = dashscope_submit(a, url), dashscope_submit(b, url)
    assert [j["id"] for j in a.jobs()] == [a_task] and [j["id"] for j in b.jobs()] == [b_task]
    # an account the control plane acts for is registered: its keys are known, not accepted leniently
    assert [e["warnings"] for e in a.journal(vendor="dashscope")] == [None]
    assert a.jobs()[0]["account"] == a.credentials("dashscope")["api_key"]
    dashscope = b.dashscope(fast_polling=True)
    assert dashscope.audio.asr.Transcription.fetch(task=b_task).output.task_status == "SUCCEEDED"   # b: instant
    other = dashscope.audio.asr.Transcription.fetch(task=a_task)             # b's key cannot read a's task
    assert other.output.task_status == "UNKNOWN"
    with pytest.raises(ControlError, match="404"):                           # nor can b's control plane
        b.job(a_task)
    a.job_action(a_task, "complete")                                          # a: manual
    for handle, task, text in ((a, a_task, "甲的脚本。"), (b, b_task, "乙的脚本。")):
        done = handle.dashscope(fast_polling=True).audio.asr.Transcription.wait(task=task)
        result = httpx.get(done.output.results[0]["transcription_url"]).json()
        assert result["transcripts"][0]["text"] == text                      # each its own script for one URL
    everyone = ControlClient(a.url)                                           # no account: everything
    assert {j["id"] for j in everyone.jobs()} == {a_task, b_task}
    a_key = a.credentials("dashscope")["api_key"]
    assert [j["id"] for j in everyone.jobs(account=a_key)] == [a_task]       # a filter by the making credential
    page = httpx.get(f"{a.url}/_emulator/ui/rows", params={"account": a_key}).text     # the dashboard's filter too
    assert a_task in page and b_task not in page
    a.reset()                                                                 # a's reset leaves b's world alone
    assert a.jobs() == [] and [j["id"] for j in b.jobs()] == [b_task]
    assert [j["id"] for j in everyone.jobs()] == [b_task]
    everyone.close()


def test_a_fault_rule_hits_only_its_accounts_requests(two: tuple[EmulatorHandle, EmulatorHandle]) -> None:
    a, b = two
    a.fault({"type": "error", "code": "41050015"}, vendor="nls", operation="SubmitTask")
    assert [r["account"] for r in a._call("GET", "/faults")["rules"]] == [a.account and a.account.header]
    assert b._call("GET", "/faults")["rules"] == []
    task = {"file_link": a.fixture_url("hello_zh.wav")}
    mine = Filetrans(a.acs_client(), a.host).submit(task)
    theirs = Filetrans(b.acs_client(), b.host).submit(task)
    assert mine["StatusCode"] == 41050015 or "41050015" in json.dumps(mine)
    assert theirs["StatusText"] == "SUCCESS" and theirs["TaskId"]
    b._call("DELETE", "/faults")                                             # b's delete: a's rule stays
    assert len(a._call("GET", "/faults")["rules"]) == 1


def test_another_accounts_tasks_cannot_be_read_through_the_sdks(two: tuple[EmulatorHandle, EmulatorHandle]) -> None:
    a, b = two
    a.lifecycle("instant")
    req = models.CreateRecTaskRequest()
    req.from_json_string(json.dumps({"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0,
                                     "SourceType": 0, "Url": a.fixture_url("hello_zh.wav")}))
    task_id = a.asr_client().CreateRecTask(req).Data.TaskId
    ask = models.DescribeTaskStatusRequest()
    ask.TaskId = task_id
    assert a.asr_client().DescribeTaskStatus(ask).Data.StatusStr == "success"
    with pytest.raises(TencentCloudSDKException):
        b.asr_client().DescribeTaskStatus(ask)
    # Cloud Infinite: the same bucket name, another account's SecretId: its jobs are not there
    cos_a, cos_b = a.cos_client(), b.cos_client()
    cos_a.put_object(Bucket=BUCKET, Key="input/a.wav", Body=FIXTURES.joinpath("hello_zh.wav").read_bytes())
    queue = cos_a.ci_get_asr_queue(Bucket=BUCKET)["QueueList"][0]["QueueId"]
    job: dict[str, Any] = cos_a.ci_create_asr_job(
        Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion="ap-guangzhou", OutputObject="output/a.txt",
        InputObject="input/a.wav", QueueId=queue,
        SpeechRecognition={"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0})["JobsDetail"]
    assert cos_a.ci_get_asr_job(Bucket=BUCKET, JobID=job["JobId"])["JobsDetail"][0]["JobId"] == job["JobId"]
    assert cos_b.ci_get_asr_job(Bucket=BUCKET, JobID=job["JobId"]).get("NonExistJobIds") == job["JobId"]
    try:
        cos_b.ci_cancel_jobs(Bucket=BUCKET, JobID=job["JobId"])
        raise AssertionError("another account cancelled the job")
    except CosServiceError as exc:
        assert exc.get_status_code() == 400


def test_the_server_wide_settings_and_clock_are_refused_to_an_account(
        two: tuple[EmulatorHandle, EmulatorHandle]) -> None:
    a, _ = two
    with pytest.raises(ControlError, match=r"409.*server's"):
        a.settings(rate_limits=True)
    with pytest.raises(ControlError, match=r"409.*server's"):
        a.clock(mode="manual")
    with pytest.raises(ControlError, match="409"):
        a.reset(settings={"seed": 3})
    assert a.clock()["mode"] == "real" and a._call("GET", "/settings")["rate_limits"] is False
    bad = httpx.get(a.url + "/_emulator/jobs", headers={"X-ASR-Emulator-Account": "a,,b"})
    assert bad.status_code == 400 and "X-ASR-Emulator-Account" in bad.json()["error"]


def test_cos_objects_of_the_same_bucket_and_key_are_each_accounts_own(
        two: tuple[EmulatorHandle, EmulatorHandle]) -> None:
    a, b = two
    a.lifecycle("instant")
    b.lifecycle("instant")
    cos_a, cos_b = a.cos_client(), b.cos_client()
    for cos, name in ((cos_a, "hello_zh.wav"), (cos_b, "hello_en.wav")):    # the same bucket, the same key
        cos.put_object(Bucket=BUCKET, Key="input/same.wav", Body=FIXTURES.joinpath(name).read_bytes())
    for cos, name in ((cos_a, "hello_zh.wav"), (cos_b, "hello_en.wav")):
        got = cos.get_object(Bucket=BUCKET, Key="input/same.wav")["Body"].get_raw_stream().read()
        assert got == FIXTURES.joinpath(name).read_bytes()
    texts = {}
    for handle, cos in ((a, cos_a), (b, cos_b)):
        queue = cos.ci_get_asr_queue(Bucket=BUCKET)["QueueList"][0]["QueueId"]
        job = cos.ci_create_asr_job(
            Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion="ap-guangzhou", OutputObject="output/same.txt",
            InputObject="input/same.wav", QueueId=queue,
            SpeechRecognition={"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0})["JobsDetail"]
        done = cos.ci_get_asr_job(Bucket=BUCKET, JobID=job["JobId"])["JobsDetail"][0]
        assert done["State"] == "Success"
        texts[handle] = cos.get_object(Bucket=BUCKET, Key="output/same.txt")["Body"].get_raw_stream().read()
    assert texts[a] != texts[b] and texts[a]            # each job read its own input and wrote its own output
    assert [c["Key"] for c in cos_b.list_objects(Bucket=BUCKET)["Contents"]] == ["input/same.wav",
                                                                                "output/same.txt"]
    a.reset()                                          # a's objects go; b's stay
    with pytest.raises(CosServiceError):
        cos_a.get_object(Bucket=BUCKET, Key="input/same.wav")
    assert cos_b.get_object(Bucket=BUCKET, Key="input/same.wav")["Body"].get_raw_stream().read() == \
        FIXTURES.joinpath("hello_en.wav").read_bytes()
