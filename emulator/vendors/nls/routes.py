"""NLS recording-file recognition (filetrans) over the POP RPC API: ``/?Action=SubmitTask`` and
``/?Action=GetTaskResult``, signed with RPC v1 (HMAC-SHA1) or ACS3-HMAC-SHA256.

Gateway problems (signature, AccessKey, missing parameters, throttling) answer with the POP error JSON and a 4xx/5xx
status; the service's own outcomes (bad appkey, bad ``file_link``, unknown task …) are HTTP 200 bodies with
``StatusCode`` / ``StatusText``, as the vendor's samples expect.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from emulator.config import Settings
from emulator.declare import Problem
from emulator.engine import Engine, Failure, FetchLimits, Item, Job, Records
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import Delivery
from emulator.engine.core import RequestFault
from emulator.engine.media import MAGIC_SUFFIX
from emulator.inputs import whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError
from emulator.vendors.nls import catalogue as cat
from emulator.vendors.nls.auth import (
    Acs3,
    acs3_canonical_request,
    acs3_signature,
    roa_signature,
    roa_string_to_sign,
    rpc_signature,
    rpc_string_to_sign,
    same,
)
from emulator.vendors.nls.render import callback_body, outcome, query_body
from emulator.vendors.nls.task import (
    TaskError,
    TaskRecord,
    TaskSpec,
    ip_url,
    parse_task,
    private_address,
    recognizer_options,
)
from emulator.vendors.nls.tokens import Tokens
from emulator.web import note

VENDOR = "nls"
RESOLVE_TIMEOUT_S = 2.0
APPKEYS = "nls.appkey"        # appkeys are credentials too: registered ones are known, others per the mode
_RPC_REQUIRED = ("AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp")


class PopError(VendorError):
    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        default_status, default_message = cat.POP_ERRORS.get(code, (400, code))
        super().__init__(code, message if message is not None else default_message, status or default_status)

    @classmethod
    def missing(cls, param: str) -> PopError:
        return cls(f"Missing{param}", cat.POP_ERRORS["MissingParameter"][1].format(param=param), 400)


class Business(VendorError):
    """A service outcome answered with HTTP 200 and a status code."""

    def __init__(self, status_code: int, detail: str = "") -> None:
        super().__init__(str(status_code), detail or cat.STATUS.get(status_code, str(status_code)), 200)
        self.status_code = status_code


@dataclass
class PopCall:
    action: str
    version: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    access_key_id: str = ""


@dataclass
class NlsSettings:
    """What a test may switch at run time (``/_emulator/settings``, key ``nls``); reset restores the defaults."""

    strict_urls: bool = False               # file_link / callback_url with an IP address → 41050011 / 41050012
    daily_quota_s: float | None = None      # audio seconds per AccessKey per day, None: no quota (41050001)

    def to_json(self) -> dict[str, Any]:
        return {"strict_urls": self.strict_urls, "daily_quota_s": self.daily_quota_s}


@dataclass
class QuotaUse:
    """Audio seconds an AccessKey has submitted on one day (the daily quota's counter)."""

    seconds: float = 0.0


@dataclass
class Nonce:
    """A signature nonce seen in strict mode (replays are refused)."""

    seen: float


_POP_PARAMS = tuple(Param(name, "query", True, what) for name, what in (
    ("Version", "2018-08-17 (2019-08-23 in ap-southeast-1)"), ("AccessKeyId", "the AccessKey id"),
    ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"), ("SignatureNonce", "unique per request"),
    ("Timestamp", "UTC, e.g. 2026-01-01T00:00:00Z"), ("Signature", "the POP RPC signature")))


class Nls(Dialect):
    """The filetrans dialect. Settings: ``nls_access_keys`` (AccessKeyId:AccessKeySecret) and ``nls_appkeys`` (the
    project appkeys and the model — sample rate, language — each is bound to)."""

    name = VENDOR
    title = "NLS recording-file recognition (filetrans)"
    hosts = (r"filetrans\.[a-z0-9-]+\.aliyuncs\.com", r"nls-meta(\.[a-z0-9-]+)?\.aliyuncs\.com")
    body_limit = cat.MAX_BODY_BYTES
    strategies = "emulator.vendors.nls.strategies"
    leniency = cat.LENIENCY
    error_envelope = ("application/json", {
        "type": "object", "required": ["RequestId", "Code", "Message"],
        "properties": {k: {"type": "string"} for k in ("RequestId", "HostId", "Code", "Message", "Recommend")}})
    security_scheme: ClassVar[dict[str, Any] | None] = {"type": "apiKey", "in": "query", "name": "Signature",
                       "description": "POP RPC signature: AccessKeyId, SignatureMethod HMAC-SHA1, SignatureNonce, "
                                      "Timestamp and Signature in the query (or ACS3-HMAC-SHA256 in Authorization)"}

    def callback_render(self, job: Job) -> Any:
        return callback_body

    def job_documents(self, job: Job, base_url: str) -> list[tuple[str, str, bytes]]:
        return [("GetTaskResult", "application/json", json.dumps(
            query_body(job, self.request_id()), ensure_ascii=False, indent=2).encode())]

    def vendor_phase(self, job: Any) -> str:
        code = cat.PHASE_STATUS.get(job.phase) if not job.phase.terminal else outcome(job)[0]
        return f"{code} {cat.STATUS.get(code, 'ERROR')}" if code is not None else str(job.phase.value)
    settings_key = "nls"

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        for pair in settings.nls_access_keys:
            if ":" not in pair:
                raise ValueError(f"nls_access_keys: {pair!r} is not 'AccessKeyId:AccessKeySecret'")
        engine.credentials.add_all(VENDOR, {**cat.DEFAULT_ACCESS_KEYS,
                                            **dict(p.split(":", 1) for p in settings.nls_access_keys)})
        self.appkeys = appkey_models(settings)
        for appkey in self.appkeys:
            engine.credentials.add(APPKEYS, appkey)
        self.defaults = NlsSettings(strict_urls=settings.nls_strict_urls)
        self.options = NlsSettings(strict_urls=settings.nls_strict_urls)
        self.utc_offset_hours = settings.utc_offset_hours
        self.quota = Records(engine.store, "nls.quota", QuotaUse)
        self.tokens = Tokens(engine)
        self.nonces = Records(engine.store, "nls.nonce", Nonce)
        engine.settings_hooks.append(self._reset)
        self._operations = [
            Operation("SubmitTask", "Submit a recording-file recognition task", self.submit, ("GET", "POST"), "/",
                      action="SubmitTask", host=cat.DEFAULT_HOST, doc=Doc(
                          params=(Param("Task", "query", True, cat.TASK_PARAM + "; or in a form body"),
                                  *_POP_PARAMS),
                          body=("application/x-www-form-urlencoded", cat.SUBMIT_SCHEMA),
                          response=("application/json", cat.TASK_ANSWER), check=("body",), body_format="params",
                          unknown="unknown_task_field")),
            Operation("CreateToken", "Create an access token for the NLS gateway (nls-meta, 2019-02-28)",
                      self.create_token, ("GET", "POST"), "/", action="CreateToken", host=cat.META_HOST,
                      doc=Doc(params=_POP_PARAMS, response=("application/json", cat.TOKEN_ANSWER))),
            Operation("CreateTokenROA", "Create an access token (ROA form, 2018-05-18)", self.create_token,
                      ("POST",), cat.TOKEN_ROA_PATH, host=cat.META_HOST,
                      doc=Doc(params=(Param("Authorization", "header", True, "acs <AccessKeyId>:<signature>"),),
                              response=("application/json", cat.TOKEN_ANSWER))),
            Operation("GetTaskResult", "Query a task's status and result", self.get_result, ("GET", "POST"), "/",
                      action="GetTaskResult", host=cat.DEFAULT_HOST, doc=Doc(
                          params=(Param("TaskId", "query", True, "the id SubmitTask answered; or in a form body",
                                        cat.RESULT_SCHEMA["properties"]["TaskId"]), *_POP_PARAMS),
                          body=("application/x-www-form-urlencoded", cat.RESULT_SCHEMA),
                          response=("application/json", cat.TASK_ANSWER), check=("body",), body_format="params")),
        ]

    def _reset(self) -> None:
        self.options = NlsSettings(strict_urls=self.defaults.strict_urls, daily_quota_s=self.defaults.daily_quota_s)

    def request_id(self) -> str:
        return self.engine.new_id().upper()

    # ---- declarations ------------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool | None:
        """POP on ``/``: an ``Action`` parameter, ``x-acs-action`` or a POP signature; a form body may be POP. And
        CreateToken's ROA path."""
        if scope["type"] == "http" and scope.get("path") == cat.TOKEN_ROA_PATH:
            return True
        if scope["type"] != "http" or scope.get("path") != "/":
            return False
        query = scope.get("query_string", b"")
        headers = dict(scope.get("headers", []))
        if (b"Action=" in query or b"AccessKeyId=" in query or b"x-acs-action" in headers
                or headers.get(b"authorization", b"").startswith(b"ACS3-")):
            return True
        if headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
            return None
        return False

    def claims_body(self, scope: Scope, body: bytes) -> bool:
        return True

    def default_credentials(self) -> dict[str, str]:
        key_id, secret = next(iter(cat.DEFAULT_ACCESS_KEYS.items()))
        return {"access_key_id": key_id, "access_key_secret": secret, "appkey": next(iter(cat.DEFAULT_APPKEYS))}

    def env_lines(self, base_url: str) -> list[str]:
        key_id, secret = next(iter(cat.DEFAULT_ACCESS_KEYS.items()))
        return [
            "# Alibaba Cloud AccessKey pair read by the vendors' samples (NLS filetrans with aliyun-python-sdk-core);",
            f"# point CommonRequest.set_domain at {base_url.split('//', 1)[-1]} and use the appkey "
            f"{next(iter(cat.DEFAULT_APPKEYS))}",
            f"export ALIBABA_CLOUD_ACCESS_KEY_ID={key_id}",
            f"export ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret}",
        ]

    def settings_json(self) -> Any:
        return self.options.to_json()

    def apply_settings(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise ValueError("'nls' takes an object: strict_urls, daily_quota_s")
        if "strict_urls" in value:
            self.options.strict_urls = bool(value["strict_urls"])
        if "daily_quota_s" in value:
            quota = value["daily_quota_s"]
            self.options.daily_quota_s = None if quota is None else float(quota)
            for key, _ in self.quota.items():
                self.quota.delete(key)

    # ---- the envelope ------------------------------------------------------------------------------------

    def input_values(self, call: Call) -> dict[str, Any]:
        """The POP parameters (query and form body together), as routing read them."""
        pop: PopCall = call.context
        return {"body": dict(pop.params)}

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        """A missing or empty ``Task`` is POP's MissingTask; a Task that is not a JSON object, or a field of it of
        the wrong type or value, is the service's 41050013 (an appkey missing or empty: 41050014)."""
        if problem.path in (("Task",), ("TaskId",)) and problem.kind in ("required", "length") and \
                problem.value in (None, ""):
            return PopError.missing(problem.name)
        if problem.path[:1] != ("Task",):
            return PopError("InvalidParameter", problem.message, 400)
        code = cat.PARAMETER_INVALID if problem.kind in ("type", "json", "unknown") else \
            problem.schema.get("x-error", cat.PARAMETER_INVALID)
        return Business(int(code), problem.message)

    def error_response(self, call: Call, exc: VendorError) -> Response:
        if isinstance(exc, Business):
            return _json({"RequestId": self.request_id(), "StatusText": cat.STATUS.get(exc.status_code, "ERROR"),
                          "StatusCode": exc.status_code}, 200)
        host = call.request.headers.get("host", cat.DEFAULT_HOST).split(":")[0]
        return _json({"RequestId": self.request_id(), "HostId": host, "Code": exc.code, "Message": exc.message,
                      "Recommend": cat.RECOMMEND.format(code=exc.code)}, exc.status)

    def internal_error(self, exc: BaseException) -> VendorError:
        return PopError("InternalError")

    def throttled(self) -> VendorError:
        return PopError(cat.THROTTLE_CODE)

    def fault_error(self, fault: RequestFault) -> VendorError:
        code = fault.code or "InternalError"
        number = whole_number(code, 9)
        if number is not None:
            return Business(number)
        if code in cat.BY_TEXT:
            return Business(cat.BY_TEXT[code])
        return PopError(code, fault.message, fault.status)

    def too_large(self, request: Request) -> VendorError:
        return PopError("InvalidParameter", "The request body is too large.", 413)

    # ---- routing: the action, from the query, the form or x-acs-action ------------------------------------

    async def route(self, call: Call) -> Operation:
        request = call.request
        if request.url.path == cat.TOKEN_ROA_PATH:
            call.context = PopCall("CreateToken", cat.TOKEN_ROA_VERSION, dict(request.query_params),
                                   list(request.query_params.multi_items()))
            if request.method != "POST":
                return Operation.refusal("CreateTokenROA", PopError("InvalidAction.NotFound"))
            return next(op for op in self._operations if op.name == "CreateTokenROA")
        query = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        form: list[tuple[str, str]] = []
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded") and call.body:
            try:
                form = parse_qsl(call.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise PopError("InvalidParameter", "The form body is not UTF-8.") from None
        params = dict(query)
        params.update(form)
        action = params.get("Action") or request.headers.get("x-acs-action", "")
        version = params.get("Version") or request.headers.get("x-acs-version", "")
        call.context = PopCall(action, version, params, query)
        problem: PopError | None = None
        if not action:
            problem = PopError.missing("Action")
        elif not version:
            problem = PopError.missing("Version")
        elif action == "CreateToken":          # nls-meta's action shares the POP gateway, with its own version
            if version != cat.TOKEN_VERSION:
                problem = PopError("InvalidVersion")
        elif version not in cat.VERSIONS:
            problem = PopError("InvalidVersion")
        elif action not in cat.ACTIONS:
            problem = PopError("InvalidAction.NotFound")
        if problem is not None:        # answered after the signature is checked, as the gateway does
            return Operation.refusal(action or "unknown", problem)
        return next(op for op in self._operations if op.action == action)

    async def authenticate(self, call: Call) -> str:
        pop: PopCall = call.context
        authorization = call.request.headers.get("authorization", "")
        if call.request.url.path == cat.TOKEN_ROA_PATH:
            pop.access_key_id = self._verify_roa(call.request, authorization, pop.query)
        elif authorization.startswith("ACS3-"):
            pop.access_key_id = self._verify_acs3(call.request, authorization, pop.query, call.body)
        else:
            pop.access_key_id = self._verify_rpc(call.request, pop.params)
        return pop.access_key_id

    # ---- signatures --------------------------------------------------------------------------------------

    def _verify_rpc(self, request: Request, params: dict[str, str]) -> str:
        method = request.method
        if not self.engine.credentials.verdict(VENDOR, params.get("AccessKeyId", "") or "-").check:
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
        self._check_timestamp(request, params["Timestamp"], params["SignatureNonce"])
        key_id = params["AccessKeyId"]
        secret = self._secret(request, key_id)
        if secret is not None:
            string_to_sign = rpc_string_to_sign(method, params)
            if not same(rpc_signature(secret, string_to_sign), params["Signature"]):
                raise PopError("SignatureDoesNotMatch", cat.SIGNATURE_MISMATCH_PREFIX + string_to_sign)
        return key_id

    def _verify_acs3(self, request: Request, header: str, query: list[tuple[str, str]], body: bytes) -> str:
        parsed = Acs3.parse(header)
        if parsed is None:
            raise PopError("IncompleteSignature")
        if not self.engine.credentials.verdict(VENDOR, parsed.access_key_id or "-").check:
            return parsed.access_key_id
        if parsed.algorithm != cat.ACS3_ALGORITHM:
            raise PopError("InvalidSignatureMethod")
        date = request.headers.get("x-acs-date")
        if not date:
            raise PopError.missing("x-acs-date")
        self._check_timestamp(request, date, request.headers.get("x-acs-signature-nonce", ""))
        payload_hash = request.headers.get("x-acs-content-sha256", "")
        if not same(payload_hash, hashlib.sha256(body).hexdigest()):
            raise PopError("SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the body.")
        secret = self._secret(request, parsed.access_key_id)
        if secret is not None:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
            canonical = acs3_canonical_request(request.method, request.url.path, query, headers,
                                               parsed.signed_headers, payload_hash)
            if not same(acs3_signature(secret, canonical), parsed.signature):
                string_to_sign = f"{cat.ACS3_ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
                raise PopError("SignatureDoesNotMatch", cat.SIGNATURE_MISMATCH_PREFIX + string_to_sign)
        return parsed.access_key_id

    def _verify_roa(self, request: Request, authorization: str, query: list[tuple[str, str]]) -> str:
        """``Authorization: acs <AccessKeyId>:<base64 HMAC-SHA1>`` over the ROA string to sign."""
        scheme, _, credential = authorization.partition(" ")
        key_id, _, signature = credential.partition(":")
        if scheme != "acs" or not key_id or not signature:
            raise PopError("IncompleteSignature")
        if not self.engine.credentials.verdict(VENDOR, key_id).check:
            return key_id
        secret = self._secret(request, key_id)
        if secret is not None:
            headers = {k: v for k, v in request.headers.items()}
            string_to_sign = roa_string_to_sign(request.method, headers, request.url.path, query)
            if not same(roa_signature(secret, string_to_sign), signature):
                raise PopError("SignatureDoesNotMatch", cat.SIGNATURE_MISMATCH_PREFIX + string_to_sign)
        return key_id

    def _secret(self, request: Request, key_id: str) -> str | None:
        """The secret to verify with; None to accept unverified (permissive mode, a key the emulator does not
        know — said as a warning). Strict mode knows only configured keys."""
        verdict = self.engine.credentials.verdict(VENDOR, key_id)
        if verdict.refused or (not verdict.known and not self.lenient(request, "unknown_access_key")):
            raise PopError("InvalidAccessKeyId.NotFound")
        return verdict.secret

    def _check_timestamp(self, request: Request, stamp: str, nonce: str) -> None:
        when = _timestamp(stamp)
        if when is None:
            raise PopError("InvalidTimeStamp.Format")
        now = time.time()    # the SDK stamps wall time, whatever the emulator's clock says
        stale = abs(now - when) > cat.TIMESTAMP_SKEW_S
        if not self.engine.credentials.strict:
            if stale and not self.lenient(request, "stale_timestamp"):
                raise PopError("InvalidTimeStamp.Expired")
            return
        if stale:
            raise PopError("InvalidTimeStamp.Expired")
        for old, seen in self.nonces.items():
            if now - seen.seen > cat.TIMESTAMP_SKEW_S:
                self.nonces.delete(old)
        if nonce in self.nonces:
            raise PopError("SignatureNonceUsed")
        self.nonces.put(nonce, Nonce(now))

    # ---- CreateToken -------------------------------------------------------------------------------------

    async def create_token(self, pipeline_call: Call) -> Response:
        """A token the NLS gateway accepts until ``ExpireTime`` (Unix seconds; its lifetime is the emulator's
        choice, see the catalogue). Fetching a new one does not invalidate old ones."""
        call = pipeline_call.context
        assert isinstance(call, PopCall)
        token = self.tokens.issue(call.access_key_id)
        return _json({"ErrMsg": "", "NlsRequestId": self.engine.new_id().replace("-", ""),
                      "RequestId": self.request_id(),
                      "Token": {"ExpireTime": token.expire_time, "Id": token.id,
                                "UserId": str(int(hashlib.sha256(call.access_key_id.encode()).hexdigest()[:12], 16))}},
                     200)

    # ---- SubmitTask --------------------------------------------------------------------------------------

    async def submit(self, pipeline_call: Call) -> Response:
        request, call = pipeline_call.request, pipeline_call.context
        assert isinstance(call, PopCall)
        try:
            strict_urls = self.options.strict_urls or self.engine.leniency.strict
            spec = parse_task(pipeline_call.input["body"]["Task"], strict_urls=strict_urls)
        except TaskError as exc:
            raise Business(exc.status_code, exc.detail) from None
        if strict_urls:         # IP addresses were refused with the Task; names that resolve to private ones here
            await _refuse_private(spec.file_link, cat.INVALID_FILE_URL)
            if spec.callback_url:
                await _refuse_private(spec.callback_url, cat.INVALID_CALLBACK)
        elif ip_url(spec.file_link) or (spec.callback_url and ip_url(spec.callback_url)):
            self.lenient(request, "ip_address_url")
        model = self._appkey(request, spec.appkey)
        pipeline_call.limit(("submit", call.access_key_id), cat.SUBMIT_QPS)
        tid = pipeline_call.test_id
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, call.action, model=spec.appkey, media=[spec.file_link], test_id=tid),
            str(cat.INTERNAL_ERROR_CODE))
        job = await self.engine.submit(
            vendor=VENDOR, model=spec.appkey, owner=call.access_key_id, job_id=self.engine.new_id().replace("-", ""),
            sources=[spec.file_link], options=recognizer_options(spec, model.language),
            record=TaskRecord(spec, call.version),
            limits=FetchLimits(max_bytes=cat.MAX_FILE_BYTES, timeout=self.engine.config.fetch_timeout),
            test_id=tid, failure=failure, fail_from=fail_from, vet=self._vetter(spec, model, call.access_key_id),
        )
        note(request, job_id=job.id)
        if spec.callback_url:
            self.engine.callbacks.watch(Delivery(job.id, spec.callback_url, VENDOR, callback_body, tid))
        return _json({"TaskId": job.id, "RequestId": self.request_id(), "StatusText": cat.STATUS[cat.SUCCESS],
                      "StatusCode": cat.SUCCESS}, 200)

    def _appkey(self, request: Request, appkey: str) -> cat.AppModel:
        model = self.appkeys.get(appkey)
        if model is not None:
            return model
        verdict = self.engine.credentials.verdict(APPKEYS, appkey, well_formed_appkey)
        if verdict.check and (verdict.refused or not self.lenient(request, "unregistered_appkey")):
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
            # 004: the file's rate must be the appkey model's (41050008); enable_sample_rate_adaptive (version 4.0)
            # only down-samples files above 16,000 Hz — to 16,000 Hz, so it never makes a file fit an 8 kHz model
            adaptive = cat.ADAPTIVE_SAMPLE_RATE
            rate = adaptive if spec.sample_rate_adaptive and audio.sample_rate > adaptive else audio.sample_rate
            if rate != model.sample_rate:
                return Failure("unsupported_sample_rate", f"the audio is {audio.sample_rate} Hz and the appkey's "
                                                          f"model {model.sample_rate} Hz")
            quota = self.options.daily_quota_s
            if quota is not None:
                seconds, over = audio.duration_ms / 1000, []

                def spend(current: QuotaUse | None) -> QuotaUse | None:    # one step, whichever worker spends
                    used = current or QuotaUse()
                    if used.seconds + seconds > quota:
                        over.append(True)
                        return None
                    used.seconds += seconds
                    return used

                self.quota.update(f"{owner}/{self._day()}", spend)
                if over:
                    return Failure("quota", f"the daily quota of {quota:g} s of audio is used up")
            return None

        return vet

    def _day(self) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(self.engine.clock.now() + self.utc_offset_hours * 3600))

    # ---- GetTaskResult -----------------------------------------------------------------------------------

    async def get_result(self, pipeline_call: Call) -> Response:
        request, call = pipeline_call.request, pipeline_call.context
        assert isinstance(call, PopCall)
        task_id = pipeline_call.input["body"]["TaskId"]
        note(request, job_id=task_id)
        pipeline_call.limit(("query", call.access_key_id), cat.QUERY_QPS)
        pipeline_call.limit(("query-task", task_id), cat.QUERY_QPS_PER_TASK)
        job = self.engine.read(task_id)
        request_id = self.request_id()
        if job is None or not self._visible(job, call.access_key_id):
            return _json({"TaskId": task_id, "RequestId": request_id, "StatusText": cat.STATUS[cat.TASK_EXPIRED],
                          "StatusCode": cat.TASK_EXPIRED}, 200)
        return _json(query_body(job, request_id), 200)

    def _visible(self, job: Job, owner: str) -> bool:
        if job.vendor != VENDOR or not self.engine.credentials.may_read(job.owner, owner):
            return False
        ended = job.phase_times.get(job.phase.value, job.created_at) if job.phase.terminal else None
        return ended is None or self.engine.clock.now() <= ended + cat.RESULT_TTL_S


async def _refuse_private(url: str, code: int) -> None:
    """Strict URLs: a host that resolves to a loopback, private or otherwise non-public address is refused, as an IP
    address is (names that do not resolve are left to the download, which fails as the service's would)."""
    host = urlsplit(url).hostname or ""
    if host.endswith(MAGIC_SUFFIX):
        return
    try:
        found = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(host, None), RESOLVE_TIMEOUT_S)
    except (OSError, TimeoutError, UnicodeError, ValueError):
        return
    if any(private_address(str(info[4][0])) for info in found):
        raise Business(code, f"{host} resolves to a private or loopback address")


@lru_cache(maxsize=1024)
def _timestamp(stamp: str) -> int | None:
    for fmt in cat.TIMESTAMP_FORMATS:
        try:
            return calendar.timegm(time.strptime(stamp, fmt))
        except ValueError:
            continue
    return None


def parse_appkey(entry: str) -> tuple[str, cat.AppModel]:
    """``appkey`` or ``appkey:8000`` or ``appkey:16000:en`` (the model's sample rate and language)."""
    name, _, rest = entry.partition(":")
    rate, _, language = rest.partition(":")
    if not name or (rate and whole_number(rate, 6) is None) or ":" in language:
        raise ValueError(f"nls_appkeys: {entry!r} is not 'appkey[:rate[:language]]'")
    return name, cat.AppModel(int(rate) if rate else 16000, language or "zh")


def appkey_models(settings: Settings) -> dict[str, cat.AppModel]:
    """The appkeys the emulator knows: the built-in ones and ``nls_appkeys`` (filetrans and the gateway alike)."""
    return {**cat.DEFAULT_APPKEYS, **dict(parse_appkey(e) for e in settings.nls_appkeys)}


def well_formed_appkey(appkey: str) -> bool:
    return 0 < len(appkey) <= 64 and set(appkey) <= cat.APPKEY_CHARS


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status_code=status,
                    media_type="application/json;charset=utf-8")
