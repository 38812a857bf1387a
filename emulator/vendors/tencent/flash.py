"""Tencent flash recognition (录音文件识别极速版): ``POST /asr/flash/v1/<appid>`` with the audio as the body and the
parameters in the query, signed with HMAC-SHA1 over the literal host ``asr.cloud.tencent.com``; answered at once with
``flash_result`` (sentences and words per channel), errors as ``{"request_id", "code", "message"}`` — always JSON, as
the vendor's SDK returns the body text whatever the status and the user's code then parses it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from emulator.config import Settings
from emulator.declare import Problem
from emulator.engine import Blob, Engine, FetchLimits, Options
from emulator.engine import Request as FaultRequest
from emulator.engine.text import join_sentences
from emulator.inputs import same_secret, whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError, params_of
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent.asr import tencent_keys
from emulator.vendors.tencent.restricted import RestrictedWords
from emulator.vendors.tencent.sentence import Answered, SentenceError, hotword_list

VENDOR = "tencent_flash"


class FlashError(VendorError):
    """A flash code (4001 …); ``detail`` names a ``FLASH_DETAILS`` wording (with its fields), else the code's own
    message."""

    def __init__(self, code: int, detail: str | None = None, message: str | None = None, **fields: Any) -> None:
        text = cat.FLASH_DETAILS[detail].format(**fields) if detail else message
        super().__init__(str(code), text or cat.FLASH_ERRORS.get(code, "error"), 200)
        self.number = code


def _require(params: dict[str, str]) -> None:
    for name in cat.FLASH_REQUIRED:
        if not params.get(name):
            raise FlashError(4001, "missing", name=name)


def string_to_sign(appid: str, params: dict[str, str]) -> str:
    """``POST`` + the literal host + path + ``?`` + the sorted parameters with their decoded values."""
    joined = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return f"POST{cat.FLASH_HOST}{cat.FLASH_PATH}{appid}?{joined}"


def sign(secret_key: str, text: str) -> str:
    return base64.b64encode(hmac.new(secret_key.encode(), text.encode(), hashlib.sha1).digest()).decode()


class TencentFlash(Dialect):
    name = VENDOR
    title = "Tencent Cloud flash recognition"
    hosts = (r"asr\.cloud\.tencent\.com",)
    body_limit = cat.FLASH_MAX_BYTES
    leniency = cat.FLASH_LENIENCY
    blank_is_absent = True          # the vendor's SDKs send every parameter, blank where unset
    error_envelope = ("application/json", {
        "type": "object", "required": ["request_id", "code", "message"],
        "properties": {"request_id": {"type": "string"}, "code": {"type": "integer"}, "message": {"type": "string"}}})
    security_scheme: ClassVar[dict[str, Any] | None] = {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "base64(HMAC-SHA1(SecretKey, 'POSTasr.cloud.tencent.com/asr/flash/v1/<appid>?"
                                      "<sorted query>'))"}

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        engine.credentials.add_all(VENDOR, tencent_keys(settings))
        self.restricted = RestrictedWords(engine)
        self._operations = [
            Operation("flash", "Recognise a file at once: the audio is the body (≤ 100 MB, ≤ 2 h)", self.flash,
                      ("POST",), cat.FLASH_PATH + "{appid}", host=cat.FLASH_HOST, faults=False, doc=Doc(
                          params=(Param("appid", "path", True, "the account's AppID", cat.FLASH_APPID),
                                  *params_of(cat.FLASH_QUERY, "query")),
                          body=("application/octet-stream", {"type": "string", "contentEncoding": "binary"}),
                          check=("path", "query"), closed=("query",))),
        ]

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        return scope["type"] == "http" and str(scope.get("path", "")).startswith(cat.FLASH_PATH)

    def default_credentials(self) -> dict[str, str]:
        return {"secret_id": cat.DEFAULT_SECRET_ID, "secret_key": cat.DEFAULT_SECRET_KEY}

    def error_response(self, call: Call, exc: VendorError) -> Response:
        code = exc.number if isinstance(exc, FlashError) else whole_number(exc.code, 4) or 5001
        return JSONResponse({"request_id": self._request_id(), "code": code, "message": exc.message})

    def internal_error(self, exc: BaseException) -> VendorError:
        return FlashError(5001)

    def throttled(self) -> VendorError:
        return FlashError(4006)

    def fault_error(self, fault: Any) -> VendorError:
        return FlashError(whole_number(fault.code or "", 4) or 5001, message=fault.message)

    def _request_id(self) -> str:
        return self.engine.new_id().replace("-", "")[:24]

    async def authenticate(self, call: Call) -> str:
        request = call.request
        params = dict(parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"),
                                keep_blank_values=True))
        call.context = params
        secret_id = params.get("secretid", "")
        verdict = self.engine.credentials.verdict(VENDOR, secret_id)
        if not verdict.check:
            return secret_id or "anonymous"
        _require(params)
        stamp = whole_number(params["timestamp"], 12)
        if stamp is None:
            raise FlashError(4001, "invalid", name="timestamp")
        if abs(time.time() - stamp) > cat.FLASH_SKEW_S and (verdict.strict
                                                            or not self.lenient(request, "stale_timestamp")):
            raise FlashError(4002, "expired")
        if verdict.refused or (not verdict.known and not self.lenient(request, "unknown_secret_id")):
            raise FlashError(4002)
        if verdict.secret is not None:
            appid = request.url.path[len(cat.FLASH_PATH):]
            expected = sign(verdict.secret, string_to_sign(appid, params))
            if not same_secret(expected, request.headers.get("authorization", "")):
                raise FlashError(4002, "signature")
        return str(secret_id)

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        return FlashError(4001, {"required": "missing", "unknown": "unknown"}.get(problem.kind, "invalid"),
                          name=problem.name)

    async def flash(self, call: Call) -> Response:
        params: dict[str, str] = call.context if isinstance(call.context, dict) else {}
        values: dict[str, Any] = call.input["query"]
        engine_name = values["engine_type"]
        length = values.get("sentence_max_length", 0)
        if not call.body:
            raise FlashError(4012)
        try:
            hotwords = hotword_list(values.get("hotword_list"))
        except SentenceError:
            raise FlashError(4001, "invalid", name="hotword_list") from None
        await call.faults(model=engine_name)
        media_id = hashlib.sha256(call.body).hexdigest()[:32]
        self.engine.store.put_blob("media", media_id, Blob(call.body, "application/octet-stream", "audio"))
        source = f"http://{cat.FLASH_HOST}/_emulator/media/{media_id}/audio"
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "flash", model=engine_name, media=[source], test_id=call.test_id), "5002")
        diarize = values.get("speaker_diarization", 0) == 1
        record = Answered(dict(params))
        job = await self.engine.submit(record=record,
            vendor=VENDOR, model=engine_name, owner=call.account, job_id=self._request_id(), sources=[source],
            options=Options(language=cat.ASR_ENGINES[engine_name].language,
                            channels=(0,) if values.get("first_channel_only", 1) else None,
                            speakers=2 if diarize else None, aligned_words=True, hotwords=hotwords,
                            remove_disfluencies=values.get("filter_modal", 0) > 0),
            limits=FetchLimits(max_bytes=cat.FLASH_MAX_BYTES), policy="instant", test_id=call.test_id,
            failure=failure, fail_from=fail_from, wait=True)
        item = job.items[0]
        problem = job.item_failure(item)
        if problem is not None:
            code = whole_number(problem.code, 4)
            raise FlashError(code if code in cat.FLASH_ERRORS else 4007, message=problem.message)
        assert item.audio is not None and item.transcript is not None
        if item.audio.duration_ms > cat.FLASH_MAX_MS:
            raise FlashError(4011)
        word_info = values.get("word_info", 0)
        dirty = values.get("filter_dirty", 0)
        shape = res.Shape(res_text_format=3 if word_info == 3 else 2 if word_info == 2 else 1,
                          filter_punc=values.get("filter_punc", 0), convert_num=values.get("convert_num_mode", 1),
                          sentence_max_length=length, speakers=diarize, filter_dirty=dirty,
                          restricted=self.restricted.words() if dirty else ())
        flash_result = []
        for channel in item.transcript.channels:
            one = replace(item, transcript=replace(item.transcript, channels=(channel,)))
            sentences = []
            for seg in res.segments(one, shape):
                sentence: dict[str, Any] = {"text": seg.text, "start_time": seg.begin_ms, "end_time": seg.end_ms,
                                            "speaker_id": seg.speaker if diarize else 0}
                if word_info:
                    sentence["word_list"] = [{"word": res.word_text(w, shape), "start_time": w.begin_ms,
                                              "end_time": w.end_ms, "stable_flag": 1} for w in seg.words]
                sentences.append(sentence)
            flash_result.append({"text": join_sentences([s["text"] for s in sentences]),
                                 "channel_id": channel.channel_id, "sentence_list": sentences})
        call.note(job_id=job.id)
        record.answer = {"request_id": job.id, "code": 0, "message": "", "audio_duration": item.audio.duration_ms,
                         "flash_result": flash_result}
        self.engine.store.put_job(job)     # a kept or shared store keeps the answer (the dashboard shows it)
        return JSONResponse(record.answer)

    def job_documents(self, job: Any, base_url: str) -> list[tuple[str, str, bytes]]:
        answer = job.record.answer if isinstance(job.record, Answered) else None
        return [("the answer", "application/json", json.dumps(answer, ensure_ascii=False, indent=2).encode())] \
            if answer is not None else []


__all__ = ["TencentFlash", "sign", "string_to_sign"]
