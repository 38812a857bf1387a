"""The SDK flows a recording is made of, through the vendors' SDKs, and ``record(folder, ca_dir)``: an emulator
recording them (``serve --record DIR --upstream …``) in front of a second emulator playing the real service
(``--upstream-address``). ``python -m contract_tests.record.flows DIR`` makes a cassette set (``examples/cassettes``
was made so)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import FIXTURES, PROXY_VARIABLES, ca_file
from emulator.testing import ServerProcess

API_KEY = "sk-recorded-secret-4242"                 # must never reach a cassette
FIXTURE = FIXTURES / "hello_zh.wav"
# what the service transcribes: audio the upstream makes from the URL itself (a magic URL), so a cassette set names
# nothing of the machine it was recorded on
MEDIA = "http://media.asr-emulator.test/hello.wav?duration=4&text=你好，欢迎使用语音识别模拟器。今天天气很好。"


@dataclass
class Recorded:
    folder: Path
    upstream: str
    dashscope: list[str]          # what the dashscope SDK printed: task id, final status
    tencent: tuple[int, list[str], str]
    nls: tuple[list[str], str]    # the status texts seen, and the final result's first sentence
    cos: tuple[bytes, str, str]   # an object read back, a CI job's state and result
    eas: bytes                    # a PAI-EAS predict's answer
    realtime: list[str]           # the sentences of a DashScope realtime recognition of a file
    nls_realtime: list[str]       # the sentences of an NLS realtime transcription (the nls SDK)


def dashscope_flow(proxy: str, ca: str) -> list[str]:
    code = textwrap.dedent(f"""
        from dashscope.audio.asr import Transcription
        task = Transcription.async_call(model="paraformer-v2", file_urls=["{MEDIA}"])
        done = Transcription.wait(task=task.output.task_id)
        print(task.output.task_id, done.output.task_status)
    """)
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("DASHSCOPE_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "HTTPS_PROXY": proxy, "REQUESTS_CA_BUNDLE": ca, "DASHSCOPE_API_KEY": API_KEY})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


def tencent_client(proxy: str, ca: str) -> Any:
    from tencentcloud.asr.v20190614 import asr_client
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY

    http = HttpProfile(protocol="https", proxy=proxy, certification=ca)
    return asr_client.AsrClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
                                ClientProfile(httpProfile=http))


def tencent_flow(proxy: str, ca: str) -> tuple[int, list[str], str]:
    """A task made and polled three times, then a poll of a task that does not exist (its error code)."""
    from tencentcloud.asr.v20190614 import models
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    client = tencent_client(proxy, ca)
    request = models.CreateRecTaskRequest()
    request.from_json_string(f'{{"EngineModelType": "16k_zh", "ChannelNum": 1, "ResTextFormat": 0, "SourceType": 0, '
                             f'"Url": "{MEDIA}"}}')
    task_id = client.CreateRecTask(request).Data.TaskId
    status = models.DescribeTaskStatusRequest()
    status.TaskId = task_id
    states = [client.DescribeTaskStatus(status).Data.StatusStr for _ in range(3)]
    status.TaskId = 99999999
    with pytest.raises(TencentCloudSDKException) as missing:
        client.DescribeTaskStatus(status)
    return task_id, states, str(missing.value.code)


def nls_flow(proxy: str) -> tuple[list[str], str]:
    """NLS recording-file recognition with aliyun-python-sdk-core, the domain unmodified, HTTP_PROXY set."""
    from aliyunsdkcore.client import AcsClient

    from contract_tests.nls.conftest import AKID, SECRET, Filetrans

    before = {k: os.environ.pop(k) for k in PROXY_VARIABLES if k in os.environ}
    os.environ["HTTP_PROXY"] = proxy
    try:
        sample = Filetrans(AcsClient(AKID, SECRET, "cn-shanghai"), "filetrans.cn-shanghai.aliyuncs.com")
        submitted = sample.submit({"file_link": MEDIA})
        seen, final = sample.wait(submitted["TaskId"])
    finally:
        os.environ.pop("HTTP_PROXY", None)
        os.environ.update(before)
    return seen, final["Result"]["Sentences"][0]["Text"]


def cos_flow(proxy: str) -> tuple[bytes, str, str]:
    """COS objects and a CI speech job with cos-python-sdk-v5, the emulator as its proxy."""
    from qcloud_cos import CosConfig, CosS3Client

    from contract_tests.tencent.conftest import BUCKET, REGION, SECRET_ID, SECRET_KEY

    cos = CosS3Client(CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=SECRET_KEY, Scheme="http",
                                Proxies={"http": proxy}))
    cos.put_object(Bucket=BUCKET, Key="rec/你好 #1.wav", Body=FIXTURES.joinpath("hello_zh.wav").read_bytes())
    data = cos.get_object(Bucket=BUCKET, Key="rec/你好 #1.wav")["Body"].get_raw_stream().read()
    queue = cos.ci_get_asr_queue(Bucket=BUCKET)["QueueList"][0]["QueueId"]
    job = cos.ci_create_asr_job(Bucket=BUCKET, OutputBucket=BUCKET, OutputRegion=REGION, OutputObject="rec/out.txt",
                                InputObject="rec/你好 #1.wav", QueueId=queue,
                                SpeechRecognition={"EngineModelType": "16k_zh", "ChannelNum": 1,
                                                   "ResTextFormat": 0})["JobsDetail"]
    detail: Any = {}
    for _ in range(5):
        detail = cos.ci_get_asr_job(Bucket=BUCKET, JobID=job["JobId"])["JobsDetail"][0]
        if detail["State"] in ("Success", "Failed"):
            break
    return data, detail["State"], detail["Operation"]["SpeechRecognitionResult"]["Result"]


EAS_HOST = "1234567890.cn-shanghai.pai-eas.aliyuncs.com"
NLS_GATEWAY = "nls-gateway-cn-shanghai.aliyuncs.com"


def nls_realtime_flow(emulator_url: str) -> list[str]:
    """NLS realtime transcription with the nls SDK (SpeechTranscriber) over the emulator's gateway WebSocket; the
    recorder sends it on to the gateway's host (``--upstream nls_gateway=HOST``)."""
    code = textwrap.dedent(f"""
        import json, threading
        import nls
        sentences, done = [], threading.Event()
        audio = open("{FIXTURE}", "rb").read()          # the WAV as it is: its script chunk says what it says
        t = nls.NlsSpeechTranscriber(
            url="{emulator_url.replace("http://", "ws://")}/ws/v1", token="a-token-never-written",
            appkey="asr-emulator-appkey",
            on_sentence_end=lambda msg, *a: sentences.append(json.loads(msg)["payload"]["result"]),
            on_close=lambda *a: done.set())
        t.start(aformat="wav", sample_rate=16000)
        for i in range(0, len(audio), 3200):
            t.send_audio(audio[i:i + 3200])
        t.stop()
        done.wait(10)
        t.shutdown()
        print(json.dumps(sentences, ensure_ascii=False))
    """)
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    texts: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return texts


def realtime_flow(emulator_url: str) -> list[str]:
    """DashScope realtime recognition (Recognition.call of a WAV) over the emulator's WebSocket, relayed upstream."""
    code = textwrap.dedent(f"""
        import json
        from dashscope.audio.asr import Recognition
        result = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000,
                             callback=None).call("{FIXTURE}")
        print(json.dumps([s["text"] for s in result.get_sentence()], ensure_ascii=False))
    """)
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES and not k.startswith("DASHSCOPE_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**env, "DASHSCOPE_API_KEY": API_KEY, "DASHSCOPE_WEBSOCKET_BASE_URL":
                               emulator_url.replace("http://", "ws://") + "/api-ws/v1/inference"})
    assert done.returncode == 0, done.stderr[-3000:]
    texts: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return texts


def eas_flow(emulator_url: str) -> bytes:
    """eas-prediction takes no proxy: it is pointed at the emulator, which sends its requests to the service's host
    it was given (``--upstream eas=HOST``)."""
    from eas_prediction import PredictClient, StringRequest

    from contract_tests.eas.conftest import TOKEN

    client = PredictClient(emulator_url.split("//", 1)[1], "asr_general_express")
    client.set_token(TOKEN)
    client.init()
    try:
        answer = client.predict(StringRequest(json.dumps(
            {"input": {"url": MEDIA}})))
        data: bytes = answer.response_data
        return data
    finally:
        client.destroy()


@contextmanager
def record(folder: Path, ca_dir: Path) -> Iterator[Recorded]:
    """Every flow recorded into ``folder``; the upstream stays up while the caller looks at the result."""
    ca = ca_file(ca_dir)
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    # the upstream on another seed than a replaying emulator: its ids are not ones that emulator would make itself
    with ServerProcess(["--lifecycle", "polls:1", "--seed", "7"]) as upstream, \
            ServerProcess(["--record", str(folder), "--upstream",
                           f"dashscope=dashscope.aliyuncs.com,tencent_asr,nls,tencent_ci,eas={EAS_HOST},"
                           f"nls_gateway={NLS_GATEWAY}",
                           "--upstream-address", upstream.url], env=env) as recording:
        yield Recorded(folder, upstream.url, dashscope_flow(recording.url, ca), tencent_flow(recording.url, ca),
                       nls_flow(recording.url), cos_flow(recording.url), eas_flow(recording.url),
                       realtime_flow(recording.url), nls_realtime_flow(recording.url))


def main() -> None:
    folder = Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    with tempfile.TemporaryDirectory() as ca_dir, record(folder, Path(ca_dir)) as done:
        print(f"{len(list(folder.glob('*.json')))} exchanges recorded in {folder}: {done.dashscope}")


if __name__ == "__main__":
    main()
