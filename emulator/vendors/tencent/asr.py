"""Tencent Cloud ASR API 3.0 (``asr.tencentcloudapi.com``, 2019-06-14): ``CreateRecTask`` and ``DescribeTaskStatus``
on ``POST /`` (or ``GET /?…``), action in ``X-TC-Action``, signed with TC3-HMAC-SHA256.

Every answer is HTTP 200 with ``Content-Type: application/json`` exactly — the SDK raises an error only then — and
errors are ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from emulator.config import Settings
from emulator.declare import Problem, type_words
from emulator.engine import Blob, Engine, FetchLimits, Job, Options, Phase, Records
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import Delivery
from emulator.engine.core import RequestFault
from emulator.inputs import printable, same_secret, whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent.api_params import TcError, read_params, rec_spec, rec_vetter, unflatten_params
from emulator.vendors.tencent.restricted import RestrictedWords
from emulator.vendors.tencent.sentence import Answered, SentenceError, Vocabularies, recognise
from emulator.vendors.tencent.stream_tasks import StreamTask, StreamTasks
from emulator.vendors.tencent.tc3 import Authorization, canonical_request, signature, utc_date
from emulator.web import note

VENDOR = "tencent_asr"


@dataclass(frozen=True)
class ApiCall:
    action: str
    params: dict[str, Any]
    legacy: dict[str, str] | None    # the legacy signature's form (query + body), or None for TC3
    text_values: bool          # every value arrived as text (GET, or the legacy form): numbers are read from it


@dataclass
class TaskCounter:
    """The last task id handed out (ids are integers, seeded per emulator)."""

    value: int


@dataclass
class AsrTask:
    """What API 3.0 keeps of a CreateRecTask beside the engine's job."""

    params: dict[str, Any]            # the validated request parameters (without the audio data)
    shape: res.Shape
    source_type: int
    url: str
    result: dict[str, Any] | None = None     # AudioDuration, Result, ResultDetail once succeeded

    def to_json(self) -> dict[str, Any]:
        return dict(self.params)


def is_tc3(scope: Scope) -> bool:
    """Whether a request speaks Tencent Cloud API 3.0 signed with TC3."""
    headers = dict(scope.get("headers", []))
    return b"x-tc-action" in headers or headers.get(b"authorization", b"").startswith(b"TC3-")


_API3_HEADERS = tuple(Param(name, "header", True, what) for name, what in (
    ("X-TC-Action", "the action"), ("X-TC-Version", "2019-06-14"), ("X-TC-Timestamp", "Unix seconds")))
def _declared(action: str, response: tuple[str, dict[str, Any]] | None = None) -> Doc:
    """An action's declaration: its parameters (``cat.ACTION_SCHEMAS``), in a JSON body or — as text — in a GET query
    or the older signatures' form, checked before the action runs; undeclared ones under ``unknown_parameter``."""
    return Doc(params=_API3_HEADERS, body=("application/json", cat.ACTION_SCHEMAS[action]), response=response,
               check=("body",), body_format="params", unknown="unknown_parameter")


def _answer_schema(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["Response"], "properties": {"Response": {"type": "object", "properties": {
        "Data": {"type": "object", "properties": data}, "RequestId": {"type": "string"}}}}}


class TencentAsr(Dialect):
    """The ASR API 3.0 dialect. Keys: the built-in SecretId/SecretKey pair and ``tencent_keys`` (shared with
    CI/COS)."""

    name = VENDOR
    title = "Tencent Cloud ASR API 3.0"
    hosts = (r"asr(\.intl)?\.tencentcloudapi\.com", r"asr\.[a-z0-9-]+\.tencentcloudapi\.com")
    body_limit = cat.MAX_BODY_BYTES
    leniency = cat.ASR_LENIENCY
    error_envelope = ("application/json", {
        "type": "object", "required": ["Response"], "properties": {"Response": {
            "type": "object", "required": ["Error", "RequestId"], "properties": {
                "Error": {"type": "object", "required": ["Code", "Message"],
                          "properties": {"Code": {"type": "string"}, "Message": {"type": "string"}}},
                "RequestId": {"type": "string"}}}}})
    security_scheme: ClassVar[dict[str, Any] | None] = {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "TC3-HMAC-SHA256 Credential=<SecretId>/…, SignedHeaders=…, Signature=… with "
                                      "X-TC-Action, X-TC-Timestamp and X-TC-Version (or the HmacSHA1 query form)"}

    def vendor_phase(self, job: Any) -> str:
        return cat.TASK_STATUS[job.phase.value][1]

    def callback_render(self, job: Job) -> Any:
        return self.callback_body if isinstance(job.record, AsrTask) else None   # stream tasks call back themselves

    def job_documents(self, job: Job, base_url: str) -> list[tuple[str, str, bytes]]:
        if isinstance(job.record, StreamTask):        # stream recognition: the task as DescribeAsync… lists it
            return [("CreateAsyncRecognitionTask", "application/json", json.dumps(
                job.record.to_json(), ensure_ascii=False, indent=2).encode())]
        if isinstance(job.record, Answered):          # SentenceRecognition: its answer, once given
            answer = job.record.answer
            return [("SentenceRecognition", "application/json", json.dumps(
                {"Response": answer}, ensure_ascii=False, indent=2).encode())] if answer is not None else []
        return [("DescribeTaskStatus", "application/json", json.dumps(
            {"Response": {"Data": task_status(job), "RequestId": self.request_id()}}, ensure_ascii=False,
            indent=2).encode())]
    strategies = "emulator.vendors.tencent.strategies"
    settings_key = "tencent"        # both Tencent dialects read it (the restricted words live in the store)

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        engine.credentials.add_all(VENDOR, tencent_keys(settings))
        self.appid = settings.tencent_appid
        self.restricted = RestrictedWords(engine)
        self.counter = Records(engine.store, "tencent_asr.counter", TaskCounter)
        self._operations = [
            Operation("CreateRecTask", "Create a recording-file recognition task", self.create, ("POST", "GET"),
                      "/", action="CreateRecTask", host=cat.ASR_HOST, doc=_declared(
                          "CreateRecTask", response=("application/json", _answer_schema(
                              {"TaskId": {"type": "integer"}})))),
            Operation("DescribeTaskStatus", "Query a task's status and result", self.describe, ("POST", "GET"),
                      "/", action="DescribeTaskStatus", host=cat.ASR_HOST, doc=_declared(
                          "DescribeTaskStatus", response=("application/json", _answer_schema({
                              "TaskId": {"type": "integer"}, "Status": {"enum": [0, 1, 2, 3]},
                              "StatusStr": {"enum": ["waiting", "doing", "success", "failed"]},
                              "AudioDuration": {"type": "number"}, "Result": {"type": "string"},
                              "ErrorMsg": {"type": "string"},
                              "ResultDetail": {"anyOf": [{"type": "array"}, {"type": "null"}]}})))),
        ]
        self.vocabularies = Vocabularies(engine)
        sentence_ops = {
            "SentenceRecognition": "Recognise one clip of up to 60 s (Url or base64 Data), answered at once",
            "CreateAsrVocab": "Create a hot-word vocabulary", "GetAsrVocab": "A hot-word vocabulary",
            "GetAsrVocabList": "The account's hot-word vocabularies", "UpdateAsrVocab": "Change a vocabulary",
            "DeleteAsrVocab": "Delete a vocabulary", "SetVocabState": "Make a vocabulary the default (State 1)",
            "DownloadAsrVocab": "A vocabulary's words as base64 word|weight lines",
        }
        self._operations += [Operation(name, summary, self.sentence_action, ("POST", "GET"), "/", action=name,
                                       host=cat.ASR_HOST, doc=_declared(name))
                             for name, summary in sentence_ops.items()]
        self.streams = StreamTasks(engine, self.vocabularies, self.appid, self.restricted.words)
        stream_ops = {
            "CreateAsyncRecognitionTask": "Stream recognition: pull a live stream, call back once per utterance",
            "DescribeAsyncRecognitionTasks": "Stream recognition: the running tasks",
            "CloseAsyncRecognitionTask": "Stream recognition: stop a task",
        }
        self._operations += [Operation(name, summary, self.stream_action, ("POST", "GET"), "/", action=name,
                                       host=cat.ASR_HOST, doc=_declared(name))
                             for name, summary in stream_ops.items()]

    def operations(self) -> list[Operation]:
        return self._operations

    def settings_json(self) -> Any:
        return self.restricted.settings_json()

    def apply_settings(self, value: Any) -> None:
        self.restricted.apply(value)

    def claims(self, scope: Scope) -> bool | None:
        if scope["type"] != "http" or scope.get("path") != "/":
            return False
        if is_tc3(scope) or b"SecretId=" in scope.get("query_string", b""):
            return True
        headers = dict(scope.get("headers", []))
        return None if headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded") else False

    def claims_body(self, scope: Scope, body: bytes) -> bool:
        """The legacy signature (``signMethod`` HmacSHA1/HmacSHA256): ``SecretId`` and ``Signature`` in the form."""
        return b"SecretId=" in body and b"Signature=" in body

    def default_credentials(self) -> dict[str, str]:
        return {"secret_id": cat.DEFAULT_SECRET_ID, "secret_key": cat.DEFAULT_SECRET_KEY}

    def env_lines(self, base_url: str) -> list[str]:
        return [
            "# Tencent Cloud SecretId/SecretKey (tencentcloud-sdk-python reads these; pass them to CosConfig too)",
            f"export TENCENTCLOUD_SECRET_ID={cat.DEFAULT_SECRET_ID}",
            f"export TENCENTCLOUD_SECRET_KEY={cat.DEFAULT_SECRET_KEY}",
        ]

    def request_id(self) -> str:
        return self.engine.new_id()

    # ---- the envelope: always HTTP 200 JSON --------------------------------------------------------------

    def error_response(self, call: Call, exc: VendorError) -> Response:
        return _answer({"Error": {"Code": exc.code, "Message": exc.message}, "RequestId": self.request_id()})

    def internal_error(self, exc: BaseException) -> VendorError:
        return TcError("InternalError")

    def throttled(self) -> VendorError:
        return TcError(cat.THROTTLE_CODE, count=cat.CREATE_QPS + 1, limit=cat.CREATE_QPS)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return TcError(fault.code or "InternalError", message=fault.message, detail=fault.code)

    def too_large(self, request: Request) -> VendorError:
        return TcError("InvalidParameter.ErrorContentlength")

    def input_values(self, call: Call) -> dict[str, Any]:
        """An action's parameters as routing read them (JSON body, or the text of a GET query or legacy form)."""
        api: ApiCall = call.context
        if api.text_values:
            call.text_parts.add("body")
        return {"body": api.params}

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        if problem.kind == "required":
            return TcError("MissingParameter", name=problem.name)
        if problem.kind == "unknown":
            return TcError("UnknownParameter", name=problem.name)
        code = problem.schema.get("x-error") or ("InvalidParameter" if problem.kind in ("type", "json")
                                                 else "InvalidParameterValue")
        detail = (f"The parameter `{problem.dotted}` must be {type_words(problem.schema)}." if problem.kind == "type"
                  else f"The value of `{problem.dotted}` is not valid: {problem.message}.")
        return TcError(code, name=problem.name, value=printable(str(problem.value)), detail=detail)

    # ---- routing and authentication ----------------------------------------------------------------------

    async def route(self, call: Call) -> Operation:
        request, body = call.request, call.body
        problem: TcError | None = None
        if is_tc3(request.scope):
            action = request.headers.get("x-tc-action", "")
            version = request.headers.get("x-tc-version", "")
            try:
                params = read_params(request, body)
            except TcError as exc:          # answered after the signature is checked
                params, problem = {}, exc
            call.context = ApiCall(action, params, None, request.method == "GET")
        else:
            form = dict(parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"),
                                  keep_blank_values=True))
            form.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            action, version = form.get("Action", ""), form.get("Version", "")
            try:
                params = unflatten_params((k, v) for k, v in form.items() if k not in cat.LEGACY_COMMON_PARAMS)
            except TcError as exc:          # answered after the signature is checked
                params, problem = {}, exc
            call.context = ApiCall(action, params, form, True)
        if problem is None:
            if not action:
                problem = TcError("MissingParameter", name="Action")
            elif action not in cat.ASR_ACTIONS:
                problem = TcError("UnsupportedOperation" if action in cat.ASR_OTHER_ACTIONS else "InvalidAction",
                                  action=action)
            elif version != cat.ASR_VERSION:
                problem = TcError("NoSuchVersion" if version else "MissingParameter", version=version,
                                  name="Version")
        if problem is not None:
            return Operation.refusal(action or "unknown", problem)
        return next(op for op in self._operations if op.action == action)

    async def authenticate(self, call: Call) -> str:
        api: ApiCall = call.context
        if api.legacy is not None:
            return self._authenticate_legacy(call.request, api.legacy)
        return self._authenticate(call.request, call.body)

    def _timestamp(self, request: Request, strict: bool, when: int) -> None:
        """A signature time more than 5 minutes off: refused in strict mode, accepted (and said) otherwise."""
        if abs(time.time() - when) > cat.TIMESTAMP_SKEW_S and (strict or not self.lenient(request, "stale_timestamp")):
            raise TcError("AuthFailure.SignatureExpire")

    def _authenticate_legacy(self, request: Request, form: dict[str, str]) -> str:
        """The legacy signature: HMAC-SHA1/SHA256 over method, host, path and the sorted parameters (brief §B.4)."""
        secret_id = form.get("SecretId", "")
        verdict = self.engine.credentials.verdict(VENDOR, secret_id)
        if not verdict.check:
            return secret_id or "anonymous"
        method_name = form.get("SignatureMethod", "HmacSHA1")
        digest = cat.LEGACY_SIGNATURE_METHODS.get(method_name)
        if not secret_id or digest is None or "Signature" not in form:
            raise TcError("AuthFailure.InvalidAuthorization")
        stamp = form.get("Timestamp", "")
        when = whole_number(stamp, digits=12)
        if when is None:
            raise TcError("MissingParameter", name="Timestamp")
        self._timestamp(request, verdict.strict, when)
        if verdict.refused or (not verdict.known and not self.lenient(request, "unknown_secret_id")):
            raise TcError("AuthFailure.SecretIdNotFound")
        secret = verdict.secret
        if secret is None:
            return secret_id
        signed = {k.replace("_", "."): v for k, v in form.items() if k != "Signature"}
        joined = "&".join(f"{k}={signed[k]}" for k in sorted(signed))
        text = f"{request.method}{request.headers.get('host', '')}{request.url.path}?{joined}"
        expected = base64.b64encode(hmac.new(secret.encode(), text.encode(), digest).digest()).decode()
        if not same_secret(expected, form["Signature"]):
            raise TcError("AuthFailure.SignatureFailure")
        return secret_id

    def _authenticate(self, request: Request, body: bytes) -> str:
        header = request.headers.get("authorization", "")
        parsed = Authorization.parse(header) if header else None
        verdict = self.engine.credentials.verdict(VENDOR, parsed.secret_id if parsed else "")
        if not verdict.check:
            return parsed.secret_id if parsed else "anonymous"
        if parsed is None or parsed.algorithm != cat.TC3_ALGORITHM:
            raise TcError("AuthFailure.InvalidAuthorization")
        host = request.headers.get("host", "")
        # An SDK given the endpoint "127.0.0.1:PORT" (the Node.js SDK) takes the scope's service from its first label
        # and signs the host without its port: only the service asr answers on this route, so that is accepted
        # (leniently, and said) when the request does not address a Tencent Cloud host
        by_address = not host.split(":", 1)[0].endswith(cat.API_DOMAIN)
        if parsed.service != cat.ASR_SERVICE and not (by_address and self.lenient(request, "endpoint_address")):
            raise TcError("AuthFailure.InvalidAuthorization",
                          message=f"The credential scope names the service {parsed.service!r}, not asr.")
        stamp = request.headers.get("x-tc-timestamp", "")
        when = whole_number(stamp, digits=12)
        if when is None:
            raise TcError("MissingParameter", name="X-TC-Timestamp")
        self._timestamp(request, verdict.strict, when)
        if verdict.refused or (not verdict.known and not self.lenient(request, "unknown_secret_id")):
            raise TcError("AuthFailure.SecretIdNotFound")
        secret = verdict.secret
        if secret is None:
            return parsed.secret_id
        if utc_date(int(stamp)) != parsed.date:
            raise TcError("AuthFailure.SignatureFailure")
        headers = {k.lower(): v for k, v in request.headers.items()}
        payload = b"UNSIGNED-PAYLOAD" if headers.get("x-tc-content-sha256") == "UNSIGNED-PAYLOAD" else (
            b"" if request.method == "GET" else body)
        query = request.scope.get("query_string", b"").decode("latin-1") if request.method == "GET" else ""
        path = urlsplit(str(request.url)).path or "/"

        def signed_with(host_value: str) -> bool:
            canonical = canonical_request(request.method, path, query, {**headers, "host": host_value},
                                          parsed.signed_headers, payload)
            return same_secret(signature(secret, stamp, parsed.date, parsed.service, canonical), parsed.signature)

        if signed_with(host):
            return parsed.secret_id
        bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if bare != host and by_address and signed_with(bare) and self.lenient(request, "endpoint_address"):
            return parsed.secret_id
        raise TcError("AuthFailure.SignatureFailure")

    # ---- CreateRecTask -----------------------------------------------------------------------------------

    async def create(self, pipeline_call: Call) -> Response:
        request, owner = pipeline_call.request, pipeline_call.account
        spec = rec_spec(pipeline_call.input["body"])
        self._limit(pipeline_call, "CreateRecTask", owner, cat.CREATE_QPS)
        engine_name = spec["EngineModelType"]
        engine = cat.ASR_ENGINES[engine_name]
        source = spec.get("Url", "")
        if spec["SourceType"] == 1:
            data = spec["_data"]
            media_id = hashlib.sha256(data).hexdigest()[:32]
            self.engine.store.put_blob("media", media_id, Blob(data, "application/octet-stream", "data"))
            source = f"http://{cat.ASR_HOST}/_emulator/media/{media_id}/data"
        tid = pipeline_call.test_id
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "CreateRecTask", model=engine_name, media=[source], test_id=tid), "recognition_failed")
        task_id = self._next_task()
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
            record=AsrTask(public, shape_of(public, self.restricted.words()), spec["SourceType"],
                           spec.get("Url", "")), test_id=tid,
            failure=failure, fail_from=fail_from, vet=rec_vetter(spec),
        )
        note(request, job_id=job.id)
        if spec.get("CallbackUrl"):
            self.engine.callbacks.watch(Delivery(job.id, spec["CallbackUrl"], VENDOR, self.callback_body, tid))
        return _answer({"Data": {"TaskId": task_id}, "RequestId": self.request_id()})

    # ---- SentenceRecognition and the vocabularies ----------------------------------------------------------

    async def sentence_action(self, pipeline_call: Call) -> Response:
        call, owner = pipeline_call.context, pipeline_call.account
        params = dict(pipeline_call.input["body"])
        vocab = self.vocabularies
        try:
            if call.action == "SentenceRecognition":
                self._limit(pipeline_call, call.action, owner, cat.SENTENCE_QPS)
                data = await recognise(self.engine, vocab, owner, params, self.restricted.words(),
                                       pipeline_call.test_id, cat.ASR_HOST)
                pipeline_call.note(model=params.get("EngSerViceType"))
            else:
                handler = {"CreateAsrVocab": vocab.create, "GetAsrVocab": vocab.get, "GetAsrVocabList": vocab.list,
                           "UpdateAsrVocab": vocab.update, "DeleteAsrVocab": vocab.delete,
                           "SetVocabState": vocab.set_state, "DownloadAsrVocab": vocab.download}[call.action]
                data = handler(owner, params)
        except SentenceError as exc:
            raise TcError(exc.code, **exc.fields) from None
        return _answer({**data, "RequestId": self.request_id()})

    async def stream_action(self, pipeline_call: Call) -> Response:
        call, owner = pipeline_call.context, pipeline_call.account
        params = dict(pipeline_call.input["body"])
        try:
            if call.action == "CreateAsyncRecognitionTask":
                self._limit(pipeline_call, call.action, owner, cat.STREAM_QPS)
                data = await self.streams.create(owner, params, self._next_task(), pipeline_call.test_id, VENDOR)
            elif call.action == "DescribeAsyncRecognitionTasks":
                data = self.streams.describe(owner, VENDOR)
            else:
                data = self.streams.close(owner, params["TaskId"], VENDOR)
        except SentenceError as exc:
            raise TcError(exc.code, **exc.fields) from None
        return _answer({**data, "RequestId": self.request_id()})

    def _next_task(self) -> int:
        counter = self.counter.get("task") or TaskCounter(10_000_000 + self.engine.seed % 1000 * 1000)
        counter.value += 1
        self.counter.put("task", counter)
        return counter.value

    def _limit(self, call: Call, action: str, owner: str, per_second: int) -> None:
        if self.engine.rate_limits and not self.engine.limiter.allow((VENDOR, action, owner), per_second):
            raise TcError(cat.THROTTLE_CODE, count=per_second + 1, limit=per_second)

    # ---- DescribeTaskStatus ------------------------------------------------------------------------------

    async def describe(self, pipeline_call: Call) -> Response:
        request, owner = pipeline_call.request, pipeline_call.account
        task_id = pipeline_call.input["body"]["TaskId"]
        note(request, job_id=str(task_id))
        self._limit(pipeline_call, "DescribeTaskStatus", owner, cat.DESCRIBE_QPS)
        job = self.engine.read(str(task_id))
        if job is None or job.vendor != VENDOR or not self.engine.credentials.may_read(job.owner, owner) \
                or self.engine.clock.now() > job.created_at + cat.TASK_TTL_S:
            raise TcError("FailedOperation.NoSuchTask")
        return _answer({"Data": task_status(job), "RequestId": self.request_id()})

    def callback_body(self, job: Job) -> tuple[bytes, str]:
        status = task_status(job)
        failure = _failure(job)
        fields: dict[str, str] = {
            "code": "0" if failure is None else str(failure[1]),
            "message": "" if failure is None else failure[0],
            "requestId": job.id, "appid": self.appid, "projectid": "0",
            "text": status["Result"], "audioTime": f"{status['AudioDuration']:.6f}",
        }
        record = job.record_as(AsrTask)
        if record.source_type == 0:
            fields["audioUrl"] = record.url
        if status["ResultDetail"]:
            fields["resultDetail"] = json.dumps(status["ResultDetail"], ensure_ascii=False)
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"


# ---- rendering ----------------------------------------------------------------------------------------------------

def shape_of(params: dict[str, Any], restricted: tuple[str, ...] = ()) -> res.Shape:
    dirty = int(params.get("FilterDirty", 0))
    return res.Shape(
        filter_dirty=dirty, restricted=restricted if dirty else (),
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
    record = job.record_as(AsrTask)
    if record.result is None:
        record.result = _result(job, record)
    out.update(record.result)
    return out


def _result(job: Job, record: AsrTask) -> dict[str, Any]:
    """AudioDuration, Result and ResultDetail of a succeeded task (computed once)."""
    out: dict[str, Any] = {}
    item = job.items[0]
    shape = record.shape
    segs = res.segments(item, shape)
    assert item.audio is not None and item.transcript is not None
    out["AudioDuration"] = round(item.audio.duration_ms / 1000, 3)
    out["Result"] = res.result_text(segs)
    language = cat.ASR_ENGINES[job.model].language
    out["ResultDetail"] = [res.sentence_detail(s, shape, language) for s in segs] if shape.res_text_format else None
    return out


def tencent_keys(settings: Settings) -> dict[str, str]:
    """SecretId → SecretKey: the built-in local pair and ``tencent_keys`` (``SecretId:SecretKey``)."""
    for pair in settings.tencent_keys:
        if ":" not in pair:
            raise ValueError(f"tencent_keys: {pair!r} is not 'SecretId:SecretKey'")
    return {cat.DEFAULT_SECRET_ID: cat.DEFAULT_SECRET_KEY, **dict(p.split(":", 1) for p in settings.tencent_keys)}


def _answer(body: dict[str, Any]) -> Response:
    return Response(json.dumps({"Response": body}, ensure_ascii=False).encode("utf-8"), 200,
                    headers={"Content-Type": "application/json"})
