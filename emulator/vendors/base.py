"""The dialect contract: what a vendor dialect declares.

A dialect *declares* — its name, the requests it claims, its operations (name → handler, with method and path or
action and a summary), how it authenticates, its body limit, its error envelope, its settings section, the public
hosts it answers for, the local credentials SDK helpers use and its hypothesis strategies — and
``emulator.pipeline.run`` *runs* it, in the same order for every vendor::

    journal note → bounded body read → route to an operation → authenticate → request faults → rate limit
    → handler → response
    VendorError → the dialect's envelope;  any other exception → logged with its traceback, journaled with its type
    and location, answered with the dialect's internal-error envelope.

Copy ``tests/vendors/test_base.py`` (a toy dialect) to start a new vendor; CONTRIBUTING.md says where facts go.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Scope
from starlette.websockets import WebSocket

from emulator.config import Settings
from emulator.declare import Invalid, Problem, Schema, object_of
from emulator.engine import Engine
from emulator.engine import Request as FaultRequest
from emulator.engine.core import RequestFault
from emulator.inputs import BadInput, parse_json
from emulator.web import note

log = logging.getLogger("asr_emulator")

Handler = Callable[["Call"], Awaitable[Response]]
SocketHandler = Callable[[WebSocket], Awaitable[None]]
_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


class NoRoute(Exception):
    """No operation of the dialect answers this method and path (404), or not this method (405): the app answers
    with the routes closest to what was asked."""

    def __init__(self, status: int = 404) -> None:
        super().__init__(status)
        self.status = status


class VendorError(Exception):
    """An answer in the vendor's own words: ``code``, ``message`` and HTTP ``status``. Each dialect derives its
    error class from this one and renders it in its envelope (``Dialect.error_response``)."""

    reason: str | None = None       # why, in the emulator's words, for the journal (the vendor's message may not say)

    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        self.code = code
        self.message = message if message is not None else code
        self.status = status or 400
        super().__init__(self.message)

    closes: bool = False            # answer, then close the connection (the rest of the body is not read)

    def because(self, reason: str) -> VendorError:
        self.reason = reason
        return self

    def closing(self) -> VendorError:
        self.closes = True
        return self


@dataclass(frozen=True)
class Param:
    """A parameter an operation reads, for the API document: ``where`` is query, header or path."""

    name: str
    where: str = "query"
    required: bool = False
    description: str = ""
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})


def params_of(schema: dict[str, Any], where: str) -> tuple[Param, ...]:
    """The parameters an object schema declares (``object_of``), placed in ``where`` (query, header, path)."""
    required = set(schema.get("required", ()))
    return tuple(Param(name, where, name in required, str(sub.get("description", "")), sub)
                 for name, sub in schema.get("properties", {}).items())


@dataclass(frozen=True)
class Doc:
    """An operation's declaration: its parameters, its request body and its answer (media type and JSON Schema
    each), and its WebSocket messages by name. What it declares is documented (``emulator.openapi``), fuzzed
    (``fuzz.declared``) and, for the parts named in ``check``, checked by the pipeline before the handler runs
    (``emulator.declare``): the handler reads the typed values from ``call.input[part]``.

    ``check``: the parts the pipeline checks — ``path``, ``query``, ``header`` (each the ``params`` there, as an
    object), ``body`` (the ``body`` schema, read as ``body_format``: ``json``, ``form``, or ``params`` when the
    dialect reads it itself in ``Dialect.input_values``). ``unknown``: the leniency rule under which body names the
    schema does not declare are dropped with a warning (refused in strict mode); without one they are refused when
    the schema says ``additionalProperties: false``; ``closed``: the ``params`` parts (query, header) that hold no
    names but the declared ones."""

    params: tuple[Param, ...] = ()
    body: tuple[str, dict[str, Any]] | None = None
    response: tuple[str, dict[str, Any]] | None = None
    description: str = ""
    check: tuple[str, ...] = ()
    body_format: str = "json"
    unknown: str | None = None
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: tuple[str, ...] = ()

    def part_schema(self, part: str) -> dict[str, Any] | None:
        """The JSON Schema of one part: ``body``'s, or an object of the ``params`` in that place."""
        if part == "body":
            return self.body[1] if self.body else None
        params = [p for p in self.params if p.where == part]
        if not params:
            return None
        lower = part == "header"            # header names are matched in lower case
        return object_of({p.name.lower() if lower else p.name: p.schema for p in params},
                         [p.name.lower() if lower else p.name for p in params if p.required],
                         extra=part not in self.closed)


@dataclass(frozen=True)
class Operation:
    """One thing a vendor API does. ``path`` is a template (``/api/v1/tasks/{task_id}``, ``{rest:path}``), matched
    by the default ``Dialect.route``; ``action`` names an RPC action (POP, API 3.0) that the dialect routes itself.
    ``auth=False``: no credential (signed links, uploads with a policy). ``faults=False``: the handler applies
    request faults itself, once it knows the model and media. ``rate``: requests a second per account (applied only
    when rate limits are on). ``query`` is the query parameter that tells the operation apart from others on the same
    method and path (``uploads``, ``_attrs_=true``), and ``doc`` what the API document says of it: both describe,
    neither routes."""

    name: str
    summary: str
    handler: Handler | None = None
    methods: tuple[str, ...] = ()
    path: str = ""
    action: str = ""
    host: str = ""
    auth: bool = True
    faults: bool = True
    rate: int | None = None
    socket: SocketHandler | None = None
    query: str = ""
    doc: Doc | None = None
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    checks: tuple[tuple[str, Schema], ...] = field(default=(), compare=False, repr=False)
    message_checks: dict[str, Schema] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.path and self.pattern is None:
            regex = "^" + _PARAM.sub(lambda m: f"(?P<{m.group(1)}>.+)" if m.group(2) == "path"
                                     else f"(?P<{m.group(1)}>[^/]+)", re.escape(self.path).replace(r"\{", "{")
                                     .replace(r"\}", "}")) + "$"
            object.__setattr__(self, "pattern", re.compile(regex))
        if self.doc is not None:           # the declaration's checks, compiled once
            parts = []
            for part in self.doc.check:
                schema = self.doc.part_schema(part)
                if schema is None:
                    raise ValueError(f"{self.name}: nothing is declared in {part} to check")
                text = part == "body" and self.doc.body_format == "form"     # a form body is text, as a query
                parts.append((part, Schema(schema, "form" if text else part)))
            object.__setattr__(self, "checks", tuple(parts))
            object.__setattr__(self, "message_checks",
                               {name: Schema(schema, name) for name, schema in self.doc.messages.items()})

    def checked(self, part: str, value: Any) -> Any:
        """One declared part checked outside the pipeline (a WebSocket's handshake query): typed, or ``Invalid``."""
        return dict(self.checks)[part].check(value)

    def message(self, name: str, value: Any) -> Any:
        """A WebSocket message checked against its declaration (``Doc.messages``): typed, or ``Invalid``."""
        return self.message_checks[name].check(value)

    def match(self, path: str) -> dict[str, str] | None:
        if self.pattern is None:
            return None
        found = self.pattern.match(path)
        return None if found is None else found.groupdict()

    @property
    def websocket(self) -> bool:
        return self.socket is not None

    @classmethod
    def refusal(cls, name: str, error: VendorError) -> Operation:
        """An operation that answers ``error``: for RPC dialects whose gateway checks the signature before it
        says the action or version is wrong."""

        async def refuse(call: Call) -> Response:
            raise error

        return cls(name, "", refuse, faults=False)


@dataclass
class Call:
    """One request on its way through the pipeline: what the handler gets."""

    request: Request
    dialect: Dialect
    body: bytes = b""
    operation: Operation | None = None
    params: dict[str, str] = field(default_factory=dict)     # path parameters
    account: str = ""                                         # who the credential says is calling
    credential: str = ""      # the credential id the request carries, where ``account`` names something else
    #                           (a PAI-EAS service, a COS bucket): the account in ``X-ASR-Emulator-Account``
    context: Any = None                                       # what the dialect parsed while routing
    input: dict[str, Any] = field(default_factory=dict)       # the declared parts, checked and typed
    text_parts: set[str] = field(default_factory=set)         # parts whose values all arrived as text
    model: str | None = None                                  # the model, when routing tells (fault matching)
    test_id: str | None = None

    @property
    def engine(self) -> Engine:
        return self.dialect.engine

    def note(self, **fields: Any) -> None:
        note(self.request, **fields)

    def lenient(self, rule: str) -> bool:
        """The dialect's :meth:`Dialect.lenient` for this request."""
        return self.dialect.lenient(self.request, rule)

    def limit(self, key: tuple[str, ...], per_second: int) -> None:
        """The vendor's throttling error when rate limits are on and ``key`` has used its ``per_second``."""
        engine = self.engine
        if engine.rate_limits and not engine.limiter.allow((self.dialect.name, *key), per_second):
            raise self.dialect.throttled()

    async def faults(self, operation: str | None = None, model: str | None = None,
                     media: Sequence[str] = ()) -> None:
        """Apply the request faults matching this call (latency, throttling, a vendor error)."""
        if not self.engine.faults.active:
            return
        name = operation or (self.operation.name if self.operation else "")
        fault = await self.engine.request_fault(FaultRequest(self.dialect.name, name, model=model or self.model,
                                                             media=list(media), test_id=self.test_id))
        if fault is not None:
            raise self.dialect.throttled() if fault.throttle else self.dialect.fault_error(fault)


class Dialect(ABC):
    """The base every vendor dialect derives from; the class attributes are its declarations."""

    name: ClassVar[str]                          # the vendor name in journals, fault rules and job records
    title: ClassVar[str]                         # the public product name
    hosts: ClassVar[tuple[str, ...]] = ()        # the public hostnames it answers (regular expressions)
    body_limit: ClassVar[int] = 1024 * 1024      # bytes read of a request body, at most
    settings_key: ClassVar[str | None] = None    # its section in /_emulator/settings
    strategies: ClassVar[str | None] = None      # the module of its hypothesis strategies (emulator.testing gathers)
    # what it accepts that the vendor refuses, for local use: rule → (the vendor's code, what is accepted)
    leniency: ClassVar[dict[str, tuple[str, str]]] = {}
    # for the API document: its error envelope (media type, JSON Schema) and how its requests carry credentials
    # (an OpenAPI security scheme)
    error_envelope: ClassVar[tuple[str, dict[str, Any]]] = (
        "application/json", {"type": "object", "properties": {"code": {"type": "string"},
                                                              "message": {"type": "string"}}})
    security_scheme: ClassVar[dict[str, Any] | None] = None
    # a blank query value stands for an absent one when the vendor's clients send unset parameters blank
    blank_is_absent: ClassVar[bool] = False

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings

    # ---- declarations ------------------------------------------------------------------------------------

    @abstractmethod
    def operations(self) -> Sequence[Operation]:
        """Everything the vendor API does, as the pipeline routes it and the documents list it."""

    @abstractmethod
    def claims(self, scope: Scope) -> bool | None:
        """Whether this dialect answers the request; None when only the body can tell (``claims_body``)."""

    def claims_body(self, scope: Scope, body: bytes) -> bool:
        return False

    def default_credentials(self) -> dict[str, str]:
        """The local credentials the SDK helpers and ``asr-emulator env`` use (name → value)."""
        return {}

    def vendor_phase(self, job: Any) -> str:
        """A job's phase in the vendor's own words (``PENDING``, ``21050001 RUNNING``, ``Submitted`` …)."""
        return str(job.phase.value)

    def callback_render(self, job: Any) -> Callable[[Any], tuple[bytes, str]] | None:
        """The function that renders a job's callback body, for deliveries resumed after a restart (a state
        directory); None for a vendor without callbacks."""
        return None

    def job_documents(self, job: Any, base_url: str) -> list[tuple[str, str, bytes]]:
        """What the vendor answers about a job, as a client reads it: (title, media type, bytes) — the query
        answer and any result documents. Rendering has no side effects (it does not count as a poll)."""
        return []

    def env_lines(self, base_url: str) -> list[str]:
        """Lines of ``asr-emulator env``: comments and ``export`` lines pointing this vendor's SDK here."""
        return []

    def settings_json(self) -> Any:
        return None

    def apply_settings(self, value: Any) -> None:
        """Change the run-time settings section (``POST /_emulator/settings``); ``ValueError`` for bad input."""
        raise ValueError(f"{self.settings_key} has no settings to change")

    def restore_settings(self, value: Any) -> None:
        """Take a kept section (``settings_json`` as a state directory, another worker or instance kept it) as the
        whole of the run-time settings, over the defaults. The default: ``apply_settings``; a dialect whose
        ``apply_settings`` merges (adds to a table) says here what the kept section leaves out."""
        self.apply_settings(value)

    # ---- the envelope ------------------------------------------------------------------------------------

    @abstractmethod
    def error_response(self, call: Call, exc: VendorError) -> Response:
        """A ``VendorError`` in the vendor's envelope (body, status, content type)."""

    def internal_error(self, exc: BaseException) -> VendorError:
        return VendorError("InternalError", "internal error", 500)

    def invalid(self, call: Call, problem: Problem) -> VendorError:
        """Input that does not match its declaration, in the vendor's words (``problem.kind``: type, enum,
        minimum, maximum, required, unknown, length, items, pattern, json; ``problem.schema.get("x-error")``: a
        field's own code)."""
        return VendorError("InvalidParameter", problem.message, 400)

    def throttled(self) -> VendorError:
        return VendorError("Throttling", "too many requests", 429)

    def fault_error(self, fault: RequestFault) -> VendorError:
        return VendorError(fault.code or "InternalError", fault.message, fault.status)

    def too_large(self, request: Request) -> VendorError:
        return VendorError("RequestTooLarge", "the request body is too large", 413)

    # ---- the steps the pipeline calls --------------------------------------------------------------------

    def body_limit_for(self, request: Request) -> int:
        return self.body_limit

    def lenient(self, request: HTTPConnection, rule: str) -> bool:
        """Whether to accept what the vendor refuses under ``rule`` (a key of ``leniency``): never in strict mode;
        otherwise yes, and said — on the journal entry, in an ``X-ASR-Emulator-Warning`` header, in
        ``/_emulator/warnings``."""
        if self.engine.leniency.strict:
            return False
        code, what = self.leniency[rule]
        accepted = self.engine.leniency.record(self.name, rule, code, what, self.engine.clock.now())
        state = request.scope.setdefault("state", {})
        state.setdefault("warnings", []).append(accepted.header())
        journal = state.setdefault("journal", {})
        journal["warnings"] = [*journal.get("warnings", []), f"{self.name}/{rule}"]
        return True

    def server_name(self, call: Call) -> str | None:
        """The ``Server`` header the vendor's own servers send, where the briefs record one."""
        return None

    def input_values(self, call: Call) -> dict[str, Any]:
        """The raw values of an operation's declared parts, before they are checked: path parameters, the query
        (the last of repeated names), headers (lower-case names) and the body as its ``Doc.body_format`` says. A
        body that cannot be read raises ``Invalid`` (kind ``json``)."""
        request, doc = call.request, call.operation.doc if call.operation else None
        checked = doc.check if doc is not None else ()
        values: dict[str, Any] = {}
        if "path" in checked:
            values["path"] = dict(call.params)
        if "query" in checked:
            values["query"] = present(request.query_params) if self.blank_is_absent else dict(request.query_params)
        if "header" in checked:
            values["header"] = {k.lower(): v for k, v in request.headers.items()}
        if doc is not None and "body" in checked:
            values["body"] = self.read_body(call, doc)
        return values

    def read_body(self, call: Call, doc: Doc) -> Any:
        """The body as its ``Doc.body_format`` says (json, form); a dialect reads the formats of its own."""
        return read_body_as(call.body, doc.body_format)

    def streams_body(self, request: Request) -> bool:
        """True when the handler reads the body itself, in chunks (large uploads); the pipeline then leaves it."""
        return False

    async def route(self, call: Call) -> Operation:
        """The operation of a request: by method and path template among the declared operations."""
        path, method = call.request.scope["path"], call.request.method
        allowed = False
        for op in self.operations():
            if op.websocket:
                continue
            params = op.match(path)
            if params is None:
                continue
            if method in op.methods or (method == "HEAD" and "GET" in op.methods):
                call.params = params
                return op
            allowed = True
        raise NoRoute(405 if allowed else 404)

    def socket_operation(self, path: str) -> Operation | None:
        """The WebSocket operation that answers ``path``, if any."""
        return next((o for o in self.operations() if o.socket is not None and o.match(path) is not None), None)

    async def authenticate(self, call: Call) -> str:
        """The account a request's credential names; raise the vendor's auth error. Use
        ``engine.credentials.verdict`` for the mode (permissive, strict, off)."""
        return "anonymous"


def present(values: Mapping[str, str]) -> dict[str, str]:
    """The parameters given a value (a blank one stands for an absent one)."""
    return {k: v for k, v in values.items() if v != ""}


def read_body_as(body: bytes, body_format: str) -> Any:
    """A body as JSON (``parse_json``'s bounds; empty: an empty object) or a form (name → the last value)."""
    if body_format == "form":
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if not body.strip():
        return {}
    try:
        return parse_json(body)
    except BadInput as exc:
        raise Invalid(Problem("body", (), "json", str(exc), {})) from None


__all__ = ["Call", "Dialect", "Handler", "NoRoute", "Operation", "SocketHandler", "VendorError", "params_of",
           "present", "read_body_as"]
