"""PAI-EAS model services: ``POST /api/predict/<service>`` answered by one of the nine PAI Model Hub speech models,
and the queue service of asynchronous services (``/api/predict/<service>`` + ``/sink``).

The gateway finds the service (404), checks its token — raw, or the ``EAS`` HMAC that ``eas-prediction`` signs —
(401), then the processor reads ``{"input": {"url", "play_duration"}}`` (400 on bad input or media) and answers
with the model's output. Bodies of errors are short plain text, as the gateway's are.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulator.engine import Engine, Failure, FetchLimits, Job, JobStateError, Options, Phase
from emulator.engine import Request as FaultRequest
from emulator.engine.lifecycle import parse_policy, run_seconds
from emulator.vendors.eas import catalogue as cat
from emulator.vendors.eas import render
from emulator.vendors.eas.queue import Frame, Queue, encode_frames, parse_indexes, parse_timeout
from emulator.web import note, read_body, test_id

VENDOR = "eas"


class EasError(Exception):
    """An answer other than 200: an HTTP status and its plain-text body."""

    def __init__(self, status: int, message: str | None = None) -> None:
        self.status = status
        self.message = message or cat.STATUS_BODIES.get(status, "Error")
        super().__init__(self.message)


@dataclass(frozen=True)
class Service:
    name: str
    model: cat.Model
    token: str | None = None          # None: any token in permissive mode, none in strict mode
    is_async: bool = False            # a queue service in front of the model

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model.id, "token": self.token, "async": self.is_async}


@dataclass(frozen=True)
class Input:
    url: str
    play_us: int | None


def parse_service(entry: str, default_token: str | None = None) -> Service:
    """``name=model[:token[:async]]`` (environment and command line)."""
    name, sep, rest = entry.partition("=")
    model_id, _, tail = rest.partition(":")
    token, _, flag = tail.partition(":")
    if not sep or not valid_name(name) or model_id not in cat.MODELS or flag not in ("", "async", "sync"):
        raise ValueError(f"eas service {entry!r} is not 'name=model[:token[:async]]' with a model among "
                         f"{', '.join(cat.MODELS)}")
    return Service(name, cat.MODELS[model_id], token or default_token, flag == "async")


def service_from_json(name: str, value: Any) -> Service:
    if not valid_name(name):
        raise ValueError(f"{name!r} is not a service name (lower-case letters, digits, '_', '.', '-')")
    if not isinstance(value, dict) or value.get("model") not in cat.MODELS:
        raise ValueError(f"service {name!r} needs a 'model' among {', '.join(cat.MODELS)}")
    token = value.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        raise ValueError(f"service {name!r}: 'token' is a non-empty string or null")
    return Service(name, cat.MODELS[value["model"]], token, bool(value.get("async", False)))


def valid_name(name: str) -> bool:
    return 0 < len(name) <= 128 and set(name) <= cat.SERVICE_NAME_CHARS and name[0].isalnum()


def default_services(token: str) -> dict[str, Service]:
    out = {}
    for model in cat.MODELS.values():
        out[model.default_service] = Service(model.default_service, model, token)
        name = model.default_service + cat.ASYNC_SUFFIX
        out[name] = Service(name, model, token, is_async=True)
    return out


def parse_input(body: bytes) -> Input:
    """The processor's reading of ``{"input": {"url": …, "play_duration": …}}``; other fields are ignored."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EasError(cat.BAD_REQUEST, f"invalid request: the body is not JSON ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("input"), dict):
        raise EasError(cat.BAD_REQUEST, "invalid request: the body must be {\"input\": {\"url\": ...}}")
    data = payload["input"]
    url = data.get("url")
    if url is None:
        raise EasError(cat.BAD_REQUEST, "invalid request: input.url is required")
    if not isinstance(url, str) or not url.strip():
        raise EasError(cat.BAD_REQUEST, "invalid request: input.url must be a non-empty string")
    raw = data.get("play_duration")
    if raw is None or raw == "":
        return Input(url.strip(), None)
    value: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise EasError(cat.BAD_REQUEST, "invalid request: input.play_duration must be a positive number of "
                                        f"microseconds, got {raw!r}")
    return Input(url.strip(), int(min(value, 1e15)))


def eas_signature(token: str, string_to_sign: str) -> str:
    digest = hmac.new(token.encode(), string_to_sign.strip().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def string_to_sign(method: str, body: bytes, content_type: str, date: str, resource: str) -> str:
    return f"{method}\n{hashlib.md5(body).hexdigest()}\n{content_type}\n{date}\n{resource}"


def _well_formed_signature(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 20
    except (binascii.Error, ValueError):
        return False


class Eas:
    """The PAI-EAS dialect. ``services`` are added to the defaults (one per model, and an ``_async`` twin)."""

    def __init__(self, engine: Engine, *, token: str = cat.DEFAULT_TOKEN,
                 services: dict[str, Service] | None = None) -> None:
        self.engine = engine
        self.defaults = {**default_services(token), **(services or {})}
        self.services = dict(self.defaults)
        self.queues: dict[str, Queue] = {}
        engine.settings_hooks.append(self._reset)

    def _reset(self) -> None:
        self.services = dict(self.defaults)
        self.queues.clear()

    def routes(self) -> list[BaseRoute]:
        return [Route(cat.API_PREFIX + "{path:path}", self.handle, methods=["GET", "POST", "PUT", "DELETE"]),
                Route(cat.DISCOVERY_PREFIX + "{path:path}", self.discovery, methods=["GET"])]

    async def discovery(self, request: Request) -> Response:
        """Service discovery for the client's DIRECT endpoint type: the instances (here, this emulator) serving a
        service; the client then calls them without the gateway."""
        note(request, vendor=VENDOR, operation="discovery", test_id=test_id(request))
        service, _ = self.resolve(request.path_params["path"])
        if service is None:
            note(request, code="404")
            return _text(cat.STATUS_BODIES[404], 404)
        host = request.headers.get("host") or ""
        name, _, port = host.rpartition(":")
        if not port.isdigit():
            server = request.scope.get("server") or ("127.0.0.1", 80)
            name, port = str(server[0]), str(server[1])
        body = {"endpoints": {"items": [{"ip": name, "port": int(port), "weight": 100}]}}
        return _json_bytes(json.dumps(body).encode())

    def resolve(self, path: str) -> tuple[Service | None, str]:
        """The service a path after ``/api/predict/`` names, and what follows it (``sink``, a sub-path or "")."""
        parts = path.split("/")
        for cut in range(len(parts), 0, -1):
            service = self.services.get("/".join(parts[:cut]))
            if service is not None:
                return service, "/".join(parts[cut:])
        return None, ""

    # ---- the gateway -------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        tid = test_id(request)
        note(request, vendor=VENDOR, test_id=tid)
        try:
            service, suffix = self.resolve(request.path_params["path"])
            if service is None:
                note(request, operation="predict")
                raise EasError(404)
            operation = self._operation(request, service, suffix)
            note(request, operation=operation, model=service.model.id)
            body = await read_body(request, cat.MAX_BODY_BYTES)
            if body is None:
                raise EasError(413)
            self._authenticate(request, service, body)
            await self._request_faults(FaultRequest(VENDOR, operation, model=service.model.id, test_id=tid))
            if service.is_async:
                return await self._queue(request, service, suffix, operation, body)
            if request.method != "POST":
                raise EasError(405)
            return await self.predict(request, service, body)
        except EasError as exc:
            note(request, code=str(exc.status))
            return _text(exc.message, exc.status)
        except Exception as exc:  # never a traceback on the wire
            note(request, code="500", error=repr(exc))
            return _text(cat.STATUS_BODIES[500], 500)

    @staticmethod
    def _operation(request: Request, service: Service, suffix: str) -> str:
        if not service.is_async:
            return "predict"
        q = request.query_params
        if q.get("_attrs_") == "true":
            return "attributes"
        sink = suffix == cat.SINK
        if request.method == "POST" and not sink:
            return "enqueue"
        if request.method == "GET":
            return "sink" if sink else "queue"
        if request.method == "PUT":
            return "commit"
        return "truncate" if q.get("_trunc_") == "true" else "delete"

    def _authenticate(self, request: Request, service: Service, body: bytes) -> None:
        mode = self.engine.credentials.mode
        if mode == "off":
            return
        header = request.headers.get("authorization", "").strip()
        if not header:
            raise EasError(401)
        if service.token is None:      # a service configured without a token
            if mode == "strict":
                raise EasError(401)
            if header.startswith("EAS ") and not _well_formed_signature(header[4:].strip()):
                raise EasError(401)
            return
        if hmac.compare_digest(header.encode(), service.token.encode()):
            return
        if header.startswith("EAS "):
            expected = eas_signature(service.token, string_to_sign(
                request.method, body, request.headers.get("content-type", ""), request.headers.get("date", ""),
                request.url.path))
            if hmac.compare_digest(header[4:].strip().encode(), expected.encode()):
                return
        raise EasError(401)

    async def _request_faults(self, req: FaultRequest) -> None:
        fault = await self.engine.request_fault(req)
        if fault is not None:
            raise EasError(cat.THROTTLE_STATUS) if fault.throttle else \
                EasError(*_status_of(fault.code, fault.message, fault.status))

    # ---- synchronous inference ---------------------------------------------------------------------------

    async def predict(self, request: Request, service: Service, body: bytes) -> Response:
        spec = parse_input(body)
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
            params={"service": service.name, "play_duration": spec.play_us if spec else None},
            policy=policy, test_id=tid, failure=failure, fail_from=fail_from,
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
        if service.name not in self.queues:
            self.queues[service.name] = Queue(service.name)
        return self.queues[service.name]

    async def _queue(self, request: Request, service: Service, suffix: str, operation: str,
                     body: bytes) -> Response:
        q = request.query_params
        queue = self.queue(service)
        if suffix not in ("", cat.SINK):
            raise EasError(404)
        if operation == "attributes":
            return self._attributes(queue, sink=suffix == cat.SINK)
        if operation == "enqueue":
            return await self._enqueue(request, service, queue, body)
        if operation == "sink":
            if q.get("_watch_") == "true":
                raise EasError(cat.BAD_REQUEST, "watching a queue needs a WebSocket connection")
            return await self._sink(request, service, queue)
        if operation == "queue":
            raise EasError(cat.BAD_REQUEST, "reading the input queue is for the service's own instances")
        if operation == "truncate":
            below = q.get("_index_", "")
            if not below.isdigit():
                raise EasError(cat.BAD_REQUEST, "_index_ must be a whole number")
            self._drop(queue, [i for i in queue.entries if i < int(below)], suffix)
            return _text("OK", 200)
        indexes = parse_indexes(q.get("_indexes_"))
        if indexes is None:
            raise EasError(cat.BAD_REQUEST, "_indexes_ must list whole numbers separated by commas")
        if operation != "commit":            # committing is an acknowledgement: nothing changes here
            self._drop(queue, indexes, suffix)
        return _text("OK", 200)

    def _drop(self, queue: Queue, indexes: list[int], suffix: str) -> None:
        if suffix == cat.SINK:
            queue.delete(indexes)
            return
        for index in indexes:           # deleting from the input queue withdraws requests not yet processed
            entry = queue.entries.get(index)
            job = self.engine.peek(entry.job_id) if entry is not None else None
            if job is not None:
                with contextlib.suppress(JobStateError):
                    self.engine.cancel(job)
            queue.delete([index])

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
        entry = queue.put(request_id, job.id, tags)
        job.extra.update(queue_index=entry.index, request_id=request_id)
        return Response(str(entry.index).encode(), 200, media_type="text/plain",
                        headers={cat.REQUEST_ID_HEADER: request_id})

    def _attributes(self, queue: Queue, sink: bool) -> Response:
        jobs = {i: self.engine.peek(e.job_id) for i, e in queue.entries.items() if i not in queue.gone}
        done = [i for i, j in jobs.items() if j is not None and j.phase.terminal]
        pending = [i for i, j in jobs.items() if j is not None and not j.phase.terminal]
        members = done if sink else pending
        last = max(members, default=0) if sink else queue.last_index
        attrs = {"meta.name": f"{queue.name}/sink" if sink else queue.name, "meta.type": "stream",
                 "meta.maxPayloadBytes": str(cat.QUEUE_MAX_PAYLOAD), "stream.length": str(len(members)),
                 "stream.approxMaxLength": str(cat.QUEUE_APPROX_MAX_LENGTH), "stream.lastEntry": str(last),
                 "stream.firstEntry": str(min(members, default=0))}
        return _json_bytes(json.dumps(attrs).encode())

    async def _sink(self, request: Request, service: Service, queue: Queue) -> Response:
        q = request.query_params
        timeout = parse_timeout(q.get("_timeout_"))
        start, length = q.get("_index_", "0"), q.get("_length_", "1")
        if timeout is None or not start.isdigit() or not length.isdigit():
            raise EasError(cat.BAD_REQUEST, "_index_ and _length_ are whole numbers, _timeout_ a duration")
        request_id = q.get("requestId")
        wanted = [e for i, e in sorted(queue.entries.items()) if i not in queue.gone and i >= int(start)
                  and request_id in (None, e.request_id)]
        for entry in wanted:               # a sink read is a poll of the jobs it waits for
            self.engine.read(entry.job_id)
        deadline = asyncio.get_running_loop().time() + min(timeout, cat.MAX_SINK_WAIT_S)
        while True:
            frames = self._frames(service, wanted, max(1, int(length)))
            if frames or not self._worth_waiting(wanted) or asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.02)
        if not frames:
            return Response(status_code=204)
        if q.get("_auto_delete_", "true") == "true":
            queue.delete([f.index for f in frames])
        if q.get("_raw_") == "true":
            return Response(frames[0].data, 200, media_type="application/octet-stream")
        if cat.PROTOBUF in request.headers.get("accept", ""):
            return Response(encode_frames(frames), 200, media_type=cat.PROTOBUF)
        return _json_bytes(json.dumps([f.to_json() for f in frames]).encode())

    def _frames(self, service: Service, entries: list[Any], length: int) -> list[Frame]:
        frames = []
        for entry in entries:
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
            job = self.engine.peek(entry.job_id)
            if job is not None and not job.phase.terminal and job.phase is not Phase.PAUSED \
                    and parse_policy(job.policy).kind == "timed":
                return True
        return False

    def _result(self, service: Service, job: Job) -> tuple[int, bytes]:
        failure = job.forced_failure if not job.items else job.item_failure(job.items[0])
        if failure is not None:
            status, message = _failure_status(failure)
            return status, message.encode()
        play = job.params.get("play_duration")
        return 200, render.output(service.model, job.items[0], play, self.engine.seed)


def _status_of(code: str | None, message: str | None, status: int | None) -> tuple[int, str | None]:
    """A fault's ``code`` names the HTTP status (``"503"``); ``status`` may say it too."""
    if code and code.isdigit():
        return int(code), message
    return status or 500, message or code


def _failure_status(failure: Failure) -> tuple[int, str]:
    if failure.code in cat.MEDIA_ERRORS:
        status, template = cat.MEDIA_ERRORS[failure.code]
        return status, template.format(detail=failure.message or failure.code)
    if failure.code.isdigit():
        status = int(failure.code)
        return status, failure.message or cat.STATUS_BODIES.get(status, "Error")
    return cat.BAD_REQUEST, failure.message or failure.code


def _text(message: str, status: int) -> Response:
    return Response(message.encode("utf-8"), status, media_type="text/plain; charset=utf-8")


def _json_bytes(body: bytes) -> Response:
    return Response(body, 200, media_type="application/json")
