"""NLS recording-file recognition (filetrans) over the POP RPC API: ``/?Action=SubmitTask`` and
``/?Action=GetTaskResult``, signed with RPC v1 (HMAC-SHA1) or ACS3-HMAC-SHA256.

Gateway problems (signature, AccessKey, missing parameters, throttling) answer with the POP error JSON and a 4xx/5xx
status; the service's own outcomes (bad appkey, bad ``file_link``, unknown task …) are HTTP 200 bodies with
``StatusCode`` / ``StatusText``, as the vendor's samples expect.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from emulator.engine import Engine, Failure, FetchLimits, Item, Job
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import Delivery
from emulator.vendors.nls import catalogue as cat
from emulator.vendors.nls.auth import (
    Acs3,
    acs3_canonical_request,
    acs3_signature,
    rpc_signature,
    rpc_string_to_sign,
    same,
)
from emulator.vendors.nls.render import callback_body, query_body
from emulator.vendors.nls.task import TaskError, TaskSpec, parse_task, recognizer_options
from emulator.web import note, read_body, test_id

VENDOR = "nls"
_RPC_REQUIRED = ("AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp")


class PopError(Exception):
    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        default_status, default_message = cat.POP_ERRORS.get(code, (400, code))
        self.code = code
        self.message = message if message is not None else default_message
        self.status = status or default_status
        super().__init__(self.message)

    @classmethod
    def missing(cls, param: str) -> PopError:
        return cls(f"Missing{param}", cat.POP_ERRORS["MissingParameter"][1].format(param=param), 400)


class Business(Exception):
    """A service outcome answered with HTTP 200 and a status code."""

    def __init__(self, status_code: int, detail: str = "") -> None:
        super().__init__(detail or cat.STATUS.get(status_code, str(status_code)))
        self.status_code = status_code


@dataclass
class PopCall:
    action: str
    version: str
    params: dict[str, str]
    access_key_id: str


@dataclass
class NlsSettings:
    """What a test may switch at run time (``/_emulator/settings``, key ``nls``); reset restores the defaults."""

    strict_urls: bool = False               # file_link / callback_url with an IP address → 41050011 / 41050012
    daily_quota_s: float | None = None      # audio seconds per AccessKey per day, None: no quota (41050001)
    used: dict[tuple[str, str], float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"strict_urls": self.strict_urls, "daily_quota_s": self.daily_quota_s}


class Nls:
    """The filetrans dialect. ``access_keys`` maps AccessKeyId → AccessKeySecret; ``appkeys`` the project appkeys
    and the model (sample rate, language) each is bound to."""

    def __init__(self, engine: Engine, *, access_keys: dict[str, str] | None = None,
                 appkeys: dict[str, cat.AppModel] | None = None, strict_urls: bool = False,
                 utc_offset_hours: float = 8.0) -> None:
        self.engine = engine
        self.access_keys = {**cat.DEFAULT_ACCESS_KEYS, **(access_keys or {})}
        self.appkeys = {**cat.DEFAULT_APPKEYS, **(appkeys or {})}
        self.defaults = NlsSettings(strict_urls=strict_urls)
        self.settings = NlsSettings(strict_urls=strict_urls)
        self.utc_offset_hours = utc_offset_hours
        self._nonces: dict[str, float] = {}
        engine.settings_hooks.append(self._reset)

    def _reset(self) -> None:
        self.settings = NlsSettings(strict_urls=self.defaults.strict_urls, daily_quota_s=self.defaults.daily_quota_s)
        self._nonces.clear()

    def request_id(self) -> str:
        return self.engine.new_id().upper()

    @staticmethod
    def is_pop(request: Request) -> bool:
        """Whether a request on ``/`` speaks POP: an ``Action`` parameter, ``x-acs-action`` or a POP signature."""
        query = request.scope.get("query_string", b"")
        return (b"Action=" in query or b"AccessKeyId=" in query or "x-acs-action" in request.headers
                or request.headers.get("authorization", "").startswith("ACS3-")
                or request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"))

    # ---- the POP entry point -----------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        tid = test_id(request)
        note(request, vendor=VENDOR, test_id=tid)
        try:
            call = await self._pop_call(request)
            note(request, operation=call.action)
            await self._request_faults(FaultRequest(VENDOR, call.action, test_id=tid))
            if call.action == "SubmitTask":
                body = await self.submit(request, call)
            else:
                body = self.get_result(request, call)
            return _json(body, 200)
        except PopError as exc:
            note(request, code=exc.code)
            return self.pop_error(request, exc)
        except Business as exc:
            note(request, code=str(exc.status_code))
            return _json({"RequestId": self.request_id(), "StatusText": cat.STATUS.get(exc.status_code, "ERROR"),
                          "StatusCode": exc.status_code}, 200)
        except Exception as exc:  # never a traceback on the wire: the gateway's own internal error
            note(request, code="InternalError", error=repr(exc))
            return self.pop_error(request, PopError("InternalError"))

    def pop_error(self, request: Request, exc: PopError) -> Response:
        host = request.headers.get("host", cat.DEFAULT_HOST).split(":")[0]
        return _json({"RequestId": self.request_id(), "HostId": host, "Code": exc.code, "Message": exc.message,
                      "Recommend": cat.RECOMMEND.format(code=exc.code)}, exc.status)

    async def _pop_call(self, request: Request) -> PopCall:
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        body = await read_body(request, cat.MAX_BODY_BYTES)
        if body is None:
            raise PopError("InvalidParameter", "The request body is too large.", 413)
        form: list[tuple[str, str]] = []
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and body:
            try:
                form = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise PopError("InvalidParameter", "The form body is not UTF-8.") from None
        params = dict(query)
        params.update(form)
        authorization = request.headers.get("authorization", "")
        if authorization.startswith("ACS3-"):
            key_id = self._verify_acs3(request, authorization, query, body)
        else:
            key_id = self._verify_rpc(request.method, params)
        action = params.get("Action") or request.headers.get("x-acs-action", "")
        version = params.get("Version") or request.headers.get("x-acs-version", "")
        if not action:
            raise PopError.missing("Action")
        if not version:
            raise PopError.missing("Version")
        if version not in cat.VERSIONS:
            raise PopError("InvalidVersion")
        if action not in cat.ACTIONS:
            raise PopError("InvalidAction.NotFound")
        return PopCall(action, version, params, key_id)

    # ---- signatures --------------------------------------------------------------------------------------

    def _verify_rpc(self, method: str, params: dict[str, str]) -> str:
        if self.engine.credentials.mode == "off":
            return params.get("AccessKeyId", "") or "anonymous"
        for name in _RPC_REQUIRED:
            if not params.get(name):
                if name == "Signature":
                    raise PopError("IncompleteSignature")
                raise PopError.missing(name)
        if params["SignatureMethod"] not in cat.SIGNATURE_METHODS:
            raise PopError("InvalidSignatureMethod")
        if params["SignatureVersion"] != "1.0":
            raise PopError("InvalidSignatureVersion")
        self._check_timestamp(params["Timestamp"], params["SignatureNonce"])
        key_id = params["AccessKeyId"]
        secret = self._secret(key_id)
        if secret is not None:
            string_to_sign = rpc_string_to_sign(method, params)
            if not same(rpc_signature(secret, string_to_sign), params["Signature"]):
                raise PopError("SignatureDoesNotMatch", cat.SIGNATURE_MISMATCH_PREFIX + string_to_sign)
        return key_id

    def _verify_acs3(self, request: Request, header: str, query: list[tuple[str, str]], body: bytes) -> str:
        parsed = Acs3.parse(header)
        if parsed is None:
            raise PopError("IncompleteSignature")
        if self.engine.credentials.mode == "off":
            return parsed.access_key_id
        if parsed.algorithm != cat.ACS3_ALGORITHM:
            raise PopError("InvalidSignatureMethod")
        date = request.headers.get("x-acs-date")
        if not date:
            raise PopError.missing("x-acs-date")
        self._check_timestamp(date, request.headers.get("x-acs-signature-nonce", ""))
        payload_hash = request.headers.get("x-acs-content-sha256", "")
        if not same(payload_hash, hashlib.sha256(body).hexdigest()):
            raise PopError("SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the body.")
        secret = self._secret(parsed.access_key_id)
        if secret is not None:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
            canonical = acs3_canonical_request(request.method, request.url.path, query, headers,
                                               parsed.signed_headers, payload_hash)
            if not same(acs3_signature(secret, canonical), parsed.signature):
                string_to_sign = f"{cat.ACS3_ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
                raise PopError("SignatureDoesNotMatch", cat.SIGNATURE_MISMATCH_PREFIX + string_to_sign)
        return parsed.access_key_id

    def _secret(self, key_id: str) -> str | None:
        """The secret to verify with; None to accept unverified (permissive mode, a key the emulator does not
        know). Strict mode knows only configured keys."""
        secret = self.access_keys.get(key_id)
        if secret is None and self.engine.credentials.mode == "strict":
            raise PopError("InvalidAccessKeyId.NotFound")
        return secret

    def _check_timestamp(self, stamp: str, nonce: str) -> None:
        when = _timestamp(stamp)
        if when is None:
            raise PopError("InvalidTimeStamp.Format")
        if self.engine.credentials.mode != "strict":
            return
        now = time.time()    # the SDK stamps wall time, whatever the emulator's clock says
        if abs(now - when) > cat.TIMESTAMP_SKEW_S:
            raise PopError("InvalidTimeStamp.Expired")
        for old, seen in list(self._nonces.items()):
            if now - seen > cat.TIMESTAMP_SKEW_S:
                del self._nonces[old]
        if nonce in self._nonces:
            raise PopError("SignatureNonceUsed")
        self._nonces[nonce] = now

    # ---- faults and limits -------------------------------------------------------------------------------

    async def _request_faults(self, req: FaultRequest) -> None:
        fault = await self.engine.request_fault(req)
        if fault is None:
            return
        if fault.throttle:
            raise PopError(cat.THROTTLE_CODE)
        code = fault.code or "InternalError"
        if code.isdigit() or code in cat.BY_TEXT:
            raise Business(int(code) if code.isdigit() else cat.BY_TEXT[code])
        raise PopError(code, fault.message, fault.status)

    def _limit(self, key: tuple[str, ...], per_second: int) -> None:
        if self.engine.rate_limits and not self.engine.limiter.allow((VENDOR, *key), per_second):
            raise PopError(cat.THROTTLE_CODE)

    # ---- SubmitTask --------------------------------------------------------------------------------------

    async def submit(self, request: Request, call: PopCall) -> dict[str, Any]:
        raw = call.params.get("Task")
        if raw is None or raw == "":
            raise PopError.missing("Task")
        try:
            spec = parse_task(raw, strict_urls=self.settings.strict_urls)
        except TaskError as exc:
            raise Business(exc.status_code, exc.detail) from None
        model = self._appkey(spec.appkey)
        self._limit(("submit", call.access_key_id), cat.SUBMIT_QPS)
        tid = test_id(request)
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, call.action, model=spec.appkey, media=[spec.file_link], test_id=tid),
            str(cat.INTERNAL_ERROR_CODE))
        job = await self.engine.submit(
            vendor=VENDOR, model=spec.appkey, owner=call.access_key_id, job_id=self.engine.new_id().replace("-", ""),
            sources=[spec.file_link], options=recognizer_options(spec, model.language), params=spec.raw,
            limits=FetchLimits(max_bytes=cat.MAX_FILE_BYTES, timeout=self.engine.config.fetch_timeout),
            test_id=tid, failure=failure, fail_from=fail_from, vet=self._vetter(spec, model, call.access_key_id),
            extra={"api_version": call.version},
        )
        note(request, job_id=job.id)
        if spec.callback_url:
            self.engine.callbacks.watch(Delivery(job.id, spec.callback_url, VENDOR, callback_body, tid))
        return {"TaskId": job.id, "RequestId": self.request_id(), "StatusText": cat.STATUS[cat.SUCCESS],
                "StatusCode": cat.SUCCESS}

    def _appkey(self, appkey: str) -> cat.AppModel:
        model = self.appkeys.get(appkey)
        if model is not None:
            return model
        mode = self.engine.credentials.mode
        if mode == "strict" or (mode == "permissive" and not _well_formed_appkey(appkey)):
            raise Business(cat.APPKEY_UNREGISTERED, f"appkey {appkey!r} is not registered")
        return cat.AppModel()

    def _vetter(self, spec: TaskSpec, model: cat.AppModel, owner: str) -> Any:
        def vet(item: Item) -> Failure | None:
            audio = item.audio
            if audio is None:
                return None
            if audio.container not in cat.SUPPORTED_CONTAINERS:
                return Failure("unsupported_format", f"{audio.container} audio is not WAV or MP3")
            if audio.channels > cat.MAX_CHANNELS:
                return Failure("too_many_channels", f"the audio has {audio.channels} channels")
            if audio.duration_ms > cat.MAX_AUDIO_MS:
                return Failure("too_long", f"the audio lasts {audio.duration_ms} ms")
            if audio.sample_rate > model.sample_rate and not spec.sample_rate_adaptive:
                return Failure("unsupported_sample_rate", f"the audio is {audio.sample_rate} Hz and the appkey's "
                                                          f"model {model.sample_rate} Hz")
            quota = self.settings.daily_quota_s
            if quota is not None:
                key = (owner, self._day())
                used = self.settings.used.get(key, 0.0)
                if used + audio.duration_ms / 1000 > quota:
                    return Failure("quota", f"the daily quota of {quota:g} s of audio is used up")
                self.settings.used[key] = used + audio.duration_ms / 1000
            return None

        return vet

    def _day(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.engine.clock.now() + self.utc_offset_hours * 3600))

    # ---- GetTaskResult -----------------------------------------------------------------------------------

    def get_result(self, request: Request, call: PopCall) -> dict[str, Any]:
        task_id = call.params.get("TaskId")
        if not task_id:
            raise PopError.missing("TaskId")
        note(request, job_id=task_id)
        self._limit(("query", call.access_key_id), cat.QUERY_QPS)
        self._limit(("query-task", task_id), cat.QUERY_QPS_PER_TASK)
        job = self.engine.read(task_id)
        request_id = self.request_id()
        if job is None or not self._visible(job, call.access_key_id):
            return {"TaskId": task_id, "RequestId": request_id, "StatusText": cat.STATUS[cat.TASK_EXPIRED],
                    "StatusCode": cat.TASK_EXPIRED}
        return query_body(job, request_id)

    def _visible(self, job: Job, owner: str) -> bool:
        if job.vendor != VENDOR or (job.owner != owner and self.engine.credentials.mode != "off"):
            return False
        ended = job.phase_times.get(job.phase.value, job.created_at) if job.phase.terminal else None
        return ended is None or self.engine.clock.now() <= ended + cat.RESULT_TTL_S


@lru_cache(maxsize=1024)
def _timestamp(stamp: str) -> int | None:
    for fmt in cat.TIMESTAMP_FORMATS:
        try:
            return calendar.timegm(time.strptime(stamp, fmt))
        except ValueError:
            continue
    return None


def _well_formed_appkey(appkey: str) -> bool:
    return 0 < len(appkey) <= 64 and set(appkey) <= cat.APPKEY_CHARS


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status_code=status,
                    media_type="application/json;charset=utf-8")
