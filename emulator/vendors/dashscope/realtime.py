"""DashScope realtime recognition over WebSocket: run-task, audio frames, finish-task, results paced by audio time.

The SDK hangs or crashes on small mistakes (see the DashScope brief §4.4), so the rules are kept here: task-started
answers run-task before anything else; every sentence carries ``end_time`` (null while partial); result-generated
never carries an empty ``output``; task-finished's payload is ``{"output": {}, "usage": null}``; task-failed names
``error_code`` and ``error_message`` and the server then closes.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from emulator.declare import Invalid, Schema
from emulator.engine import Engine, Rule
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.faults import STREAM_ACTIONS, delay_result
from emulator.engine.recognizer import CJK_LANGS, FAKER_LOCK, synthetic_sentences, tokenize
from emulator.engine.stream import AudioStream, StreamError, StreamOptions, StreamSentence
from emulator.inputs import BadInput, parse_json, printable
from emulator.vendors.dashscope import catalogue as cat

VENDOR = "dashscope"


def bearer_key(header: str) -> str:
    """The key of ``Authorization: Bearer <key>`` ("" for anything else)."""
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


class TaskFailed(Exception):
    def __init__(self, code: str, message: str, task_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.task_id = task_id


@dataclass
class Task:
    task_id: str
    model: cat.RealtimeModel
    stream: AudioStream
    parameters: dict[str, Any]
    faults: dict[str, Rule]
    frames: int = 0
    billed_ms: int = 0
    rng: random.Random = field(default_factory=random.Random)
    translations: dict[tuple[int, str], list[tuple[str, str]]] = field(default_factory=dict)


_RUN_TASK = Schema(cat.RUN_TASK, "run-task")


class Realtime:
    def __init__(self, engine: Engine, *, accepts: Any, idle_timeout: float = cat.WS_IDLE_TIMEOUT_S,
                 vocabularies: Any = None) -> None:
        self.engine = engine
        self.accepts = accepts               # key → bool, the dialect's credential check
        self.idle_timeout = idle_timeout
        self.vocabularies = vocabularies

    # ---- connection --------------------------------------------------------------------------------------

    async def endpoint(self, ws: WebSocket) -> None:
        key = bearer_key(ws.headers.get("authorization", ""))
        if not self.accepts(key):
            body = {"request_id": self.engine.new_id(), "code": "InvalidApiKey",
                    "message": cat.ERRORS["InvalidApiKey"][1]}
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(JSONResponse(body, status_code=401))
            else:
                await ws.close(code=1008)
            self._journal(ws, None, 401, "InvalidApiKey",
                          "no 'Authorization: Bearer <key>' header" if not key else "the key is refused")
            return
        CURRENT_ACCOUNT.set(key or None)       # the stream belongs to the key's account (its scripts, faults)
        await ws.accept()
        task: Task | None = None
        used: set[str] = set()          # task ids this connection has run: a reused connection needs new ones
        code: str | None = None
        try:
            while True:
                idle = self.engine.stream_idle_timeout or self.idle_timeout
                timeout = idle if task is not None else max(idle, cat.WS_CONNECTION_IDLE_S)
                try:
                    message = await asyncio.wait_for(ws.receive(), timeout)
                except TimeoutError:
                    if task is not None:
                        raise TaskFailed(*cat.WS_ERRORS["timeout"]) from None
                    break
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    if task is None:
                        raise TaskFailed(cat.WS_BAD_REQUEST, "Audio arrived before run-task.")
                    await self._audio(ws, task, message["bytes"])
                    continue
                frame = _frame(message.get("text") or "")
                action = frame["header"]["action"]
                if action == "run-task":
                    if task is not None:
                        raise TaskFailed(cat.WS_BAD_REQUEST, "A task is already running on this connection.")
                    asked = str(frame["header"].get("task_id") or "")
                    try:
                        if asked in used:
                            raise TaskFailed(cat.WS_BAD_REQUEST, cat.TASK_ID_REUSED)
                        task = self._start(frame, key, ws.headers.get("x-test-id"))
                    except TaskFailed as failure:
                        failure.task_id = asked
                        raise
                    used.add(task.task_id)
                    await asyncio.sleep(cat.TASK_STARTED_DELAY_S)
                    await self._send(ws, task.task_id, "task-started", {})
                elif action == "continue-task":
                    if task is None:
                        raise TaskFailed(cat.WS_BAD_REQUEST, "continue-task arrived before run-task.")
                elif action == "finish-task":
                    if task is None:
                        raise TaskFailed(cat.WS_BAD_REQUEST, "finish-task arrived before run-task.")
                    await self._finish(ws, task)
                    self._journal(ws, task.task_id, 200, None)
                    task = None
                else:
                    raise TaskFailed(cat.WS_BAD_REQUEST, f"Unknown action: {action!r}.")
        except TaskFailed as failure:
            code = failure.code
            task_id = failure.task_id or (task.task_id if task is not None else "")
            await self._send_failed(ws, task_id, failure)
            self._journal(ws, task_id, 200, code, str(failure))
        except _Dropped:
            self._journal(ws, task.task_id if task else None, 200, "stream_close")
            await ws.close(code=1011)
        except WebSocketDisconnect:
            return

    def _journal(self, ws: WebSocket, task_id: str | None, status: int, code: str | None,
                 reason: str | None = None) -> None:
        self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=ws.url.path, status=status,
                                   latency_ms=0.0, vendor=VENDOR, operation="stream", job_id=task_id, code=code,
                                   reason=reason, test_id=ws.headers.get("x-test-id"))

    async def _send(self, ws: WebSocket, task_id: str, event: str, payload: dict[str, Any],
                    **extra: Any) -> None:
        await ws.send_text(json.dumps({"header": {"task_id": task_id, "event": event, **extra, "attributes": {}},
                                       "payload": payload}, ensure_ascii=False))

    async def _send_failed(self, ws: WebSocket, task_id: str, failure: TaskFailed) -> None:
        try:
            await self._send(ws, task_id, "task-failed", {}, error_code=failure.code, error_message=failure.message)
            await ws.close(code=1000)
        except (WebSocketDisconnect, RuntimeError):
            pass

    # ---- task --------------------------------------------------------------------------------------------

    def _start(self, frame: dict[str, Any], key: str, test_id: str | None) -> Task:
        """A run-task — typed and bounded by its declaration (``cat.RUN_TASK``) — checked for what the schema
        cannot say: the model and what it supports."""
        try:
            frame = _RUN_TASK.check(frame)
        except Invalid as exc:
            problem = exc.problem
            if problem.path == ("payload", "model"):
                code, message = cat.WS_ERRORS["model"]
                raise TaskFailed(code, message.format(model=printable(str(problem.value)))) from None
            raise TaskFailed(cat.WS_BAD_REQUEST, f"{problem.message}.") from None
        task_id = frame["header"].get("task_id") or self.engine.new_id()
        payload = frame["payload"]
        model = cat.REALTIME_MODELS.get(payload["model"])
        if model is None:
            code, message = cat.WS_ERRORS["model"]
            raise TaskFailed(code, message.format(model=payload["model"]))
        params = payload.get("parameters") or {}
        fmt = params.get("format", "pcm")
        rate = params.get("sample_rate", 16000)
        if model.sample_rates is not None and rate not in model.sample_rates:
            raise TaskFailed(cat.WS_BAD_REQUEST, f"Model {model.name} supports sample_rate "
                                                 f"{', '.join(map(str, model.sample_rates))} only.")
        v2 = model.v2_options
        # max_sentence_silence (v2 and fun-asr, VAD sentences only) or gummy's max_end_silence
        silence_key = "max_sentence_silence" if v2 else "max_end_silence" if model.translation else None
        silence = params.get(silence_key, model.end_silence_ms) if silence_key else model.end_silence_ms
        low, high = cat.MAX_SENTENCE_SILENCE
        if not low <= silence <= high:
            raise TaskFailed(cat.WS_BAD_REQUEST, f"{silence_key} must be an integer in [{low}, {high}].")
        hints = params.get("language_hints") or []
        source = params.get("source_language")
        language = next((h for h in ([source] if source else []) + list(hints) if h in model.languages),
                        model.languages[0])
        hotwords: tuple[str, ...] = ()
        if params.get("vocabulary_id") and self.vocabularies is not None:
            words = self.vocabularies.words(params["vocabulary_id"], key)
            if words is None:
                raise TaskFailed(cat.WS_BAD_REQUEST, cat.VOCABULARY_NOT_FOUND.format(id=params["vocabulary_id"]))
            hotwords = words
        heartbeat = v2 and params.get("heartbeat") is True
        options = StreamOptions(fmt=fmt, sample_rate=rate, language=language, end_silence_ms=silence,
                                remove_disfluencies=bool(params.get("disfluency_removal_enabled")),
                                hotwords=hotwords,
                                semantic=v2 and params.get("semantic_punctuation_enabled") is True,
                                punctuation=not v2 or params.get("punctuation_prediction_enabled", True) is True,
                                itn=not v2 or params.get("inverse_text_normalization_enabled", True) is True,
                                silence_limit_ms=None if heartbeat or model.translation else cat.SILENCE_TIMEOUT_MS,
                                heartbeat_ms=cat.HEARTBEAT_INTERVAL_MS if heartbeat else None,
                                long_sentence=cat.MULTI_THRESHOLD
                                if v2 and params.get("multi_threshold_mode_enabled") is True else None)
        stream = AudioStream(options, seed=self.engine.seed, script=self.engine.scripts.next_stream())
        faults = self.engine.faults.check(FaultRequest(VENDOR, "stream", model=model.name, test_id=test_id),
                                          STREAM_ACTIONS)
        return Task(task_id, model, stream, params, faults, rng=random.Random(f"{self.engine.seed}:{task_id}"))

    async def _audio(self, ws: WebSocket, task: Task, data: bytes) -> None:
        task.frames += 1
        fail = task.faults.get("stream_fail")
        if fail is not None and task.frames > fail.frames:
            raise TaskFailed(fail.code or cat.WS_SERVER_ERROR, fail.message or fail.code or cat.WS_SERVER_ERROR)
        close = task.faults.get("stream_close")
        if close is not None and task.frames > close.frames:
            raise _Dropped
        if len(data) > cat.WS_MAX_FRAME_BYTES:
            raise TaskFailed(cat.WS_BAD_REQUEST, cat.WS_FRAME_TOO_LARGE.format(size=len(data)))
        try:
            if len(data) > cat.WS_FRAME_THREAD_BYTES:      # a big frame is much audio to segment: off the loop
                results = await asyncio.to_thread(task.stream.feed, data)
            else:
                results = task.stream.feed(data)
        except StreamError as exc:
            for result in exc.results:
                await self._result(ws, task, result)
            raise TaskFailed(*cat.WS_ERRORS[exc.kind]) from None
        for result in results:
            await self._result(ws, task, result)
            await asyncio.sleep(0)              # many results from one frame: let other requests in between

    async def _finish(self, ws: WebSocket, task: Task) -> None:
        try:
            results = task.stream.finish()
        except StreamError as exc:
            raise TaskFailed(*cat.WS_ERRORS[exc.kind]) from None
        for result in results:
            await self._result(ws, task, result)
        await self._send(ws, task.task_id, "task-finished", {"output": {}, "usage": None})

    async def _result(self, ws: WebSocket, task: Task, result: StreamSentence) -> None:
        await delay_result(task.faults)
        payload = self._payload(task, result)
        await self._send(ws, task.task_id, "result-generated", payload)
        if result.final and "stream_duplicate" in task.faults:
            await self._send(ws, task.task_id, "result-generated", payload)

    # ---- rendering ---------------------------------------------------------------------------------------

    def _payload(self, task: Task, result: StreamSentence) -> dict[str, Any]:
        if result.heartbeat:     # a keep-alive: the SDK skips it
            return {"output": {"sentence": {"begin_time": result.begin_ms, "end_time": None, "text": "",
                                            "heartbeat": True, "sentence_end": False, "words": []}},
                    "usage": None}
        usage = None
        if result.final:
            usage = {"duration": max(1, -(-result.audio_ms // 1000))}
        if task.model.translation:
            return {"output": self._gummy(task, result), "usage": usage}
        sentence: dict[str, Any] = {
            "begin_time": result.begin_ms, "end_time": result.end_ms, "text": result.text, "heartbeat": False,
            "sentence_end": result.final,
            "words": [{"begin_time": w.begin_ms, "end_time": w.end_ms, "text": w.text, "punctuation": w.punctuation}
                      for w in result.words],
        }
        if task.model.sentence_ids:
            sentence["sentence_id"] = result.index + 1
        if task.model.emotions and result.final and not task.stream.options.semantic:
            rng = random.Random(f"{self.engine.seed}:{task.task_id}:{result.index}")
            sentence["emo_tag"] = rng.choice(cat.EMO_TAGS)
            sentence["emo_confidence"] = round(rng.uniform(0.5, 0.99), 3)
        return {"output": {"sentence": sentence}, "usage": usage}

    def _gummy(self, task: Task, result: StreamSentence) -> dict[str, Any]:
        params = task.parameters

        def sentence(text: str, words: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
            return {"sentence_id": result.index, "begin_time": result.begin_ms, "end_time": result.end_ms,
                    "current_time": result.audio_ms, "text": text, "words": words,
                    "sentence_end": result.final, **extra}

        out: dict[str, Any] = {}
        if params.get("transcription_enabled", True):
            words: list[dict[str, Any]] = [{"begin_time": w.begin_ms, "end_time": w.end_ms,
                                            "text": w.text + w.punctuation, "fixed": result.final}
                                           for w in result.words]
            out["transcription"] = sentence(result.text, words)
        targets = params.get("translation_target_languages") or []
        if params.get("translation_enabled") and isinstance(targets, list):
            out["translations"] = []
            for lang in (t for t in targets if isinstance(t, str)):
                tokens = self._translation(task, result.index, lang, len(result.words))
                shown = tokens if result.final else tokens[: max(0, len(tokens) * len(result.words)
                                                                 // max(1, len(result.words) + 2))]
                end = result.end_ms if result.end_ms is not None else result.audio_ms
                span = max(1, end - result.begin_ms)
                words = [{"begin_time": result.begin_ms + span * i // max(1, len(shown)),
                          "end_time": result.begin_ms + span * (i + 1) // max(1, len(shown)),
                          "text": w + (p if result.final else ""), "fixed": result.final}
                         for i, (w, p) in enumerate(shown)]
                text = "".join(str(w["text"]) for w in words).strip()
                out["translations"].append(sentence(text, words, lang=lang))
        if not out:   # an empty output would end the SDK's task early
            out["transcription"] = sentence(result.text, [])
        return out

    def _translation(self, task: Task, index: int, lang: str, source_words: int) -> list[tuple[str, str]]:
        key = (index, lang)
        if key not in task.translations:
            rng = random.Random(f"{self.engine.seed}:{task.task_id}:{index}:{lang}")
            with FAKER_LOCK:
                texts = synthetic_sentences(rng, lang, [(0, max(1000, source_words * 300))])
            text = ("" if lang in CJK_LANGS else " ").join(texts)
            task.translations[key] = tokenize(text) or [("…", "")]
        return task.translations[key]


class _Dropped(Exception):
    """A fault drops the connection without a word."""


def _frame(text: str) -> dict[str, Any]:
    try:
        frame = parse_json(text)
    except BadInput as exc:
        raise TaskFailed(cat.WS_BAD_REQUEST, f"Messages must be JSON: {exc}.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("header"), dict) \
            or not isinstance(frame["header"].get("action"), str):
        raise TaskFailed(cat.WS_BAD_REQUEST, "Messages need header.action.")
    return frame

