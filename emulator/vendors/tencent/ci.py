"""Tencent Cloud Infinite (CI) speech recognition jobs and the COS bucket they read from and write to.

Requests are told apart by Host — ``<bucket>.ci.<region>.myqcloud.com`` (CI), ``<bucket>.cos.<region>.myqcloud.com``
(COS objects, and CI paths too: cos-python-sdk-v5's ``IP`` mode sends that host), ``ci.<region>.myqcloud.com`` (the
bucket list) — with absolute-form targets (proxy mode) already in origin form. Without such a host, CI paths
(``/asr_jobs`` …) use the default bucket, and ``/<bucket-appid>/<key>`` is the path-style fallback for tools that
cannot set Host. Every request is signed with the COS signature (header or presigned query).
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import hashlib
import json
import re
import string
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from emulator.engine import Blob, Engine, Failure, FetchLimits, Item, Job, JobStateError, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import Delivery
from emulator.engine.media import MediaProblem
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent import result as res
from emulator.vendors.tencent import xmlio
from emulator.vendors.tencent.cos_auth import FIELDS, CosSignature, verify
from emulator.web import note, read_body, test_id

VENDOR = "tencent_ci"
HOST = re.compile(r"^(?:(?P<bucket>[a-z0-9][a-z0-9-]*)\.)?(?P<kind>ci|cos)\.(?P<region>[a-z0-9-]+)\.myqcloud\.com$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{0,48}-\d{5,12}$")
CI_APIS = frozenset({"asr_jobs", "jobs", "asrqueue", "template", "asrbucket", "asrhotvocabtable"})
BLOBS = "cos"
PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")


# What this dialect answers (for the OpenAPI document): path, methods, summary. Hosts: ``<bucket>.ci.<region>.
# myqcloud.com`` for CI, ``<bucket>.cos.<region>.myqcloud.com`` for objects (and CI), or path style.
ROUTES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("/asr_jobs", ("GET", "POST"), "CI speech jobs: list, create"),
    ("/asr_jobs/{job_ids}", ("GET",), "CI speech jobs: get one or several (comma-separated)"),
    ("/jobs", ("GET", "POST"), "CI jobs with Tag SpeechRecognition: list, create"),
    ("/jobs/{job_id}", ("GET", "PUT"), "CI jobs: get; PUT ?cancel cancels"),
    ("/asrqueue", ("GET",), "CI speech queues"),
    ("/asrqueue/{queue_id}", ("PUT",), "CI speech queue: update"),
    ("/asrbucket", ("GET", "POST", "DELETE"), "CI speech buckets: list, open, close"),
    ("/template", ("GET", "POST"), "CI speech templates: list, create"),
    ("/template/{template_id}", ("PUT", "DELETE"), "CI speech template: update, delete"),
    ("/{bucket}/{key}", ("GET", "PUT", "DELETE", "POST"), "COS objects (path style; or /{key} on the bucket's host)"),
)


class CiError(Exception):
    def __init__(self, code: str, detail: str = "", status: int | None = None) -> None:
        default_status, template = cat.CI_ERRORS.get(code, (400, "{detail}"))
        self.code = code
        self.status = status or default_status
        self.message = template.format(detail=detail) if "{detail}" in template else (detail or template)
        super().__init__(self.message)


@dataclass(frozen=True)
class Target:
    bucket: str
    region: str
    kind: str            # "ci" or "cos"
    path: str            # decoded, from "/": the object key or the CI API path
    host: str

    @property
    def api(self) -> str | None:
        first = self.path.lstrip("/").split("/", 1)[0]
        return first if first in CI_APIS else None

    @property
    def key(self) -> str:
        return self.path.lstrip("/")


@dataclass
class Queue:
    id: str
    bucket: str
    name: str
    created: float
    updated: float
    state: str = cat.QUEUE_STATES[0]
    notify: dict[str, str] = field(
        default_factory=lambda: {"Url": "", "Event": "", "Type": "", "State": cat.NOTIFY_STATES[1]})


@dataclass
class Template:
    id: str
    bucket: str
    name: str
    speech: dict[str, str]
    created: float
    updated: float


@dataclass
class Upload:
    id: str
    bucket: str
    key: str
    created: float
    content_type: str
    parts: dict[int, bytes] = field(default_factory=dict)


class TencentCi:
    """The CI + COS dialect, an ASGI app of its own that the emulator hands the requests it ``claims``."""

    def __init__(self, engine: Engine, *, keys: dict[str, str], appid: str = cat.DEFAULT_APPID,
                 region: str = "ap-guangzhou", utc_offset_hours: float = 8.0) -> None:
        self.engine = engine
        self.keys = keys
        self.appid = appid
        self.region = region
        self.utc_offset_hours = utc_offset_hours
        self.default_bucket = f"asr-emulator-{appid}"
        self.queues: dict[str, Queue] = {}
        self.templates: dict[str, Template] = {}
        self.opened: dict[str, tuple[str, float]] = {}
        self.uploads: dict[str, Upload] = {}
        self.outputs: dict[tuple[str, str], str] = {}     # (bucket, key) → the job that will write it
        engine.settings_hooks.append(self._reset)
        engine.media.register_scheme("cos", self._input_object)
        engine.media.register_host(r"[a-z0-9][a-z0-9-]*\.cos\.[a-z0-9-]+\.myqcloud\.com", self._object_url)

    def _reset(self) -> None:
        self.queues.clear()
        self.templates.clear()
        self.opened.clear()
        self.uploads.clear()
        self.outputs.clear()

    # ---- routing -----------------------------------------------------------------------------------------

    def claims(self, scope: Scope) -> Target | None:
        """The CI/COS target of a request, or None when it is not one (then the rest of the emulator answers)."""
        if scope.get("type") != "http":
            return None
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1")
                break
        hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        path = unquote(scope.get("path", "/")) or "/"
        match = HOST.match(hostname.lower())
        if match is not None:
            bucket = match.group("bucket")
            if bucket is None:                       # ci.<region>.myqcloud.com or path-style cos.<region>…
                first, _, rest = path.lstrip("/").partition("/")
                if BUCKET.match(first):
                    return Target(first, match.group("region"), match.group("kind"), "/" + rest, host)
                bucket = self.default_bucket
            return Target(self._full(bucket), match.group("region"), match.group("kind"), path, host)
        first, _, rest = path.lstrip("/").partition("/")
        if first in CI_APIS:
            return Target(self.default_bucket, self.region, "ci", path, host)
        if BUCKET.match(first):
            return Target(first, self.region, "cos", "/" + rest, host)
        return None

    def _full(self, bucket: str) -> str:
        return bucket if BUCKET.match(bucket) else f"{bucket}-{self.appid}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = scope["state"]["tencent_target"]
        request = Request(scope, receive)
        response = await self.handle(request, target)
        await response(scope, receive, send)

    async def handle(self, request: Request, target: Target) -> Response:
        tid = test_id(request)
        operation = self._operation(request, target)
        note(request, vendor=VENDOR, operation=operation, test_id=tid)
        request_id = self._request_id()
        try:
            limit = cat.MAX_COS_OBJECT_BYTES if target.api is None else cat.MAX_CI_BODY_BYTES
            body = await read_body(request, limit)
            if body is None:
                raise CiError("EntityTooLarge" if target.api is None else "InvalidArgument",
                              "The request body is too large.")
            self._authenticate(request, target)
            await self._request_faults(FaultRequest(VENDOR, operation, test_id=tid))
            if target.api is not None:
                return await self._ci(request, target, body, request_id)
            if target.kind == "ci":
                raise CiError("NoSuchResource", "CI serves its APIs on this host, not objects.", 404)
            return self._cos(request, target, body, request_id)
        except CiError as exc:
            note(request, code=exc.code)
            return self._error(request, target, exc, request_id)
        except Exception as exc:  # never a traceback on the wire
            note(request, code="InternalError", error=repr(exc))
            return self._error(request, target, CiError("InternalError"), request_id)

    @staticmethod
    def _operation(request: Request, target: Target) -> str:
        method, q = request.method, request.query_params
        api = target.api
        if api is None:
            if not target.key:
                return "list_uploads" if "uploads" in q else ("head_bucket" if method == "HEAD" else "list_objects")
            if "uploads" in q or "uploadId" in q or "partNumber" in q:
                return "multipart"
            return {"PUT": "put_object", "GET": "get_object", "HEAD": "head_object", "DELETE": "delete_object",
                    "POST": "post_object"}.get(method, "object")
        parts = target.path.strip("/").split("/")
        if api in ("asr_jobs", "jobs"):
            if method == "POST":
                return "create_job"
            if method == "PUT":
                return "cancel_job"
            return "get_job" if len(parts) > 1 else "list_jobs"
        return {"asrqueue": "queue", "template": "template", "asrbucket": "bucket"}.get(api, api)

    def _request_id(self) -> str:
        return self.engine.new_id().replace("-", "")[:32]

    def _error(self, request: Request, target: Target, exc: CiError, request_id: str) -> Response:
        headers = {"x-cos-request-id": request_id, "x-ci-request-id": request_id}
        if request.method == "HEAD":
            return xmlio.raw_response(b"", exc.status, headers)
        body = xmlio.render("Error", {"Code": exc.code, "Message": exc.message,
                                      "Resource": f"{target.host}{request.url.path}", "RequestId": request_id,
                                      "TraceId": hashlib.sha256(request_id.encode()).hexdigest()[:48]})
        return xmlio.raw_response(body, exc.status, headers)

    # ---- signature and faults ----------------------------------------------------------------------------

    def _authenticate(self, request: Request, target: Target) -> None:
        mode = self.engine.credentials.mode
        if mode == "off":
            return
        query = {k.lower(): v for k, v in parse_qsl(request.url.query, keep_blank_values=True)}
        header = request.headers.get("authorization", "")
        if header:
            sig = CosSignature.from_header(header)
        elif "q-signature" in query:
            sig = CosSignature.parse(query)
        else:
            raise CiError("AccessDenied", cat.ACCESS_DENIED)
        if sig is None:
            raise CiError("AccessDenied", "The Authorization header is not a COS signature.")
        window = sig.window()
        if window is None:
            raise CiError("AccessDenied", "q-sign-time is malformed.")
        if mode == "strict" and not window[0] - 5 <= time.time() <= window[1]:
            raise CiError("AccessDenied", "Request has expired")
        secret = self.keys.get(sig.access_key)
        if secret is None:
            if mode == "strict":
                raise CiError("InvalidAccessKeyId")
            return
        headers = {k.lower(): v for k, v in request.headers.items()}
        headers["host"] = target.host
        params = {k: v for k, v in query.items() if k not in FIELDS}
        if not verify(sig, secret, request.method, unquote(request.url.path), params, headers):
            raise CiError("SignatureDoesNotMatch")

    async def _request_faults(self, req: FaultRequest) -> None:
        fault = await self.engine.request_fault(req)
        if fault is not None:
            raise CiError(cat.CI_THROTTLE_CODE) if fault.throttle else \
                CiError(fault.code or "InternalError", fault.message or "", fault.status)

    # ---- CI ----------------------------------------------------------------------------------------------

    async def _ci(self, request: Request, target: Target, body: bytes, request_id: str) -> Response:
        api, method = target.api, request.method
        parts = target.path.strip("/").split("/")
        rest = parts[1] if len(parts) > 1 else ""
        headers = {"x-ci-request-id": request_id}
        if api in ("asr_jobs", "jobs"):
            if method == "POST" and not rest:
                job = await self._create_job(request, target, body, generic=api == "jobs")
                return xmlio.response("Response", {"JobsDetail": self.jobs_detail(job, submitted=True)},
                                      headers=headers)
            if method == "GET" and rest:
                return xmlio.response("Response", self._get_jobs(target, rest), headers=headers)
            if method == "GET":
                return xmlio.response("Response", self._list_jobs(request, target, generic=api == "jobs"),
                                      headers=headers)
            if method == "PUT" and rest and "cancel" in request.query_params:
                return xmlio.response("Response", self._cancel(target, rest, request_id), headers=headers)
        elif api == "asrqueue":
            if method == "GET" and not rest:
                return xmlio.response("Response", self._queues(request, target, request_id), headers=headers)
            if method == "PUT" and rest:
                return xmlio.response("Response", self._update_queue(target, rest, body, request_id),
                                      headers=headers)
        elif api == "asrbucket":
            if method == "GET":
                return xmlio.response("Response", self._buckets(request, request_id), headers=headers)
            if method == "POST":
                return xmlio.response("Response", self._open_bucket(target, request_id), headers=headers)
            if method == "DELETE":
                self.opened.pop(target.bucket, None)
                return xmlio.response("Response", {"RequestId": request_id}, headers=headers)
        elif api == "template":
            return xmlio.response("Response", self._template(request, target, rest, body, request_id),
                                  headers=headers)
        elif api == "asrhotvocabtable":
            raise CiError("NoSuchResource", "Hot vocabulary tables are not emulated.", 404)
        raise CiError("MethodNotAllowed")

    # ---- jobs: create --------------------------------------------------------------------------------------

    async def _create_job(self, request: Request, target: Target, body: bytes, generic: bool) -> Job:
        doc = _xml(body)
        _only(doc, cat.REQUEST_NODES, "Request")
        tag = _text(doc, "Tag", "Request")
        if tag != cat.SPEECH_TAG:
            raise CiError("InvalidArgument", f"Tag must be {cat.SPEECH_TAG}" + (
                " (the emulator runs speech recognition jobs only)" if generic and tag else ""))
        source_input = _node(doc, "Input", "Request")
        _only(source_input, {"Object", "Url"}, "Request.Input")
        obj, url = _text(source_input, "Object", "Input"), _text(source_input, "Url", "Input")
        if not obj and not url:
            raise CiError("InvalidArgument", "Input.Object or Input.Url is required")
        if not obj and urlsplit(url).scheme not in ("http", "https"):
            raise CiError("InvalidArgument", "Input.Url must be an http(s) URL")
        operation = _node(doc, "Operation", "Request")
        _only(operation, cat.OPERATION_NODES, "Request.Operation")
        output = _node(operation, "Output", "Operation")
        _only(output, {"Region", "Bucket", "Object"}, "Request.Operation.Output")
        out = {name: _text(output, name, "Operation.Output") for name in ("Bucket", "Object", "Region")}
        for name, value in out.items():
            if not value:
                raise CiError("InvalidArgument", f"Operation.Output.{name} is required")
        template_id = _text(operation, "TemplateId", "Operation")
        if template_id:
            template = self.templates.get(template_id)
            if template is None or template.bucket != target.bucket:
                raise CiError("InvalidArgument", f"TemplateId {template_id} does not exist")
            speech = dict(template.speech)
        else:
            speech = speech_params(operation.get("SpeechRecognition"))
        user_data = _text(operation, "UserData", "Operation")
        if len(user_data) > cat.MAX_USER_DATA or not set(user_data) <= PRINTABLE:
            raise CiError("InvalidArgument", "UserData is up to 1024 printable ASCII characters")
        job_level = _text(operation, "JobLevel", "Operation") or "0"
        if job_level not in ("0", "1", "2"):
            raise CiError("InvalidArgument", "JobLevel is 0, 1 or 2")
        callback = _text(doc, "CallBack", "Request")
        if callback and callback != "no" and urlsplit(callback).scheme not in ("http", "https"):
            raise CiError("InvalidArgument", "CallBack must be an http(s) URL or no")
        callback_format = _text(doc, "CallBackFormat", "Request") or "XML"
        if callback_format not in ("XML", "JSON"):
            raise CiError("InvalidArgument", "CallBackFormat is XML or JSON")
        callback_type = _text(doc, "CallBackType", "Request") or "Url"
        if callback_type not in ("Url", "TDMQ"):
            raise CiError("InvalidArgument", "CallBackType is Url or TDMQ")
        queue = self.queue(target.bucket, _text(doc, "QueueId", "Request") or None)
        source = f"cos://{target.bucket}/{obj.lstrip('/')}" if obj else url
        engine_name = speech["EngineModelType"]
        tid = test_id(request)
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "create_job", model=engine_name, media=[source], test_id=tid), "InternalError")
        two = speech.get("ChannelNum") == "2"
        diarize = speech.get("SpeakerDiarization") == "1"
        options = Options(language=cat.CI_ENGINES[engine_name].language, channels=(0, 1) if two else (0,),
                          speakers=(int(speech.get("SpeakerNumber", "0")) or 2) if diarize else None,
                          remove_disfluencies=speech.get("FilterModal", "0") != "0", aligned_words=True)
        params = {"bucket": target.bucket, "region": target.region, "object": obj, "url": url, "output": out,
                  "speech": speech, "template_id": template_id, "user_data": user_data, "job_level": job_level,
                  "queue_id": queue.id, "callback": callback, "callback_format": callback_format}
        job = await self.engine.submit(
            vendor=VENDOR, model=engine_name, owner=target.bucket, job_id="s" + self.engine.new_id().replace("-", ""),
            sources=[source], options=options, params=params, test_id=tid, failure=failure, fail_from=fail_from,
            limits=FetchLimits(max_bytes=cat.MAX_COS_OBJECT_BYTES, timeout=self.engine.config.fetch_timeout),
            vet=_vetter(speech),
        )
        note(request, job_id=job.id)
        if queue.state == cat.QUEUE_STATES[1] and not job.phase.terminal:      # a paused queue holds its jobs
            self.engine.pause(job)
        self.outputs[(self._full(out["Bucket"]), out["Object"].lstrip("/"))] = job.id
        notifying = queue.notify.get("State") == cat.NOTIFY_STATES[0] and callback != "no"
        notify_url = callback if callback and callback != "no" else (queue.notify.get("Url", "") if notifying else "")
        if notify_url and callback_type == "Url":
            self.engine.callbacks.watch(Delivery(job.id, notify_url, VENDOR, self.callback_body, tid))
        return job

    def queue(self, bucket: str, queue_id: str | None = None) -> Queue:
        """The bucket's speech queue: the one named (created on first use, as a console-made queue), or its
        default queue."""
        if queue_id is None:
            queue_id = "p" + hashlib.sha256(f"queue:{bucket}".encode()).hexdigest()[:32]
        queue = self.queues.get(queue_id)
        if queue is None:
            now = self.engine.clock.now()
            queue = Queue(queue_id, bucket, cat.DEFAULT_QUEUE_NAME, now, now)
            self.queues[queue_id] = queue
        return queue

    # ---- jobs: read --------------------------------------------------------------------------------------

    def _get_jobs(self, target: Target, ids: str) -> dict[str, Any]:
        found, missing = [], []
        for job_id in [i for i in ids.split(",") if i]:
            job = self.engine.read(job_id)
            if job is None or job.vendor != VENDOR or job.owner != target.bucket:
                missing.append(job_id)
            else:
                found.append(self.jobs_detail(job))
        out: dict[str, Any] = {}
        if found:
            out["JobsDetail"] = found if len(found) > 1 else found[0]
        if missing:
            out["NonExistJobIds"] = missing if len(missing) > 1 else missing[0]
        return out

    def _list_jobs(self, request: Request, target: Target, generic: bool) -> dict[str, Any]:
        q = request.query_params
        tag = q.get("tag", "")
        if tag != cat.SPEECH_TAG:
            raise CiError("InvalidArgument", f"tag must be {cat.SPEECH_TAG}")
        order = q.get("orderByTime", "Desc")
        if order not in ("Desc", "Asc"):
            raise CiError("InvalidArgument", "orderByTime is Desc or Asc")
        size_text = q.get("size", "10") or "10"
        if not size_text.isdigit() or not 1 <= int(size_text) <= cat.MAX_LIST_SIZE:
            raise CiError("InvalidArgument", f"size is between 1 and {cat.MAX_LIST_SIZE}")
        states = [s for s in (q.get("states", "All") or "All").split(",") if s]
        if any(s not in cat.LIST_STATES for s in states):
            raise CiError("InvalidArgument", f"states are among {', '.join(cat.LIST_STATES)}")
        token = q.get("nextToken", "") or "0"
        if not token.isdigit():
            raise CiError("InvalidArgument", "nextToken is not one this service gave")
        start, end = _when(q.get("startCreationTime")), _when(q.get("endCreationTime"))
        queue_id = q.get("queueId") or None
        jobs = [j for j in self.engine.jobs(lambda j: j.vendor == VENDOR and j.owner == target.bucket)
                if (queue_id is None or j.params.get("queue_id") == queue_id)
                and ("All" in states or cat.JOB_STATES[j.phase.value] in states)
                and (start is None or j.created_at >= start) and (end is None or j.created_at <= end)]
        jobs.sort(key=lambda j: j.created_at, reverse=order == "Desc")
        offset, size = int(token), int(size_text)
        page = jobs[offset:offset + size]
        details = [self.jobs_detail(j) for j in page]
        out: dict[str, Any] = {"JobsDetail": details if len(details) != 1 else details[0]}
        if not details:
            out["JobsDetail"] = None
        out["NextToken"] = str(offset + size) if offset + size < len(jobs) else None
        return out

    def _cancel(self, target: Target, job_id: str, request_id: str) -> dict[str, Any]:
        job = self.engine.peek(job_id)
        if job is None or job.vendor != VENDOR or job.owner != target.bucket:
            raise CiError("InvalidArgument", f"job {job_id} does not exist")
        try:
            self.engine.cancel(job)
        except JobStateError:
            raise CiError("InvalidArgument", f"job {job_id} is {cat.JOB_STATES[job.phase.value]}; only Submitted "
                                             "jobs can be canceled") from None
        return {"RequestId": request_id}

    # ---- rendering -----------------------------------------------------------------------------------------

    def _time(self, at: float | None) -> str:
        if at is None:
            return cat.UNSET_TIME
        hours = self.utc_offset_hours
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at + hours * 3600))
        sign = "+" if hours >= 0 else "-"
        minutes = int(abs(hours) * 60)
        return f"{stamp}{sign}{minutes // 60:02d}{minutes % 60:02d}"

    def jobs_detail(self, job: Job, submitted: bool = False) -> dict[str, Any]:
        """``submitted``: the answer to the create call, which always shows the job as just submitted."""
        p = job.params
        self._ensure_output(job)
        phase = Phase.QUEUED if submitted else job.phase
        running = job.phase_times.get(Phase.RUNNING.value)
        ended = job.phase_times.get(phase.value) if phase.terminal else None
        source: dict[str, Any] = {"BucketId": p["bucket"]}
        source.update({"Object": p["object"]} if p["object"] else {"Url": p["url"]})
        source["Region"] = p["region"]
        operation: dict[str, Any] = {"JobLevel": p["job_level"], "Output": dict(sorted(p["output"].items())),
                                     "SpeechRecognition": p["speech"]}
        if p["template_id"]:
            operation["TemplateId"] = p["template_id"]
        if p["user_data"]:
            operation["UserData"] = p["user_data"]
        code, message = "Success", None
        failure = None if submitted else self._failure(job)
        if failure is not None:
            code, message = failure
        elif phase is Phase.SUCCEEDED:
            operation["SpeechRecognitionResult"] = self._result(job)
        return {"Code": code, "CreationTime": self._time(job.created_at),
                "EndTime": self._time(ended), "Input": source, "JobId": job.id, "Message": message,
                "Operation": operation, "QueueId": p["queue_id"],
                "StartTime": self._time(running if running is not None and phase is not Phase.QUEUED else None),
                "State": cat.JOB_STATES[phase.value], "Tag": cat.SPEECH_TAG}

    @staticmethod
    def _failure(job: Job) -> tuple[str, str] | None:
        if job.phase is not Phase.FAILED:
            return None
        failure = job.failure()
        if failure is None:
            return cat.DEFAULT_JOB_FAILURE
        if failure.code in cat.JOB_FAILURES:
            code, template = cat.JOB_FAILURES[failure.code]
            return code, template.format(status=failure.http_status or "")
        return failure.code, failure.message or cat.DEFAULT_JOB_FAILURE[1]

    def _shape(self, speech: dict[str, str]) -> res.Shape:
        return res.Shape(res_text_format=int(speech.get("ResTextFormat", "0")),
                         filter_punc=int(speech.get("FilterPunc", "0")),
                         convert_num=int(speech.get("ConvertNumMode", "1")),
                         sentence_max_length=int(speech.get("SentenceMaxLength", "0") or 0),
                         speakers=speech.get("SpeakerDiarization") == "1")

    def _result(self, job: Job) -> dict[str, Any]:
        """``SpeechRecognitionResult`` of a succeeded job (computed once: a finished job does not change)."""
        cached: dict[str, Any] | None = job.extra.get("ci_result")
        if cached is None:
            cached = job.extra["ci_result"] = self._compute_result(job)
        return cached

    def _compute_result(self, job: Job) -> dict[str, Any]:
        item = job.items[0]
        assert item.audio is not None and item.transcript is not None
        speech = job.params["speech"]
        shape = self._shape(speech)
        segs = res.segments(item, shape)
        out: dict[str, Any] = {"AudioTime": f"{item.audio.duration_ms / 1000:g}",
                               "Result": res.result_text(segs).rstrip("\n")}
        if speech.get("FlashAsr") == "true":
            out["FlashResult"] = _one_or_many([_flash(channel_id, [s for s in segs if s.speaker == channel_id])
                                               for channel_id in sorted({s.speaker for s in segs} or {0})])
        details = [res.ci_result_detail(s, shape) for s in segs] if shape.res_text_format else []
        out["ResultDetail"] = _one_or_many([{**d, "Words": _one_or_many(d["Words"])} for d in details])
        return out

    def _ensure_output(self, job: Job) -> None:
        """Write the result object once the job has succeeded (jobs settle when read, so on any read)."""
        if job.phase is not Phase.SUCCEEDED or job.extra.get("output_written"):
            return
        p = job.params
        item = job.items[0]
        segs = res.segments(item, self._shape(p["speech"]))
        if p["speech"].get("OutputFileType") == "srt":
            text = "".join(f"{i}\n{_srt(s.begin_ms)} --> {_srt(s.end_ms)}\n{s.text}\n\n"
                           for i, s in enumerate(segs, 1))
        else:
            text = res.result_text(segs)
        data = text.encode("utf-8")
        bucket, key = self._full(p["output"]["Bucket"]), p["output"]["Object"].lstrip("/")
        self._put(bucket, key, data, "text/plain; charset=utf-8", {})
        job.extra["output_written"] = True
        self.outputs.pop((bucket, key), None)

    def callback_body(self, job: Job) -> tuple[bytes, str]:
        detail = self.jobs_detail(job)
        if job.phase is Phase.SUCCEEDED:
            result = detail["Operation"]["SpeechRecognitionResult"]
            key = job.params["output"]["Object"]
            detail["Operation"]["SpeechRecognitionResult"] = {"ObjectName": key, **result}
        body = {"EventName": "TaskFinish", "JobsDetail": detail}
        if job.params["callback_format"] == "JSON":
            return json.dumps({"Response": body}, ensure_ascii=False).encode(), "application/json"
        return xmlio.render("Response", body), "application/xml"

    # ---- queues, buckets, templates ------------------------------------------------------------------------

    def _queue_json(self, queue: Queue) -> dict[str, Any]:
        return {"QueueId": queue.id, "Name": queue.name, "State": queue.state, "NotifyConfig": dict(queue.notify),
                "MaxSize": str(cat.QUEUE_MAX_SIZE), "MaxConcurrent": str(cat.QUEUE_MAX_CONCURRENT),
                "CreateTime": self._time(queue.created), "UpdateTime": self._time(queue.updated),
                "BucketId": queue.bucket, "Category": cat.QUEUE_CATEGORY}

    def _queues(self, request: Request, target: Target, request_id: str) -> dict[str, Any]:
        q = request.query_params
        self.queue(target.bucket)
        wanted = [i for i in (q.get("queueIds") or "").split(",") if i]
        state = q.get("state", "All") or "All"
        number, size = _page(q.get("pageNumber", "1"), q.get("pageSize", "10"))
        queues = [x for x in self.queues.values() if x.bucket == target.bucket
                  and (not wanted or x.id in wanted) and state in ("All", x.state)]
        page = queues[(number - 1) * size:number * size]
        out: dict[str, Any] = {"TotalCount": str(len(queues)), "RequestId": request_id, "PageNumber": str(number),
                               "PageSize": str(size), "QueueList": _one_or_many([self._queue_json(x) for x in page])}
        if wanted:
            missing = [i for i in wanted if i not in self.queues]
            if missing:
                out["NonExistPIDs"] = _one_or_many(missing)
        return out

    def _update_queue(self, target: Target, queue_id: str, body: bytes, request_id: str) -> dict[str, Any]:
        queue = self.queues.get(queue_id)
        if queue is None or queue.bucket != target.bucket:
            raise CiError("InvalidArgument", f"queue {queue_id} does not exist")
        doc = _xml(body)
        _only(doc, {"Name", "QueueID", "QueueId", "State", "NotifyConfig"}, "Request")
        name = _text(doc, "Name", "Request")
        state = _text(doc, "State", "Request") or queue.state
        if state not in cat.QUEUE_STATES:
            raise CiError("InvalidArgument", "State is Active or Paused")
        notify = doc.get("NotifyConfig")
        if notify is not None:
            if not isinstance(notify, dict):
                raise CiError("InvalidArgument", "NotifyConfig must contain elements")
            _only(notify, {"Url", "State", "Type", "Event"}, "Request.NotifyConfig")
            values = {k: _text(notify, k, "NotifyConfig") for k in ("Url", "Event", "Type", "State")}
            if values["State"] not in (*cat.NOTIFY_STATES, ""):
                raise CiError("InvalidArgument", "NotifyConfig.State is On or Off")
            if values["State"] == cat.NOTIFY_STATES[0] and urlsplit(values["Url"]).scheme not in ("http", "https"):
                raise CiError("InvalidArgument", "NotifyConfig.Url must be an http(s) URL")
            queue.notify = {k: v for k, v in values.items()}
        queue.name = name or queue.name
        if state != queue.state:
            self._hold(queue, paused=state == cat.QUEUE_STATES[1])
        queue.state = state
        queue.updated = self.engine.clock.now()
        return {"RequestId": request_id, "Queue": self._queue_json(queue)}

    def _hold(self, queue: Queue, paused: bool) -> None:
        """Pausing a queue pauses its jobs that have not started; activating it lets its paused jobs go on."""
        for job in self.engine.jobs(lambda j: j.vendor == VENDOR and j.params.get("queue_id") == queue.id):
            with contextlib.suppress(JobStateError):
                if paused and job.phase is Phase.QUEUED:
                    self.engine.pause(job)
                elif not paused and job.phase is Phase.PAUSED:
                    self.engine.resume(job)

    def _bucket_json(self, bucket: str) -> dict[str, Any]:
        region, at = self.opened[bucket]
        return {"Name": bucket, "CreateTime": self._time(at), "Region": region, "AliasBucketId": None,
                "BucketId": bucket}

    def _buckets(self, request: Request, request_id: str) -> dict[str, Any]:
        q = request.query_params
        regions = [r for r in (q.get("regions") or "").split(",") if r]
        names = [n for n in (q.get("bucketNames") or "").split(",") if n]
        name = q.get("bucketName") or ""
        number, size = _page(q.get("pageNumber") or "1", q.get("pageSize") or "10")
        found = [b for b, (region, _) in self.opened.items() if (not regions or region in regions)
                 and (not names or b in names) and name in b]
        page = found[(number - 1) * size:number * size]
        return {"TotalCount": str(len(found)), "RequestId": request_id, "PageNumber": str(number),
                "PageSize": str(size), "AsrBucketList": _one_or_many([self._bucket_json(b) for b in page])}

    def _open_bucket(self, target: Target, request_id: str) -> dict[str, Any]:
        self.opened.setdefault(target.bucket, (target.region, self.engine.clock.now()))
        self.queue(target.bucket)
        return {"RequestId": request_id, "AsrBucket": self._bucket_json(target.bucket)}

    def _template_json(self, t: Template) -> dict[str, Any]:
        return {"TemplateId": t.id, "Name": t.name, "Tag": cat.SPEECH_TAG, "SpeechRecognition": dict(t.speech),
                "BucketId": t.bucket, "Category": cat.TEMPLATE_CATEGORY, "CreateTime": self._time(t.created),
                "UpdateTime": self._time(t.updated)}

    def _template(self, request: Request, target: Target, template_id: str, body: bytes,
                  request_id: str) -> dict[str, Any]:
        method = request.method
        if method == "GET" and not template_id:
            q = request.query_params
            ids = [i for i in (q.get("ids") or "").split(",") if i]
            name = q.get("name") or ""
            number, size = _page(q.get("pageNumber", "1"), q.get("pageSize", "10"))
            found = [t for t in self.templates.values() if t.bucket == target.bucket
                     and (not ids or t.id in ids) and name in t.name]
            page = found[(number - 1) * size:number * size]
            return {"RequestId": request_id, "TotalCount": str(len(found)), "PageNumber": str(number),
                    "PageSize": str(size), "TemplateList": _one_or_many([self._template_json(t) for t in page])}
        if (method == "POST" and not template_id) or (method == "PUT" and template_id):
            doc = _xml(body)
            _only(doc, {"Name", "Tag", "SpeechRecognition"}, "Request")
            name = _text(doc, "Name", "Request")
            if not name:
                raise CiError("InvalidArgument", "Name is required")
            if _text(doc, "Tag", "Request") != cat.SPEECH_TAG:
                raise CiError("InvalidArgument", f"Tag must be {cat.SPEECH_TAG}")
            speech = speech_params(doc.get("SpeechRecognition"))
            now = self.engine.clock.now()
            if method == "PUT":
                template = self._own_template(target, template_id)
                template.name, template.speech, template.updated = name, speech, now
            else:
                template = Template("t1" + self.engine.new_id().replace("-", ""), target.bucket, name, speech,
                                    now, now)
                self.templates[template.id] = template
            return {"RequestId": request_id, "Template": self._template_json(template)}
        if method == "DELETE" and template_id:
            self._own_template(target, template_id)
            del self.templates[template_id]
            return {"RequestId": request_id, "TemplateId": template_id}
        raise CiError("MethodNotAllowed")

    def _own_template(self, target: Target, template_id: str) -> Template:
        template = self.templates.get(template_id)
        if template is None or template.bucket != target.bucket:
            raise CiError("InvalidArgument", f"template {template_id} does not exist")
        return template

    # ---- COS objects -------------------------------------------------------------------------------------

    def _blob_key(self, bucket: str, key: str) -> str:
        return f"{bucket}/{key}"

    def _put(self, bucket: str, key: str, data: bytes, content_type: str, meta: dict[str, str]) -> str:
        etag = f'"{hashlib.md5(data).hexdigest()}"'
        stamp = email.utils.formatdate(self.engine.clock.now(), usegmt=True)
        self.engine.store.put_blob(BLOBS, self._blob_key(bucket, key), Blob(
            data, content_type or "application/octet-stream", key.rsplit("/", 1)[-1],
            {"etag": etag, "last-modified": stamp, "mtime": str(self.engine.clock.now()), **meta}))
        return etag

    def get_object(self, bucket: str, key: str) -> Blob | None:
        """An object, writing a pending job's result first if this key is its output."""
        job_id = self.outputs.get((bucket, key))
        if job_id is not None:
            job = self.engine.peek(job_id)
            if job is not None:
                self._ensure_output(job)
        return self.engine.store.get_blob(BLOBS, self._blob_key(bucket, key))

    def _input_object(self, source: str) -> bytes | None:
        bucket, _, key = source.removeprefix("cos://").partition("/")
        blob = self.get_object(bucket, key)
        if blob is None:
            raise MediaProblem("missing_object", f"the input object {key} does not exist in {bucket}")
        return blob.data

    def _object_url(self, parts: SplitResult) -> bytes | None:
        bucket = (parts.hostname or "").split(".", 1)[0]
        blob = self.get_object(self._full(bucket), unquote(parts.path).lstrip("/"))
        if blob is None:
            raise MediaProblem("download_status", f"{parts.geturl()} answered 404 NoSuchKey", status=404)
        return blob.data

    def _cos(self, request: Request, target: Target, body: bytes, request_id: str) -> Response:
        headers = {"x-cos-request-id": request_id}
        q = request.query_params
        method, bucket, key = request.method, target.bucket, target.key
        if not key:
            if method == "GET" and "uploads" in q:
                return xmlio.response("ListMultipartUploadsResult", self._list_uploads(bucket, q), headers=headers)
            if method == "GET":
                return xmlio.response("ListBucketResult", self._list_objects(bucket, q), headers=headers)
            if method in ("HEAD", "PUT"):
                return xmlio.raw_response(b"", 200, headers)
            raise CiError("MethodNotAllowed")
        if "uploads" in q or "uploadId" in q:
            return self._multipart(request, target, body, headers)
        if method == "PUT":
            if "x-cos-copy-source" in request.headers:
                raise CiError("InvalidArgument", "Copying objects is not emulated.")
            meta = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("x-cos-meta-")}
            etag = self._put(bucket, key, body, request.headers.get("content-type", ""), meta)
            return xmlio.raw_response(b"", 200, {**headers, "ETag": etag})
        if method in ("GET", "HEAD"):
            blob = self.get_object(bucket, key)
            if blob is None:
                raise CiError("NoSuchKey")
            out = {**headers, "ETag": blob.meta.get("etag", ""), "Last-Modified": blob.meta.get("last-modified", ""),
                   "Accept-Ranges": "bytes",
                   **{k: v for k, v in blob.meta.items() if k.startswith("x-cos-meta-")}}
            data, status = blob.data, 200
            rng = request.headers.get("range", "")
            if rng and method == "GET":
                data, status, out["Content-Range"] = _range(blob.data, rng)
            if method == "HEAD":
                response = xmlio.raw_response(b"", 200, out, content_type=blob.content_type.encode("latin-1"))
                response.raw_headers = [(k, str(len(blob.data)).encode()) if k == b"Content-Length" else (k, v)
                                        for k, v in response.raw_headers]
                return response
            return xmlio.raw_response(data, status, out, content_type=blob.content_type.encode("latin-1"))
        if method == "DELETE":
            self.engine.store.delete_blob(BLOBS, self._blob_key(bucket, key))
            return xmlio.raw_response(b"", 204, headers)
        raise CiError("MethodNotAllowed")

    def _list_objects(self, bucket: str, q: Any) -> dict[str, Any]:
        prefix, marker, delimiter = q.get("prefix", ""), q.get("marker", ""), q.get("delimiter", "")
        max_keys_text = q.get("max-keys") or str(cat.MAX_LIST_KEYS)
        if not max_keys_text.isdigit():
            raise CiError("InvalidArgument", "max-keys must be a number")
        max_keys = min(int(max_keys_text), cat.MAX_LIST_KEYS)
        names = sorted(k.split("/", 1)[1] for k in self.engine.store.blob_keys(BLOBS) if k.startswith(bucket + "/"))
        names = [n for n in names if n.startswith(prefix) and n > marker]
        contents, prefixes = [], []
        for name in names:
            if delimiter and delimiter in name[len(prefix):]:
                common = prefix + name[len(prefix):].split(delimiter, 1)[0] + delimiter
                if common not in prefixes:
                    prefixes.append(common)
                continue
            contents.append(name)
        page = contents[:max_keys]
        out: dict[str, Any] = {"Name": bucket, "Prefix": prefix, "Marker": marker, "MaxKeys": str(max_keys),
                               "IsTruncated": "true" if len(contents) > max_keys else "false"}
        if delimiter:
            out["Delimiter"] = delimiter
        if len(contents) > max_keys:
            out["NextMarker"] = page[-1]
        entries = []
        for name in page:
            blob = self.engine.store.get_blob(BLOBS, self._blob_key(bucket, name))
            if blob is None:
                continue
            mtime = float(blob.meta.get("mtime", "0"))
            entries.append({"Key": name, "LastModified": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(mtime)),
                            "ETag": blob.meta.get("etag", ""), "Size": str(len(blob.data)),
                            "Owner": {"ID": self.appid, "DisplayName": self.appid}, "StorageClass": cat.STORAGE_CLASS})
        if entries:
            out["Contents"] = _one_or_many(entries)
        if prefixes:
            out["CommonPrefixes"] = _one_or_many([{"Prefix": p} for p in prefixes])
        return out

    def _list_uploads(self, bucket: str, q: Any) -> dict[str, Any]:
        prefix = q.get("prefix", "")
        uploads = [u for u in self.uploads.values() if u.bucket == bucket and u.key.startswith(prefix)]
        out: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxUploads": str(cat.MAX_LIST_KEYS),
                               "IsTruncated": "false"}
        if uploads:
            out["Upload"] = _one_or_many([{"Key": u.key, "UploadId": u.id, "StorageClass": cat.STORAGE_CLASS,
                                           "Initiated": self._time(u.created)} for u in uploads])
        return out

    def _multipart(self, request: Request, target: Target, body: bytes, headers: dict[str, str]) -> Response:
        q, method = request.query_params, request.method
        if method == "POST" and "uploads" in q:
            created = Upload(self.engine.new_id().replace("-", ""), target.bucket, target.key,
                             self.engine.clock.now(), request.headers.get("content-type", ""))
            self.uploads[created.id] = created
            return xmlio.response("InitiateMultipartUploadResult", {"Bucket": target.bucket, "Key": target.key,
                                                                    "UploadId": created.id}, headers=headers)
        upload = self.uploads.get(q.get("uploadId", ""))
        if upload is None or upload.bucket != target.bucket or upload.key != target.key:
            raise CiError("NoSuchUpload", "The specified upload does not exist.", 404)
        if method == "PUT":
            number = q.get("partNumber", "")
            if not number.isdigit() or not 1 <= int(number) <= cat.MAX_PART_NUMBER:
                raise CiError("InvalidArgument", f"partNumber is between 1 and {cat.MAX_PART_NUMBER}")
            upload.parts[int(number)] = body
            return xmlio.raw_response(b"", 200, {**headers, "ETag": f'"{hashlib.md5(body).hexdigest()}"'})
        if method == "GET":
            parts = [{"PartNumber": str(n), "LastModified": self._time(upload.created),
                      "ETag": f'"{hashlib.md5(d).hexdigest()}"', "Size": str(len(d))}
                     for n, d in sorted(upload.parts.items())]
            out: dict[str, Any] = {"Bucket": upload.bucket, "Key": upload.key, "UploadId": upload.id,
                                   "MaxParts": str(cat.MAX_LIST_KEYS), "IsTruncated": "false"}
            if parts:
                out["Part"] = _one_or_many(parts)
            return xmlio.response("ListPartsResult", out, headers=headers)
        if method == "DELETE":
            del self.uploads[upload.id]
            return xmlio.raw_response(b"", 204, headers)
        return self._complete(upload, body, headers)

    def _complete(self, upload: Upload, body: bytes, headers: dict[str, str]) -> Response:
        try:
            doc = xmlio.parse(body, "CompleteMultipartUpload")
        except xmlio.XmlProblem as exc:
            raise CiError("MalformedXML", str(exc)) from None
        listed = doc.get("Part")
        listed = listed if isinstance(listed, list) else [listed] if listed else []
        chunks = []
        for part in listed:
            if not isinstance(part, dict) or not str(part.get("PartNumber", "")).isdigit():
                raise CiError("MalformedXML")
            data = upload.parts.get(int(part["PartNumber"]))
            if data is None or str(part.get("ETag", "")).strip('"') != hashlib.md5(data).hexdigest():
                raise CiError("InvalidPart", "One or more of the specified parts could not be found.", 400)
            chunks.append(data)
        if not chunks:
            raise CiError("MalformedXML", "CompleteMultipartUpload lists no parts")
        etag = self._put(upload.bucket, upload.key, b"".join(chunks), upload.content_type, {})
        del self.uploads[upload.id]
        return xmlio.response("CompleteMultipartUploadResult", {
            "Location": f"{upload.bucket}.cos.{self.region}.myqcloud.com/{upload.key}", "Bucket": upload.bucket,
            "Key": upload.key, "ETag": etag}, headers=headers)


# ---- request helpers ----------------------------------------------------------------------------------------------

def _xml(body: bytes) -> dict[str, Any]:
    try:
        return xmlio.parse(body, "Request")
    except xmlio.XmlProblem as exc:
        if not body.strip():
            raise CiError("MissingContent") from None
        raise CiError("MalformedXML", str(exc)) from None


def _only(node: dict[str, Any], allowed: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(k for k in node if k not in allowed)
    if unknown:
        raise CiError("InvalidArgument", f"{where}.{unknown[0]} is not a node of this request")


def _node(parent: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise CiError("InvalidArgument", f"{where}.{name} is required and must contain elements")
    return value


def _text(parent: dict[str, Any], name: str, where: str) -> str:
    value = parent.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CiError("InvalidArgument", f"{where}.{name} must be text, once")
    return value.strip()


def speech_params(raw: Any) -> dict[str, str]:
    """The effective SpeechRecognition parameters (validated, defaults filled, sorted as the service echoes them)."""
    if not isinstance(raw, dict):
        raise CiError("InvalidArgument", "Operation.SpeechRecognition (or Operation.TemplateId) is required")
    _only(raw, set(cat.SPEECH_PARAMS), "SpeechRecognition")
    values = {k: _text(raw, k, "SpeechRecognition") for k in raw}
    engine = values.get("EngineModelType", "")
    if engine not in cat.CI_ENGINES:
        raise CiError("InvalidArgument", f"EngineModelType {engine!r} is not one of {', '.join(cat.CI_ENGINES)}"
                      if engine else "SpeechRecognition.EngineModelType is required")
    for name, value in values.items():
        allowed = cat.SPEECH_PARAMS[name]
        if allowed is not None and value not in allowed:
            raise CiError("InvalidArgument", f"SpeechRecognition.{name} is one of {', '.join(allowed)}")
    if values.get("ChannelNum") == "2" and engine not in cat.TWO_CHANNEL_ENGINES:
        raise CiError("InvalidArgument", "ChannelNum 2 (dual channel) is for the 8k_zh engine only")
    if values.get("ResTextFormat") in ("1", "2") and engine not in cat.WORD_LEVEL_ENGINES:
        raise CiError("InvalidArgument", "word-level results (ResTextFormat 1, 2) are for the 16 kHz Mandarin "
                                         "engines only")
    length = values.get("SentenceMaxLength", "")
    if length and not (length.isdigit() and (length == "0" or 6 <= int(length) <= 40)):
        raise CiError("InvalidArgument", "SentenceMaxLength is 0 or between 6 and 40")
    return dict(sorted({**cat.SPEECH_DEFAULTS, **values}.items()))


def _vetter(speech: dict[str, str]) -> Any:
    def vet(item: Item) -> Failure | None:
        audio = item.audio
        if audio is not None and speech.get("ChannelNum") == "2" and audio.channels != 2:
            return Failure("channel_mismatch", f"ChannelNum is 2 and the audio has {audio.channels} channel(s)")
        return None

    return vet


def _when(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.datetime.strptime(text, cat.TIME_FORMAT).timestamp()
    except ValueError:
        raise CiError("InvalidArgument", f"{text!r} is not a time like 2023-11-14T00:00:00+0800") from None


def _page(number: str, size: str) -> tuple[int, int]:
    if not number.isdigit() or not size.isdigit() or int(number) < 1 or not 1 <= int(size) <= cat.MAX_LIST_SIZE:
        raise CiError("InvalidArgument", f"pageNumber is 1 or more and pageSize between 1 and {cat.MAX_LIST_SIZE}")
    return int(number), int(size)


def _range(data: bytes, header: str) -> tuple[bytes, int, str]:
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise CiError("InvalidArgument", "Range must be bytes=start-end")
    size = len(data)
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    else:
        start, end = max(0, size - int(match.group(2))), size - 1
    if start >= size or start > end:
        raise CiError("InvalidRange", "The requested range is not satisfiable.", 416)
    return data[start:end + 1], 206, f"bytes {start}-{end}/{size}"


def _one_or_many(values: list[Any]) -> Any:
    """Repeated elements: none → an empty element, one → a single element, more → repeated."""
    if not values:
        return None
    return values if len(values) > 1 else values[0]


def _flash(channel_id: int, segs: list[res.Segment]) -> dict[str, Any]:
    return {"channel_id": str(channel_id), "text": "".join(s.text for s in segs), "sentence_list": _one_or_many([
        {"text": s.text, "start_time": str(s.begin_ms), "end_time": str(s.end_ms), "speaker_id": str(s.speaker),
         "word_list": _one_or_many([{"word": w.text.strip(), "start_time": str(w.begin_ms),
                                     "end_time": str(w.end_ms)} for w in s.words])} for s in segs])}


def _srt(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"
