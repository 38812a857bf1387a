"""Recording through the vendors' SDKs: an emulator recording (``serve --record DIR --upstream …``), the SDK
sending to the vendor's own host through it as a proxy, and a second emulator on loopback playing the real service
(``--upstream-address``). The SDK gets the upstream's answers, and the cassettes hold every exchange — in order,
named by operation — without a single secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.conftest import PROXY_VARIABLES, ca_file
from emulator.testing import ServerProcess

pytestmark = pytest.mark.sdk
API_KEY = "sk-recorded-secret-4242"                 # must never reach a cassette
SAID = "你好，欢迎使用语音识别模拟器。今天天气很好。"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """The 'real service': another emulator, its hosts mapped to it by the recorder's --upstream-address."""
    with ServerProcess(["--lifecycle", "polls:1"]) as server:
        yield server.url


@pytest.fixture
def recording(upstream: str, tmp_path: Path, ca_dir: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "cassettes"
    with ServerProcess(["--record", str(folder), "--upstream", "dashscope,tencent_asr", "--upstream-address",
                        upstream], env={**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}) as server:
        yield server.url, folder


def cassettes(folder: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))]


def no_secret_in(folder: Path, *secrets: str) -> None:
    for path in folder.glob("*.json"):
        text = path.read_text("utf-8")
        for secret in secrets:
            assert secret not in text, (path.name, secret)


def test_dashscope_sdk_recorded_through_the_proxy(recording: tuple[str, Path], upstream: str, ca_dir: Path) -> None:
    proxy, folder = recording
    code = textwrap.dedent(f"""
        from dashscope.audio.asr import Transcription
        task = Transcription.async_call(model="paraformer-v2", file_urls=["{upstream}/_emulator/fixtures/hello_zh.wav"])
        done = Transcription.wait(task=task.output.task_id)
        print(task.output.task_id, done.output.task_status)
    """)
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("DASHSCOPE_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "HTTPS_PROXY": proxy, "REQUESTS_CA_BUNDLE": ca_file(ca_dir),
                               "DASHSCOPE_API_KEY": API_KEY})
    assert done.returncode == 0, done.stderr[-3000:]
    task_id, status = done.stdout.split()
    assert status == "SUCCEEDED"
    recorded = cassettes(folder)
    assert [(c["vendor"], c["operation"]) for c in recorded] == [("dashscope", "submit")] + [
        ("dashscope", "query")] * (len(recorded) - 1)
    assert len(recorded) >= 3                     # polls:1 upstream: PENDING, RUNNING, SUCCEEDED — each poll kept
    submit, *polls = recorded
    assert submit["request"]["url"] == "https://dashscope.aliyuncs.com/api/v1/services/audio/asr/transcription"
    assert json.loads(submit["response"]["body"])["output"]["task_id"] == task_id
    assert [json.loads(p["response"]["body"])["output"]["task_status"] for p in polls][-1] == "SUCCEEDED"
    assert [c["seq"] for c in recorded] == sorted(c["seq"] for c in recorded)
    final = polls[-1]
    assert final["result_links"] == ["$.output.results[0].transcription_url"]       # kept, and marked
    assert "authorization: <redacted>" in submit["request"]["headers"]
    no_secret_in(folder, API_KEY, API_KEY[3:])


def test_tencent_sdk_recorded_with_its_signature_left_out(recording: tuple[str, Path], upstream: str,
                                                          ca_dir: Path) -> None:
    from tencentcloud.asr.v20190614 import asr_client, models
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    proxy, folder = recording
    http = HttpProfile(protocol="https", proxy=proxy, certification=ca_file(ca_dir))
    client = asr_client.AsrClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))
    request = models.CreateRecTaskRequest()
    request.from_json_string(f'{{"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0, "SourceType": 0, '
                             f'"Url": "{upstream}/_emulator/fixtures/hello_zh.wav"}}')
    task_id = client.CreateRecTask(request).Data.TaskId
    status = models.DescribeTaskStatusRequest()
    status.TaskId = task_id
    states = [client.DescribeTaskStatus(status).Data.StatusStr for _ in range(3)]
    assert states == ["waiting", "doing", "success"]
    recorded = cassettes(folder)
    assert [c["operation"] for c in recorded] == ["CreateRecTask"] + ["DescribeTaskStatus"] * 3
    assert all(c["vendor"] == "tencent_asr" for c in recorded)
    assert [json.loads(c["response"]["body"])["Response"]["Data"]["StatusStr"] for c in recorded[1:]] == states
    assert "authorization: <redacted>" in recorded[0]["request"]["headers"]
    no_secret_in(folder, SECRET_KEY, SECRET_ID)


def test_a_request_to_the_emulators_own_address_is_answered_here_and_said(recording: tuple[str, Path]) -> None:
    import httpx

    proxy, folder = recording
    answer = httpx.get(f"{proxy}/api/v1/tasks/nope", headers={"Authorization": f"Bearer {API_KEY}"})
    assert answer.json()["output"]["task_status"] == "UNKNOWN"
    assert "not recorded" in answer.headers["x-asr-emulator-warning"]
    assert cassettes(folder) == []
