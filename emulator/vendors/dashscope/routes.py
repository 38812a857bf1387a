"""DashScope file transcription over HTTP: submit, query, cancel, list, result files and temporary uploads."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from emulator.config import DEFAULT_DASHSCOPE_KEY, Settings
from emulator.declare import Problem
from emulator.engine import Engine, FetchLimits, Job, JobStateError, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.core import RequestFault
from emulator.inputs import whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, Param, VendorError, params_of
from emulator.vendors.dashscope import catalogue as cat
from emulator.vendors.dashscope.errors import DashScopeError
from emulator.vendors.dashscope.files import Files
from emulator.vendors.dashscope.oss import TemporaryUploads, api_key_id, oss_error
from emulator.vendors.dashscope.qwen import (
    QwenRecord,
    compatible_error,
    filetrans_output,
    filetrans_result,
    native_error_event,
)
from emulator.vendors.dashscope.qwen_realtime import QwenRealtime
from emulator.vendors.dashscope.qwen_routes import QwenHttp
from emulator.vendors.dashscope.realtime import Realtime
from emulator.vendors.dashscope.records import QwenTaskRecord, TaskRecord
from emulator.vendors.dashscope.render import Signer, Style, result_file, task_output
from emulator.vendors.dashscope.vocabulary import Vocabularies, VocabularyError
from emulator.web import base_url, complete_multipart, note

VENDOR = "dashscope"
RENDERS_KEPT = 4096       # finished tasks' query answers kept rendered (DashScope._rendered)


def well_formed_key(key: str) -> bool:
    """``sk-`` and at least one more printable character, no spaces (the emulator's reading of "well formed":
    real keys are longer, but any ``sk-…`` works locally, as the README says)."""
    return key.startswith("sk-") and len(key) > 3 and key.isprintable() and " " not in key


class DashScope(Dialect):
    """The dialect. ``dashscope_prefix`` is the HTTP base path the SDK is pointed at (``/api/v1`` by default)."""

    name = VENDOR
    title = "DashScope"
    # the shared gateways (dashscope, dashscope-intl, <region>.dashscope) and the workspace gateways
    # (<workspace>.<region>.maas) the 2.x client builds
    hosts = (r"([a-z0-9-]+\.)?dashscope(-intl)?\.aliyuncs\.com", r"[a-z0-9-]+\.[a-z0-9-]+\.maas\.aliyuncs\.com")
    body_limit = cat.MAX_BODY_BYTES
    leniency = cat.LENIENCY
    blank_is_absent = True          # clients send unset list filters blank
    error_envelope = ("application/json", {
        "type": "object", "required": ["request_id", "code", "message"],
        "properties": {"request_id": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}})
    security_scheme: ClassVar[dict[str, Any] | None] = {
        "type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API key> (sk-…)"}

    def vendor_phase(self, job: Any) -> str:
        return cat.STATUS[job.phase]

    def job_documents(self, job: Job, base_url: str) -> list[tuple[str, str, bytes]]:
        def link(job: Job, item: Any) -> str:
            path = f"/dashscope-result/{job.id}/{item.index}.json"
            expires = int(job.phase_times.get(job.phase.value, job.created_at) + cat.RESULT_TTL_S)
            return f"{base_url}{path}?" + urlencode({"Expires": expires, "Signature": self.signer.sign(path, expires)})

        if isinstance(job.record, QwenRecord):        # a Qwen3-ASR call: what it asked and what it was told
            return [("Qwen3-ASR", "application/json", json.dumps(job.record.to_json(), ensure_ascii=False,
                                                                 indent=2).encode())]
        if isinstance(job.record, QwenTaskRecord):
            output, usage = filetrans_output(job, link(job, job.items[0]) if job.items else None,
                                             self.utc_offset_hours)
            docs = [("GET /api/v1/tasks/{task_id}", "application/json", json.dumps(
                {"request_id": job.record.request_id, "output": output, "usage": usage}, ensure_ascii=False,
                indent=2).encode())]
            if usage is not None:
                docs.append(("transcription_url", "application/json", json.dumps(
                    filetrans_result(job, job.record.params or {}), ensure_ascii=False, indent=2).encode()))
            return docs
        output, usage = task_output(job, result_url=link, utc_offset_hours=self.utc_offset_hours)
        record = job.record_as(TaskRecord)
        docs = [("GET /api/v1/tasks/{task_id}", "application/json", json.dumps(
            {"request_id": record.request_id, "output": output, "usage": usage}, ensure_ascii=False,
            indent=2).encode())]
        if job.phase is Phase.SUCCEEDED:
            docs.extend((f"transcription_url of file {item.index}", "application/json", json.dumps(
                result_file(job, item, record.style), ensure_ascii=False, indent=2).encode())
                for item in job.items if job.item_failure(item) is None and item.transcript is not None)
        return docs
    strategies = "emulator.vendors.dashscope.strategies"

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        self.prefix = settings.dashscope_prefix.rstrip("/")
        self.public_url = settings.public_url
        self.utc_offset_hours = settings.utc_offset_hours
        # result links: unforgeable on a locked server (secret from the control token, or set); byte-identical per
        # seed on an unlocked local one
        secret = settings.link_secret or (f"dashscope-links:{settings.control_token}" if settings.control_token
                                          else f"dashscope:{engine.config.seed}")
        self.signer = Signer(secret)
        for key in settings.dashscope_keys:
            engine.credentials.add(VENDOR, key)
        self.uploads = TemporaryUploads(engine, self.signer)
        engine.media.register_scheme("oss", self.uploads.resolve)
        self.vocabularies = Vocabularies(engine, self.utc_offset_hours)
        self.files = Files(engine)
        self.ws_path = settings.dashscope_ws_path.rstrip("/")
        self.realtime = Realtime(engine, idle_timeout=settings.ws_idle_timeout, vocabularies=self.vocabularies,
                                 accepts=lambda key: engine.credentials.accepts(VENDOR, key, well_formed_key))
        self.qwen = QwenHttp(engine, self.request_id)
        self.qwen_realtime = QwenRealtime(engine, idle_timeout=settings.ws_idle_timeout,
                                          accepts=lambda key: engine.credentials.accepts(VENDOR, key, well_formed_key))
        self._operations = self._declare()
        # finished tasks' answers as polled (they never change): the newest RENDERS_KEPT, kept here rather than on
        # the job, so that a store read back from disk or Redis finds them too and stored jobs stay small
        self._renders: dict[tuple[int, str, Phase, str], bytes] = {}

    # ---- declarations ------------------------------------------------------------------------------------

    def _declare(self) -> list[Operation]:
        p = self.prefix
        return [
            Operation("submit", "Submit a file-transcription task (X-DashScope-Async: enable)", self.submit,
                      ("POST",), f"{p}/services/audio/asr/transcription", faults=False, doc=Doc(
                          params=(Param(cat.ASYNC_HEADER, "header", True,
                                        "enable: file transcription is asynchronous only", cat.ASYNC_HEADER_SCHEMA),),
                          body=("application/json", cat.SUBMIT_BODY), response=("application/json", cat.TASK_ANSWER),
                          check=("header", "body"), unknown="unknown_parameter")),
            Operation("customization", "Hot-word vocabularies: create, list, query, update, delete",
                      self.customization, ("POST",), f"{p}/services/audio/asr/customization",
                      doc=Doc(body=("application/json", cat.CUSTOMIZATION_BODY), check=("body",))),
            Operation("list", "List tasks", self.list_tasks, ("GET",), f"{p}/tasks",
                      doc=Doc(params=params_of(cat.LIST_QUERY, "query"), check=("query",))),
            Operation("query", "Query a task", self.query, ("GET", "POST"), f"{p}/tasks/{{task_id}}",
                      doc=Doc(params=(Param("task_id", "path", True, "the task's id", cat.TASK_ID),),
                              response=("application/json", cat.TASK_ANSWER), check=("path",))),
            Operation("cancel", "Cancel a pending task", self.cancel, ("POST",), f"{p}/tasks/{{task_id}}/cancel",
                      doc=Doc(params=(Param("task_id", "path", True, "the task's id", cat.TASK_ID),),
                              check=("path",))),
            Operation("upload_policy", "Temporary upload policy (OssUtils.upload)", self.upload_policy,
                      ("GET", "POST"), f"{p}/uploads",
                      doc=Doc(params=params_of(cat.UPLOAD_POLICY_QUERY, "query"), check=("query",))),
            Operation("upload", "Temporary upload (policy-signed form POST)", self.upload, ("POST",),
                      "/dashscope-oss-upload", auth=False,
                      doc=Doc(body=("multipart/form-data", cat.UPLOAD_FORM))),
            Operation("result", "A task's result file (signed link)", self.result, ("GET",),
                      "/dashscope-result/{task_id}/{index}.json", auth=False,
                      doc=Doc(params=(Param("task_id", "path", True, "the task's id", cat.TASK_ID),
                                      Param("index", "path", True, "the file's place in the task",
                                            {"type": "integer", "minimum": 0}),
                                      *params_of(cat.RESULT_LINK, "query")))),
            Operation("multimodal", "Qwen3-ASR and Qwen-Audio ASR: one clip, answered at once (SSE with "
                                    "X-DashScope-SSE: enable)", self.qwen.native, ("POST",),
                      f"{p}/services/aigc/multimodal-generation/generation",
                      doc=Doc(body=("application/json", cat.QWEN_NATIVE_BODY), check=("body",))),
            Operation("chat_completions", "Qwen3-ASR, OpenAI-compatible (input_audio; stream: true for chunks)",
                      self.qwen.compatible, ("POST",), f"{cat.COMPATIBLE_PREFIX}/chat/completions",
                      doc=Doc(body=("application/json", cat.QWEN_COMPATIBLE_BODY), check=("body",))),
            Operation("models", "OpenAI-compatible: the models the emulator serves there", self.qwen.models,
                      ("GET",), f"{cat.COMPATIBLE_PREFIX}/models"),
            Operation("files", "Files: upload (multipart 'files'), list", self.files_call, ("POST", "GET"),
                      f"{p}/files", doc=Doc(params=params_of(cat.FILES_QUERY, "query"),
                                            body=("multipart/form-data", cat.FILES_FORM), check=("query",))),
            Operation("files", "A file: get (with its url), delete", self.files_call, ("GET", "DELETE"),
                      f"{p}/files/{{file_id}}", doc=Doc(
                          params=(Param("file_id", "path", True, "the file's id", cat.FILE_ID),), check=("path",))),
            Operation("realtime", "Qwen3-ASR realtime (?model=qwen3-asr-flash-realtime): session.update, "
                                  "input_audio_buffer.append/commit, session.finish", methods=("WEBSOCKET",),
                      path=cat.QWEN_RT_PATH, socket=self.qwen_realtime.endpoint,
                      doc=Doc(body=("application/json", {"description": "OpenAI-Realtime-style events: "
                                                                        "session.created/updated, speech_started/"
                                                                        "stopped, committed, conversation.item."
                                                                        "input_audio_transcription.text/completed, "
                                                                        "session.finished, error"}),
                              messages=cat.QWEN_RT_EVENTS)),
            Operation("stream", "Realtime recognition (run-task, audio, finish-task)", methods=("WEBSOCKET",),
                      path=self.ws_path, socket=self.realtime.endpoint,
                      doc=Doc(body=("application/json", cat.REALTIME_MESSAGES), messages={"run-task": cat.RUN_TASK})),
            Operation("stream", "Realtime recognition (run-task, audio, finish-task)", methods=("WEBSOCKET",),
                      path=self.ws_path + "/", socket=self.realtime.endpoint),
        ]

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if scope["type"] == "websocket":
            return path.rstrip("/") in (self.ws_path, cat.QWEN_RT_PATH)
        return (path.startswith(self.prefix + "/") or path.startswith("/dashscope-oss-upload")
                or path.startswith("/dashscope-result/") or path.startswith(cat.COMPATIBLE_PREFIX + "/"))

    def body_limit_for(self, request: Request) -> int:
        uploads = ("/dashscope-oss-upload", f"{self.prefix}/files")
        return cat.MAX_FILE_BYTES + 64 * 1024 if request.scope["path"] in uploads else cat.MAX_BODY_BYTES

    def default_credentials(self) -> dict[str, str]:
        return {"api_key": DEFAULT_DASHSCOPE_KEY}

    def server_name(self, call: Call) -> str | None:
        return cat.SERVER_HEADER

    def env_lines(self, base_url: str) -> list[str]:
        ws = base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return [
            "# DashScope (dashscope SDK 1.x/2.x classic API; read at import time)",
            f"export DASHSCOPE_API_KEY={DEFAULT_DASHSCOPE_KEY}",
            f"export DASHSCOPE_HTTP_BASE_URL={base_url}{self.prefix}",
            f"export DASHSCOPE_WEBSOCKET_BASE_URL={ws}{self.ws_path}",
            "# DashScope 2.x preview client (dashscope.Client)",
            f"export DASHSCOPE_BASE_URL={base_url}{self.prefix}",
            "# Qwen3-ASR through the openai SDK: OpenAI(base_url=…, api_key=…)",
            f"export OPENAI_BASE_URL={base_url}{cat.COMPATIBLE_PREFIX}",
            f"# Qwen3-ASR realtime: OmniRealtimeConversation(model='qwen3-asr-flash-realtime', url='{ws}"
            f"{cat.QWEN_RT_PATH}')",
        ]

    # ---- the envelope ------------------------------------------------------------------------------------

    def request_id(self) -> str:
        return self.engine.new_id()

    def error_response(self, call: Call, exc: VendorError) -> Response:
        path = call.request.url.path
        if path.startswith(cat.COMPATIBLE_PREFIX + "/"):         # the OpenAI-compatible API: OpenAI's envelope
            return JSONResponse(compatible_error(exc, f"chatcmpl-{self.engine.new_id()}", self.request_id()),
                                status_code=exc.status)
        if path.endswith("/multimodal-generation/generation") and \
                call.request.headers.get(cat.SSE_HEADER, "").lower() == cat.HEADER_ON:
            # an SSE request's error: HTTP 200 and one event:error (the SDK reads its status from there)
            return Response(native_error_event(exc.code, exc.message, exc.status, self.request_id()),
                            media_type="text/event-stream;charset=UTF-8")
        return JSONResponse({"request_id": self.request_id(), "code": exc.code, "message": exc.message},
                            status_code=exc.status)

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        if problem.part == "header":                 # X-DashScope-Async missing or not "enable"
            return DashScopeError(*cat.SYNC_CALL)
        if problem.kind == "json":
            return DashScopeError("InvalidParameter", f"The request body cannot be read: {problem.message}.")
        if problem.kind == "unknown":
            names = ", ".join(problem.names)
            return DashScopeError("InvalidParameter", (cat.UNKNOWN_PARAMETERS if problem.path
                                                       else cat.UNKNOWN_FIELDS).format(names=names))
        if "x-message" in problem.schema and problem.kind not in ("required", "unknown"):
            return DashScopeError("InvalidParameter", problem.schema["x-message"])     # the service's own words
        code = problem.schema.get("x-error") if problem.kind in ("required", "length") else None
        if code is None and problem.kind == "required":
            return DashScopeError("InvalidParameter", f"Field '{problem.dotted}' is required.")
        return DashScopeError(code or "InvalidParameter", None if code else f"Field '{problem.dotted}' "
                              f"{problem.message.split(': ', 1)[-1]}.")

    def internal_error(self, exc: BaseException) -> VendorError:
        return DashScopeError("InternalError", f"{cat.ERRORS['InternalError'][1]} ({type(exc).__name__})")

    def throttled(self) -> VendorError:
        return DashScopeError(cat.THROTTLE_CODE)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return DashScopeError(fault.code or "InternalError", fault.message, fault.status)

    def too_large(self, request: Request) -> VendorError:
        return DashScopeError("BadRequest.TooLarge")

    async def authenticate(self, call: Call) -> str:
        header = call.request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        verdict = self.engine.credentials.verdict(VENDOR, key, well_formed_key)
        if verdict.check and verdict.refused:
            raise DashScopeError("InvalidApiKey").because(
                "no 'Authorization: Bearer <key>' header" if not key
                else "the key is not configured (strict credentials)" if verdict.strict and well_formed_key(key)
                else "the key is not of the form sk-…")
        if verdict.check and not verdict.known and not self.lenient(call.request, "unregistered_key"):
            raise DashScopeError("InvalidApiKey").because("the key is not configured (strict)")
        call.request.state.api_key = key or "anonymous"
        return key or "anonymous"

    def _result_url(self, request: Request) -> Callable[[Job, Any], str]:
        base = base_url(request, self.public_url)

        def link(job: Job, item: Any) -> str:
            path = f"/dashscope-result/{job.id}/{item.index}.json"
            end = job.phase_times.get(job.phase.value, job.created_at)
            expires = int(end + cat.RESULT_TTL_S)
            return f"{base}{path}?" + urlencode({"Expires": expires, "Signature": self.signer.sign(path, expires)})

        return link

    # ---- submit ------------------------------------------------------------------------------------------

    async def submit(self, call: Call) -> Response:
        request = call.request
        key: str = request.state.api_key
        payload = call.input["body"]
        if payload["model"] in cat.QWEN_FILETRANS_MODELS:
            return await self.qwen.submit(call, payload)
        model_name, sources, options = self._parse_submit(payload, request)
        await call.faults(model=model_name, media=sources)
        call.limit(("submit", key, model_name), cat.SUBMIT_RPS)
        failure, fail_from = self.engine.job_fault(
            FaultRequest(VENDOR, "submit", model=model_name, media=sources, test_id=call.test_id), "InternalError")
        request_id = self.request_id()
        params = payload.get("parameters") or {}
        style = Style(itn=all(params.get(name, True) for name in cat.ITN_PARAMS),
                      punctuation=params.get("punctuation_prediction_enabled", True),
                      events=params.get("audio_event_detection_enabled", True))
        record = TaskRecord(request_id, style=style, payload=payload)
        job = await self.engine.submit(
            vendor=VENDOR, model=model_name, owner=key, job_id=self.engine.new_id(), sources=sources,
            options=options, record=record, test_id=call.test_id, failure=failure,
            fail_from=fail_from, no_speech_fails=True,
            limits=FetchLimits(max_bytes=cat.MAX_FILE_BYTES, timeout=self.engine.config.fetch_timeout),
        )
        note(request, job_id=job.id)
        return JSONResponse({"request_id": request_id, "output": {"task_id": job.id, "task_status": "PENDING"}})

    def _parse_submit(self, payload: dict[str, Any], request: Request) -> tuple[str, list[str], Options]:
        """The submit's body — typed and bounded by its declaration (``cat.SUBMIT_BODY``) — checked for what the
        schema cannot say: the model, the URLs and the vocabulary."""
        model_name = cat.MODEL_ALIASES.get(payload["model"], payload["model"])
        inp, params = payload["input"], payload.get("parameters") or {}
        if model_name not in cat.MODELS:
            raise DashScopeError("ModelNotFound", f"Model not exist: {model_name}.")
        sources = _file_urls(inp, request.headers.get(cat.OSS_RESOLVE_HEADER, "").lower() ==
                             cat.HEADER_ON)
        options = _options(cat.MODELS[model_name], params)
        if "vocabulary_id" in params:
            words = self.vocabularies.words(params["vocabulary_id"], request.state.api_key)
            if words is None:
                raise DashScopeError("InvalidParameter",
                                     cat.VOCABULARY_NOT_FOUND.format(id=params["vocabulary_id"]))
            options = replace(options, hotwords=words)
        return model_name, sources, options

    # ---- hot-word vocabularies ----------------------------------------------------------------------------

    async def customization(self, call: Call) -> Response:
        request = call.request
        try:
            output = self.vocabularies.handle(call.input["body"]["input"], request.state.api_key)
        except VocabularyError as exc:
            raise DashScopeError("InvalidParameter", str(exc)) from None
        return JSONResponse({"output": output, "usage": {"count": 1}, "request_id": self.request_id()})

    # ---- query, cancel, list -----------------------------------------------------------------------------

    def _own_job(self, request: Request, task_id: str, *, count_read: bool) -> Job | None:
        job = self.engine.read(task_id) if count_read else self.engine.peek(task_id)
        if job is None or job.vendor != VENDOR or job.owner != request.state.api_key \
                or not isinstance(job.record, TaskRecord):     # a Qwen3-ASR call is not a task
            return None
        if job.phase.terminal and self.engine.clock.now() > job.phase_times[job.phase.value] + cat.RESULT_TTL_S:
            return None     # records expire with their results
        return job

    async def query(self, call: Call) -> Response:
        request = call.request
        task_id = call.params["task_id"]
        note(request, job_id=task_id)
        call.limit(("query", request.state.api_key), cat.QUERY_RPS)
        job = self._own_job(request, task_id, count_read=True)
        if job is None:
            return JSONResponse({"request_id": self.request_id(),
                                 "output": {"task_id": task_id, "task_status": cat.UNKNOWN_STATUS}})
        body = b'{"request_id":"%s",%s}' % (self.request_id().encode(), self._rendered(job, request))
        return Response(body, media_type="application/json")

    def _rendered(self, job: Job, request: Request) -> bytes:
        """``"output":…,"usage":…`` as JSON; a finished task's never changes, so it is encoded once per base URL."""
        base = base_url(request, self.public_url)
        record = job.record_as(TaskRecord)
        key = (self.engine.resets, job.id, job.phase, base)
        fragment = self._renders.get(key)
        if fragment is not None:
            return fragment
        if isinstance(record, QwenTaskRecord):
            link = self._result_url(request)(job, job.items[0]) if job.items else None
            output, usage = filetrans_output(job, link, self.utc_offset_hours)
        else:
            output, usage = task_output(job, result_url=self._result_url(request),
                                        utc_offset_hours=self.utc_offset_hours)
        fragment = json.dumps({"output": output, "usage": usage}, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")[1:-1]
        if job.phase.terminal:
            self._renders[key] = fragment
            if len(self._renders) > RENDERS_KEPT:
                self._renders.pop(next(iter(self._renders)))
        return fragment

    async def cancel(self, call: Call) -> Response:
        request = call.request
        task_id = call.params["task_id"]
        note(request, job_id=task_id)
        job = self._own_job(request, task_id, count_read=False)
        if job is None:
            raise DashScopeError("UnsupportedOperation")
        try:
            self.engine.cancel(job)
        except JobStateError:
            raise DashScopeError("UnsupportedOperation") from None
        return JSONResponse({"request_id": self.request_id()})

    async def list_tasks(self, call: Call) -> Response:
        request = call.request
        q = call.input["query"]
        page_no, page_size = q.get("page_no", 1), q.get("page_size", 10)
        offset = self.utc_offset_hours * 3600
        start, end = _list_time(q.get("start_time"), offset), _list_time(q.get("end_time"), offset)
        key = request.state.api_key
        key_id = api_key_id(key)
        wanted_status = q.get("status")
        model_name = q.get("model_name")
        if q.get("api_key_id") not in (None, "", key_id):
            jobs: list[Job] = []
        else:
            jobs = self.engine.jobs(lambda j: j.vendor == VENDOR and j.owner == key and isinstance(j.record, TaskRecord)
                                    and (model_name is None or j.model == model_name)
                                    and (start is None or j.created_at >= start)
                                    and (end is None or j.created_at <= end))
        if wanted_status:
            jobs = [j for j in jobs if cat.STATUS[j.phase] == wanted_status.upper()]
        jobs.sort(key=lambda j: j.created_at, reverse=True)
        total = len(jobs)
        page = jobs[(page_no - 1) * page_size: page_no * page_size]
        return JSONResponse({
            "request_id": self.request_id(),
            "data": [self._list_entry(j, key_id) for j in page],
            "total": total, "total_page": (total + page_size - 1) // page_size,
            "page_no": page_no, "page_size": page_size,
        })

    def _list_entry(self, job: Job, key_id: str) -> dict[str, Any]:
        def ms(phase: Phase) -> int | None:
            t = job.phase_times.get(phase.value)
            return None if t is None else int(t * 1000)

        entry: dict[str, Any] = {
            "api_key_id": key_id, "caller_parent_id": _ACCOUNT, "caller_uid": _ACCOUNT,
            "gmt_create": int(job.created_at * 1000), "model_name": job.model, "region": cat.REGION,
            "request_id": job.record_as(TaskRecord).request_id, "start_time": ms(Phase.RUNNING),
            "status": cat.STATUS[job.phase], "task_id": job.id,
            "user_api_unique_key": f"apikey:v1:audio:asr:transcription:{job.model}",
        }
        if job.phase.terminal:
            entry["end_time"] = ms(job.phase)
        return entry

    # ---- result files ------------------------------------------------------------------------------------

    async def result(self, call: Call) -> Response:
        request = call.request
        task_id, index = call.params["task_id"], call.params["index"]
        note(request, job_id=task_id)
        expires, signature = request.query_params.get("Expires", ""), request.query_params.get("Signature", "")
        if not self.signer.valid(request.url.path, expires, signature):
            return oss_error("bad_signature")
        if self.engine.clock.now() > int(expires):     # a whole number: the signature check read it
            return oss_error("link_expired")
        job = self.engine.peek(task_id)
        number = whole_number(index, 6)
        if number is None or job is None or job.vendor != VENDOR or number >= len(job.items) \
                or not isinstance(job.record, TaskRecord) \
                or job.phase is not Phase.SUCCEEDED or job.item_failure(job.items[number]) is not None:
            return oss_error("no_such_key")
        record = job.record
        if isinstance(record, QwenTaskRecord):
            return JSONResponse(filetrans_result(job, record.params or {}))
        return JSONResponse(result_file(job, job.items[number], record.style))

    # ---- the Files API ---------------------------------------------------------------------------------------

    async def files_call(self, call: Call) -> Response:
        request = call.request
        owner: str = request.state.api_key
        base = base_url(request, self.public_url)
        file_id = call.params.get("file_id")
        if request.method == "POST":
            if not complete_multipart(request.headers.get("content-type", ""), call.body):
                raise DashScopeError("InvalidParameter", "The upload is not a complete multipart form.")
            try:
                async with request.form(max_part_size=cat.MAX_FILE_BYTES, max_files=cat.MAX_FILES_PER_UPLOAD) \
                        as form:
                    data = await self.files.upload(form, owner, base)
            except (ValueError, KeyError, AssertionError, MultiPartException) as exc:
                raise DashScopeError("InvalidParameter", f"The upload is not a multipart form: {exc}") from None
        elif request.method == "DELETE" and file_id:
            self.files.delete(file_id, owner)
            return JSONResponse({"request_id": self.request_id()})
        elif file_id:
            data = self.files.get(file_id, owner, base)
        else:
            data = self.files.list(call.input["query"], owner, base)
        return JSONResponse({"request_id": self.request_id(), "data": data})

    # ---- temporary uploads (OssUtils.upload) -------------------------------------------------------------

    async def upload_policy(self, call: Call) -> Response:
        request = call.request
        data = self.uploads.policy(request.state.api_key, call.input["query"]["model"],
                                   base_url(request, self.public_url))
        return JSONResponse({"request_id": self.request_id(), "data": data})

    async def upload(self, call: Call) -> Response:
        return await self.uploads.receive(call.request, call.body)


_ACCOUNT = "1000000000000000"


def _file_urls(inp: dict[str, Any], oss_enabled: bool) -> list[str]:
    """The task's files: ``file_urls`` (or a lone ``file_url``), typed and bounded by ``cat.SUBMIT_BODY``."""
    urls: list[str] | None = inp.get("file_urls")
    if urls is None and "file_url" in inp:
        urls = [inp["file_url"]]
    if urls is None:
        raise DashScopeError("InvalidParameter", "Field 'input.file_urls' is required.")
    for url in urls:
        try:
            parts = urlsplit(url)
            parts.hostname  # noqa: B018 - raises ValueError for a malformed host
        except ValueError:
            raise DashScopeError("InvalidParameter", cat.BAD_URL_MESSAGE) from None
        scheme = parts.scheme.lower()
        if scheme == "oss" and oss_enabled:
            continue
        if scheme not in ("http", "https") or not parts.netloc:
            raise DashScopeError("InvalidParameter", cat.BAD_URL_MESSAGE)
    return urls


def _options(model: cat.Model, params: dict[str, Any]) -> Options:
    """The recognition options of a submit's ``parameters`` (typed and bounded by ``cat.SUBMIT_BODY``)."""
    channels = params.get("channel_id", [0])
    hints = params.get("language_hints", [])
    speakers = params.get("speaker_count", 2) if params.get("diarization_enabled") else None
    language = model.default_language
    if model.language_hints:
        language = next((h for h in hints if h in model.languages and h != "auto"), model.default_language)
    return Options(
        language=language, channels=tuple(dict.fromkeys(channels)), speakers=speakers,
        remove_disfluencies=bool(params.get("disfluency_removal_enabled", False)),
        aligned_words=bool(params.get("timestamp_alignment_enabled", False)),
        emotions=cat.EMOTIONS if model.emotion_tags else (),
        events=cat.AUDIO_EVENTS if model.emotion_tags and params.get("audio_event_detection_enabled", True) else (),
    )


def _list_time(value: str | None, utc_offset_s: float) -> float | None:
    if not value:
        return None
    try:
        parsed = time.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        raise DashScopeError("InvalidParameter", "start_time and end_time use the form YYYYMMDDhhmmss.") from None
    return float(calendar.timegm(parsed)) - utc_offset_s
