"""Tencent Cloud ASR API 3.0 (``asr.tencentcloudapi.com``, 2019-06-14): ``CreateRecTask`` and ``DescribeTaskStatus``
on ``POST /`` (or ``GET /?…``), action in ``X-TC-Action``, signed with TC3-HMAC-SHA256.

Every answer is HTTP 200 with ``Content-Type: application/json`` exactly — the SDK raises an error only then — and
errors are ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from emulator.engine import Blob, Engine, Failure, FetchLimits, Item, Job, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import Delivery
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent.tc3 import Authorization, canonical_request, signature, utc_date
from emulator.web import note, read_body, test_id

VENDOR = "tencent_asr"


@dataclass(frozen=True)
class ApiCall:
    action: str
    params: dict[str, Any]
    secret_id: str
    text_values: bool          # every value arrived as text (GET, or the legacy form): numbers are read from it


class TcError(Exception):
    def __init__(self, code: str, **fields: Any) -> None:
        template = cat.ASR_ERRORS.get(code, "{detail}")
        try:
            message = template.format(**fields)
        except KeyError:
            message = template
        self.code = code
        self.message = fields.get("message") or message
        super().__init__(self.message)


def is_tc3(request: Request) -> bool:
    """Whether a request on ``/`` speaks Tencent Cloud API 3.0 signed with TC3."""
    return "x-tc-action" in request.headers or request.headers.get("authorization", "").startswith("TC3-")


async def is_legacy(request: Request) -> bool:
    """Whether a request on ``/`` is Tencent Cloud API 3.0 with the legacy signature (``signMethod`` HmacSHA1 or
    HmacSHA256): ``SecretId`` and ``Signature`` among the query or form parameters."""
    if b"SecretId=" in request.scope.get("query_string", b""):
        return True
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        return b"SecretId=" in body and b"Signature=" in body
    return False


class TencentAsr:
    """The ASR API 3.0 dialect. ``keys`` maps SecretId → SecretKey (shared with CI/COS)."""

    def __init__(self, engine: Engine, *, keys: dict[str, str], appid: str = cat.DEFAULT_APPID) -> None:
        self.engine = engine
        self.keys = keys
        self.appid = appid
        self._next_task = 0
        engine.settings_hooks.append(self._reset)
        self._reset()

    def _reset(self) -> None:
        self._next_task = 10_000_000 + self.engine.seed % 1000 * 1000

    def request_id(self) -> str:
        return self.engine.new_id()

    # ---- the entry point ---------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        tid = test_id(request)
        note(request, vendor=VENDOR, test_id=tid)
        try:
            call = await self._verified(request)
            note(request, operation=call.action)
            await self._request_faults(FaultRequest(VENDOR, call.action, test_id=tid))
            if call.action == "CreateRecTask":
                data = await self.create(request, call)
            else:
                data = self.describe(request, call)
            return _answer({"Data": data, "RequestId": self.request_id()})
        except TcError as exc:
            note(request, code=exc.code)
            return _answer({"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": self.request_id()})
        except Exception as exc:  # never a traceback on the wire
            note(request, code="InternalError", error=repr(exc))
            return _answer({"Error": {"Code": "InternalError", "Message": cat.ASR_ERRORS["InternalError"]},
                            "RequestId": self.request_id()})

    async def _verified(self, request: Request) -> ApiCall:
        body = await read_body(request, cat.MAX_BODY_BYTES)
        if body is None:
            raise TcError("InvalidParameter.ErrorContentlength")
        if is_tc3(request):
            secret_id = self._authenticate(request, body)
            action = request.headers.get("x-tc-action", "")
            version = request.headers.get("x-tc-version", "")
            params, text_values = _params(request, body), request.method == "GET"
        else:
            form = dict(parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"),
                                  keep_blank_values=True))
            form.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            secret_id = self._authenticate_legacy(request, form)
            action, version = form.get("Action", ""), form.get("Version", "")
            params, text_values = {k: v for k, v in form.items() if k not in cat.LEGACY_COMMON_PARAMS}, True
        if not action:
            raise TcError("MissingParameter", name="Action")
        if action not in cat.ASR_ACTIONS:
            raise TcError("UnsupportedOperation" if action in cat.ASR_OTHER_ACTIONS else "InvalidAction",
                          action=action)
        if version != cat.ASR_VERSION:
            raise TcError("NoSuchVersion" if version else "MissingParameter", version=version, name="Version")
        return ApiCall(action, params, secret_id, text_values)

    def _authenticate_legacy(self, request: Request, form: dict[str, str]) -> str:
        """The legacy signature: HMAC-SHA1/SHA256 over method, host, path and the sorted parameters (brief §B.4)."""
        mode = self.engine.credentials.mode
        secret_id = form.get("SecretId", "")
        if mode == "off":
            return secret_id or "anonymous"
        method_name = form.get("SignatureMethod", "HmacSHA1")
        digest = cat.LEGACY_SIGNATURE_METHODS.get(method_name)
        if not secret_id or digest is None or "Signature" not in form:
            raise TcError("AuthFailure.InvalidAuthorization")
        stamp = form.get("Timestamp", "")
        if not stamp.isdigit():
            raise TcError("MissingParameter", name="Timestamp")
        if mode == "strict" and abs(time.time() - int(stamp)) > cat.TIMESTAMP_SKEW_S:
            raise TcError("AuthFailure.SignatureExpire")
        secret = self.keys.get(secret_id)
        if secret is None:
            if mode == "strict":
                raise TcError("AuthFailure.SecretIdNotFound")
            return secret_id
        signed = {k.replace("_", "."): v for k, v in form.items() if k != "Signature"}
        joined = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
        text = f"{request.method}{request.headers.get('host', '')}{request.url.path}?{joined}"
        expected = base64.b64encode(hmac.new(secret.encode(), text.encode(), digest).digest()).decode()
        if not hmac.compare_digest(expected, form["Signature"]):
            raise TcError("AuthFailure.SignatureFailure")
        return secret_id

    def _authenticate(self, request: Request, body: bytes) -> str:
        header = request.headers.get("authorization", "")
        mode = self.engine.credentials.mode
        parsed = Authorization.parse(header) if header else None
        if mode == "off":
            return parsed.secret_id if parsed else "anonymous"
        if parsed is None or parsed.algorithm != cat.TC3_ALGORITHM:
            raise TcError("AuthFailure.InvalidAuthorization")
        if parsed.service != cat.ASR_SERVICE:
            raise TcError("AuthFailure.InvalidAuthorization",
                          message=f"The credential scope names the service {parsed.service!r}, not asr.")
        stamp = request.headers.get("x-tc-timestamp", "")
        if not stamp.isdigit():
            raise TcError("MissingParameter", name="X-TC-Timestamp")
        if mode == "strict" and abs(time.time() - int(stamp)) > cat.TIMESTAMP_SKEW_S:
            raise TcError("AuthFailure.SignatureExpire")
        secret = self.keys.get(parsed.secret_id)
        if secret is None:
            if mode == "strict":
                raise TcError("AuthFailure.SecretIdNotFound")
            return parsed.secret_id
        if utc_date(int(stamp)) != parsed.date:
            raise TcError("AuthFailure.SignatureFailure")
        headers = {k.lower(): v for k, v in request.headers.items()}
        payload = b"UNSIGNED-PAYLOAD" if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else (
            b"" if request.method == "GET" else body)
        query = request.scope.get("query_string", b"").decode("latin-1") if request.method == "GET" else ""
        canonical = canonical_request(request.method, urlsplit(str(request.url)).path or "/", query, headers,
                                      parsed.signed_headers, payload)
        expected = signature(secret, stamp, parsed.date, parsed.service, canonical)
        if not hmac.compare_digest(expected, parsed.signature):
            raise TcError("AuthFailure.SignatureFailure")
        return parsed.secret_id

    async def _request_faults(self, req: FaultRequest) -> None:
        fault = await self.engine.request_fault(req)
        if fault is not None:
            raise TcError(cat.THROTTLE_CODE, count=cat.CREATE_QPS + 1, limit=cat.CREATE_QPS) if fault.throttle \
                else TcError(fault.code or "InternalError", message=fault.message, detail=fault.code)

    def _limit(self, action: str, owner: str, per_second: int) -> None:
        if self.engine.rate_limits and not self.engine.limiter.allow((VENDOR, action, owner), per_second):
            raise TcError(cat.THROTTLE_CODE, count=per_second + 1, limit=per_second)

    # ---- CreateRecTask -----------------------------------------------------------------------------------

    async def create(self, request: Request, call: ApiCall) -> dict[str, Any]:
        owner = call.secret_id
        spec = _rec_spec(call.params, from_query=call.text_values)
        self._limit("CreateRecTask", owner, cat.CREATE_QPS)
        engine_name = spec["EngineModelType"]
        engine = cat.ASR_ENGINES[engine_name]
        source = spec.get("Url", "")
        if spec["SourceType"] == 1:
            data = spec["_data"]
            media_id = hashlib.sha256(data).hexdigest()[:32]
            self.engine.store.put_blob("media", media_id, Blob(data, "application/octet-stream", "data"))
            source = f"http://{cat.ASR_HOST}/_emulator/media/{media_id}/data"
        tid = test_id(request)
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "CreateRecTask", model=engine_name, media=[source], test_id=tid), "recognition_failed")
        self._next_task += 1
        task_id = self._next_task
        diarize = spec.get("SpeakerDiarization", 0) in (1, 3)
        options = Options(
            language=engine.language, channels=(0, 1) if spec["ChannelNum"] == 2 else (0,),
            speakers=(spec.get("SpeakerNumber") or 2) if diarize else None,
            remove_disfluencies=spec.get("FilterModal", 0) > 0, aligned_words=True,
            emotions=res.EMOTIONS if spec.get("EmotionRecognition", 0) else (),
        )
        public = {k: v for k, v in spec.items() if not k.startswith("_") and k != "Data"}
        job = await self.engine.submit(
            vendor=VENDOR, model=engine_name, owner=owner, job_id=str(task_id), sources=[source], options=options,
            limits=FetchLimits(max_bytes=cat.MAX_URL_FILE_BYTES, timeout=self.engine.config.fetch_timeout),
            params=public, test_id=tid, failure=failure, fail_from=fail_from, vet=_vetter(spec),
        )
        note(request, job_id=job.id)
        if spec.get("CallbackUrl"):
            self.engine.callbacks.watch(Delivery(job.id, spec["CallbackUrl"], VENDOR, self.callback_body, tid))
        return {"TaskId": task_id}

    # ---- DescribeTaskStatus ------------------------------------------------------------------------------

    def describe(self, request: Request, call: ApiCall) -> dict[str, Any]:
        params, owner = call.params, call.secret_id
        unknown = set(params) - {"TaskId"}
        if unknown:
            raise TcError("UnknownParameter", name=sorted(unknown)[0])
        task_id = params.get("TaskId")
        if task_id is None:
            raise TcError("MissingParameter", name="TaskId")
        if call.text_values and isinstance(task_id, str) and task_id.isdigit():
            task_id = int(task_id)
        if not isinstance(task_id, int) or isinstance(task_id, bool):
            raise TcError("InvalidParameter", detail="TaskId must be an integer.")
        note(request, job_id=str(task_id))
        self._limit("DescribeTaskStatus", owner, cat.DESCRIBE_QPS)
        job = self.engine.read(str(task_id))
        if job is None or job.vendor != VENDOR or (job.owner != owner and self.engine.credentials.mode != "off") \
                or self.engine.clock.now() > job.created_at + cat.TASK_TTL_S:
            raise TcError("FailedOperation.NoSuchTask")
        return task_status(job)

    def callback_body(self, job: Job) -> tuple[bytes, str]:
        status = task_status(job)
        failure = _failure(job)
        fields: dict[str, str] = {
            "code": "0" if failure is None else str(failure[1]),
            "message": "" if failure is None else failure[0],
            "requestId": job.id, "appid": self.appid, "projectid": "0",
            "text": status["Result"], "audioTime": f"{status['AudioDuration']:.6f}",
        }
        if job.params.get("SourceType") == 0:
            fields["audioUrl"] = str(job.params.get("Url", ""))
        if status["ResultDetail"]:
            fields["resultDetail"] = json.dumps(status["ResultDetail"], ensure_ascii=False)
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"


# ---- rendering ----------------------------------------------------------------------------------------------------

def shape_of(params: dict[str, Any]) -> res.Shape:
    return res.Shape(
        res_text_format=int(params.get("ResTextFormat", 0)), filter_punc=int(params.get("FilterPunc", 0)),
        convert_num=int(params.get("ConvertNumMode", 1)), sentence_max_length=int(params.get("SentenceMaxLength", 0)),
        speakers=params.get("SpeakerDiarization", 0) in (1, 3),
        emotional_energy=params.get("EmotionalEnergy", 0) == 1,
        emotion_recognition=params.get("EmotionRecognition", 0) in (1, 2),
    )


def _failure(job: Job) -> tuple[str, int] | None:
    if job.phase is Phase.CANCELED:
        return cat.DEFAULT_TASK_FAILURE
    if job.phase is not Phase.FAILED:
        return None
    failure = job.failure()
    if failure is None:
        return cat.DEFAULT_TASK_FAILURE
    if failure.code in cat.TASK_FAILURES:
        return cat.TASK_FAILURES[failure.code]
    return failure.message or cat.DEFAULT_TASK_FAILURE[0], cat.DEFAULT_TASK_FAILURE[1]


def task_status(job: Job) -> dict[str, Any]:
    status, status_str = cat.TASK_STATUS[job.phase.value]
    out: dict[str, Any] = {"TaskId": int(job.id), "Status": status, "StatusStr": status_str, "AudioDuration": 0,
                           "Result": "", "ErrorMsg": "", "ResultDetail": []}
    failure = _failure(job)
    if failure is not None:
        out["ErrorMsg"] = failure[0]
        return out
    if job.phase is not Phase.SUCCEEDED:
        return out
    cached: dict[str, Any] | None = job.extra.get("asr_result")
    if cached is None:
        cached = job.extra["asr_result"] = _result(job)
    out.update(cached)
    return out


def _result(job: Job) -> dict[str, Any]:
    """AudioDuration, Result and ResultDetail of a succeeded task (computed once)."""
    out: dict[str, Any] = {}
    item = job.items[0]
    shape = shape_of(job.params)
    segs = res.segments(item, shape)
    assert item.audio is not None and item.transcript is not None
    out["AudioDuration"] = round(item.audio.duration_ms / 1000, 3)
    out["Result"] = res.result_text(segs)
    language = cat.ASR_ENGINES[job.model].language
    out["ResultDetail"] = [res.sentence_detail(s, shape, language) for s in segs] if shape.res_text_format else None
    return out


# ---- parameters ---------------------------------------------------------------------------------------------------

def _params(request: Request, body: bytes) -> dict[str, Any]:
    if request.method == "GET":
        return dict(parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"),
                              keep_blank_values=True))
    if not body.strip():
        return {}
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TcError("InvalidParameter.ErrorParsequest") from None
    if not isinstance(value, dict):
        raise TcError("InvalidParameter.ErrorParsequest")
    return value


def _rec_spec(params: dict[str, Any], from_query: bool = False) -> dict[str, Any]:
    """Validated CreateRecTask parameters. ``from_query``: a GET request, whose values are all text."""
    known = set(cat.REC_INT_PARAMS) | set(cat.REC_STR_PARAMS) | set(cat.REC_LIST_PARAMS)
    unknown = sorted(set(params) - known)
    if unknown:
        raise TcError("UnknownParameter", name=unknown[0])
    for name in cat.REC_REQUIRED:
        if name not in params:
            raise TcError("MissingParameter", name=name)
    spec: dict[str, Any] = {}
    for name, value in params.items():
        if name in cat.REC_INT_PARAMS:
            if from_query and isinstance(value, str) and value.lstrip("-").isdigit():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise TcError("InvalidParameter", detail=f"The parameter `{name}` must be an integer.")
            allowed = cat.REC_INT_PARAMS[name]
            if allowed is not None and value not in allowed:
                if name == "SourceType":
                    raise TcError("InvalidParameterValue.ErrorInvalidSourcetype")
                raise TcError("InvalidParameterValue",
                              detail=f"The value `{value}` of `{name}` is not one of {list(allowed)}.")
        elif name in cat.REC_STR_PARAMS and not isinstance(value, str):
            raise TcError("InvalidParameter", detail=f"The parameter `{name}` must be a string.")
        elif name in cat.REC_LIST_PARAMS and not isinstance(value, list):
            raise TcError("InvalidParameter", detail=f"The parameter `{name}` must be an array.")
        spec[name] = value
    engine = spec["EngineModelType"]
    if engine not in cat.ASR_ENGINES:
        raise TcError("InvalidParameterValue.ErrorInvalidEngservice", value=engine)
    if spec["ChannelNum"] == 2 and cat.ASR_ENGINES[engine].rate != 8000:
        raise TcError("InvalidParameterValue", detail="ChannelNum 2 (stereo) is for 8k engines only.")
    length = spec.get("SentenceMaxLength", 0)
    if length and not 6 <= length <= 40:
        raise TcError("InvalidParameterValue", detail="SentenceMaxLength is 0 or between 6 and 40.")
    if spec["SourceType"] == 0:
        url = spec.get("Url", "")
        if not url or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise TcError("InvalidParameterValue.ErrorInvalidUrl")
    else:
        try:
            spec["_data"] = base64.b64decode(spec.get("Data", ""), validate=True)
        except (binascii.Error, ValueError):
            raise TcError("InvalidParameterValue.ErrorInvalidVoicedata") from None
        if not spec["_data"]:
            raise TcError("InvalidParameterValue.ErrorInvalidVoicedata")
        if len(spec["_data"]) > cat.MAX_DATA_BYTES:
            raise TcError("InvalidParameterValue.ErrorVoicedataTooLong")
    return spec


def _vetter(spec: dict[str, Any]) -> Any:
    def vet(item: Item) -> Failure | None:
        audio = item.audio
        if audio is None:
            return None
        if spec["ChannelNum"] == 2 and audio.channels != 2:
            return Failure("channel_mismatch", f"ChannelNum is 2 and the audio has {audio.channels} channel(s)")
        if audio.duration_ms > cat.MAX_AUDIO_S * 1000:
            return Failure("too_long", f"the audio lasts {audio.duration_ms} ms")
        return None

    return vet


def _answer(body: dict[str, Any]) -> Response:
    return Response(json.dumps({"Response": body}, ensure_ascii=False).encode("utf-8"), 200,
                    headers={"Content-Type": "application/json"})
