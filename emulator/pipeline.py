"""The one request pipeline every vendor dialect's requests run through (the contract is in
``emulator.vendors.base``)::

    journal note → bounded body read → route to an operation → authenticate → request faults → rate limit
    → handler → response

A ``VendorError`` becomes the dialect's envelope. Anything else is a bug, never disguised as a vendor answer: it is
logged with its traceback, journaled with its type and the place it happened, and answered with the dialect's
internal-error envelope (what the vendor's own failure looks like to a client).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from emulator.declare import Invalid
from emulator.engine.accounts import CURRENT_ACCOUNT
from emulator.engine.jobs import CURRENT_OPERATION
from emulator.vendors.base import Call, Dialect, NoRoute, VendorError
from emulator.web import read_body, replay, test_id

log = logging.getLogger("asr_emulator")
WARNING_HEADER = "X-ASR-Emulator-Warning"
WARNING_NAME = WARNING_HEADER.lower().encode("ascii")

Fallback = Callable[[Request, int], Awaitable[Response]]


async def run(dialect: Dialect, scope: Scope, receive: Receive, send: Send, fallback: Fallback) -> None:
    """The one pipeline (see the module's docstring); ``fallback`` answers requests no operation matches."""
    if scope["type"] == "websocket":
        await _run_socket(dialect, scope, receive, send)
        return
    request = Request(scope, receive)
    call = Call(request, dialect, test_id=test_id(request))
    too_large = False
    call.note(vendor=dialect.name, test_id=call.test_id)
    CURRENT_ACCOUNT.set(None)
    try:
        if _has_body(scope) and not dialect.streams_body(request):
            body = await read_body(request, dialect.body_limit_for(request))
            if body is None:
                too_large = True
                raise dialect.too_large(request)
            call.body = body
            call.request = request = Request(scope, replay(body, receive))    # handlers may parse it again
        op = await dialect.route(call)
        call.operation = op
        call.note(operation=op.name)
        CURRENT_OPERATION.set(op.name)
        if op.auth:
            call.account = await dialect.authenticate(call)
            credential = call.credential or call.account
            CURRENT_ACCOUNT.set(credential)
            call.note(account=credential)
        if op.checks:
            check_input(call)
        if op.faults:
            await call.faults()
        if op.rate is not None:
            call.limit((op.name, call.account), op.rate)
        if op.handler is None:
            raise NoRoute(404)
        response = await op.handler(call)
    except NoRoute as exc:
        response = await fallback(request, exc.status)
    except VendorError as exc:
        call.note(code=exc.code, reason=exc.reason or exc.message)
        response = dialect.error_response(call, exc)
        if too_large or exc.closes:     # the rest of the body is not read: the connection closes after the answer
            response.headers["connection"] = "close"
    except Exception as exc:
        response = _internal(dialect, call, exc)
    server = dialect.server_name(call)
    raw = response.raw_headers
    if server:
        raw[:] = [(k, v) for k, v in raw if k.lower() != b"server"]
        raw.append((b"server", server.encode("latin-1")))
    for warning in scope.get("state", {}).get("warnings", ()):
        raw.append((WARNING_NAME, warning.encode("ascii", "replace")))
    await response(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    """Whether a request says it has a body (``Content-Length`` above 0, or chunked): a GET without one is not read
    (its empty body, replayed, would cost more than the rest of a task query)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return bool(value != b"0")
        if name == b"transfer-encoding":
            return True
    return False


def check_input(call: Call) -> None:
    """The operation's declared parts read, typed and checked into ``call.input``; a mismatch is the dialect's
    error (``Dialect.invalid``). Undeclared body names are dropped under the declaration's leniency rule (said),
    refused otherwise."""
    op, dialect = call.operation, call.dialect
    assert op is not None and op.doc is not None
    try:
        values = dialect.input_values(call)
        for part, schema in op.checks:
            value = values.get(part, {})
            try:
                call.input[part] = schema.check(value, text=True if part in call.text_parts else None)
            except Invalid as exc:
                rule = op.doc.unknown
                if exc.problem.kind != "unknown" or rule is None or not call.lenient(rule):
                    raise
                call.input[part] = schema.check(value, text=True if part in call.text_parts else None,
                                                drop_unknown=True)
    except Invalid as exc:
        raise dialect.invalid(call, exc.problem).because(exc.problem.message) from None


def _internal(dialect: Dialect, call: Call, exc: Exception) -> Response:
    """A bug, not a vendor answer: logged with its traceback, journaled with its type and place, and answered with
    the vendor's internal-error envelope (a client sees what the vendor's own failure looks like)."""
    where = _where(exc)
    log.error("%s: unhandled %s in %s %s at %s", dialect.name, type(exc).__name__, call.request.method,
              call.request.url.path, where, exc_info=exc)
    error = dialect.internal_error(exc)
    call.note(code=error.code, error=f"{type(exc).__name__}: {exc} at {where}")
    try:
        return dialect.error_response(call, error)
    except Exception as again:      # the envelope itself failed: a plain 500, still no traceback on the wire
        log.error("%s: the internal-error envelope failed too", dialect.name, exc_info=again)
        return Response(b"internal emulator error", 500, media_type="text/plain")


def _where(exc: BaseException) -> str:
    """Where a bug happened: the innermost frame outside the pipeline and installed libraries."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    own = [f for f in frames if "site-packages" not in f.filename and not f.filename.endswith("pipeline.py")]
    last = own[-1] if own else frames[-1]
    parts = Path(last.filename).parts
    root = next((parts.index(p) for p in ("emulator", "tests", "examples") if p in parts), len(parts) - 1)
    return f"{'/'.join(parts[root:])}:{last.lineno} in {last.name}"


async def _run_socket(dialect: Dialect, scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    op = dialect.socket_operation(path)
    if op is None or op.socket is None:
        await send({"type": "websocket.close", "code": 1008})
        return
    sent: dict[str, bool] = {"accepted": False, "closed": False}

    async def tracking_send(message: Message) -> None:
        if message["type"] == "websocket.accept":
            sent["accepted"] = True
        elif message["type"] in ("websocket.close", "websocket.http.response.start"):
            sent["closed"] = True
        await send(message)

    ws = WebSocket(scope, receive, tracking_send)
    try:
        await op.socket(ws)
    except Exception as exc:
        where = _where(exc)
        log.error("%s: unhandled %s on the WebSocket %s at %s", dialect.name, type(exc).__name__, path, where,
                  exc_info=exc)
        dialect.engine.journal.record(time=dialect.engine.clock.now(), method="WEBSOCKET", path=path, status=500,
                                      latency_ms=0.0, vendor=dialect.name, operation=op.name, code="InternalError",
                                      error=f"{type(exc).__name__}: {exc} at {where}",
                                      test_id=ws.headers.get("x-test-id"))
        if not sent["closed"]:
            try:
                await tracking_send({"type": "websocket.close", "code": 1011})
            except Exception:   # the peer is gone already
                log.debug("%s: could not close the WebSocket after an error", dialect.name)


__all__ = ["Fallback", "run"]
