"""PAI-EAS model services: ``POST /api/predict/<service>`` answered by one of the nine PAI Model Hub speech models,
and the queue service of asynchronous services (``/api/predict/<service>`` + ``/sink``).

The gateway finds the service (404), checks its token — raw, or the ``EAS`` HMAC that ``eas-prediction`` signs —
(401), then the processor reads ``{"input": {"url", "play_duration"}}`` (400 on bad input or media) and answers
with the model's output. Bodies of errors are short plain text, as the gateway's are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Scope
from starlette.websockets import WebSocket

from emulator.config import Settings
from emulator.declare import Invalid, Problem
from emulator.engine import Engine, Failure, FetchLimits, Job, JobStateError, Options, Phase, Records
from emulator.engine import Request as FaultRequest
from emulator.engine.core import RequestFault
from emulator.engine.lifecycle import parse_policy, run_seconds
from emulator.inputs import same_secret, whole_number
from emulator.vendors.base import Call, Dialect, Doc, Operation, VendorError, params_of, present
from emulator.vendors.eas import catalogue as cat
from emulator.vendors.eas import render
from emulator.vendors.eas.gateway import (
    EasError,
    Input,
    eas_signature,
    input_of,
    invalid_input,
    parse_input,
    predict_body,
    string_to_sign,
    well_formed_signature,
)
from emulator.vendors.eas.queue import Entry, Frame, Queue, encode_frame, encode_frames, parse_indexes, parse_timeout
from emulator.vendors.eas.services import Service, default_services, parse_service, service_from_json
from emulator.web import note, test_id

VENDOR = "eas"


@dataclass
class EasRequest:
    """What EAS keeps of a request beside the engine's job: the service, the cut the input asked for and, for the
    queue service, where the request sits in the queue."""

    service: str
    play_us: int | None
    queue_index: int | None = None
    request_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"service": self.service, "play_duration": self.play_us, "queue_index": self.queue_index}


class Eas(Dialect):
    blank_is_absent = True          # QueueClient sends _index_= and the like blank where unset
    """The PAI-EAS dialect. ``eas_services`` are added to the defaults (one per model, and an ``_async`` twin)."""

    name = VENDOR
    title = "PAI-EAS"
    hosts = (r"([a-z0-9-]+\.)*pai-eas(-vpc)?\.[a-z0-9.-]*aliyuncs\.com",)
    body_limit = cat.MAX_BODY_BYTES
    strategies = "emulator.vendors.eas.strategies"
    settings_key = "eas"
    error_envelope = ("text/plain", {"type": "string", "description": "the gateway's status text, e.g. "
                                                                       "'Authorization Failed'"})
    security_scheme: ClassVar[dict[str, Any] | None] = {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "the service token, or the client's HMAC-SHA1 signature over method, body "
                                      "MD5, content type, date and path"}

    def job_documents(self, job: Job, base_url: str) -> list[tuple[str, str, bytes]]:
        service = self.services.get(job.record_as(EasRequest).service)
        if service is None or not job.phase.terminal:
            return []
        status, data = self._result(service, job)
        return [(f"the model's answer (HTTP {status})", "application/json" if status == 200 else "text/plain", data)]

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(engine, settings)
        services = [parse_service(e) for e in settings.eas_services]   # no token: any token (permissive)
        self.defaults = {**default_services(settings.eas_token), **{s.name: s for s in services}}
        self.services = dict(self.defaults)
        self.queues = Records(engine.store, "eas.queue", Queue)
        engine.settings_hooks.append(self._reset)
        path = cat.API_PREFIX + "{service:path}"
        self._operations = [
            Operation("predict", "Synchronous inference: {\"input\": {\"url\", \"play_duration\"}}", self.predict,
                      ("POST",), path, doc=Doc(body=("application/json", cat.PREDICT_BODY), check=("body",),
                          response=("application/json", {"type": "object", "additionalProperties": True,
                                                         "description": "clip start (µs) → the model's output"}))),
            Operation("enqueue", "Queue service: add a request to the input queue (any bytes: the processor reads "
                                 "them later, as predict's body)", self._queue, ("POST",), path,
                      doc=Doc(body=("application/json", cat.PREDICT_BODY))),
            Operation("sink", "Queue service: read results from the sink (long poll)", self._queue, ("GET",),
                      cat.API_PREFIX + "{service:path}/" + cat.SINK,
                      doc=Doc(params=params_of(cat.SINK_QUERY, "query"), check=("query",))),
            Operation("sink_put", "Queue service: write data straight into the sink (POST …/sink)", self._queue,
                      ("POST",), cat.API_PREFIX + "{service:path}/" + cat.SINK),
            Operation("watch", "Queue service: watch the sink (WebSocket ?_watch_=true&_index_&_window_"
                               "&_index_only_&_auto_commit_; one DataFrameProto per binary message)",
                      methods=("WEBSOCKET",), path=cat.API_PREFIX + "{service:path}/" + cat.SINK, socket=self.watch,
                      doc=Doc(params=params_of(cat.WATCH_QUERY, "query"), check=("query",))),
            Operation("attributes", "Queue service: queue attributes (?_attrs_=true)", self._queue, ("GET",), path,
                      query="_attrs_=true"),
            Operation("queue", "Queue service: read the input queue (service instances only)", self._queue,
                      ("GET",), path),
            Operation("commit", "Queue service: acknowledge results (?_indexes_=)", self._queue, ("PUT",), path,
                      doc=Doc(params=params_of(cat.INDEXES_QUERY, "query"), check=("query",))),
            Operation("delete", "Queue service: delete entries (?_indexes_=)", self._queue, ("DELETE",), path,
                      query="_indexes_", doc=Doc(params=params_of(cat.INDEXES_QUERY, "query"), check=("query",))),
            Operation("truncate", "Queue service: truncate below an index (?_trunc_=true&_index_=)", self._queue,
                      ("DELETE",), path, query="_trunc_=true",
                      doc=Doc(params=params_of(cat.TRUNCATE_QUERY, "query"), check=("query",))),
            Operation("discovery", "Service discovery for the client's DIRECT endpoint type", self.discovery,
                      ("GET",), cat.DISCOVERY_PREFIX + "{service:path}", auth=False, faults=False),
        ]
        self._by_name = {op.name: op for op in self._operations}

    def _reset(self) -> None:
        self.services = dict(self.defaults)

    # ---- declarations ------------------------------------------------------------------------------------

    def operations(self) -> list[Operation]:
        return self._operations

    def claims(self, scope: Scope) -> bool:
        path: str = scope.get("path", "")
        if scope["type"] == "websocket":
            return path.startswith(cat.API_PREFIX) and path.rstrip("/").endswith("/" + cat.SINK)
        return scope["type"] == "http" and (path.startswith(cat.API_PREFIX) or path.startswith(cat.DISCOVERY_PREFIX))

    def default_credentials(self) -> dict[str, str]:
        return {"token": cat.DEFAULT_TOKEN}

    def env_lines(self, base_url: str) -> list[str]:
        return [
            "# PAI-EAS: eas-prediction reads no variables; pass these to PredictClient(endpoint, service) and "
            "set_token()",
            f"export EAS_ENDPOINT={base_url.split('//', 1)[-1]}",
            f"export EAS_TOKEN={cat.DEFAULT_TOKEN}",
            "# services: " + ", ".join(m.default_service for m in cat.MODELS.values()) + " (each also as <name>_async)",
        ]

    def settings_json(self) -> Any:
        return {"services": {n: s.to_json() for n, s in self.services.items()}}

    def apply_settings(self, value: Any) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("services", {}), dict):
            raise ValueError("'eas' takes an object: services (name → {model, token, async}, or null to remove)")
        changes = {name: None if spec is None else service_from_json(name, spec)
                   for name, spec in value.get("services", {}).items()}
        for name, service in changes.items():
            if service is None:
                self.services.pop(name, None)
                self.queues.delete(name)
            else:
                self.services[name] = service

    def restore_settings(self, value: Any) -> None:
        """The kept services are all the services: one removed since (a default one too) stays removed."""
        kept = value.get("services", {}) if isinstance(value, dict) else {}
        gone = {name: None for name in self.services if name not in kept}
        self.apply_settings({"services": {**gone, **kept}})

    # ---- the envelope: short plain text ------------------------------------------------------------------

    def error_response(self, call: Call, exc: VendorError) -> Response:
        return _text(exc.message, exc.status)

    def internal_error(self, exc: BaseException) -> VendorError:
        return EasError(500)

    def throttled(self) -> VendorError:
        return EasError(cat.THROTTLE_STATUS)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return EasError(*_status_of(fault.code, fault.message, fault.status))

    def too_large(self, request: Request) -> VendorError:
        return EasError(413)

    # ---- routing: the gateway finds the service (404), then its token (401) -------------------------------

    async def route(self, call: Call) -> Operation:
        path = call.request.url.path
        if path.startswith(cat.DISCOVERY_PREFIX):
            call.params = {"service": path[len(cat.DISCOVERY_PREFIX):]}
            return self._by_name["discovery"]
        service, suffix = self.resolve(path[len(cat.API_PREFIX):])
        if service is None:
            call.note(operation="predict")
            raise EasError(404)
        call.context = (service, suffix)
        call.model = service.model.id
        call.note(model=service.model.id)
        name = self._operation(call.request, service, suffix)
        if name == "predict" and call.request.method != "POST":     # before the body is checked
            return Operation.refusal("predict", EasError(405))
        return self._by_name[name]

    def read_body(self, call: Call, doc: Doc) -> Any:
        """The JSON body as the processor reads it: a blank ``play_duration`` is none."""
        return predict_body(super().read_body(call, doc))

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        return invalid_input(problem)

    async def authenticate(self, call: Call) -> str:
        service: Service = call.context[0]
        self._authenticate(call.request, service, call.body)
        header = call.request.headers.get("authorization", "").strip()
        call.credential = header[4:].strip().partition(":")[0] if header.startswith("EAS ") else header
        return service.name

    async def discovery(self, call: Call) -> Response:
        """Service discovery for the client's DIRECT endpoint type: the instances (here, this emulator) serving a
        service; the client then calls them without the gateway."""
        request = call.request
        service, _ = self.resolve(call.params["service"])
        if service is None:
            raise EasError(404)
        host = request.headers.get("host") or ""
        name, _, port_text = host.rpartition(":")
        port = whole_number(port_text, 5)
        if port is None:
            server = request.scope.get("server") or ("127.0.0.1", 80)
            name, port = str(server[0]), int(server[1])
        body = {"endpoints": {"items": [{"ip": name, "port": port, "weight": 100}]}}
        return _json_bytes(json.dumps(body).encode())

    def resolve(self, path: str) -> tuple[Service | None, str]:
        """The service a path after ``/api/predict/`` names, and what follows it (``sink``, a sub-path or "")."""
        parts = path.split("/")
        for cut in range(len(parts), 0, -1):
            service = self.services.get("/".join(parts[:cut]))
            if service is not None:
                return service, "/".join(parts[cut:])
        return None, ""

    @staticmethod
    def _operation(request: Request, service: Service, suffix: str) -> str:
        if not service.is_async:
            return "predict"
        q = request.query_params
        if q.get("_attrs_") == "true":
            return "attributes"
        sink = suffix == cat.SINK
        if request.method == "POST":
            return "sink_put" if sink else "enqueue"
        if request.method == "GET":
            return "sink" if sink else "queue"
        if request.method == "PUT":
            return "commit"
        return "truncate" if q.get("_trunc_") == "true" else "delete"

    def _authenticate(self, request: HTTPConnection, service: Service, body: bytes, method: str = "") -> None:
        method = method or getattr(request, "method", "GET")
        header = request.headers.get("authorization", "").strip()
        presented = header[4:].strip() if header.startswith("EAS ") else header
        known = {service.token: service.token} if service.token is not None else {}
        verdict = self.engine.credentials.verdict(
            VENDOR, service.token if service.token is not None and header else presented,
            well_formed=lambda key: not header.startswith("EAS ") or well_formed_signature(key), known=known)
        if not verdict.check:
            return
        if not header or verdict.refused:
            raise EasError(401)
        if service.token is None:      # a service configured without a token: any well-formed one
            return
        if same_secret(header, service.token):
            return
        if header.startswith("EAS "):
            expected = eas_signature(service.token, string_to_sign(
                method, body, request.headers.get("content-type", ""), request.headers.get("date", ""),
                request.url.path))
            if same_secret(header[4:].strip(), expected):
                return
        raise EasError(401)

    # ---- synchronous inference ---------------------------------------------------------------------------

    async def predict(self, call: Call) -> Response:
        request = call.request
        service, _ = call.context
        spec = input_of(call.input["body"])
        job = await self._submit(request, service, "predict", spec, policy="instant")
        failure = job.item_failure(job.items[0]) if job.items else job.forced_failure
        if failure is not None:
            raise EasError(*_failure_status(failure))
        await self._processing_time(job, service)
        return _json_bytes(render.output(service.model, job.items[0], spec.play_us, self.engine.seed))

    async def _submit(self, request: Request, service: Service, operation: str, spec: Input | None,
                      policy: str | None, failure: Failure | None = None) -> Job:
        tid = test_id(request)
        sources = [spec.url] if spec is not None else []
        fail_from = None
        if failure is None:
            failure, fail_from = self.engine.job_fault(
                FaultRequest(VENDOR, operation, model=service.model.id, media=sources, test_id=tid), "500")
            if failure is not None:
                status, message = _status_of(failure.code, failure.message, None)
                failure = Failure(str(status), message)
        job = await self.engine.submit(
            vendor=VENDOR, model=service.model.id, owner=service.name, job_id=self.engine.new_id(),
            sources=sources, options=Options(language=service.model.language, channels=(0,)),
            limits=FetchLimits(max_bytes=cat.MAX_MEDIA_BYTES, timeout=self.engine.config.fetch_timeout),
            record=EasRequest(service.name, spec.play_us if spec else None),
            process_limit_ms=-(-spec.play_us // 1000) if spec and spec.play_us and service.model.play_duration
            else None,
            policy=policy, test_id=tid, failure=failure, fail_from=fail_from,
            wait=operation == "predict",        # a synchronous call answers with the model's output
        )
        note(request, job_id=job.id)
        return job

    async def _processing_time(self, job: Job, service: Service) -> None:
        """Under the ``timed`` lifecycle a synchronous call takes the model's processing time; past the gateway's
        keep-alive the gateway answers 408 instead."""
        policy = parse_policy(self.engine.policy_spec(VENDOR, service.model.id))
        if policy.kind != "timed" or self.engine.clock.mode != "real":
            return
        seconds = run_seconds(job, policy, service.model.relative_speed)
        await asyncio.sleep(min(seconds, cat.KEEPALIVE_S))
        if seconds > cat.KEEPALIVE_S:
            raise EasError(408)

    # ---- the queue service -------------------------------------------------------------------------------

    def queue(self, service: Service) -> Queue:
        return self.queues.get(service.name) or self.queues.put(service.name, Queue(service.name))

    async def _queue(self, call: Call) -> Response:
        request, body = call.request, call.body
        service, suffix = call.context
        operation = call.operation.name if call.operation else ""
        queue = self.queue(service)
        if suffix not in ("", cat.SINK):
            raise EasError(404)
        if operation == "attributes":
            return self._attributes(queue, sink=suffix == cat.SINK)
        if operation == "enqueue":
            return await self._enqueue(request, service, queue, body)
        if operation == "sink_put":
            return self._sink_put(request, queue, body)
        if operation == "sink":
            if call.input["query"].get("_watch_") == "true":
                raise EasError(cat.BAD_REQUEST, "watching a queue needs a WebSocket connection")
            return await self._sink(request, service, queue, call.input["query"])
        if operation == "queue":
            raise EasError(cat.BAD_REQUEST, "reading the input queue is for the service's own instances")
        checked = call.input.get("query", {})
        if operation == "truncate":
            below = checked["_index_"]
            self._drop(queue, [i for i in queue.entries if i < below], suffix)
            return _text("OK", 200)
        indexes = parse_indexes(checked["_indexes_"])
        assert indexes is not None          # the declaration's pattern: whole numbers separated by commas
        if operation != "commit" or suffix == cat.SINK:    # a commit on the sink consumes the results
            self._drop(queue, indexes, suffix)
        return _text("OK", 200)

    async def watch(self, ws: WebSocket) -> None:
        """QueueClient.watch: results pushed as they come, from ``_index_``, at most ``_window_`` not yet committed
        at a time (``QueueClient.commit`` or a delete frees the window; ``_auto_commit_`` consumes each as it is
        sent); ``_index_only_`` leaves the data out. A reconnecting watcher gets what it had not committed again."""
        path = ws.url.path
        service, suffix = self.resolve(path[len(cat.API_PREFIX):].rstrip("/"))
        noted = {"vendor": VENDOR, "operation": "watch"}
        problem: EasError | None = None
        q: dict[str, Any] = {}
        if service is None or not service.is_async or suffix != cat.SINK:
            problem = EasError(404)
        else:
            try:
                self._authenticate(ws, service, b"", method="GET")
                q = self._by_name["watch"].checked("query", present(ws.query_params))
            except EasError as exc:
                problem = exc
            except Invalid as exc:
                problem = EasError(cat.BAD_REQUEST, f"watch: {exc.problem.message}")
        start, window = q.get("_index_", 0), q.get("_window_", 1)
        if problem is not None or service is None:
            status = problem.status if problem is not None else 404
            self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=path, status=status,
                                       latency_ms=0.0, **noted)
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(_text(problem.message if problem else "", status))
            else:
                await ws.close(code=1008)
            return
        index_only = q.get("_index_only_") == "true"
        auto_commit = q.get("_auto_commit_") == "true"
        self.engine.journal.record(time=self.engine.clock.now(), method="WEBSOCKET", path=path, status=101,
                                   latency_ms=0.0, **noted)
        await ws.accept()
        sent: set[int] = set()
        polled: dict[str, float] = {}
        loop = asyncio.get_running_loop()
        while True:
            queue = self.queue(service)
            ready = [e for i, e in sorted(queue.entries.items())
                     if i >= start and i not in queue.gone and i not in sent]
            for entry in ready:              # a watched job is polled now and then, as a reader's would be
                if entry.job_id and loop.time() - polled.get(entry.job_id, 0.0) >= cat.WATCH_POLL_S:
                    polled[entry.job_id] = loop.time()
                    self.engine.read(entry.job_id)
            room = window - len([i for i in sent if i not in queue.gone])
            frames = self._frames(service, ready, room) if room > 0 else []
            for frame in frames:
                if index_only:
                    frame = Frame(frame.index, frame.tags, b"", frame.message)
                await ws.send_bytes(encode_frame(frame))
                sent.add(frame.index)
            if frames and auto_commit:
                self._forget(queue.name, [f.index for f in frames])
            try:
                message = await asyncio.wait_for(ws.receive(), cat.WATCH_TICK_S)
            except TimeoutError:
                continue
            if message["type"] == "websocket.disconnect":
                return

    def _sink_put(self, request: Request, queue: Queue, body: bytes) -> Response:
        """QueueClient.put on the sink: the data is a result as it is (a program writing results itself)."""
        if len(body) > cat.QUEUE_MAX_PAYLOAD:
            raise EasError(413)
        tags = {k: v for k, v in request.query_params.items() if not (k.startswith("_") and k.endswith("_"))}
        request_id = self.engine.new_id()
        added: list[Entry] = []

        def written(current: Queue | None) -> Queue:
            current = current or Queue(queue.name)
            added.append(current.put_result(request_id, tags, body))
            return current

        self.queues.update(queue.name, written)
        return Response(str(added[0].index).encode(), 200, media_type="text/plain",
                        headers={cat.REQUEST_ID_HEADER: request_id})

    def _drop(self, queue: Queue, indexes: list[int], suffix: str) -> None:
        if suffix != cat.SINK:
            for index in indexes:       # deleting from the input queue withdraws requests not yet processed
                entry = queue.entries.get(index)
                job = self.engine.peek(entry.job_id) if entry is not None else None
                if job is not None:
                    with contextlib.suppress(JobStateError):
                        self.engine.cancel(job)
        self._forget(queue.name, indexes)

    def _forget(self, name: str, indexes: list[int]) -> None:
        """Mark results gone, in one step with any other change to the queue (another request, another worker)."""
        def gone(current: Queue | None) -> Queue | None:
            if current is not None:
                current.delete(indexes)
            return current

        self.queues.update(name, gone)

    async def _enqueue(self, request: Request, service: Service, queue: Queue, body: bytes) -> Response:
        if len(body) > cat.QUEUE_MAX_PAYLOAD:
            raise EasError(413)
        try:
            spec: Input | None = parse_input(body)
            failure = None
        except EasError as exc:             # the queue takes any bytes; the processor fails on them later
            spec, failure = None, Failure(str(exc.status), exc.message)
        job = await self._submit(request, service, "enqueue", spec, policy=None, failure=failure)
        tags = {k: v for k, v in request.query_params.items() if not (k.startswith("_") and k.endswith("_"))}
        request_id = self.engine.new_id()
        added: list[Entry] = []

        def enqueued(current: Queue | None) -> Queue:    # the index is taken in one step, whoever else enqueues
            current = current or Queue(queue.name)
            added.append(current.put(request_id, job.id, tags))
            return current

        self.queues.update(queue.name, enqueued)
        entry = added[0]
        record = job.record_as(EasRequest)
        record.queue_index, record.request_id = entry.index, request_id
        self.engine.store.put_job(job)        # the record changed: a kept or shared store keeps the change
        return Response(str(entry.index).encode(), 200, media_type="text/plain",
                        headers={cat.REQUEST_ID_HEADER: request_id})

    def _attributes(self, queue: Queue, sink: bool) -> Response:
        live = {i: e for i, e in queue.entries.items() if i not in queue.gone}
        jobs = {i: self.engine.peek(e.job_id) for i, e in live.items() if e.job_id}
        done = sorted([i for i, j in jobs.items() if j is not None and j.phase.terminal]
                      + [i for i, e in live.items() if not e.job_id])       # data put straight into the sink
        pending = [i for i, j in jobs.items() if j is not None and not j.phase.terminal]
        members = done if sink else pending
        last = max(members, default=0) if sink else queue.last_index
        attrs = {"meta.name": f"{queue.name}/sink" if sink else queue.name, "meta.type": "stream",
                 "meta.maxPayloadBytes": str(cat.QUEUE_MAX_PAYLOAD), "stream.length": str(len(members)),
                 "stream.approxMaxLength": str(cat.QUEUE_APPROX_MAX_LENGTH), "stream.lastEntry": str(last),
                 "stream.firstEntry": str(min(members, default=0))}
        return _json_bytes(json.dumps(attrs).encode())

    async def _sink(self, request: Request, service: Service, queue: Queue, q: dict[str, Any]) -> Response:
        """Results from the sink; ``q`` checked against ``cat.SINK_QUERY``."""
        timeout = parse_timeout(q.get("_timeout_")) or 0.0
        start, length = q.get("_index_", 0), q.get("_length_", 1)
        request_id = q.get("requestId")
        wanted = [e for i, e in sorted(queue.entries.items()) if i not in queue.gone and i >= start
                  and request_id in (None, e.request_id)]
        for entry in wanted:               # a sink read is a poll of the jobs it waits for
            if entry.job_id:
                self.engine.read(entry.job_id)
        deadline = asyncio.get_running_loop().time() + min(timeout, cat.MAX_SINK_WAIT_S)
        count = max(1, min(length, cat.QUEUE_APPROX_MAX_LENGTH))
        while True:
            frames = self._frames(service, wanted, count)
            if frames or asyncio.get_running_loop().time() >= deadline:
                break
            if not self._worth_waiting(wanted):     # a job may have ended since the frames were looked for
                frames = self._frames(service, wanted, count)
                break
            await asyncio.sleep(0.02)
        if not frames:
            return Response(status_code=204)
        if q.get("_auto_delete_", "true") == "true":
            self._forget(queue.name, [f.index for f in frames])
        if q.get("_raw_") == "true":
            return Response(frames[0].data, 200, media_type="application/octet-stream")
        if cat.PROTOBUF in request.headers.get("accept", ""):
            return Response(encode_frames(frames), 200, media_type=cat.PROTOBUF)
        return _json_bytes(json.dumps([f.to_json() for f in frames]).encode())

    def _frames(self, service: Service, entries: list[Any], length: int) -> list[Frame]:
        frames = []
        for entry in entries:
            if not entry.job_id:               # put straight into the sink
                frames.append(Frame(entry.index, {**entry.tags, "requestId": entry.request_id},
                                    getattr(entry, "data", b"")))
                if len(frames) >= length:
                    break
                continue
            job = self.engine.peek(entry.job_id)
            if job is None or not job.phase.terminal or job.phase is Phase.CANCELED:   # withdrawn: no result
                continue
            status, data = self._result(service, job)
            tags = {**entry.tags, "requestId": entry.request_id, "lastCode": str(status)}
            frames.append(Frame(entry.index, tags, data, "" if status == 200 else data.decode("utf-8", "replace")))
            if len(frames) >= length:
                break
        return frames

    def _worth_waiting(self, entries: list[Any]) -> bool:
        """A long poll waits only for jobs that finish by themselves on the real clock."""
        if self.engine.clock.mode != "real":
            return False
        for entry in entries:
            job = self.engine.peek(entry.job_id) if entry.job_id else None
            if job is not None and not job.phase.terminal and job.phase is not Phase.PAUSED \
                    and parse_policy(job.policy).kind == "timed":
                return True
        return False

    def _result(self, service: Service, job: Job) -> tuple[int, bytes]:
        failure = job.forced_failure if not job.items else job.item_failure(job.items[0])
        if failure is not None:
            status, message = _failure_status(failure)
            return status, message.encode()
        play = job.record_as(EasRequest).play_us
        return 200, render.output(service.model, job.items[0], play, self.engine.seed)


def _status_of(code: str | None, message: str | None, status: int | None) -> tuple[int, str | None]:
    """A fault's ``code`` names the HTTP status (``"503"``); ``status`` may say it too."""
    named = _http_status(code)
    if named is not None:
        return named, message
    return status or 500, message or code


def _http_status(code: str | None) -> int | None:
    """A code that is an HTTP error status (400–599), as a number."""
    number = whole_number(code, digits=3)
    return number if number is not None and 400 <= number <= 599 else None


def _failure_status(failure: Failure) -> tuple[int, str]:
    if failure.code in cat.MEDIA_ERRORS:
        status, template = cat.MEDIA_ERRORS[failure.code]
        return status, template.format(detail=failure.message or failure.code)
    named = _http_status(failure.code)
    if named is not None:
        return named, failure.message or cat.STATUS_BODIES.get(named, "Error")
    return cat.BAD_REQUEST, failure.message or failure.code


def _text(message: str, status: int) -> Response:
    return Response(message.encode("utf-8"), status, media_type="text/plain; charset=utf-8")


def _json_bytes(body: bytes) -> Response:
    return Response(body, 200, media_type="application/json")
