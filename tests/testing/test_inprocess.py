"""In-process mode: httpx clients, sync and async, reach the emulator through respx without sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from emulator.testing.inprocess import InProcessEmulator, NotRouted

DASHSCOPE = "https://dashscope.aliyuncs.com/api/v1"
HEADERS = {"Authorization": "Bearer sk-asr-emulator-local"}
FILE = "https://dashscope.aliyuncs.com/_emulator/fixtures/hello_zh.wav"


def submit_body() -> dict[str, Any]:
    return {"model": "paraformer-v2", "input": {"file_urls": [FILE]}}


def test_a_sync_httpx_client(asr_emulator_respx: InProcessEmulator) -> None:
    with httpx.Client() as client:
        created = client.post(f"{DASHSCOPE}/services/audio/asr/transcription", json=submit_body(),
                              headers={**HEADERS, "X-DashScope-Async": "enable"})
        assert created.status_code == 200, created.text
        task = client.get(f"{DASHSCOPE}/tasks/{created.json()['output']['task_id']}", headers=HEADERS).json()
    assert task["output"]["task_status"] == "SUCCEEDED"
    assert asr_emulator_respx.engine.jobs()[0].vendor == "dashscope"


def test_an_async_httpx_client(asr_emulator_respx: InProcessEmulator) -> None:
    async def go() -> dict[str, Any]:
        async with httpx.AsyncClient() as client:
            created = await client.post(f"{DASHSCOPE}/services/audio/asr/transcription", json=submit_body(),
                                        headers={**HEADERS, "X-DashScope-Async": "enable"})
            task_id = created.json()["output"]["task_id"]
            result: dict[str, Any] = (await client.get(f"{DASHSCOPE}/tasks/{task_id}", headers=HEADERS)).json()
            return result

    assert asyncio.run(go())["output"]["task_status"] == "SUCCEEDED"


def test_a_host_it_does_not_answer_fails_clearly(asr_emulator_respx: InProcessEmulator) -> None:
    with pytest.raises(NotRouted, match=r"no route for GET https://example\.com/x.*DashScope"):
        httpx.get("https://example.com/x")


def test_other_routes_can_be_added(asr_emulator_respx: InProcessEmulator) -> None:
    asr_emulator_respx.router.get("https://example.com/hook").respond(204)
    assert httpx.get("https://example.com/hook").status_code == 204


@pytest.mark.asr_emulator(lifecycle="polls:2", faults=[{"match": {"vendor": "dashscope", "operation": "query",
                                                                  "times": 1}, "action": {"type": "throttle"}}])
def test_the_marker_applies_in_process(asr_emulator_respx: InProcessEmulator) -> None:
    created = httpx.post(f"{DASHSCOPE}/services/audio/asr/transcription", json=submit_body(),
                         headers={**HEADERS, "X-DashScope-Async": "enable"})
    task_url = f"{DASHSCOPE}/tasks/{created.json()['output']['task_id']}"
    assert httpx.get(task_url, headers=HEADERS).status_code == 429
    assert httpx.get(task_url, headers=HEADERS).json()["output"]["task_status"] == "PENDING"


def test_tencent_and_eas_hosts() -> None:
    with InProcessEmulator() as emulator:
        r = httpx.post("http://1234567890.cn-shanghai.pai-eas.aliyuncs.com/api/predict/asr_general_express",
                       headers={"Authorization": "asr-emulator-eas-token"},
                       json={"input": {"url": "http://media.asr-emulator.test/a.wav?text=%E4%BD%A0%E5%A5%BD"}})
        assert r.json() == {"0": "你好"}
        assert emulator.engine.jobs()[0].vendor == "eas"


@pytest.mark.asr_emulator(fast_polling=True)
@pytest.mark.filterwarnings("ignore:dashscope 2.0 audio API is a preview:FutureWarning")
@pytest.mark.filterwarnings("ignore:no workspace configured:UserWarning")     # the SDK's default gateway
def test_the_dashscope_2x_client_sync_and_async(asr_emulator_respx: InProcessEmulator) -> None:
    """dashscope's 2.x client speaks httpx: with its default endpoint it reaches the in-process emulator."""
    from dashscope import AsyncClient, Client

    with Client(api_key="sk-asr-emulator-local") as client:
        job = client.audio.asr.transcribe([FILE], model="paraformer-v2")
    assert job.status == "SUCCEEDED"
    assert httpx.get(job.results[0].transcription_url).json()["transcripts"][0]["text"] == \
        "你好，欢迎使用语音识别模拟器。今天天气很好。"

    async def go() -> str:
        async with AsyncClient(api_key="sk-asr-emulator-local") as async_client:
            done = await async_client.audio.asr.transcribe([FILE], model="paraformer-v2")
        status: str = done.status
        return status

    assert asyncio.run(go()) == "SUCCEEDED"


FLAT = {"vendor": "dashscope", "operation": "query", "times": 1, "action": "throttle"}


@pytest.mark.asr_emulator(faults=[FLAT], settings={"rate_limits": True, "nls": {"strict_urls": True}}, seed=5)
def test_the_same_control_api_and_marker_meaning_in_process(asr_emulator_respx: InProcessEmulator) -> None:
    emu = asr_emulator_respx
    assert emu.settings()["rate_limits"] is True and emu.settings()["nls"]["strict_urls"] is True
    assert emu.settings()["seed"] == 5
    rules = emu._call("GET", "/faults")["rules"]
    assert [(r["vendor"], r["operation"], r["times"]) for r in rules] == [("dashscope", "query", 1)]
    emu.script("脚本。", url="http://media.asr-emulator.test/s.wav")
    body = {"model": "paraformer-v2", "input": {"file_urls": ["http://media.asr-emulator.test/s.wav"]}}
    created = httpx.post(f"{DASHSCOPE}/services/audio/asr/transcription", json=body,
                         headers={**HEADERS, "X-DashScope-Async": "enable"}).json()
    assert [j["id"] for j in emu.jobs(vendor="dashscope")] == [created["output"]["task_id"]]
    assert emu.journal(vendor="dashscope")[0]["operation"] == "submit"
    assert emu.clock(mode="manual", now=1_000_000)["now"] == 1_000_000
    emu.fault({"type": "error", "code": "InternalError"}, vendor="dashscope", operation="list")
    assert httpx.get(f"{DASHSCOPE}/tasks", headers=HEADERS).status_code == 500


def test_the_next_test_starts_clean_in_process(asr_emulator_respx: InProcessEmulator) -> None:
    emu = asr_emulator_respx
    assert emu.jobs() == [] and emu._call("GET", "/faults")["rules"] == []
    assert emu.settings()["rate_limits"] is False and emu.clock()["mode"] == "real"
    assert list(emu.router.routes) == emu._base          # routes a test adds do not outlive it


@pytest.mark.asr_emulator(fast_polling=True)
@pytest.mark.filterwarnings("ignore:dashscope 2.0 audio API is a preview:FutureWarning")
@pytest.mark.filterwarnings("ignore:no workspace configured:UserWarning")
@pytest.mark.parametrize("where", [{"workspace": "ws-asr-test", "region": "cn-hongkong"}, {"region": "cn-hongkong"},
                                   {"region": "ap-southeast-1"}, {"workspace": "ws-1", "region": "cn-beijing"}])
def test_the_2x_client_on_every_gateway_it_builds(asr_emulator_respx: InProcessEmulator,
                                                  where: dict[str, str]) -> None:
    from dashscope import Client

    with Client(api_key="sk-asr-emulator-local", **where) as client:
        job = client.audio.asr.transcribe([FILE], model="paraformer-v2")
    assert job.status == "SUCCEEDED"
    entry = asr_emulator_respx.journal(vendor="dashscope")[0]
    assert entry["operation"] == "submit" and entry["status"] == 200
    assert httpx.get(job.results[0].transcription_url).json()["transcripts"][0]["text"] == \
        "你好，欢迎使用语音识别模拟器。今天天气很好。"


@pytest.mark.parametrize("url", [
    "https://filetrans.cn-shanghai.aliyuncs.com/?Action=GetTaskResult&Version=2018-08-17",
    "https://filetrans.ap-southeast-1.aliyuncs.com/?Action=GetTaskResult&Version=2018-08-17",
    "https://asr.tencentcloudapi.com/", "https://asr.ap-shanghai.tencentcloudapi.com/",
    "https://asr.intl.tencentcloudapi.com/",
    "https://1234.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/nope",
    "https://1234.vpc.cn-hangzhou.pai-eas.aliyuncs.com/api/predict/nope",
    "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/k",
    "https://examplebucket-1250000000.ci.ap-beijing.myqcloud.com/asr_jobs",
])
def test_every_regional_endpoint_reaches_the_emulator(asr_emulator_respx: InProcessEmulator, url: str) -> None:
    headers = {"X-TC-Action": "DescribeTaskStatus"} if "tencentcloudapi" in url else {}
    answer = httpx.get(url, headers=headers)
    assert answer.headers["x-asr-emulator"]                  # answered by the emulator, in the vendor's words
    assert len(asr_emulator_respx.journal()) == 1
