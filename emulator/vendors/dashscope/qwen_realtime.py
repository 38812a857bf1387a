"""Qwen3-ASR realtime (``/api-ws/v1/realtime?model=qwen3-asr-flash-realtime``), in the OpenAI-Realtime style the
qwen3-asr brief describes (§5): ``session.created`` first (with ``session.id``, which the SDK needs); ``session.update``
answered with ``session.updated`` or an ``error``; base64 audio in ``input_audio_buffer.append``; with server VAD
(the default) each utterance goes ``speech_started`` → ``conversation.item.created`` → ``…transcription.text``
(``text`` the confirmed part, ``stash`` the rest) → ``speech_stopped`` → ``input_audio_buffer.committed`` →
``…transcription.completed``; in Manual mode (``turn_detection: null``) ``input_audio_buffer.commit`` makes the
buffer one utterance; ``session.finish`` finishes what is pending, then ``session.finished``. A bad key is refused
on the handshake (401). The stream recognizer, scripts and faults are the other realtime APIs'."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from emulator.declare import Invalid, Schema
from emulator.engine import Engine, Rule
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.faults import STREAM_ACTIONS, delay_result
from emulator.engine.stream import AudioStream, StreamError, StreamOptions, StreamSentence
from emulator.engine.text import join_sentences
from emulator.inputs import BadInput, parse_json, printable
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.qwen import context_words, detect_language
from emulator.vendors.dashscope.realtime import bearer_key

VENDOR = "dashscope"


class EventError(Exception):
    """An ``error`` event: recoverable (``invalid_request_error``, the session goes on) or not (it closes)."""

    def __init__(self, code: str, message: str, param: str | None = None, kind: str = "invalid_request_error",
                 fatal: bool = False) -> None:
        super().__init__(message)
        self.code, self.message, self.param, self.kind, self.fatal = code, message, param, kind, fatal


@dataclass
class Settings:
    fmt: str = "pcm16"
    sample_rate: int = 16000
    language: str | None = None
    corpus: str = ""
    vad: dict[str, Any] | None = field(default_factory=lambda: {
        "type": "server_vad", "threshold": cat.QWEN_RT_THRESHOLD, "silence_duration_ms": cat.QWEN_RT_SILENCE_MS})


@dataclass
class Session:
    id: str
    model: str
    settings: Settings
    faults: dict[str, Rule]
    stream: AudioStream | None = None
    manual: bytearray = field(default_factory=bytearray)
    items: dict[int, str] = field(default_factory=dict)       # utterance index → item id
    last_item: str | None = None
    frames: int = 0


_EVENTS = {name: Schema(schema, name) for name, schema in cat.QWEN_RT_EVENTS.items()}


class QwenRealtime:
    def __init__(self, engine: Engine, *, accepts: Any, idle_timeout: float = cat.WS_IDLE_TIMEOUT_S) -> None:
        self.engine = engine
        self.accepts = accepts
        self.idle_timeout = idle_timeout

    async def endpoint(self, ws: WebSocket) -> None:
        key = bearer_key(ws.headers.get("authorization", ""))
        if not self.accepts(key):
            body = {"code": "InvalidApiKey", "message": cat.ERRORS["InvalidApiKey"][1]}
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(JSONResponse(body, status_code=401))
            else:
                await ws.close(code=1008)
            self._journal(ws, None, 401, "InvalidApiKey")
            return
        CURRENT_ACCOUNT.set(key or None)
        model = ws.query_params.get("model", "")
        await ws.accept()
        if model not in cat.QWEN_REALTIME_MODELS:
            await self._send(ws, self._error(EventError("model_not_found", f"Model not exist: {model!r}.",
                                                        "model")))
            await self._close(ws)
            self._journal(ws, None, 200, "model_not_found")
            return
        faults = self.engine.faults.check(FaultRequest(VENDOR, "realtime", model=model,
                                                       test_id=ws.headers.get("x-test-id")), STREAM_ACTIONS)
        session = Session("sess_" + uuid.uuid4().hex[:24], model, Settings(), faults)
        await self._send(ws, {"type": "session.created", "session": self._session_json(session)})
        try:
            await self._serve(ws, session)
        except EventError as exc:
            await self._send(ws, self._error(exc))
            await self._close(ws)
            self._journal(ws, session.id, 200, exc.code)
        except (WebSocketDisconnect, RuntimeError):
            return

    async def _serve(self, ws: WebSocket, session: Session) -> None:
        while True:
            try:
                message = await asyncio.wait_for(ws.receive(), self.engine.stream_idle_timeout or self.idle_timeout)
            except TimeoutError:
                raise EventError("session_timeout", "No event for too long: the session is closed.",
                                 kind="server_error", fatal=True) from None
            if message["type"] == "websocket.disconnect":
                self._journal(ws, session.id, 200, None)
                return
            if message.get("bytes") is not None:       # the SDK logs and ignores binary; so does the service
                continue
            try:
                event = parse_json((message.get("text") or "").encode())
            except BadInput:
                event = None
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                await self._send(ws, self._error(EventError("invalid_event", "An event is a JSON object with a "
                                                                             "type.")))
                continue
            try:
                if await self._event(ws, session, event):
                    return
            except EventError as exc:
                if exc.fatal:
                    raise
                await self._send(ws, self._error(exc, event.get("event_id")))

    async def _event(self, ws: WebSocket, session: Session, event: dict[str, Any]) -> bool:
        """One client event; True when the session has finished."""
        kind = event["type"]
        if kind in _EVENTS:
            try:
                event = _EVENTS[kind].check(event)
            except Invalid as exc:
                problem = exc.problem
                said = problem.schema.get("x-message")
                message = f"Invalid value: {printable(repr(problem.value))}. {said}" if said else problem.message
                raise EventError("invalid_value", message, problem.dotted) from None
        if kind == "session.update":
            self._update(session, event["session"])
            await self._send(ws, {"type": "session.updated", "session": self._session_json(session)})
        elif kind == "input_audio_buffer.append":
            await self._append(ws, session, event["audio"])
        elif kind == "input_audio_buffer.commit":
            if session.settings.vad is not None:
                raise EventError("invalid_value", "input_audio_buffer.commit is for Manual mode "
                                                  "(turn_detection: null).", "type")
            await self._commit(ws, session)
        elif kind == "input_audio_buffer.clear":
            session.manual.clear()
            await self._send(ws, {"type": "input_audio_buffer.cleared"})
        elif kind == "session.finish":
            if session.settings.vad is None and session.manual:
                await self._commit(ws, session)
            elif session.stream is not None:
                for result in session.stream.remaining():
                    await self._result(ws, session, result)
            await self._send(ws, {"type": "session.finished"})
            self._journal(ws, session.id, 200, None)
            await self._wait_close(ws)
            return True
        else:
            raise EventError("invalid_event", f"The event type {kind!r} is not one this model takes.", "type")
        return False

    def _update(self, session: Session, given: dict[str, Any]) -> None:
        """The session's settings from a ``session.update`` checked against ``cat.QWEN_RT_EVENTS``."""
        settings = session.settings
        fmt = given.get("input_audio_format", settings.fmt)
        rate = given.get("sample_rate", settings.sample_rate)
        transcription = given.get("input_audio_transcription") or {}
        language = transcription.get("language", settings.language)
        text = (transcription.get("corpus") or {}).get("text", settings.corpus)
        vad = given.get("turn_detection", settings.vad) if "turn_detection" in given else settings.vad
        if vad is not None:
            vad = {"type": "server_vad", "threshold": vad.get("threshold", cat.QWEN_RT_THRESHOLD),
                   "silence_duration_ms": vad.get("silence_duration_ms", cat.QWEN_RT_SILENCE_MS)}
        if session.stream is not None or session.manual:
            raise EventError("invalid_value", "The session cannot change once audio has come.", "session")
        session.settings = Settings(fmt, rate, language, str(text or ""), vad)

    def _session_json(self, session: Session) -> dict[str, Any]:
        s = session.settings
        return {"id": session.id, "object": "realtime.session", "model": session.model, "modalities": ["text"],
                "input_audio_format": s.fmt, "sample_rate": s.sample_rate,
                "input_audio_transcription": {"language": s.language} if s.language else None,
                "turn_detection": s.vad}

    def _options(self, session: Session) -> StreamOptions:
        s = session.settings
        silence = s.vad["silence_duration_ms"] if s.vad else 1_000_000        # Manual: no sentence ends by itself
        return StreamOptions(fmt="opus" if s.fmt == "opus" else "pcm", sample_rate=s.sample_rate,
                             language=s.language or "zh", end_silence_ms=silence,
                             hotwords=context_words(s.corpus), itn=False)

    async def _append(self, ws: WebSocket, session: Session, audio: str) -> None:
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise EventError("invalid_value", "audio is not valid base64.", "audio") from None
        session.frames += 1
        fail = session.faults.get("stream_fail")
        if fail is not None and session.frames > fail.frames:
            raise EventError(fail.code or "server_error", fail.message or "The recognition failed.",
                             kind="server_error", fatal=True)
        close = session.faults.get("stream_close")
        if close is not None and session.frames > close.frames:
            await ws.close(code=1011)
            raise WebSocketDisconnect(1011)
        if session.settings.vad is None:
            session.manual.extend(data)
            return
        if session.stream is None:          # a WAV sent as pcm, header and all, is read as the WAV it is
            session.stream = AudioStream(self._options(session), seed=self.engine.seed,
                                         script=self.engine.scripts.next_stream())
        try:
            results = session.stream.feed(data)
        except StreamError as exc:
            raise EventError("invalid_audio", f"The audio cannot be read: {exc}", kind="server_error",
                             fatal=True) from None
        for result in results:
            await self._result(ws, session, result)

    async def _commit(self, ws: WebSocket, session: Session) -> None:
        if not session.manual:
            raise EventError("input_audio_buffer_commit_empty", "The audio buffer is empty: nothing to commit.")
        data = bytes(session.manual)
        session.manual.clear()
        stream = AudioStream(self._options(session), seed=self.engine.seed,
                             script=self.engine.scripts.next_stream())
        try:
            results = [*stream.feed(data), *stream.finish()]
        except StreamError as exc:
            raise EventError("invalid_audio", f"The audio cannot be read: {exc}", kind="server_error",
                             fatal=True) from None
        finals = [r for r in results if r.final and not r.heartbeat]
        item = "item_" + uuid.uuid4().hex[:24]
        await self._send(ws, {"type": "input_audio_buffer.committed", "previous_item_id": session.last_item,
                              "item_id": item})
        await self._item_created(ws, session, item)
        text = join_sentences([r.text for r in finals])
        language = session.settings.language or detect_language(text, silence="zh")
        for part in _growing(text):
            await self._send(ws, {"type": "conversation.item.input_audio_transcription.text", "item_id": item,
                                  "content_index": 0, "language": language, "emotion": "neutral", "text": "",
                                  "stash": part})
        await self._send(ws, {"type": "conversation.item.input_audio_transcription.completed", "item_id": item,
                              "content_index": 0, "language": language, "emotion": "neutral", "transcript": text})

    async def _result(self, ws: WebSocket, session: Session, result: StreamSentence) -> None:
        if result.heartbeat:
            return
        await delay_result(session.faults)
        item = session.items.get(result.index)
        if item is None:
            item = session.items[result.index] = "item_" + uuid.uuid4().hex[:24]
            await self._send(ws, {"type": "input_audio_buffer.speech_started", "audio_start_ms": result.begin_ms,
                                  "item_id": item})
            await self._item_created(ws, session, item)
        language = session.settings.language or detect_language(result.text, silence="zh")
        if not result.final:
            await self._send(ws, {"type": "conversation.item.input_audio_transcription.text", "item_id": item,
                                  "content_index": 0, "language": language, "emotion": "neutral", "text": "",
                                  "stash": result.text})
            return
        await self._send(ws, {"type": "input_audio_buffer.speech_stopped", "audio_end_ms": result.end_ms or
                              result.audio_ms, "item_id": item})
        await self._send(ws, {"type": "input_audio_buffer.committed", "previous_item_id": session.last_item,
                              "item_id": item})
        await self._send(ws, {"type": "conversation.item.input_audio_transcription.completed", "item_id": item,
                              "content_index": 0, "language": language, "emotion": "neutral",
                              "transcript": result.text})
        if "stream_duplicate" in session.faults:
            await self._send(ws, {"type": "conversation.item.input_audio_transcription.completed", "item_id": item,
                                  "content_index": 0, "language": language, "emotion": "neutral",
                                  "transcript": result.text})

    async def _item_created(self, ws: WebSocket, session: Session, item: str) -> None:
        await self._send(ws, {"type": "conversation.item.created", "previous_item_id": session.last_item,
                              "item": {"id": item, "object": "realtime.item", "type": "message",
                                       "status": "completed", "role": "user",
                                       "content": [{"type": "input_audio", "transcript": None}]}})
        session.last_item = item

    def _error(self, exc: EventError, event_id: Any = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": exc.kind, "code": exc.code, "message": exc.message, "param": exc.param}
        if isinstance(event_id, str):
            error["event_id"] = event_id
        return {"type": "error", "error": error}

    async def _send(self, ws: WebSocket, event: dict[str, Any]) -> None:
        await ws.send_text(json.dumps({"event_id": "event_" + uuid.uuid4().hex[:21], **event}, ensure_ascii=False))

    async def _close(self, ws: WebSocket) -> None:
        with contextlib.suppress(RuntimeError):
            await ws.close(code=1000)

    async def _wait_close(self, ws: WebSocket) -> None:
        """After session.finished the client closes; one that does not is closed after a short while."""
        try:
            while (await asyncio.wait_for(ws.receive(), cat.QWEN_RT_CLOSE_WAIT_S))["type"] != "websocket.disconnect":
                pass
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            await self._close(ws)

    def _journal(self, ws: WebSocket, session_id: str | None, status: int, code: str | None) -> None:
        self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=ws.url.path, status=status,
                                   latency_ms=0.0, vendor=VENDOR, operation="realtime", job_id=session_id, code=code,
                                   model=ws.query_params.get("model"), test_id=ws.headers.get("x-test-id"))


def _growing(text: str) -> list[str]:
    """The tentative text growing to the whole, a few steps (Manual mode's previews)."""
    steps = max(1, min(4, len(text) // 4))
    return [text[: max(1, len(text) * (i + 1) // steps)] for i in range(steps)] if text else []


__all__ = ["QwenRealtime"]
