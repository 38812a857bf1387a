"""Qwen3-ASR through the dashscope SDK (MultiModalConversation: sync, SSE, local files, data URIs) and through the
openai SDK on the OpenAI-compatible API (sync, streaming, usage, errors)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
SAID = "你好，欢迎使用语音识别模拟器。今天天气很好。"


def messages(audio: str, context: str | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"role": "user", "content": [{"audio": audio}]}]
    if context:
        out.insert(0, {"role": "system", "content": [{"text": context}]})
    return out


def test_native_sync_with_options_and_annotations(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope import MultiModalConversation

    emulator.lifecycle("instant")
    answer = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(emulator.fixture_url(
        "hello_zh.wav")), result_format="message", asr_options={"language": "zh", "enable_lid": True})
    assert answer.status_code == 200, answer
    message = answer.output.choices[0].message
    assert message.content[0]["text"] == SAID and message.role == "assistant"
    assert message.annotations[0] == {"language": "zh", "type": "audio_info", "emotion": "neutral"}
    assert answer.usage["seconds"] == 10 and answer.output.choices[0].finish_reason == "stop"


def test_itn_and_context(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope import MultiModalConversation

    said = "http://media.asr-emulator.test/a.wav?duration=3&text=" + "今天有三百二十个人来了。"
    plain = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(said))
    assert plain.output.choices[0].message.content[0]["text"] == "今天有三百二十个人来了。"   # ITN off by default
    itn = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(said),
                                      asr_options={"enable_itn": True})
    assert itn.output.choices[0].message.content[0]["text"] == "今天有320个人来了。"
    unscripted = "http://media.asr-emulator.test/b.wav?duration=4"
    biased = MultiModalConversation.call(model="qwen3-asr-flash",
                                         messages=messages(unscripted, "context: 通义千问, DashScope"))
    assert "通义千问" in biased.output.choices[0].message.content[0]["text"]


def test_native_streaming_cumulative_and_incremental(dashscope_sdk: Any, emulator: ControlClient) -> None:
    from dashscope import MultiModalConversation

    url = emulator.fixture_url("hello_zh.wav")
    events = list(MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(url), stream=True))
    assert all(e.status_code == 200 for e in events) and len(events) > 1
    texts = [e.output.choices[0].message.content[0]["text"] for e in events]
    assert texts[-1] == SAID and events[-1].output.choices[0].finish_reason == "stop"
    # incremental_output: the SDK asks for deltas and joins them itself
    joined = list(MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(url), stream=True,
                                              incremental_output=True))
    assert "".join(e.output.choices[0].message.content[0]["text"] for e in joined) == SAID


def test_local_files_and_data_uris(dashscope_sdk: Any, emulator: ControlClient, tmp_path: Path) -> None:
    from dashscope import MultiModalConversation

    local = tmp_path / "录音.wav"
    local.write_bytes(FIXTURES.joinpath("hello_zh.wav").read_bytes())
    uploaded = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(f"file://{local}"))
    assert uploaded.output.choices[0].message.content[0]["text"] == SAID          # the SDK's oss:// upload flow
    data = "data:audio/wav;base64," + base64.b64encode(local.read_bytes()).decode()
    inline = MultiModalConversation.call(model="qwen3-asr-flash", messages=messages(data))
    assert inline.output.choices[0].message.content[0]["text"] == SAID


@pytest.mark.parametrize(("model", "audio", "code"), [
    ("qwen3-asr-nope", "http://media.asr-emulator.test/a.wav", "InvalidParameter"),
    ("qwen3-asr-flash", "http://127.0.0.1:9/gone.wav", "InvalidParameter"),
    ("qwen3-asr-flash", "http://media.asr-emulator.test/a.wav?duration=301", "InvalidParameter"),
    ("qwen3-asr-flash", "ftp://example.com/a.wav", "InvalidParameter"),
])
def test_native_errors_sync_and_streaming(dashscope_sdk: Any, emulator: ControlClient, model: str, audio: str,
                                          code: str) -> None:
    from dashscope import MultiModalConversation

    answer = MultiModalConversation.call(model=model, messages=messages(audio))
    assert (answer.status_code, answer.code) == (400, code) and answer.message
    [event] = list(MultiModalConversation.call(model=model, messages=messages(audio), stream=True))
    assert (event.status_code, event.code) == (400, code)      # event:error, told as the SDK reads it


@pytest.fixture
def openai_client(emulator: ControlClient) -> Iterator[Any]:
    import openai

    client = openai.OpenAI(api_key="sk-local", base_url=f"{emulator.url}/compatible-mode/v1", max_retries=0)
    yield client
    client.close()


def compat_messages(audio: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": [{"type": "text", "text": "DashScope"}]},
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": audio}}]}]


def test_compatible_sync_and_streaming(openai_client: Any, emulator: ControlClient) -> None:
    url = emulator.fixture_url("hello_zh.wav")
    done = openai_client.chat.completions.create(model="qwen3-asr-flash", messages=compat_messages(url),
                                                 extra_body={"asr_options": {"language": "zh"}})
    assert done.choices[0].message.content == SAID and done.object == "chat.completion"
    assert done.choices[0].message.annotations[0].language == "zh"
    assert done.usage.prompt_tokens == 10 * 25 and done.usage.model_extra["seconds"] == 10   # 9.2 s: whole seconds
    stream = openai_client.chat.completions.create(model="qwen3-asr-flash", messages=compat_messages(url),
                                                   stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == SAID
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_compatible_errors(openai_client: Any, emulator: ControlClient) -> None:
    import openai

    with pytest.raises(openai.NotFoundError) as missing:
        openai_client.chat.completions.create(model="qwen-nope", messages=compat_messages("http://a/b.wav"))
    assert missing.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        openai_client.chat.completions.create(model="qwen3-asr-flash",
                                              messages=compat_messages("http://127.0.0.1:9/gone.wav"))
    assert bad.value.body["code"] == "invalid_parameter_error"
    assert bad.value.body["message"] == "Failed to download multimodal content"
    emulator.settings(credentials="strict")
    import openai as oa

    wrong = oa.OpenAI(api_key="sk-not-configured", base_url=f"{emulator.url}/compatible-mode/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as auth:
        wrong.chat.completions.create(model="qwen3-asr-flash", messages=compat_messages("http://a/b.wav"))
    wrong.close()
    assert auth.value.body["code"] == "invalid_api_key"


def test_compatible_models(openai_client: Any) -> None:
    ids = [m.id for m in openai_client.models.list()]
    assert "qwen3-asr-flash" in ids and "qwen3-asr-flash-us" not in ids


def test_filetrans_task_lifecycle_and_result(dashscope_sdk: Any, emulator: ControlClient) -> None:
    import json
    import urllib.request

    from dashscope.audio.qwen_asr import QwenTranscription

    emulator.lifecycle("polls:1")
    task = QwenTranscription.async_call(model="qwen3-asr-flash-filetrans", file_url=emulator.fixture_url(
        "hello_zh.wav"), enable_words=True, language="zh")
    assert task.status_code == 200 and task.output.task_status == "PENDING"
    done = QwenTranscription.wait(task=task.output.task_id)
    assert done.output.task_status == "SUCCEEDED" and done.usage["seconds"] == 10
    result = json.load(urllib.request.urlopen(done.output["result"]["transcription_url"]))
    transcript = result["transcripts"][0]
    assert transcript["text"] == SAID and result["audio_info"]["sample_rate"] == 16000
    first = transcript["sentences"][0]
    assert first["sentence_id"] == 0 and first["language"] == "zh" and first["emotion"] == "neutral"
    assert "".join(w["text"] + w["punctuation"] for w in first["words"]) == first["text"]
    plain = QwenTranscription.wait(task=QwenTranscription.async_call(
        model="qwen3-asr-flash-filetrans", file_url=emulator.fixture_url("hello_zh.wav")).output.task_id)
    words = json.load(urllib.request.urlopen(plain.output["result"]["transcription_url"]))
    assert "words" not in words["transcripts"][0]["sentences"][0]          # enable_words is off by default
    failed = QwenTranscription.wait(task=QwenTranscription.async_call(
        model="qwen3-asr-flash-filetrans", file_url="http://127.0.0.1:9/gone.wav").output.task_id)
    assert failed.output.task_status == "FAILED" and failed.output["code"]


class _Events:
    def __init__(self) -> None:
        import json
        import threading

        self.json = json
        self.seen: list[dict[str, Any]] = []
        self.closed = threading.Event()

    def callback(self) -> Any:
        from dashscope.audio.qwen_omni import OmniRealtimeCallback

        events = self

        class Callback(OmniRealtimeCallback):
            def on_event(self, message: Any) -> None:
                events.seen.append(message if isinstance(message, dict) else events.json.loads(message))

            def on_close(self, close_status_code: Any, close_msg: Any) -> None:
                events.closed.set()

        return Callback()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.seen if e.get("type") == kind]


@pytest.mark.parametrize("vad", [True, False])
def test_realtime_vad_and_manual(dashscope_sdk: Any, emulator: ControlClient, vad: bool) -> None:
    from dashscope.audio.qwen_omni import MultiModality, OmniRealtimeConversation
    from dashscope.audio.qwen_omni.omni_realtime import TranscriptionParams

    events = _Events()
    url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/realtime"
    conversation = OmniRealtimeConversation(model="qwen3-asr-flash-realtime", callback=events.callback(), url=url)
    conversation.connect()
    conversation.update_session(output_modalities=[MultiModality.TEXT], enable_turn_detection=vad,
                                turn_detection_silence_duration_ms=400,
                                transcription_params=TranscriptionParams(language="zh", sample_rate=16000,
                                                                         input_audio_format="pcm"))
    audio = FIXTURES.joinpath("hello_zh.wav").read_bytes()       # sent as pcm, header and all, as the sample does
    for i in range(0, len(audio), 3200):
        conversation.append_audio(base64.b64encode(audio[i:i + 3200]).decode())
    if not vad:
        conversation.commit()
    conversation.end_session(timeout=20)
    conversation.close()
    assert events.of("session.created")[0]["session"]["id"]
    assert events.of("session.updated")[0]["session"]["turn_detection"] == (
        {"type": "server_vad", "threshold": 0.2, "silence_duration_ms": 400} if vad else None)
    done = [e["transcript"] for e in events.of("conversation.item.input_audio_transcription.completed")]
    assert "".join(done) == SAID and len(done) == (2 if vad else 1)
    assert events.of("conversation.item.input_audio_transcription.text")
    assert all(e["language"] == "zh" and e["emotion"] == "neutral"
               for e in events.of("conversation.item.input_audio_transcription.completed"))
    assert events.of("session.finished") and not events.of("error")
    if vad:
        assert len(events.of("input_audio_buffer.speech_started")) == 2


def test_realtime_refuses_a_bad_key_and_an_unknown_model(dashscope_sdk: Any, emulator: ControlClient) -> None:
    import json

    import websocket

    url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/realtime"
    emulator.settings(credentials="strict")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"{url}?model=qwen3-asr-flash-realtime",
                                    header=["Authorization: Bearer sk-not-configured"])
    assert refused.value.status_code == 401
    emulator.settings(credentials="permissive")
    ws = websocket.create_connection(f"{url}?model=qwen-nope", header=["Authorization: Bearer sk-local"])
    error = json.loads(ws.recv())
    ws.close()
    assert error["type"] == "error" and error["error"]["code"] == "model_not_found"
