"""DashScope realtime recognition through the real SDK: ``Recognition`` both ways, and gummy translation."""

from __future__ import annotations

import contextlib
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def realtime(dashscope_sdk: Any, emulator: ControlClient) -> Iterator[Any]:
    saved = dashscope_sdk.base_websocket_api_url
    dashscope_sdk.base_websocket_api_url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/inference"
    yield dashscope_sdk
    dashscope_sdk.base_websocket_api_url = saved


def script(name: str) -> list[str]:
    return FIXTURES.joinpath(name).with_suffix(".txt").read_text("utf-8").splitlines()


def pcm(name: str) -> bytes:
    with wave.open(str(FIXTURES / name)) as w:
        return w.readframes(w.getnframes())


def run_task(task_id: str, **parameters: Any) -> str:
    """A raw run-task message as the SDK writes it, for tests that speak the protocol themselves."""
    import json

    return json.dumps({"header": {"streaming": "duplex", "task_id": task_id, "action": "run-task"}, "payload": {
        "model": "paraformer-realtime-v2", "parameters": {"sample_rate": 16000, "format": "pcm", **parameters},
        "input": {}, "task": "asr", "task_group": "audio", "function": "recognition"}})


class Recorder:
    """A RecognitionCallback that records every event in order."""

    def __init__(self) -> None:
        from dashscope.audio.asr import RecognitionCallback

        self.events: list[Any] = []
        self.done = threading.Event()
        recorder = self

        class Callback(RecognitionCallback):  # type: ignore[misc]
            def on_open(self) -> None:
                recorder.events.append("open")

            def on_complete(self) -> None:
                recorder.events.append("complete")

            def on_error(self, result: Any) -> None:
                recorder.events.append(("error", result.code, result.message))

            def on_close(self) -> None:
                recorder.events.append("close")
                recorder.done.set()

            def on_event(self, result: Any) -> None:
                sentence = result.get_sentence()
                kind = "final" if sentence["sentence_end"] else "partial"
                recorder.events.append((kind, sentence["text"], sentence["end_time"], result.get_usage(sentence)))

        self.callback = Callback()

    def wait_for(self, kind: str, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if kind in self.kinds():
                return True
            time.sleep(0.02)
        return False

    def kinds(self) -> list[str]:
        return [e if isinstance(e, str) else e[0] for e in self.events]


def stream(recognition: Any, data: bytes, chunk: int = 3200) -> None:
    recognition.start()
    for i in range(0, len(data), chunk):
        recognition.send_audio_frame(data[i:i + chunk])
    recognition.stop()


def test_call_with_a_file_gives_the_scripted_sentences(realtime: Any) -> None:
    from dashscope.audio.asr import Recognition

    recognition = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                              semantic_punctuation_enabled=True)
    result = recognition.call(str(FIXTURES / "hello_zh.wav"))
    assert result.status_code == 200
    sentences = result.get_sentence()
    assert [s["text"] for s in sentences] == script("hello_zh.wav")[0].replace("。", "。\n").split()
    first, second = sentences
    assert 0 <= first["begin_time"] < first["end_time"] <= second["begin_time"] < second["end_time"]
    assert "".join(w["text"] + w["punctuation"] for w in first["words"]) == first["text"]
    again = recognition.call(str(FIXTURES / "hello_zh.wav"))       # same task_id, new connection: allowed
    assert [s["text"] for s in again.get_sentence()] == [s["text"] for s in sentences]


def test_streaming_events_come_in_order_with_partials_before_finals(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    recorder = Recorder()
    emulator.script("Hello world. This is a test of the speech emulator.", stream=True)
    stream(Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000,
                       callback=recorder.callback, language_hints=["en"], semantic_punctuation_enabled=True),
           pcm("hello_en.wav"))
    assert recorder.done.wait(10)
    kinds = recorder.kinds()
    assert kinds[0] == "open" and kinds[-2:] == ["complete", "close"]
    assert "partial" in kinds and kinds.index("partial") < kinds.index("final")
    finals = [e for e in recorder.events if e[0] == "final"]
    assert [f[1] for f in finals] == ["Hello world.", "This is a test of the speech emulator."]
    for event in recorder.events:
        if event[0] == "partial":
            assert event[2] is None          # partials have end_time null
        if event[0] == "final":
            assert isinstance(event[2], int) and event[3]["duration"] >= 1


def test_a_streamed_make_audio_wav_transcribes_to_its_script(realtime: Any, tmp_path: Path) -> None:
    from dashscope.audio.asr import Recognition

    from emulator.cli import main

    audio = tmp_path / "said.wav"
    assert main(["make-audio", "我们明天见。", "-o", str(audio), "--engine", "synthetic"]) == 0
    recorder = Recorder()
    stream(Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000,
                       callback=recorder.callback), audio.read_bytes(), chunk=1024)
    assert recorder.done.wait(10)
    assert [e[1] for e in recorder.events if e[0] == "final"] == ["我们明天见。"]


def test_fun_asr_sentences_carry_ids_and_8k_v2_carries_emotion(realtime: Any) -> None:
    from dashscope.audio.asr import Recognition

    fun = Recognition(model="fun-asr-realtime", format="wav", sample_rate=16000, callback=None,
                      semantic_punctuation_enabled=True)
    assert [s["sentence_id"] for s in fun.call(str(FIXTURES / "hello_zh.wav")).get_sentence()] == [1, 2]
    phone = Recognition(model="paraformer-realtime-8k-v2", format="wav", sample_rate=8000, callback=None,
                        max_sentence_silence=300)
    sentences = phone.call(str(FIXTURES / "phone_8k.wav")).get_sentence()
    assert [s["text"] for s in sentences] == ["您好，请问有什么可以帮您？", "我想查询一下账单。"]
    assert all(s["emo_tag"] in ("positive", "negative", "neutral") and 0 < s["emo_confidence"] < 1
               for s in sentences)
    # emotions need VAD sentences: with semantic sentences they are not given
    semantic = Recognition(model="paraformer-realtime-8k-v2", format="wav", sample_rate=8000, callback=None,
                           semantic_punctuation_enabled=True)
    sentences = semantic.call(str(FIXTURES / "phone_8k.wav")).get_sentence()
    assert len(sentences) == 2 and not any("emo_tag" in s for s in sentences)


@pytest.mark.parametrize(("kwargs", "frames", "code"), [
    ({"model": "paraformer-realtime-v9"}, b"x" * 3200, "InvalidParameter"),
    ({"model": "paraformer-realtime-8k-v1"}, b"x" * 3200, "InvalidParameter"),   # 16 kHz on an 8 kHz model
    ({"model": "paraformer-realtime-v2"}, b"", "NO_VALID_AUDIO_ERROR"),
])
def test_failures_reach_on_error_with_the_code(realtime: Any, kwargs: dict[str, Any], frames: bytes,
                                               code: str) -> None:
    from dashscope.audio.asr import Recognition
    from dashscope.common.error import InvalidParameter, InvalidTask

    recorder = Recorder()
    recognition = Recognition(format="pcm", sample_rate=16000, callback=recorder.callback, **kwargs)
    # the task fails as soon as run-task arrives: depending on the threads' timing the SDK's start() already sees
    # its receiving thread gone (InvalidTask), or the next send_audio_frame finds it stopped (InvalidParameter)
    with contextlib.suppress(InvalidTask, InvalidParameter):
        recognition.start()
        if frames:
            recognition.send_audio_frame(frames)
    with contextlib.suppress(Exception):   # the SDK may raise from stop() after the task failed
        recognition.stop()
    assert recorder.done.wait(10)
    errors = [e for e in recorder.events if e[0] == "error"]
    assert errors and errors[0][1] == code


def test_no_audio_for_the_idle_timeout_is_a_client_error(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    emulator.settings(stream_idle_timeout=0.3)       # the service's 23 s, shortened for the test
    recorder = Recorder()
    recognition = Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000,
                              callback=recorder.callback)
    recognition.start()
    time.sleep(1.0)
    # The SDK reads server events only between audio frames, so the failure surfaces when it next acts.
    with contextlib.suppress(Exception):
        recognition.stop()
    assert recorder.wait_for("error")
    assert ("error", "CLIENT_ERROR", "request timeout after 23 seconds.") in recorder.events
    [entry] = emulator.journal(operation="stream")
    assert entry["code"] == "CLIENT_ERROR"


def test_stream_faults_fail_or_drop_the_task(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    emulator.fault({"type": "stream_fail", "code": "SERVER_ERROR", "frames": 3}, operation="stream", times=1)
    recorder = Recorder()
    recognition = Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000,
                              callback=recorder.callback)
    with contextlib.suppress(Exception):
        stream(recognition, pcm("hello_zh.wav"))
    assert recorder.done.wait(10)
    assert [e[1] for e in recorder.events if e[0] == "error"] == ["SERVER_ERROR"]

    emulator.fault({"type": "stream_duplicate"}, operation="stream", times=1)
    result = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                         semantic_punctuation_enabled=True).call(str(FIXTURES / "hello_zh.wav"))
    texts = [s["text"] for s in result.get_sentence()]
    assert texts == [texts[0], texts[0], texts[2], texts[2]]


def test_wrong_key_fails_the_handshake(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    emulator.settings(credentials="strict")
    result = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                         api_key="sk-not-configured").call(str(FIXTURES / "hello_zh.wav"))
    assert result.status_code == 401
    assert result.message == "Unauthorized, your api-key is invalid!"


def test_gummy_translation_recognizer_gets_transcription_and_translation(realtime: Any) -> None:
    from dashscope.audio.asr import TranslationRecognizerCallback, TranslationRecognizerRealtime

    seen: list[Any] = []
    done = threading.Event()

    class Callback(TranslationRecognizerCallback):  # type: ignore[misc]
        def on_event(self, request_id: Any, transcription_result: Any, translation_result: Any, usage: Any) -> None:
            if transcription_result is not None and transcription_result.is_sentence_end:
                english = translation_result.get_translation("en")
                seen.append((transcription_result.text, english.text, english.is_sentence_end))

        def on_complete(self) -> None:
            seen.append("complete")

        def on_close(self) -> None:
            done.set()

    translator = TranslationRecognizerRealtime(
        model="gummy-realtime-v1", format="wav", sample_rate=16000, callback=Callback(),
        transcription_enabled=True, translation_enabled=True, translation_target_languages=["en"],
        max_end_silence=300)
    translator.start()
    data = (FIXTURES / "hello_zh.wav").read_bytes()
    for i in range(0, len(data), 3200):
        translator.send_audio_frame(data[i:i + 3200])
    translator.stop()
    assert done.wait(10)
    assert seen[-1] == "complete"
    finals = seen[:-1]
    assert [f[0] for f in finals] == script("hello_zh.wav")[0].replace("。", "。\n").split()
    assert all(f[1] and f[1].isascii() and f[2] for f in finals)


def test_a_dropped_connection_and_delayed_results(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    emulator.fault({"type": "stream_close", "frames": 2}, operation="stream", times=1)
    dropped = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000,
                          callback=None).call(str(FIXTURES / "hello_zh.wav"))
    assert dropped.status_code != 200

    emulator.fault({"type": "stream_delay", "seconds": 0.2}, operation="stream", times=1)
    started = time.monotonic()
    late = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                       semantic_punctuation_enabled=True).call(str(FIXTURES / "hello_en.wav"))
    assert late.status_code == 200
    assert [s["text"] for s in late.get_sentence()] == ["Hello world.", "This is a test of the speech emulator."]
    assert time.monotonic() - started >= 0.2 * 4      # at least four results, each held back


def test_pings_are_answered_and_a_connection_runs_a_second_task(emulator: ControlClient) -> None:
    import asyncio
    import json

    import websockets

    async def go() -> list[str]:
        url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/inference/"
        events = []
        async with websockets.connect(url, additional_headers={"Authorization": "Bearer sk-ping-test"}) as ws:
            await asyncio.wait_for(await ws.ping(), 5)
            for task_id in ("a" * 32, "b" * 32):
                header = {"streaming": "duplex", "task_id": task_id}
                await ws.send(run_task(task_id))
                events.append(json.loads(await ws.recv())["header"]["event"])
                await ws.send(pcm("hello_zh.wav")[:32000])
                await ws.send(json.dumps({"header": {**header, "action": "finish-task"}, "payload": {"input": {}}}))
                while True:
                    event = json.loads(await ws.recv())
                    if event["header"]["event"] != "result-generated":
                        events.append(event["header"]["event"])
                        assert event["payload"] == {"output": {}, "usage": None}
                        break
        return events

    assert asyncio.run(go()) == ["task-started", "task-finished", "task-started", "task-finished"]


def test_a_reused_connection_needs_a_new_task_id(emulator: ControlClient) -> None:
    import asyncio
    import json

    import websockets

    async def go() -> list[Any]:
        url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/inference"
        header = {"streaming": "duplex", "task_id": "d" * 32}
        run = run_task("d" * 32)
        seen: list[Any] = []
        async with websockets.connect(url, additional_headers={"Authorization": "Bearer sk-reuse-test"}) as ws:
            await ws.send(run)
            await ws.recv()
            await ws.send(pcm("hello_zh.wav")[:32000])
            await ws.send(json.dumps({"header": {**header, "action": "finish-task"}, "payload": {"input": {}}}))
            while json.loads(await ws.recv())["header"]["event"] != "task-finished":
                pass
            await ws.send(run)                                    # the same task_id again
            failed = json.loads(await ws.recv())["header"]
            seen.append((failed["event"], failed["error_code"], failed["task_id"]))
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.recv()
            seen.append(ws.close_code)
        return seen

    assert asyncio.run(go()) == [("task-failed", "InvalidParameter", "d" * 32), 1000]


def test_sentences_end_by_silence_or_by_meaning(realtime: Any) -> None:
    """VAD sentences (the default) end after ``max_sentence_silence``; semantic sentences end where they end."""
    from dashscope.audio.asr import Recognition

    both = script("hello_zh.wav")[0]                       # two sentences, 420 ms apart in the audio
    apart = both.replace("。", "。\n").split()

    def texts(model: str = "paraformer-realtime-v2", **kwargs: Any) -> list[str]:
        result = Recognition(model=model, format="wav", sample_rate=16000, callback=None,
                             **kwargs).call(str(FIXTURES / "hello_zh.wav"))
        assert result.status_code == 200, result.message
        return [s["text"] for s in result.get_sentence()]

    assert texts() == [both]                                              # 800 ms by default
    assert texts(max_sentence_silence=300) == apart
    assert texts(semantic_punctuation_enabled=True, max_sentence_silence=6000) == apart   # silence ignored
    assert texts("fun-asr-realtime", max_sentence_silence=400) == apart
    assert texts("fun-asr-realtime") == [both]                            # 1300 ms by default
    # v1 models take neither option
    assert texts("paraformer-realtime-v1", semantic_punctuation_enabled=True, max_sentence_silence=300) == [both]


def test_multi_threshold_mode_keeps_vad_sentences_short(realtime: Any, tmp_path: Path) -> None:
    from dashscope.audio.asr import Recognition

    from emulator.audiogen import make_audio

    text = "".join(f"这是第{n}句话，我们一直在说话没有停下来。" for n in "一二三四五六七八")
    audio = tmp_path / "monologue.wav"
    audio.write_bytes(make_audio([text], engine="synthetic"))

    def sentences(**kwargs: Any) -> list[dict[str, Any]]:
        result = Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000, callback=None,
                             **kwargs).call(str(audio))
        return list(result.get_sentence())

    assert [s["text"] for s in sentences()] == [text]
    short = sentences(multi_threshold_mode_enabled=True)
    assert len(short) > 1 and "".join(s["text"] for s in short) == text
    assert len(sentences(multi_threshold_mode_enabled=True, semantic_punctuation_enabled=True)) == 8


def test_punctuation_and_itn_switches(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    def text(said: str = "我有3个苹果，你有12个。", **kwargs: Any) -> str:
        emulator.script(said, stream=True)
        recorder = Recorder()
        stream(Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000,
                           callback=recorder.callback, **kwargs), pcm("hello_zh.wav"))
        assert recorder.done.wait(10)
        return "".join(e[1] for e in recorder.events if e[0] == "final")

    assert text() == "我有3个苹果，你有12个。"
    assert text(punctuation_prediction_enabled=False) == "我有3个苹果你有12个"
    assert text(inverse_text_normalization_enabled=False) == "我有三个苹果，你有十二个。"
    # a script in spoken words is written as file transcription writes it: ITN on by default, off when asked
    assert text("我们有三百二十个人，一些人来了。") == "我们有320个人，一些人来了。"
    assert text("我们有三百二十个人，一些人来了。", inverse_text_normalization_enabled=False) == \
        "我们有三百二十个人，一些人来了。"


SILENCE_SECOND = b"\0\0" * 16000


def test_a_minute_of_silence_ends_the_session_unless_heartbeat_is_on(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition

    def session(model: str, **kwargs: Any) -> Recorder:
        emulator.script("你好。", stream=True)
        recorder = Recorder()
        recognition = Recognition(model=model, format="pcm", sample_rate=16000, callback=recorder.callback,
                                  **kwargs)
        with contextlib.suppress(Exception):        # after a failure the SDK refuses further frames
            recognition.start()
            recognition.send_audio_frame(pcm("hello_zh.wav")[:64000])     # speech, then a long silence
            for _ in range(65):
                recognition.send_audio_frame(SILENCE_SECOND)
            recognition.send_audio_frame(pcm("hello_zh.wav")[:64000])
            recognition.stop()
        assert recorder.done.wait(10)
        return recorder

    quiet = session("paraformer-realtime-v2")
    assert [e[1] for e in quiet.events if e[0] == "final"] == ["你好。"]     # said before the silence
    assert [e[:2] for e in quiet.events if e[0] == "error"] == [("error", "NO_VALID_AUDIO_ERROR")]

    kept = session("paraformer-realtime-v2", heartbeat=True)
    assert "error" not in kept.kinds() and kept.kinds()[-2:] == ["complete", "close"]
    assert all(e[1] for e in kept.events if e[0] in ("partial", "final"))   # keep-alives never reach on_event

    old = session("paraformer-realtime-v1", heartbeat=True)                    # v2 and later only
    assert [e[1] for e in old.events if e[0] == "error"] == ["NO_VALID_AUDIO_ERROR"]


def test_heartbeat_results_on_the_wire(emulator: ControlClient) -> None:
    import asyncio
    import json

    import websockets

    async def go(heartbeat: bool) -> list[dict[str, Any]]:
        url = emulator.url.replace("http://", "ws://") + "/api-ws/v1/inference"
        header = {"streaming": "duplex", "task_id": "c" * 32}
        events = []
        async with websockets.connect(url, additional_headers={"Authorization": "Bearer sk-heartbeat-test"}) as ws:
            await ws.send(run_task("c" * 32, heartbeat=heartbeat))
            assert json.loads(await ws.recv())["header"]["event"] == "task-started"
            for _ in range(25):
                await ws.send(SILENCE_SECOND)
            await ws.send(json.dumps({"header": {**header, "action": "finish-task"}, "payload": {"input": {}}}))
            async for message in ws:
                events.append(json.loads(message))
                if events[-1]["header"]["event"] != "result-generated":
                    break
        return events

    *beats, end = asyncio.run(go(True))
    assert end["header"]["event"] == "task-finished"
    assert [b["payload"] for b in beats] == [
        {"output": {"sentence": {"begin_time": ms, "end_time": None, "text": "", "heartbeat": True,
                                 "sentence_end": False, "words": []}}, "usage": None} for ms in (10_000, 20_000)]
    assert [e["header"]["event"] for e in asyncio.run(go(False))] == ["task-finished"]


@pytest.mark.parametrize(("parameters", "fails"), [
    ({"semantic_punctuation_enabled": "yes"}, True),
    ({"heartbeat": 1}, True),
    ({"max_sentence_silence": 100}, True),
    ({"max_sentence_silence": 100, "model": "paraformer-realtime-v1"}, False),    # v1 ignores it
])
def test_realtime_parameters_are_checked(realtime: Any, parameters: dict[str, Any], fails: bool) -> None:
    from dashscope.audio.asr import Recognition

    model = parameters.pop("model", "paraformer-realtime-v2")
    result = Recognition(model=model, format="wav", sample_rate=16000, callback=None,
                         **parameters).call(str(FIXTURES / "hello_zh.wav"))
    if fails:
        assert (result.status_code, result.code) == (400, "InvalidParameter") or result.code == "InvalidParameter"
    else:
        assert result.status_code == 200


def test_gummy_chat_stops_taking_audio_at_the_end_of_the_first_sentence(realtime: Any,
                                                                        emulator: ControlClient) -> None:
    from dashscope.audio.asr import TranslationRecognizerCallback, TranslationRecognizerChat

    emulator.script(script("hello_zh.wav")[0], stream=True)
    finals: list[str] = []
    done = threading.Event()

    class Callback(TranslationRecognizerCallback):  # type: ignore[misc]
        def on_event(self, request_id: Any, transcription_result: Any, translation_result: Any, usage: Any) -> None:
            if transcription_result is not None and transcription_result.is_sentence_end:
                finals.append(transcription_result.text)

        def on_close(self) -> None:
            done.set()

    chat = TranslationRecognizerChat(model="gummy-chat-v1", format="pcm", sample_rate=16000, callback=Callback(),
                                     transcription_enabled=True, translation_enabled=True,
                                     translation_target_languages=["en"], max_end_silence=300)
    chat.start()
    audio, sent = pcm("hello_zh.wav"), 0
    for i in range(0, len(audio), 3200):
        if not chat.send_audio_frame(audio[i:i + 3200]):
            break
        sent += 1
        time.sleep(0.02)
    chat.stop()
    assert done.wait(10)
    assert finals[0] == script("hello_zh.wav")[0].split("。")[0] + "。"
    assert sent < len(audio) // 3200                    # the SDK refused the rest once the sentence had ended


class Replay:
    """A WebSocket server on 127.0.0.1 that answers run-task with a given list of events, for the SDK."""

    def __init__(self) -> None:
        import asyncio

        self.events: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def _run(self) -> None:
        import asyncio
        import json

        import websockets

        async def handler(ws: Any) -> None:
            run = json.loads(await ws.recv())
            await asyncio.sleep(0.02)       # the service's round trip (the SDK races a reply within microseconds)
            for n, event in enumerate(self.events):
                event["header"]["task_id"] = run["header"]["task_id"]
                await ws.send(json.dumps(event, ensure_ascii=False))
                if n == 0:                  # results once the client has sent something (audio or finish-task)
                    await ws.recv()
            if self.events[-1]["header"]["event"] == "task-failed":
                await ws.close()
                return
            with contextlib.suppress(websockets.ConnectionClosed):
                async for _ in ws:
                    pass

        async def main() -> None:
            async with websockets.serve(handler, "127.0.0.1", 0) as server:
                self.url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/api-ws/v1/inference"
                self.ready.set()
                await asyncio.Future()

        with contextlib.suppress(RuntimeError):
            self.loop.run_until_complete(main())


@pytest.fixture(scope="module")
def replay() -> Replay:
    return Replay()


def test_the_realtime_event_strategy_is_what_the_sdk_accepts(dashscope_sdk: Any, replay: Replay) -> None:
    """Every event sequence ``dashscope_realtime_events`` draws runs through the SDK's own Recognition without a
    hang or a crash: results reach on_event (keep-alives do not), then on_complete or on_error with the code."""
    from dashscope.audio.asr import Recognition
    from hypothesis import HealthCheck, given, settings

    from emulator.testing.strategies import dashscope_realtime_events

    saved = dashscope_sdk.base_websocket_api_url
    dashscope_sdk.base_websocket_api_url = replay.url

    @given(dashscope_realtime_events())
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    def check(events: list[dict[str, Any]]) -> None:
        replay.events = events
        recorder = Recorder()
        recognition = Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000,
                                  callback=recorder.callback)

        def drive() -> None:
            with contextlib.suppress(Exception):
                recognition.start()
                recognition.send_audio_frame(SILENCE_SECOND)
                recognition.stop()

        driver = threading.Thread(target=drive, daemon=True)     # a hang fails the test instead of the run
        driver.start()
        driver.join(20)
        assert not driver.is_alive(), f"the SDK hung on {events}"
        assert recorder.done.wait(10)
        results = [e for e in events if e["header"]["event"] == "result-generated"
                   and not e["payload"]["output"]["sentence"]["heartbeat"]]
        last = events[-1]["header"]
        if last["event"] == "task-finished":
            assert recorder.kinds() == ["open", *(["partial", "final"][r["payload"]["output"]["sentence"]
                                                               ["sentence_end"]] for r in results),
                                        "complete", "close"]
        else:
            assert [e for e in recorder.events if e[0] == "error"] == [
                ("error", last["error_code"], last["error_message"])]

    try:
        check()
    finally:
        dashscope_sdk.base_websocket_api_url = saved


def test_realtime_scenarios_play_out_through_the_sdk(realtime: Any, emulator: ControlClient) -> None:
    from dashscope.audio.asr import Recognition
    from hypothesis import given, settings

    from emulator.testing.strategies import Scenario, dashscope_realtime_scenarios

    @given(dashscope_realtime_scenarios())
    @settings(max_examples=12, deadline=None, database=None)
    def check(scenario: Scenario) -> None:
        scenario.apply(emulator)
        recorder = Recorder()
        with contextlib.suppress(Exception):
            stream(Recognition(model="paraformer-realtime-v2", format="wav", sample_rate=16000,
                               callback=recorder.callback, semantic_punctuation_enabled=True),
                   (FIXTURES / "hello_zh.wav").read_bytes())
        assert recorder.done.wait(10)
        finals = [e[1] for e in recorder.events if e[0] == "final"]
        errors = [e[1] for e in recorder.events if e[0] == "error"]
        kind = scenario.faults[0].kind if scenario.faults else None
        if kind == "stream_fail":
            assert errors == [scenario.faults[0].code]
        elif kind == "stream_close":
            assert errors and "complete" not in recorder.kinds()
        else:
            expected = script("hello_zh.wav")[0].replace("。", "。\n").split()
            assert not errors
            assert finals == ([f for f in expected for _ in (0, 1)] if kind == "stream_duplicate" else expected)

    check()


def test_a_wav_file_sent_as_pcm_is_read_as_wav(realtime: Any) -> None:
    """Header and all, as the vendors' samples send a file: the header is not heard, the file's script is."""
    from dashscope.audio.asr import Recognition

    recorder = Recorder()
    stream(Recognition(model="paraformer-realtime-v2", format="pcm", sample_rate=16000, callback=recorder.callback),
           (FIXTURES / "hello_zh.wav").read_bytes())
    assert recorder.done.wait(10)
    assert "".join(e[1] for e in recorder.events if e[0] == "final") == script("hello_zh.wav")[0]
