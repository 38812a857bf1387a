"""NLS realtime recognition through the vendor's ``nls`` SDK (alibabacloud-nls-python-sdk), unmodified, over a
real socket: its handshake repeats Sec-WebSocket-Key, which only a real server sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contract_tests.conftest import FIXTURES
from contract_tests.nls.conftest import APPKEY, Events, transcribe, wait_for
from emulator.testing import ControlClient

# The nls SDK's vendored websocket-client leaves its socket to the garbage collector when the server closes the
# connection (after TaskFailed, as the gateway does): each test collects it itself, so that the ResourceWarning is
# this test's and ignored, not a stray one at the end of the session.
pytestmark = [pytest.mark.sdk, pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]


def script(name: str) -> str:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").strip()


def test_the_transcriber_gives_the_scripted_sentences(ws_url: str) -> None:
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    events = transcribe(ws_url, audio, enable_intermediate_result=True, enable_punctuation_prediction=True,
                        ex={"enable_words": True, "max_sentence_silence": 300})
    [started] = events.named("start")
    assert started["header"]["name"] == "TranscriptionStarted" and len(started["payload"]["session_id"]) == 32
    ends = events.named("sentence_end")
    assert "".join(e["payload"]["result"] for e in ends) == script("hello_zh.wav")
    assert [e["payload"]["index"] for e in ends] == [1, 2]
    assert [b["payload"]["index"] for b in events.named("sentence_begin")] == [1, 2]
    first = ends[0]["payload"]
    assert isinstance(first["time"], int) and isinstance(first["begin_time"], int) and first["words"]
    assert events.named("result_changed") and len(events.named("completed")) == 1
    assert all(m["header"]["status"] == 20000000 and m["header"]["task_id"] == started["header"]["task_id"]
               for _, m in events.seen)


def test_defaults_no_partials_no_punctuation_one_sentence(ws_url: str) -> None:
    events = transcribe(ws_url, FIXTURES.joinpath("hello_zh.wav").read_bytes())
    assert events.named("result_changed") == []                    # enable_intermediate_result defaults to false
    [end] = events.named("sentence_end")                           # 800 ms of silence ends a sentence
    assert end["payload"]["result"] == script("hello_zh.wav").replace("，", "").replace("。", "")
    assert "words" not in end["payload"]


def test_the_recognizer_gives_one_sentence(ws_url: str, emulator: ControlClient) -> None:
    import nls

    from contract_tests.nls.conftest import AKID, SECRET

    token = nls.token.getToken(AKID, SECRET, url=emulator.url.split("//", 1)[1])
    emulator.settings(strict=True)                          # only CreateToken's tokens are accepted now
    events = Events()
    recognizer = nls.NlsSpeechRecognizer(url=ws_url, token=token, appkey=APPKEY,
                                         **events.callbacks("start", "result_changed", "completed"))
    audio = FIXTURES.joinpath("hello_en.wav").read_bytes()
    recognizer.start(aformat="wav", enable_intermediate_result=True, enable_punctuation_prediction=True)
    for i in range(0, len(audio), 3200):
        recognizer.send_audio(audio[i:i + 3200])
    recognizer.stop()
    recognizer.shutdown()
    [done] = events.named("completed")
    assert done["header"]["name"] == "RecognitionCompleted"
    assert done["payload"]["result"].replace(" ", "") == script("hello_en.wav").replace(" ", "")
    assert isinstance(done["payload"]["duration"], int) and done["payload"]["duration"] > 1000
    assert events.named("result_changed")


def test_a_bad_sample_rate_is_task_failed_and_the_socket_closes(ws_url: str) -> None:
    import nls

    events = Events()
    transcriber = nls.NlsSpeechTranscriber(url=ws_url, token="t", appkey=APPKEY,
                                           **events.callbacks("start", "completed"))
    transcriber.start(aformat="pcm", sample_rate=44100)
    wait_for(lambda: events.closed)                       # the gateway closes: the SDK's thread can end
    transcriber.shutdown()
    [error] = events.named("error")
    assert len(error["header"]["task_id"]) == 32                    # the Start directive's task id, echoed
    assert error["header"]["namespace"] == "Default" and error["header"]["name"] == "TaskFailed"
    assert (error["header"]["status"], error["header"]["status_text"]) == (41010101, "UNSUPPORTED_SAMPLE_RATE")
    assert "payload" not in error and events.closed >= 1


def test_an_idle_session_fails_with_40000004(ws_url: str, emulator: ControlClient) -> None:
    import nls

    emulator.settings(stream_idle_timeout=0.3)
    events = Events()
    transcriber = nls.NlsSpeechTranscriber(url=ws_url, token="t", appkey=APPKEY, **events.callbacks("start"))
    transcriber.start(aformat="pcm")
    wait_for(lambda: events.named("error") and events.closed)
    transcriber.shutdown()
    [error] = events.named("error")
    assert error["header"]["status"] == 40000004
    assert "the last directive is 'StartTranscription'" in error["header"]["status_text"]


def test_a_token_createtoken_never_issued_in_strict_mode(ws_url: str, emulator: ControlClient) -> None:
    emulator.settings(strict=True, nls_gateway={"token_refusal": "task_failed"})    # told in a way the SDK reports
    events = transcribe(ws_url, b"\0" * 3200, token="not-issued", aformat="pcm")
    [error] = events.named("error")
    assert (error["header"]["status"], error["header"]["status_text"]) == (
        40000001, "Meta:ACCESS_DENIED:The token 'not-issued' is invalid!")


def test_stream_faults_reach_the_sdk(ws_url: str, emulator: ControlClient) -> None:
    emulator.fault({"type": "stream_fail", "code": "50000001", "message": "Gateway:GRPC_ERROR:Grpc error!",
                    "frames": 3}, vendor="nls_gateway", operation="realtime")
    events = transcribe(ws_url, FIXTURES.joinpath("hello_zh.wav").read_bytes())
    [error] = events.named("error")
    assert (error["header"]["status"], error["header"]["status_text"]) == (50000001, "Gateway:GRPC_ERROR:Grpc error!")


def test_restful_one_sentence(emulator: ControlClient) -> None:
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    r = httpx.post(f"{emulator.url}/stream/v1/asr", content=audio, trust_env=False,
                   params={"appkey": APPKEY, "format": "wav", "enable_punctuation_prediction": "true"},
                   headers={"X-NLS-Token": "local-token", "Content-Type": "application/octet-stream"})
    body = r.json()
    assert (r.status_code, body["status"], body["message"]) == (200, 20000000, "SUCCESS")
    assert body["result"] == script("hello_zh.wav") and len(body["task_id"]) == 32
    missing = httpx.post(f"{emulator.url}/stream/v1/asr?appkey={APPKEY}", content=audio, trust_env=False).json()
    assert (missing["status"], missing["message"]) == (40000001, "Gateway:ACCESS_DENIED:Missing authorization header!")


def test_a_refused_token_on_the_handshake_as_the_gateway_does(ws_url: str, emulator: ControlClient) -> None:
    emulator.settings(strict=True)                      # the default: 403 on the handshake
    events = Events()
    import nls

    transcriber = nls.NlsSpeechTranscriber(url=ws_url, token="not-issued", appkey=APPKEY,
                                           **events.callbacks("start"))
    assert transcriber.start(aformat="pcm") is None        # the SDK cannot tell why: no on_error, only on_close
    wait_for(lambda: events.closed)
    transcriber.shutdown()
    assert events.named("start") == [] and events.named("error") == []
    [entry] = [e for e in emulator.journal(vendor="nls_gateway") if e["status"] == 403]
    assert entry["code"] == "40000001"


def test_a_make_audio_file_transcribes_to_its_script(ws_url: str, tmp_path: Path) -> None:
    wav = tmp_path / "weather.wav"
    subprocess.run([Path(sys.executable).with_name("asr-emulator"), "make-audio", "今天天气很好。明天下雨。",
                    "-o", str(wav)], check=True, capture_output=True, timeout=120)
    events = transcribe(ws_url, wav.read_bytes(), enable_punctuation_prediction=True)
    assert "".join(e["payload"]["result"] for e in events.named("sentence_end")) == "今天天气很好。明天下雨。"


def test_control_directives_of_every_sdk_are_accepted(ws_url: str) -> None:
    """ctrl() mid-stream: the Python SDK sends ControlTranscriber (the Node.js SDK's ControlTranscription is covered by
    contract_tests/node); the transcription goes on to its end without an error."""
    import nls

    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()
    events = Events()
    transcriber = nls.NlsSpeechTranscriber(url=ws_url, token="local-token", appkey=APPKEY,
                                           **events.callbacks("start", "sentence_end", "completed"))
    transcriber.start(aformat="wav", enable_punctuation_prediction=True)
    transcriber.send_audio(audio[:32000])
    transcriber.ctrl(vocabulary_id="v1", max_sentence_silence=500)
    for i in range(32000, len(audio), 3200):
        transcriber.send_audio(audio[i:i + 3200])
    transcriber.stop()
    wait_for(lambda: events.closed)
    transcriber.shutdown()
    assert events.named("error") == [] and len(events.named("completed")) == 1
    assert "".join(e["payload"]["result"] for e in events.named("sentence_end")) == script("hello_zh.wav")


def test_a_control_directive_before_start_is_a_state_error(ws_url: str) -> None:
    import asyncio

    import websockets

    async def go() -> dict[str, object]:     # ws_url: a reset emulator (another test's strict mode would refuse)
        async with websockets.connect(ws_url, additional_headers={"X-NLS-Token": "local-token"}) as ws:
            await ws.send(json.dumps({"header": {"namespace": "SpeechTranscriber", "name": "ControlTranscription",
                                                 "message_id": "a" * 32, "task_id": "b" * 32, "appkey": APPKEY},
                                      "payload": {}}))
            answer: dict[str, object] = json.loads(await ws.recv())
            return answer

    header = asyncio.run(go())["header"]
    assert isinstance(header, dict) and (header["name"], header["status"]) == ("TaskFailed", 40000002), header
    assert "state'IDLE'" in str(header["status_text"])


def test_a_wav_file_sent_as_pcm_is_read_as_wav(ws_url: str) -> None:
    events = transcribe(ws_url, FIXTURES.joinpath("hello_zh.wav").read_bytes(), aformat="pcm",
                        enable_punctuation_prediction=True)
    assert "".join(e["payload"]["result"] for e in events.named("sentence_end")) == script("hello_zh.wav")
