"""Tencent realtime recognition (asr/v2) over a real socket, driven as the brief describes the vendor's SDKs: the
first frame is the acknowledgement, audio may come before it is read, results until {"type":"end"}, then final: 1
and the server's close. No vendor realtime SDK is installable, so websocket-client (which the vendor's Python SDK is
built on) drives it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import websocket

from contract_tests.conftest import FIXTURES, ca_file
from contract_tests.tencent.conftest import SECRET_ID, SECRET_KEY
from emulator.testing import ControlClient, ServerProcess
from emulator.vendors.tencent.realtime import signed_url, string_to_sign

pytestmark = pytest.mark.sdk
APPID = "1250000000"
SAID = "你好，欢迎使用语音识别模拟器。今天天气很好。"


def url_for(emulator: ControlClient, secret_key: str = SECRET_KEY, **params: Any) -> str:
    return signed_url(emulator.url.replace("http://", "ws://"), APPID, SECRET_ID, secret_key, **params)


def session(url: str, audio: bytes, chunk: int = 6400, end: bool = True, **options: Any) -> list[dict[str, Any]]:
    """Connect, send the audio in chunks before reading the ack (as the Python SDK may), send end, read until the
    server closes; every frame received."""
    ws = websocket.create_connection(url, timeout=10, **options)
    frames = []
    try:
        for i in range(0, len(audio), chunk):
            ws.send_binary(audio[i:i + chunk])
        if end:
            ws.send(json.dumps({"type": "end"}))
        while True:
            try:
                message = ws.recv()
            except websocket.WebSocketConnectionClosedException:
                break
            if not message:
                break
            frames.append(json.loads(message))
    finally:
        ws.shutdown()                      # the socket itself, whoever closed first
    return frames


def test_the_briefs_signature_vectors() -> None:
    key = "EXAMPLEsecretKeyEXAMPLEsecretKey"
    v1 = {"engine_model_type": "16k_zh", "expired": "1700086400", "needvad": "1", "nonce": "1700000000",
          "secretid": "AKIDEXAMPLEsecretIdEXAMPLE0000000000", "timestamp": "1700000000", "voice_format": "1",
          "voice_id": "c64385ee-3e5c-4fc5-bbfd-7c71addb35b0"}

    def sig(params: dict[str, str]) -> str:
        text = string_to_sign(APPID, params)
        return base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha1).digest()).decode()

    assert sig(v1) == "nF1EwYjqzPnAI2OsHpxGRhZ2JHg="
    v3 = {**v1, "engine_model_type": "8k_zh", "nonce": "7", "voice_id": "emulator-vector-3"}
    assert sig(v3) == "Nenv96KqQRjDS7Vrvf/pd+p/YQM="


def test_a_wav_streamed_as_pcm_gives_its_script_with_slices_and_final(emulator: ControlClient) -> None:
    frames = session(url_for(emulator, word_info=2), FIXTURES.joinpath("hello_zh.wav").read_bytes())
    ack, *rest = frames
    assert ack["code"] == 0 and ack["message"] == "success" and "result" not in ack and "final" not in ack
    assert all(f["code"] == 0 and f["message"] == "success" and f["voice_id"] == ack["voice_id"] for f in rest)
    results, final = [f["result"] for f in rest[:-1]], rest[-1]
    assert final["final"] == 1 and "result" not in final and final["message_id"].startswith(ack["voice_id"])
    assert all(isinstance(r["slice_type"], int) and r["slice_type"] in (0, 1, 2) for r in results)
    ends = [r for r in results if r["slice_type"] == 2]
    assert "".join(r["voice_text_str"] for r in ends) == SAID
    for index in {r["index"] for r in results}:             # per segment: 0, 1…, 2 (or a lone 2)
        kinds = [r["slice_type"] for r in results if r["index"] == index]
        assert kinds[-1] == 2 and (kinds == [2] or kinds[0] == 0) and set(kinds[1:-1]) <= {1}
    words = ends[0]["word_list"]
    assert words and words[-1]["word"].endswith("。") and ends[0]["word_size"] == len(words)
    assert all(w["start_time"] <= w["end_time"] for w in words)


def test_words_without_punctuation_or_none(emulator: ControlClient) -> None:
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    ends = [f["result"] for f in session(url_for(emulator, word_info=1, filter_punc=1), audio)
            if f.get("result", {}).get("slice_type") == 2]
    assert not ends[0]["word_list"][-1]["word"].endswith("。")
    assert not ends[-1]["voice_text_str"].endswith("。")        # filter_punc drops a sentence's last 。
    none = [f["result"] for f in session(url_for(emulator), audio) if "result" in f]
    assert all(r["word_list"] == [] and r["word_size"] == 0 for r in none)


def test_a_scripted_stream_and_english(emulator: ControlClient) -> None:
    emulator.script("Hello world. This is a test of the speech emulator.", stream=True)
    audio = FIXTURES.joinpath("hello_en.wav").read_bytes()
    frames = session(url_for(emulator, engine_model_type="16k_en"), audio)
    ends = [f["result"]["voice_text_str"] for f in frames if f.get("result", {}).get("slice_type") == 2]
    assert ends == ["Hello world. This is a test of the speech emulator."]     # 1 s of silence ends a segment
    emulator.script("Hello world. This is a test of the speech emulator.", stream=True)
    frames = session(url_for(emulator, engine_model_type="16k_en", needvad=1, vad_silence_time=240), audio)
    ends = [f["result"]["voice_text_str"] for f in frames if f.get("result", {}).get("slice_type") == 2]
    assert ends == ["Hello world.", "This is a test of the speech emulator."]


@pytest.mark.parametrize(("params", "key", "code"), [
    ({}, "wrong-key", 4002),
    ({"engine_model_type": "16k_xx"}, SECRET_KEY, 4001),
    ({"voice_format": "99"}, SECRET_KEY, 4001),
    ({"word_info": "7"}, SECRET_KEY, 4001),
    ({"expired": "1"}, SECRET_KEY, 4002),
])
def test_failures_are_a_frame_after_the_101_then_the_close(emulator: ControlClient, params: dict[str, str],
                                                           key: str, code: int) -> None:
    frames = session(url_for(emulator, secret_key=key, **params), b"", end=False)
    assert len(frames) == 1 and frames[0]["code"] == code and frames[0]["message"]
    assert "voice_id" in frames[0]


def test_a_missing_parameter_is_4001(emulator: ControlClient) -> None:
    url = url_for(emulator).replace("engine_model_type=16k_zh&", "")
    [frame] = session(url, b"", end=False)
    assert frame["code"] == 4001 and "engine_model_type" in frame["message"]


def test_unknown_text_idle_and_undecodable_audio(emulator: ControlClient) -> None:
    ws = websocket.create_connection(url_for(emulator), timeout=10)
    assert json.loads(ws.recv())["code"] == 0
    ws.send(json.dumps({"type": "pause"}))
    assert json.loads(ws.recv())["code"] == 4010
    ws.shutdown()
    emulator.settings(stream_idle_timeout=0.3)
    ws = websocket.create_connection(url_for(emulator), timeout=10)
    assert json.loads(ws.recv())["code"] == 0
    assert json.loads(ws.recv())["code"] == 4008                # no audio for the idle time
    ws.shutdown()
    frames = session(url_for(emulator, voice_format=12), b"not a wav file at all" * 10)
    assert frames[-1]["code"] == 4007


def test_pacing_when_configured(emulator: ControlClient) -> None:
    emulator.settings(tencent_realtime={"pacing": 3})
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    frames = session(url_for(emulator), audio, chunk=64000)      # 2 s of audio a frame, sent at once
    assert frames[-1]["code"] == 4000
    emulator.settings(tencent_realtime={"pacing": None})
    assert session(url_for(emulator), audio, chunk=64000)[-1].get("final") == 1


def test_raw_utf8_hot_words_in_the_request_line(emulator: ControlClient) -> None:
    """The vendor's Go and Python-v2 SDKs put hot words in the URL unescaped: read, signed as sent."""
    now = int(time.time())
    query = {"secretid": SECRET_ID, "timestamp": str(now), "expired": str(now + 600), "nonce": "1",
             "engine_model_type": "16k_zh", "voice_format": "1", "voice_id": "raw-utf8",
             "hotword_list": "腾讯云|10,语音识别|5"}
    text = string_to_sign(APPID, query)
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), text.encode(), hashlib.sha1).digest()).decode()
    target = f"/asr/v2/{APPID}?" + "&".join(f"{k}={v}" for k, v in sorted(query.items())) + \
        f"&signature={quote(signature)}"
    host, port = emulator.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                     .encode())
        answer = b""
        while b"success" not in answer:            # the 101, then the ack frame (a failure would say its code)
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 101"), answer
    ack = json.loads(answer[answer.index(b"{"):])
    assert (ack["code"], ack["voice_id"]) == (0, "raw-utf8")     # signed over the raw UTF-8, as sent


def test_a_client_insisting_on_wss_to_the_vendors_host(ca_dir: Path) -> None:
    """As the vendor's Python SDK is pointed unchanged: an HTTPS proxy (CONNECT asr.cloud.tencent.com:443) and
    the local CA."""
    env = {**os.environ, "ASR_EMULATOR_CA_DIR": str(ca_dir)}
    with ServerProcess(["--lifecycle", "instant"], env=env) as server:
        port = int(server.url.rsplit(":", 1)[1])
        url = signed_url("wss://asr.cloud.tencent.com", APPID, SECRET_ID, SECRET_KEY)
        frames = session(url, FIXTURES.joinpath("hello_zh.wav").read_bytes(), http_proxy_host="127.0.0.1",
                         http_proxy_port=port, proxy_type="http", sslopt={"ca_certs": ca_file(ca_dir)})
    assert frames[0]["code"] == 0 and frames[-1]["final"] == 1
    assert "".join(f["result"]["voice_text_str"] for f in frames if f.get("result", {}).get("slice_type") == 2) \
        == SAID


# ---- stream recognition (语音流异步识别) through tencentcloud-sdk-python-asr ------------------------------------

def test_the_callback_checksum_vector() -> None:
    from emulator.vendors.tencent.stream_tasks import checksum

    body = ('{"TaskId":100000447,"Result":[{"VoiceId":"1000004470_5ff02063dac60f47a62343b0_1_0_46","Text":"测试",'
            '"StartTime":17140,"EndTime":17940,"WordList":[]}]}').encode()
    assert checksum("1250000000", "EXAMPLEsignToken", body) == \
        "22e5e6699dd40ba03475829c71fb4054e01b4a092b19185c804a3c0e7790b913"
    assert checksum("1250000000", "", body) == ""


def test_stream_recognition_calls_back_each_utterance(asr: Any, emulator: ControlClient, local_files: Any) -> None:
    import hashlib as hl

    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    from contract_tests.tencent.test_sentence import call

    emulator.lifecycle("instant")
    emulator.settings(callback_retry_delays=[0.05])
    stream = "http://media.asr-emulator.test/live.wav?duration=6&text=今天天气很好。我们去公园吧。"
    made = call(asr, "CreateAsyncRecognitionTask", EngineType="16k_zh", Url=stream,
                CallbackUrl=f"{local_files.url}/stream", SignToken="tok", WordInfo=1)
    task_id = made.Data.TaskId
    deadline = time.monotonic() + 10
    while len(local_files.posts("/stream")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    posts = [p for p in local_files.received if p[0] == "/stream"]
    bodies = [json.loads(b) for _, _, b in posts]
    assert [b["Result"][0]["Text"] for b in bodies] == ["今天天气很好。", "我们去公园吧。"]
    assert all(b["TaskId"] == task_id and b["Result"][0]["WordList"] for b in bodies)
    for _, headers, raw in posts:
        given = {k.lower(): v for k, v in headers.items()}["checksum"]
        assert given == hl.sha256(b"1250000000" + b"tok" + raw).hexdigest()
    assert call(asr, "DescribeAsyncRecognitionTasks").Data.Tasks == []      # told everything: ended
    emulator.lifecycle("manual")
    running = call(asr, "CreateAsyncRecognitionTask", EngineType="16k_zh", Url=stream,
                   CallbackUrl=f"{local_files.url}/other").Data.TaskId
    listed = call(asr, "DescribeAsyncRecognitionTasks").Data.Tasks
    assert [(t.TaskId, t.Url) for t in listed] == [(running, stream)]
    call(asr, "CloseAsyncRecognitionTask", TaskId=running)
    assert call(asr, "DescribeAsyncRecognitionTasks").Data.Tasks == []
    with pytest.raises(TencentCloudSDKException) as err:
        call(asr, "CreateAsyncRecognitionTask", EngineType="8k_zh", Url=stream, CallbackUrl=f"{local_files.url}/x")
    assert err.value.get_code() == "InvalidParameterValue.ErrorInvalidEngservice"


def test_faults_at_the_handshake_and_mid_stream(emulator: ControlClient) -> None:
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    emulator.fault({"type": "error", "code": "4006", "message": "账号当前调用并发超限"}, vendor="tencent_realtime",
                   operation="realtime", times=1)
    [frame] = session(url_for(emulator), audio, end=False)
    assert (frame["code"], frame["message"]) == (4006, "账号当前调用并发超限")
    emulator.fault({"type": "stream_fail", "code": "5000", "message": "后台识别服务器失败", "frames": 3},
                   vendor="tencent_realtime", operation="realtime")
    frames = session(url_for(emulator), audio)
    assert frames[0]["code"] == 0 and frames[-1]["code"] == 5000 and "final" not in frames[-1]
