"""The NLS gateway: realtime recognition over WebSocket (``/ws/v1``: SpeechTranscriber and SpeechRecognizer) and the
RESTful one-sentence API (``POST /stream/v1/asr``), authorised by tokens from CreateToken.

What hangs or crashes the ``nls`` SDK (the realtime-and-sentence brief, §0 and §A.7) is kept here as rules: every text
frame is a JSON object with ``header.name``; TaskFailed has namespace ``Default``, a header only, and the socket is
closed after it (the SDK's thread is non-daemon: an open socket keeps the user's process alive); Start is answered
within 10 s; Stop always ends in ``*Completed`` or TaskFailed; 10 s without data is TaskFailed 40000004. The SDK's
handshake repeats ``Sec-WebSocket-Key``: ``emulator.protocol.FirstKeyWebSocket`` answers the first one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import Scope
from starlette.websockets import WebSocket, WebSocketDisconnect

from emulator.config import Settings
from emulator.declare import Invalid, Problem
from emulator.engine import Engine, Rule
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.faults import STREAM_ACTIONS, delay_result
from emulator.engine.stream import AudioStream, StreamError, StreamOptions, StreamSentence
from emulator.engine.text import join_sentences
from emulator.inputs import BadInput, parse_json, printable, whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError, params_of
from emulator.vendors.nls import catalogue as cat
from emulator.vendors.nls.routes import APPKEYS, appkey_models, well_formed_appkey
from emulator.vendors.nls.tokens import Tokens

VENDOR = "nls_gateway"


class GatewayError(VendorError):
    """A gateway status (``40000001`` …) with its text; TaskFailed on the socket, a JSON answer over REST."""

    def __init__(self, kind: str, **fields: Any) -> None:
        status, text = cat.GATEWAY_STATUS[kind]
        self._set(status, text.format(**fields) if fields else text.split("{")[0].rstrip(" '[:"))

    def _set(self, status: int, text: str) -> None:
        VendorError.__init__(self, str(status), text, cat.gateway_http_status(status))
        self.status_code = status

    @classmethod
    def given(cls, code: str | None, message: str | None) -> GatewayError:
        """A status a fault rule names (``50000001`` …), with its text; the server error by default."""
        error = cls("server")
        status = whole_number(code or "", 8)
        error._set(status if status is not None else error.status_code, message or error.message)
        return error


@dataclass
class Session:
    namespace: str
    task_id: str
    appkey: str
    payload: dict[str, Any]
    stream: AudioStream
    faults: dict[str, Rule]
    frames: int = 0
    begun: set[int] = field(default_factory=set)
    finals: list[StreamSentence] = field(default_factory=list)
    completed: bool = False

    @property
    def transcriber(self) -> bool:
        return self.namespace == "SpeechTranscriber"

    def flag(self, name: str) -> bool:
        return self.payload.get(name) is True


class NlsGateway(Dialect):
    name = VENDOR
    title = "Alibaba Cloud NLS gateway (realtime and one-sentence recognition)"
    hosts = cat.GATEWAY_HOSTS
    body_limit = cat.REST_MAX_BYTES
    leniency = cat.GATEWAY_LENIENCY
    error_envelope = ("application/json", {
        "type": "object", "required": ["task_id", "result", "status", "message"],
        "properties": {"task_id": {"type": "string"}, "result": {"type": "string"}, "status": {"type": "integer"},
                       "message": {"type": "string"}}})
    security_scheme: ClassVar[dict[str, Any] | None] = {
        "type": "apiKey", "in": "header", "name": "X-NLS-Token",
        "description": "a token from CreateToken (also taken from the query as token=)"}

    settings_key = "nls_gateway"

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        self.tokens = Tokens(engine)
        self.token_refusal = "handshake"         # or "task_failed" (see settings_json)
        engine.settings_hooks.append(self._reset)
        self.appkeys = appkey_models(settings)
        self._operations = [
            Operation("realtime", "Realtime recognition: SpeechTranscriber and SpeechRecognizer (X-NLS-Token)",
                      methods=("WEBSOCKET",), path=cat.WS_PATH, socket=self.endpoint,
                      doc=Doc(body=("application/json", {
                          "description": "Client → server: StartTranscription / StartRecognition (header: "
                                         "message_id, task_id, namespace, name, appkey; payload: format, "
                                         "sample_rate, enable_intermediate_result, …), binary audio, "
                                         "StopTranscription / StopRecognition. Server → client: *Started, "
                                         "SentenceBegin, TranscriptionResultChanged, SentenceEnd, "
                                         "RecognitionResultChanged, *Completed, TaskFailed (namespace Default, "
                                         "then the socket closes)."}),
                              messages={"start": cat.START_DIRECTIVE})),
            Operation("recognize", "RESTful one-sentence recognition: POST the audio (≤ 60 s)", self.rest,
                      ("POST",), cat.REST_PATH, faults=False, doc=Doc(
                          params=(*params_of(cat.REST_QUERY, "query"),
                                  Param("X-NLS-Token", "header", True, "a token from CreateToken")),
                          body=("application/octet-stream", {"type": "string", "contentEncoding": "binary"}),
                          response=("application/json", self.error_envelope[1]), check=("query",))),
        ]

    # ---- declarations ------------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        path = str(scope.get("path", "")).rstrip("/")
        if scope["type"] == "websocket":
            return path == cat.WS_PATH
        return path == cat.REST_PATH

    def default_credentials(self) -> dict[str, str]:
        return {"appkey": next(iter(cat.DEFAULT_APPKEYS))}

    def _reset(self) -> None:
        self.token_refusal = "handshake"

    def settings_json(self) -> Any:
        """``token_refusal``: how a refused token is told — ``handshake`` (the default: HTTP 403 on the handshake,
        as the gateway does; the Python SDK's ``start()`` returns None with only ``on_close``, the Node SDK's
        ``start()`` rejects) or ``task_failed`` (accept, then TaskFailed 40000001 on the first directive and close:
        the Python SDK reports it to ``on_error``; the Node SDK's ``start()`` then never settles)."""
        return {"token_refusal": self.token_refusal}

    def apply_settings(self, value: Any) -> None:
        if not isinstance(value, dict) or set(value) - {"token_refusal"} \
                or value.get("token_refusal", "handshake") not in ("task_failed", "handshake"):
            raise ValueError("'nls_gateway' takes an object: token_refusal, 'task_failed' or 'handshake'")
        self.token_refusal = value.get("token_refusal", self.token_refusal)

    def env_lines(self, base_url: str) -> list[str]:
        ws = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return [f"# NLS realtime (nls SDK): NlsSpeechTranscriber(url='{ws}{cat.WS_PATH}', token=<CreateToken's Id "
                f"or, locally, any>, appkey='{next(iter(cat.DEFAULT_APPKEYS))}')"]

    def error_response(self, call: Call, exc: VendorError) -> Response:
        status = exc.status_code if isinstance(exc, GatewayError) else GatewayError.given(exc.code, None).status_code
        return JSONResponse({"task_id": self.engine.new_id().replace("-", ""), "result": "", "status": status,
                             "message": exc.message}, status_code=exc.status)

    def internal_error(self, exc: BaseException) -> VendorError:
        return GatewayError("server")

    def fault_error(self, fault: Any) -> VendorError:
        error = GatewayError.given(fault.code, fault.message)
        error.status = fault.status or 500
        return error

    def throttled(self) -> VendorError:
        return GatewayError("too_many")

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        return _refusal(problem)

    async def authenticate(self, call: Call) -> str:
        token = self._token(call.request)
        call.credential = self.tokens.account(token)
        return token

    # ---- tokens and appkeys ------------------------------------------------------------------------------

    def _token(self, conn: HTTPConnection) -> str:
        """The token's id, or a GatewayError: issued tokens are checked; others are accepted locally (said)."""
        token = conn.headers.get("x-nls-token") or conn.query_params.get("token") or ""
        if not token:
            raise GatewayError("token_missing")
        verdict = self.tokens.check(token)
        if verdict == "expired":
            raise GatewayError("token_expired", token=token)
        if verdict == "unknown" and not self.lenient(conn, "unknown_token"):
            raise GatewayError("token_invalid", token=token)
        return token

    def _model(self, conn: HTTPConnection, appkey: str) -> cat.AppModel:
        if not appkey:
            raise GatewayError("no_appkey")
        model = self.appkeys.get(appkey)
        if model is not None:
            return model
        verdict = self.engine.credentials.verdict(APPKEYS, appkey, well_formed_appkey)
        if verdict.check and (verdict.refused or not self.lenient(conn, "unregistered_appkey")):
            raise GatewayError("appkey")
        return cat.AppModel()

    # ---- the WebSocket -----------------------------------------------------------------------------------

    async def endpoint(self, ws: WebSocket) -> None:
        session: Session | None = None
        token_problem: GatewayError | None = None
        try:
            CURRENT_ACCOUNT.set(self.tokens.account(self._token(ws)))   # the stream is the token's account's
        except GatewayError as exc:
            token_problem = exc
        if token_problem is not None and self.token_refusal == "handshake":
            # the service's way: 403 on the handshake (the nls SDK's start() then returns None, unexplained)
            body = {"task_id": "", "result": "", "status": token_problem.status_code, "message": token_problem.message}
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(JSONResponse(body, status_code=403))
            else:
                await ws.close(code=1008)
            self._journal(ws, None, 403, token_problem.code, token_problem.message)
            return
        await ws.accept()       # token_refusal task_failed: a refused token is told on the first directive
        last = "none"
        asked = ""                            # the task id of the last directive: TaskFailed echoes it
        try:
            while True:
                idle = self.engine.stream_idle_timeout or cat.IDLE_TIMEOUT_S
                try:
                    message = await asyncio.wait_for(ws.receive(), idle)
                except TimeoutError:
                    raise GatewayError("idle", directive=last) from None
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    if session is None:
                        raise GatewayError("audio_too_early")
                    await self._audio(ws, session, message["bytes"])
                    continue
                header, payload = _directive(message.get("text") or "")
                name = str(header.get("name", ""))
                last = name
                asked = str(header.get("task_id") or asked)
                if token_problem is not None:
                    raise token_problem
                namespace = str(header.get("namespace", ""))
                start, stop = cat.NAMESPACES.get(namespace, ("", ""))
                if name == start and start:
                    if session is not None:
                        raise GatewayError("state", state="STARTED")
                    session = self._start(ws, header, payload, namespace)
                    await self._send(ws, session, "TranscriptionStarted" if session.transcriber
                                     else "RecognitionStarted",
                                     {"session_id": self.engine.new_id().replace("-", "")}
                                     if session.transcriber else None)
                elif name == stop and stop:
                    if session is None:
                        raise GatewayError("state", state="IDLE")
                    if session.completed:
                        raise GatewayError("stopping")
                    await self._stop(ws, session)
                    self._journal(ws, session.task_id, 200, None)
                    await self._wait_close(ws)
                    return
                elif name in cat.CONTROL_DIRECTIVES.get(namespace, ()):
                    if session is None:
                        raise GatewayError("state", state="IDLE")
                    continue
                else:
                    raise GatewayError("directive", name=name)
        except GatewayError as failure:
            task_id = session.task_id if session is not None else asked
            await self._failed(ws, task_id, failure)
            self._journal(ws, task_id, 200, failure.code, failure.message)
        except _Dropped:
            self._journal(ws, session.task_id if session else None, 200, "stream_close")
            await ws.close(code=1011)
        except WebSocketDisconnect:
            return

    def _start(self, ws: WebSocket, header: dict[str, Any], payload: dict[str, Any], namespace: str) -> Session:
        try:
            checked = self._operations[0].message("start", {"header": header, "payload": payload})
        except Invalid as exc:
            raise _refusal(exc.problem) from None
        header, payload = checked["header"], checked.get("payload", {})
        task_id = str(header.get("task_id") or "")
        appkey = str(header.get("appkey") or "")
        model = self._model(ws, appkey)
        fmt = payload.get("format", "pcm")
        rate = payload.get("sample_rate", 16000)
        silence = payload.get("max_sentence_silence", cat.DEFAULT_SENTENCE_SILENCE_MS)
        end_silence = silence
        if namespace == "SpeechRecognizer":       # one sentence: voice detection's trailing silence, if any
            end_silence = payload.get("max_end_silence") or 800
        options = StreamOptions(
            fmt="opus" if fmt == "opu" else fmt, sample_rate=rate, language=model.language,
            end_silence_ms=end_silence,
            remove_disfluencies=payload.get("disfluency") is True,
            punctuation=payload.get("enable_punctuation_prediction") is True,
            itn=payload.get("enable_inverse_text_normalization") is True)
        stream = AudioStream(options, seed=self.engine.seed, script=self.engine.scripts.next_stream())
        faults = self.engine.faults.check(FaultRequest(VENDOR, "realtime", model=appkey,
                                                       test_id=ws.headers.get("x-test-id")), STREAM_ACTIONS)
        return Session(namespace, task_id, appkey, payload, stream, faults)

    async def _audio(self, ws: WebSocket, session: Session, data: bytes) -> None:
        session.frames += 1
        fail = session.faults.get("stream_fail")
        if fail is not None and session.frames > fail.frames:
            raise GatewayError.given(fail.code, fail.message)
        close = session.faults.get("stream_close")
        if close is not None and session.frames > close.frames:
            raise _Dropped
        if len(data) > cat.WS_MAX_FRAME_BYTES:
            raise GatewayError("parameter", detail=f"binary message of {len(data)} bytes is too large")
        try:
            results = await asyncio.to_thread(session.stream.feed, data) if len(data) > 64 * 1024 \
                else session.stream.feed(data)
        except StreamError as exc:
            raise GatewayError("decode" if exc.kind == "invalid_audio" else "no_valid_audio") from None
        if not session.transcriber and session.stream.audio_ms > cat.ONE_SENTENCE_MAX_MS:
            raise GatewayError("too_long")
        for result in results:
            await self._result(ws, session, result)
            await asyncio.sleep(0)
        if not session.transcriber and session.flag("enable_voice_detection") and session.finals \
                and not session.completed:
            await self._complete(ws, session)          # the recognizer ends by itself after the sentence

    async def _stop(self, ws: WebSocket, session: Session) -> None:
        if not session.completed:
            for result in session.stream.remaining():
                await self._result(ws, session, result)
            await self._complete(ws, session)

    async def _complete(self, ws: WebSocket, session: Session) -> None:
        session.completed = True
        if session.transcriber:
            await self._send(ws, session, "TranscriptionCompleted", None)
        else:
            text = join_sentences([s.text for s in session.finals])
            await self._send(ws, session, "RecognitionCompleted",
                             {"result": text, "duration": session.stream.audio_ms})

    async def _result(self, ws: WebSocket, session: Session, result: StreamSentence) -> None:
        if result.heartbeat:
            return
        await delay_result(session.faults)
        index = result.index + 1
        if not session.transcriber:
            if result.final:
                session.finals.append(result)
            elif session.flag("enable_intermediate_result"):
                text = join_sentences([*(s.text for s in session.finals), result.text])
                await self._send(ws, session, "RecognitionResultChanged",
                                 {"result": text, "duration": result.audio_ms})
            return
        if index not in session.begun:
            session.begun.add(index)
            await self._send(ws, session, "SentenceBegin", {"index": index, "time": result.begin_ms})
        words = [{"text": w.text.strip(), "startTime": w.begin_ms, "endTime": w.end_ms} for w in result.words]
        if result.final:
            session.finals.append(result)
            payload: dict[str, Any] = {
                "index": index, "time": result.end_ms or result.audio_ms, "begin_time": result.begin_ms,
                "result": result.text, "confidence": 0.95, "status": 0, "gender": "", "fixed_result": "",
                "unfixed_result": "", "audio_extra_info": "", "gender_score": 0.0,
                "sentence_id": self.engine.new_id().replace("-", ""),
                "stash_result": {"sentenceId": index + 1, "beginTime": result.end_ms or result.audio_ms,
                                 "text": "", "fixedText": "", "unfixedText": "",
                                 "currentTime": result.audio_ms, "words": []}}
            if session.flag("enable_words"):
                payload["words"] = words
            await self._send(ws, session, "SentenceEnd", payload)
            if "stream_duplicate" in session.faults:
                await self._send(ws, session, "SentenceEnd", payload)
        elif session.flag("enable_intermediate_result"):
            payload = {"index": index, "time": result.audio_ms, "result": result.text, "confidence": 0.9,
                       "status": 0, "fixed_result": "", "unfixed_result": ""}
            if session.flag("enable_words"):
                payload["words"] = words
            await self._send(ws, session, "TranscriptionResultChanged", payload)

    async def _send(self, ws: WebSocket, session: Session, name: str, payload: dict[str, Any] | None) -> None:
        header = {"namespace": session.namespace, "name": name, "status": cat.OK_STATUS,
                  "message_id": self.engine.new_id().replace("-", ""), "task_id": session.task_id,
                  "status_text": cat.OK_TEXT}
        frame: dict[str, Any] = {"header": header}
        if payload is not None:
            frame["payload"] = payload
        await ws.send_text(json.dumps(frame, ensure_ascii=False))

    async def _failed(self, ws: WebSocket, task_id: str, failure: GatewayError) -> None:
        status = failure.status_code
        header = {"namespace": cat.FAILED_NAMESPACE, "name": "TaskFailed", "status": status,
                  "message_id": self.engine.new_id().replace("-", ""), "task_id": task_id,
                  "status_text": failure.message}
        try:
            await ws.send_text(json.dumps({"header": header}, ensure_ascii=False))
            await ws.close(code=1000)
        except (WebSocketDisconnect, RuntimeError):
            pass

    async def _wait_close(self, ws: WebSocket) -> None:
        """After Completed the client closes; a client that does not is closed after the idle time."""
        try:
            while True:
                message = await asyncio.wait_for(ws.receive(), self.engine.stream_idle_timeout
                                                 or cat.IDLE_TIMEOUT_S)
                if message["type"] == "websocket.disconnect":
                    return
        except (TimeoutError, WebSocketDisconnect, RuntimeError):
            pass
        with contextlib.suppress(RuntimeError):
            await ws.close(code=1000)

    def _journal(self, ws: WebSocket, task_id: str | None, status: int, code: str | None,
                 reason: str | None = None) -> None:
        warnings = ws.scope.get("state", {}).get("journal", {}).get("warnings")
        self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=ws.url.path, status=status,
                                   latency_ms=0.0, vendor=VENDOR, operation="realtime", job_id=task_id, code=code,
                                   reason=reason, test_id=ws.headers.get("x-test-id"), warnings=warnings)

    # ---- RESTful one-sentence ----------------------------------------------------------------------------

    async def rest(self, call: Call) -> Response:
        q = call.input["query"]
        model = self._model(call.request, q["appkey"])
        await call.faults(model=q["appkey"])
        fmt, rate = q.get("format", "pcm"), q.get("sample_rate", 16000)
        if not call.body:
            raise GatewayError("no_valid_audio")
        options = StreamOptions(fmt="opus" if fmt == "opu" else fmt, sample_rate=rate, language=model.language,
                                punctuation=q.get("enable_punctuation_prediction") is True,
                                itn=q.get("enable_inverse_text_normalization") is True)
        stream = AudioStream(options, seed=self.engine.seed, script=self.engine.scripts.next_stream())

        def recognise() -> list[StreamSentence]:
            return [*stream.feed(call.body), *stream.finish()]

        try:
            results = await asyncio.to_thread(recognise)
        except StreamError as exc:
            raise GatewayError("decode" if exc.kind == "invalid_audio" else "no_valid_audio") from None
        if stream.audio_ms > cat.ONE_SENTENCE_MAX_MS:
            raise GatewayError("too_long")
        text = join_sentences([r.text for r in results if r.final])
        task_id = self.engine.new_id().replace("-", "")
        call.note(job_id=task_id)
        return JSONResponse({"task_id": task_id, "result": text, "status": cat.OK_STATUS, "message": "SUCCESS"})


class _Dropped(Exception):
    """The ``stream_close`` fault: the connection goes without a word."""


def _refusal(problem: Problem) -> GatewayError:
    """A parameter the declaration refuses, as the gateway says it: its field's own status (``x-error``: a message
    id, an appkey, a sample rate), else 40000003 PARAMETER_INVALID with what is wrong."""
    kind = problem.schema.get("x-error")
    if kind == "message_id":
        return GatewayError("message_id", id=printable(str(problem.value)))
    if kind == "no_appkey" or (kind == "sample_rate" and problem.kind in ("enum", "type")):
        return GatewayError(kind)
    return GatewayError("parameter", detail=problem.message)


def _directive(text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        frame = parse_json(text)
    except BadInput:
        raise GatewayError("no_header") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("header"), dict):
        raise GatewayError("no_header")
    payload = frame.get("payload")
    return frame["header"], payload if isinstance(payload, dict) else {}


__all__ = ["NlsGateway"]
