"""Tencent realtime recognition over WebSocket (实时语音识别): ``GET /asr/v2/<appid>?…&signature=…``.

What hangs or silently breaks the vendor's SDKs when a detail is wrong (the tencent-realtime brief, §0 and §5) is
kept here as rules: the upgrade is always accepted and the first text frame is a separate acknowledgement
(``{"code":0,"message":"success","voice_id"}``: several SDKs take the first frame as the ack and block without it);
every frame carries ``code`` and ``message``, every result a ``slice_type``; after ``{"type":"end"}`` the remaining
results, then ``final: 1``, then the server closes (the Python SDK's ``stop()`` waits for that close); a failure is a
frame with a non-zero ``code``, then the close. The signature is HMAC-SHA1 over the literal host with the decoded
values, blank ones kept. Audio may come before the ack is read; a WAV sent as ``voice_format=1`` (the vendor's own
example does) is read as WAV, its embedded script honoured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote, unquote_plus

from starlette.responses import JSONResponse, Response
from starlette.types import Scope
from starlette.websockets import WebSocket, WebSocketDisconnect

from emulator.config import Settings
from emulator.declare import Invalid
from emulator.engine import Engine, Rule, Script
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.faults import STREAM_ACTIONS, delay_result
from emulator.engine.recognizer import Word
from emulator.engine.stream import AudioStream, StreamError, StreamOptions, StreamSentence
from emulator.inputs import BadInput, parse_json, same_secret, whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError, params_of, present
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.asr import tencent_keys
from emulator.vendors.tencent.flash import sign
from emulator.vendors.tencent.restricted import RestrictedWords, filter_words
from emulator.vendors.tencent.sentence import SentenceError, Vocabularies, hotword_list

VENDOR = "tencent_realtime"


class RtError(VendorError):
    """A realtime code (4001 …) with the documented text, and what went wrong after it."""

    def __init__(self, code: int, detail: str = "", message: str | None = None) -> None:
        text = cat.RT_ERRORS.get(code, cat.RT_ERRORS[5000])
        super().__init__(str(code), message or (f"{text}: {detail}" if detail else text), 200)
        self.number = code


class _Dropped(Exception):
    """A stream_close fault: the connection ends without a frame."""


def query_pairs(raw: bytes) -> list[tuple[str, str]]:
    """The query's ``k=v`` pairs with their values as sent (undecoded), blank ones kept."""
    pairs = []
    for part in raw.decode("utf-8", "replace").split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote_plus(key), value))
    return pairs


def string_to_sign(appid: str, params: dict[str, str]) -> str:
    """The literal host and path, then the sorted parameters with their decoded values (``k=`` kept)."""
    return f"{cat.RT_HOST}{cat.RT_PATH}{appid}?" + "&".join(f"{k}={params[k]}" for k in sorted(params))


def signed_url(base: str, appid: str, secret_id: str, secret_key: str, **params: Any) -> str:
    """``base`` + ``/asr/v2/<appid>?…&signature=…``, signed as the SDKs sign (tests and the plugin use it)."""
    import uuid
    from urllib.parse import quote

    now = int(time.time())
    query = {"secretid": secret_id, "timestamp": str(now), "expired": str(now + 3600), "nonce": str(now % 10**9),
             "engine_model_type": "16k_zh", "voice_format": "1", "voice_id": str(uuid.uuid4()),
             **{k: str(v) for k, v in params.items()}}
    signature = sign(secret_key, string_to_sign(appid, query))
    wire = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(query.items()))
    return f"{base.rstrip('/')}{cat.RT_PATH}{appid}?{wire}&signature={quote(signature, safe='')}"


@dataclass
class Session:
    voice_id: str
    owner: str
    options: StreamOptions
    script: Script | None
    word_info: int
    filter_dirty: int
    filter_punc: int
    filter_empty: bool
    faults: dict[str, Rule]
    stream: AudioStream | None = None
    seq: int = 0
    begun: set[int] = field(default_factory=set)
    frames: int = 0
    paced: list[tuple[float, int]] = field(default_factory=list)


class TencentRealtime(Dialect):
    name = VENDOR
    title = "Tencent Cloud realtime recognition (WebSocket asr/v2)"
    hosts = ()                      # asr.cloud.tencent.com is the flash dialect's too; this one answers WebSockets
    leniency = cat.RT_LENIENCY
    settings_key = "tencent_realtime"
    strategies = "emulator.vendors.tencent.strategies"
    error_envelope = ("application/json", {
        "type": "object", "required": ["code", "message", "voice_id"],
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "voice_id": {"type": "string"},
                       "message_id": {"type": "string"}}})
    security_scheme: ClassVar[dict[str, Any] | None] = {
        "type": "apiKey", "in": "query", "name": "signature",
        "description": "base64(HMAC-SHA1(SecretKey, 'asr.cloud.tencent.com/asr/v2/<appid>?<sorted k=v>'))"}

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        engine.credentials.add_all(VENDOR, tencent_keys(settings))
        self.restricted = RestrictedWords(engine)
        self.vocabularies = Vocabularies(engine)
        self.pacing: float | None = None           # audio seconds allowed per second (4000 beyond); None: unchecked
        engine.settings_hooks.append(self._reset)
        params = (Param("appid", "path", True, "the account's AppID", cat.FLASH_APPID),
                  *params_of(cat.RT_QUERY, "query"))
        self._operations = [
            Operation("realtime", "Realtime recognition: binary audio in, results out; {\"type\":\"end\"} ends",
                      methods=("WEBSOCKET",), path=cat.RT_PATH + "{appid}", socket=self.endpoint, doc=Doc(
                          params=params, body=("application/json", {
                              "description": "Server → client: the acknowledgement {code 0, message, voice_id}, "
                                             "then results {code, message, voice_id, message_id, result: "
                                             "{slice_type 0/1/2, index, start_time, end_time, voice_text_str, "
                                             "word_size, word_list}}, then {…, final: 1} and the close; a failure "
                                             "is {code ≠ 0, message, voice_id, message_id}, then the close."}),
                          check=("path", "query"))),
        ]

    # ---- declarations ------------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        return scope["type"] == "websocket" and str(scope.get("path", "")).startswith(cat.RT_PATH)

    def default_credentials(self) -> dict[str, str]:
        return {"secret_id": cat.DEFAULT_SECRET_ID, "secret_key": cat.DEFAULT_SECRET_KEY}

    def _reset(self) -> None:
        self.pacing = None

    def settings_json(self) -> Any:
        """``pacing``: audio seconds a client may send per second (4000 beyond, as documented: 3), or null for no
        check — the default, as the vendor's own Python example sends about ten times real time."""
        return {"pacing": self.pacing}

    def apply_settings(self, value: Any) -> None:
        pacing = value.get("pacing") if isinstance(value, dict) else "bad"
        if not isinstance(value, dict) or set(value) - {"pacing"} or not (
                pacing is None or (isinstance(pacing, (int, float)) and not isinstance(pacing, bool)
                                   and 0 < pacing <= 1000)):
            raise ValueError("'tencent_realtime' takes an object: pacing, seconds of audio per second (or null)")
        self.pacing = None if pacing is None else float(pacing)

    def env_lines(self, base_url: str) -> list[str]:
        ws = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return [f"# Tencent realtime: {ws}{cat.RT_PATH}<appid>?… signed over wss://{cat.RT_HOST} (or the SDK "
                "unchanged through HTTPS_PROXY with the local CA)"]

    def error_response(self, call: Call, exc: VendorError) -> Response:
        return JSONResponse({"code": whole_number(exc.code, 4) or 5000, "message": exc.message, "voice_id": ""})

    def internal_error(self, exc: BaseException) -> VendorError:
        return RtError(5000)

    def throttled(self) -> VendorError:
        return RtError(4006)

    def fault_error(self, fault: Any) -> VendorError:
        return RtError(whole_number(fault.code or "", 4) or 5000, message=fault.message)

    # ---- the WebSocket -------------------------------------------------------------------------------------

    async def endpoint(self, ws: WebSocket) -> None:
        appid = ws.url.path[len(cat.RT_PATH):].strip("/")
        pairs = query_pairs(ws.scope.get("query_string", b""))
        raw = dict(pairs)
        voice_id = unquote_plus(raw.get("voice_id", ""))
        await ws.accept()              # always: failures are told in a frame after the 101, as the service does
        session: Session | None = None
        try:
            fault = await self.engine.request_fault(FaultRequest(          # at the handshake: error, throttle, latency
                VENDOR, "realtime", model=unquote_plus(raw.get("engine_model_type", "")),
                test_id=ws.headers.get("x-test-id")))
            if fault is not None:
                raise RtError(4006) if fault.throttle else RtError(whole_number(fault.code or "", 4) or 5000,
                                                                   message=fault.message)
            session = self._open(ws, appid, raw, voice_id)
            await self._send(ws, {"code": 0, "message": "success", "voice_id": voice_id})
            await self._serve(ws, session)
        except RtError as failure:
            await self._failed(ws, session, voice_id, failure)
        except _Dropped:
            self._journal(ws, voice_id, 200, "stream_close")
            with contextlib.suppress(RuntimeError):
                await ws.close(code=1011)
        except WebSocketDisconnect:
            self._journal(ws, voice_id, 200, "4009", cat.RT_ERRORS[4009])

    def _open(self, ws: WebSocket, appid: str, raw: dict[str, str], voice_id: str) -> Session:
        params = {k: unquote_plus(v) for k, v in raw.items()}
        op = self._operations[0]
        try:         # the declaration (cat.RT_QUERY): a blank value stands for an absent one, as the SDKs send them
            op.checked("path", {"appid": appid})
            numbers: dict[str, Any] = op.checked("query", present(params))
        except Invalid as exc:
            problem = exc.problem
            raise RtError(4001, f"{problem.name} is missing" if problem.kind == "required" else problem.message) \
                from None
        owner = self._authenticate(ws, appid, raw, params, numbers)
        CURRENT_ACCOUNT.set(self.engine.account_of(owner))
        engine_name = numbers["engine_model_type"]
        engine = cat.ASR_ENGINES.get(engine_name) or cat.RT_EXTRA_ENGINES[engine_name]
        fmt_code = numbers.get("voice_format", cat.RT_DEFAULT_VOICE_FORMAT)
        silence = numbers.get("vad_silence_time", 0)
        low, high = cat.RT_VAD_SILENCE_MS
        if silence and numbers.get("needvad") == 1 and not low <= silence <= high:
            raise RtError(4001, f"vad_silence_time is in [{low}, {high}]")
        try:
            hotwords = hotword_list(numbers.get("hotword_list")) or self.vocabularies.hotwords(
                owner, numbers.get("hotword_id") or None)
        except SentenceError as exc:
            detail = exc.fields.get("detail") or "hotword_list is 词|权重 entries (weights 1-11 or 100)"
            raise RtError(4001, str(detail)) from None
        rate = 8000 if numbers.get("input_sample_rate") == 8000 else engine.rate
        options = StreamOptions(
            fmt=cat.RT_VOICE_FORMATS[fmt_code], sample_rate=rate, language=engine.language,
            end_silence_ms=silence or cat.RT_DEFAULT_VAD_SILENCE_MS, hotwords=tuple(hotwords),
            remove_disfluencies=numbers.get("filter_modal", 0) > 0,
            punctuation=True, itn=numbers.get("convert_num_mode", 1) != 0)
        faults = self.engine.faults.check(FaultRequest(VENDOR, "realtime", model=engine_name,
                                                       test_id=ws.headers.get("x-test-id")), STREAM_ACTIONS)
        return Session(voice_id, owner, options, self.engine.scripts.next_stream(), numbers.get("word_info", 0),
                       numbers.get("filter_dirty", 0), numbers.get("filter_punc", 0),
                       numbers.get("filter_empty_result", 1) == 1, faults)

    def _authenticate(self, ws: WebSocket, appid: str, raw: dict[str, str], params: dict[str, str],
                      typed: dict[str, Any]) -> str:
        secret_id = params["secretid"]
        verdict = self.engine.credentials.verdict(VENDOR, secret_id)
        if not verdict.check:
            return secret_id
        stamp, expired = typed["timestamp"], typed["expired"]
        now = time.time()
        if expired <= stamp or expired - stamp >= cat.RT_MAX_EXPIRY_S:
            raise RtError(4002, "expired must be after timestamp, by less than 90 days")
        if expired < now:
            raise RtError(4002, "the signature has expired")
        if abs(now - stamp) > cat.RT_SKEW_S and (verdict.strict or not self.lenient(ws, "stale_timestamp")):
            raise RtError(4002, "the timestamp is too far from now")
        if verdict.refused or (not verdict.known and not self.lenient(ws, "unknown_secret_id")):
            raise RtError(4002, "the secretid is not known")
        if verdict.secret is None:
            return secret_id
        given = unquote(raw.get("signature", ""))
        signed = [k for k in raw if k != "signature"]
        for decode in (unquote_plus, unquote):        # '+' as a space, as a form is read; then as itself
            expected = sign(verdict.secret, string_to_sign(appid, {k: decode(raw[k]) for k in signed}))
            if same_secret(expected, given):
                return secret_id
        raise RtError(4002, "the signature does not match")

    async def _serve(self, ws: WebSocket, session: Session) -> None:
        while True:
            idle = self.engine.stream_idle_timeout or cat.RT_IDLE_S
            try:
                message = await asyncio.wait_for(ws.receive(), idle)
            except TimeoutError:
                raise RtError(4008) from None
            if message["type"] == "websocket.disconnect":
                self._journal(ws, session.voice_id, 200, "4009", cat.RT_ERRORS[4009])
                return
            if message.get("bytes") is not None:
                await self._audio(ws, session, message["bytes"])
                continue
            try:
                frame = parse_json(message.get("text") or "")
            except BadInput:
                frame = None
            if isinstance(frame, dict) and frame.get("type") == "end":
                await self._end(ws, session)
                return
            if isinstance(frame, dict) and "context_type" in frame:
                continue                  # the Java SDK's context prompt: accepted, not acted on
            raise RtError(4010)

    async def _audio(self, ws: WebSocket, session: Session, data: bytes) -> None:
        session.frames += 1
        fail = session.faults.get("stream_fail")
        if fail is not None and session.frames > fail.frames:
            raise RtError(whole_number(fail.code or "", 4) or 5000, message=fail.message)
        close = session.faults.get("stream_close")
        if close is not None and session.frames > close.frames:
            raise _Dropped
        if len(data) > cat.RT_MAX_FRAME_BYTES:
            raise RtError(4001, f"a binary message of {len(data)} bytes is too large")
        if session.stream is None:           # a WAV sent as PCM is read as the WAV it is (the stream sees to it)
            session.stream = AudioStream(session.options, seed=self.engine.seed, script=session.script)
        before = session.stream.audio_ms
        try:
            results = await asyncio.to_thread(session.stream.feed, data) if len(data) > 64 * 1024 \
                else session.stream.feed(data)
        except StreamError as exc:
            raise RtError(4007 if exc.kind == "invalid_audio" else 5000, str(exc)) from None
        self._pace(session, session.stream.audio_ms - before)
        for result in results:
            await self._result(ws, session, result)

    def _pace(self, session: Session, added_ms: int) -> None:
        if self.pacing is None:
            return
        now = time.monotonic()
        session.paced = [(t, ms) for t, ms in session.paced if now - t < 1.0] + [(now, added_ms)]
        if sum(ms for _, ms in session.paced) > self.pacing * 1000:
            raise RtError(4000)

    async def _end(self, ws: WebSocket, session: Session) -> None:
        for result in session.stream.remaining() if session.stream is not None else []:
            await self._result(ws, session, result)
        session.seq += 1
        await self._send(ws, {"code": 0, "message": "success", "voice_id": session.voice_id,
                              "message_id": f"{session.voice_id}_{session.seq}", "final": 1})
        self._journal(ws, session.voice_id, 200, None)
        with contextlib.suppress(RuntimeError):
            await ws.close(code=1000)

    async def _result(self, ws: WebSocket, session: Session, result: StreamSentence) -> None:
        if result.heartbeat:
            return
        words = filter_words(result.words, self.restricted.words(), session.filter_dirty) \
            if session.filter_dirty else tuple(result.words)
        text = _text(words, drop_last_punctuation=bool(session.filter_punc) and result.final)
        if not text and session.filter_empty:
            return
        if result.final:
            slice_type = 2
        elif result.index not in session.begun:
            slice_type = 0
        else:
            slice_type = 1
        session.begun.add(result.index)
        word_list = [] if session.word_info == 0 else [
            {"word": w.text.strip() + (w.punctuation.strip() if session.word_info == 2 else ""),
             "start_time": w.begin_ms, "end_time": w.end_ms, "stable_flag": 1 if result.final else 0}
            for w in words]
        await delay_result(session.faults)
        session.seq += 1
        frame = {"code": 0, "message": "success", "voice_id": session.voice_id,
                 "message_id": f"{session.voice_id}_{session.seq}_0",
                 "result": {"slice_type": slice_type, "index": result.index, "start_time": result.begin_ms,
                            "end_time": result.end_ms if result.end_ms is not None else result.audio_ms,
                            "voice_text_str": text, "word_size": len(word_list), "word_list": word_list}}
        await self._send(ws, frame)
        if result.final and "stream_duplicate" in session.faults:
            await self._send(ws, frame)

    async def _send(self, ws: WebSocket, frame: dict[str, Any]) -> None:
        await ws.send_text(json.dumps(frame, ensure_ascii=False))

    async def _failed(self, ws: WebSocket, session: Session | None, voice_id: str, failure: RtError) -> None:
        seq = session.seq + 1 if session is not None else 1
        self._journal(ws, voice_id, 200, failure.code, failure.message)
        try:
            await self._send(ws, {"code": failure.number, "message": failure.message, "voice_id": voice_id,
                                  "message_id": f"{voice_id}_{seq}"})
            await ws.close(code=1000)
        except (WebSocketDisconnect, RuntimeError):
            pass

    def _journal(self, ws: WebSocket, voice_id: str, status: int, code: str | None,
                 reason: str | None = None) -> None:
        warnings = ws.scope.get("state", {}).get("journal", {}).get("warnings")
        self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=ws.url.path, status=status,
                                   latency_ms=0.0, vendor=VENDOR, operation="realtime", job_id=voice_id or None,
                                   code=code, reason=reason, test_id=ws.headers.get("x-test-id"), warnings=warnings)


def _text(words: tuple[Word, ...] | list[Word], drop_last_punctuation: bool) -> str:
    parts = []
    for i, word in enumerate(words):
        punct = word.punctuation
        if drop_last_punctuation and i == len(words) - 1:
            punct = " " if punct.endswith(" ") else ""
        parts.append(word.text + punct)
    return "".join(parts).strip()


__all__ = ["RtError", "TencentRealtime", "query_pairs", "signed_url", "string_to_sign"]
