"""HTTPS to the vendors' own hosts, for SDKs that insist on it: through the emulator as a proxy (``CONNECT
host:443``, TLS with the local CA) and with ``serve --tls``, the SDKs configured only as their users configure them
(a proxy, a CA bundle) — the vendor's host and ``https`` left as the SDK has them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import FIXTURES, PROXY_VARIABLES, ca_file
from emulator.testing import ServerProcess

pytestmark = pytest.mark.sdk
SAID = "你好，欢迎使用语音识别模拟器。今天天气很好。"


@pytest.fixture(scope="module")
def proxy_url(ca_dir: Path) -> Iterator[str]:
    with ServerProcess(["--lifecycle", "instant"], env={**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}) as server:
        yield server.url


@pytest.fixture
def ca(ca_dir: Path) -> str:
    return ca_file(ca_dir)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("DASHSCOPE_")}
    return {**env, **extra}


def test_dashscope_sdk_unchanged_through_https_proxy(proxy_url: str, ca: str) -> None:
    """The SDK's default base URL (https://dashscope.aliyuncs.com/api/v1); only HTTPS_PROXY and the CA bundle set."""
    code = textwrap.dedent(f"""
        from dashscope.audio.asr import Transcription
        import dashscope
        assert dashscope.base_http_api_url.startswith("https://dashscope.aliyuncs.com"), dashscope.base_http_api_url
        task = Transcription.async_call(model="paraformer-v2",
                                        file_urls=["{proxy_url}/_emulator/fixtures/hello_zh.wav"])
        done = Transcription.wait(task=task.output.task_id)
        print(done.output.task_status)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=clean_env(HTTPS_PROXY=proxy_url, REQUESTS_CA_BUNDLE=ca, DASHSCOPE_API_KEY="sk-local"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["SUCCEEDED"]


def test_tencent_python_sdk_https_through_its_proxy_option(proxy_url: str, ca: str) -> None:
    from tencentcloud.asr.v20190614 import asr_client, models
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    # the SDK verifies against certifi unless given a bundle: certification= is how its users add one
    http = HttpProfile(protocol="https", proxy=proxy_url, certification=ca)
    client = asr_client.AsrClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                  ClientProfile(httpProfile=http))
    request = models.CreateRecTaskRequest()
    request.from_json_string(f'{{"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0, "SourceType": 0, '
                             f'"Url": "{proxy_url}/_emulator/fixtures/hello_zh.wav"}}')
    task_id = client.CreateRecTask(request).Data.TaskId
    status = models.DescribeTaskStatusRequest()
    status.TaskId = task_id
    data = client.DescribeTaskStatus(status).Data
    assert data.StatusStr == "success"
    assert "".join(line.split("]  ")[1] for line in data.Result.splitlines()) == SAID


def test_cos_python_sdk_https_through_a_proxy(proxy_url: str, ca: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from qcloud_cos import CosConfig, CosS3Client

    from contract_tests.tencent.conftest import BUCKET, REGION, SECRET_ID, SECRET_KEY

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)             # requests, under the SDK, reads it
    cos = CosS3Client(CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="https",
                                Proxies={"https": proxy_url}))
    cos.put_object(Bucket=BUCKET, Key="tls/你好 #1.wav", Body=FIXTURES.joinpath("hello_zh.wav").read_bytes())
    got = cos.get_object(Bucket=BUCKET, Key="tls/你好 #1.wav")["Body"].get_raw_stream().read()
    assert got == FIXTURES.joinpath("hello_zh.wav").read_bytes()
    queue = cos.ci_get_asr_queue(Bucket=BUCKET)["QueueList"][0]["QueueId"]
    job = cos.ci_create_asr_job(Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion=REGION, OutputObject="tls/out.txt",
                                InputObject="tls/你好 #1.wav", QueueId=queue,
                                SpeechRecognition={"EngineModelType": "16k_zh", "ChannelNum": 1,
                                                   "ResTextFormat": 0})["JobsDetail"]
    detail: Any = cos.ci_get_asr_job(Bucket=BUCKET, JobID=job["JobId"])["JobsDetail"][0]
    result = detail["Operation"]["SpeechRecognitionResult"]["Result"]
    assert detail["State"] == "Success" and "".join(line.split("]  ")[1] for line in result.splitlines()) == SAID


def test_serve_tls_answers_https_directly(ca_dir: Path, ca: str) -> None:
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--tls", "--lifecycle", "instant"], env=env) as server:
        assert server.url.startswith("https://127.0.0.1:")
        import ssl

        import httpx

        with httpx.Client(verify=ssl.create_default_context(cafile=ca), trust_env=False) as http:
            assert http.get(f"{server.url}/_emulator/health").json()["status"] == "ok"
        code = textwrap.dedent(f"""
            import dashscope
            from dashscope.audio.asr import Transcription
            task = Transcription.async_call(model="paraformer-v2",
                                            file_urls=["{server.url}/_emulator/fixtures/hello_zh.wav"])
            print(Transcription.wait(task=task.output.task_id).output.task_status)
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env=clean_env(DASHSCOPE_HTTP_BASE_URL=f"{server.url}/api/v1", REQUESTS_CA_BUNDLE=ca,
                                            SSL_CERT_FILE=ca, DASHSCOPE_API_KEY="sk-local"))
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.split() == ["SUCCEEDED"]
