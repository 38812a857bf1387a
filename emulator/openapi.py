"""The OpenAPI 3.1 document: the control plane's routes (with the bodies in ``emulator.schemas``) and every operation
the vendor dialects declare, with each vendor's error envelope and credentials.

Several vendor operations share a method and path and are told apart by a query parameter (COS ``?uploads``, EAS
``?_attrs_=true``) or by an RPC action (NLS and Tencent API 3.0 on ``/``): each gets its own path item, keyed with
that query (``/?Action=SubmitTask``, ``/api/predict/{service}?_attrs_=true``), so that every action is described
on its own. Operations the vendor tells apart only by what they are called on (an EAS service is synchronous or a
queue) share one entry that names both. The realtime WebSocket is a ``GET`` with ``x-websocket`` and its messages in
``x-websocket-messages``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from emulator import __version__
from emulator.engine.accounts import ACCOUNT_HEADER
from emulator.schemas import ROUTE_DOCS, SCHEMAS, RouteDoc, ref
from emulator.vendors.base import Dialect, Operation

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
CONTROL_TOKEN = "controlToken"
OPEN_CONTROL = frozenset({"health"})
UNSCOPED = frozenset({"warnings", "media_get", "fixtures", "fixture", "openapi"})   # the same for every account


def document(dialects: Sequence[Dialect], operations: Sequence[tuple[Dialect, Operation]],
             control: Sequence[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    ids: set[str] = set()
    schemas: dict[str, Any] = dict(SCHEMAS)
    security: dict[str, Any] = {CONTROL_TOKEN: {
        "type": "http", "scheme": "bearer",
        "description": "the control token (serve --control-token, ASR_EMULATOR_CONTROL_TOKEN); needed only when "
                       "one is set — always beyond loopback"}}

    def add(path: str, method: str, entry: dict[str, Any]) -> None:
        item = paths.setdefault(path, {})
        if method in item:            # the vendor tells these apart by what they are called on: one entry
            first = item[method]
            first["summary"] = f"{first['summary']} / {entry['summary']}"
            first["description"] = f"{first['description']}\n\n{entry['description']}"
            return
        base, n = entry["operationId"], 1
        while entry["operationId"] in ids:
            n += 1
            entry["operationId"] = f"{base}_{n}"
        ids.add(entry["operationId"])
        item[method] = entry

    for path, route in walk_routes(list(control), "/_emulator"):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            add(_clean(path), method.lower(), _control_entry(path, route, method))

    for dialect in dialects:
        _, schema = dialect.error_envelope
        schemas[f"{dialect.name}_error"] = schema
        if dialect.security_scheme is not None:
            security[dialect.name] = dialect.security_scheme
    for dialect, op in operations:
        path = f"/?Action={op.action}" if op.action else _clean(op.path) + (f"?{op.query}" if op.query else "")
        for method in (["get"] if op.websocket else [m.lower() for m in op.methods]):
            add(path, method, _vendor_entry(dialect, op, method))

    return {
        "openapi": "3.1.0",
        "info": {"title": "asr-emulator", "version": __version__,
                 "description": "A local emulator of speech-recognition cloud APIs (DashScope, NLS, PAI-EAS, "
                                "Tencent ASR and CI/COS) and its control plane. Vendor requests are told apart by "
                                "their Host header, path and parameters; every host is served on one port."},
        "servers": [{"url": "/", "description": "this emulator"}],
        "tags": [{"name": "control", "description": "The control plane under /_emulator"},
                 *({"name": d.name, "description": d.title} for d in dialects)],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security},
    }


def _control_entry(path: str, route: Route, method: str) -> dict[str, Any]:
    doc = ROUTE_DOCS.get((route.name, method), RouteDoc(route.name))
    params: list[dict[str, Any]] = [*_params(path),
                                    *({"name": n, "in": "query", "required": False, "description": d,
                                       "schema": {"type": "string"}} for n, d in doc.query)]
    if route.name == "job_action":
        params[-1]["schema"] = {"enum": ["advance", "complete", "fail", "pause", "resume"]}
    if route.name not in OPEN_CONTROL and route.name not in UNSCOPED:
        params.append({"name": ACCOUNT_HEADER, "in": "header", "required": False, "schema": {"type": "string"},
                       "description": "act for one account only: its credential ids (API key, AccessKey ID, "
                                      "SecretId, EAS token), separated by commas; without it, for every account"})
    ok: dict[str, Any] = {"description": doc.summary}
    if doc.response is not None:
        ok["content"] = {"application/json": {"schema": ref(doc.response)}}
    elif doc.media != "application/json":
        ok["content"] = {doc.media: {"schema": {"type": "string", "contentEncoding": "binary"}}}
    else:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    error = {"content": {"application/json": {"schema": ref("Error")}}}
    entry: dict[str, Any] = {
        "summary": doc.summary, "operationId": f"control_{route.name}_{method.lower()}", "tags": ["control"],
        "description": doc.summary, "parameters": params,
        "responses": {str(doc.status): ok,
                      "400": {"description": "bad input", **error},
                      "401": {"description": "the control token is missing or wrong", **error}},
        "security": [] if route.name in OPEN_CONTROL else [{}, {CONTROL_TOKEN: []}],
    }
    if _params(path):
        entry["responses"]["404"] = {"description": "not found", **error}
    if route.name in ("job_action", "clock") and method == "POST":
        entry["responses"]["409"] = {"description": "not now: the job has ended, or the clock cannot go back, or "
                                                    "an account tried to change the server's clock", **error}
    if route.name in ("reset", "settings") and method == "POST":
        entry["responses"]["409"] = {"description": "an account tried to change the server's settings", **error}
    if route.name in ("media_upload",):
        entry["responses"]["413"] = {"description": "too large", **error}
        entry["responses"]["415"] = {"description": "not audio the emulator can read", **error}
    if doc.request is not None:
        entry["requestBody"] = {"required": route.name != "reset",
                                "content": {"application/json": {"schema": ref(doc.request)}}}
    if route.name == "media_upload":
        entry["requestBody"] = {"required": True, "content": {
            "audio/wav": {"schema": {"type": "string", "contentEncoding": "binary"}},
            "application/octet-stream": {"schema": {"type": "string", "contentEncoding": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "contentEncoding": "binary"}, "text": {"type": "string"}},
                "required": ["file"]}}}}
    return entry


def _vendor_entry(dialect: Dialect, op: Operation, method: str) -> dict[str, Any]:
    doc = op.doc
    where = f" (host {op.host})" if op.host else ""
    description = f"{dialect.title}: `{op.name}`{where}." + (f" {doc.description}" if doc and doc.description else "")
    params: list[dict[str, Any]] = [] if op.action else _params(op.path)
    if op.action:
        params.append({"name": "Action", "in": "query", "required": False, "schema": {"const": op.action},
                       "description": "the action (NLS: in the query; Tencent API 3.0: in X-TC-Action)"})
    elif op.query:
        name, _, value = op.query.partition("=")
        params.append({"name": name, "in": "query", "required": True,
                       "schema": {"const": value} if value else {"type": "string"}})
    for p in doc.params if doc else ():
        if not any(x["name"] == p.name and x["in"] == p.where for x in params):
            params.append({"name": p.name, "in": p.where, "required": p.required or p.where == "path",
                           "description": p.description, "schema": p.schema})
    media, _ = dialect.error_envelope
    ok: dict[str, Any] = {"description": "the vendor's answer"}
    if doc and doc.response:
        ok["content"] = {doc.response[0]: {"schema": doc.response[1]}}
    entry: dict[str, Any] = {
        "summary": op.summary, "operationId": f"{dialect.name}_{op.name}_{method}", "tags": [dialect.name],
        "description": description, "parameters": params,
        "responses": {"200": ok, "default": {
            "description": f"an error in {dialect.title}'s envelope",
            "content": {media: {"schema": ref(f"{dialect.name}_error")}}}},
        "security": [{dialect.name: []}] if op.auth and dialect.security_scheme is not None else [],
    }
    if doc and doc.body and method not in ("get", "head", "delete"):
        entry["requestBody"] = {"required": True, "content": {doc.body[0]: {"schema": doc.body[1]}}}
    if op.websocket:
        entry["x-websocket"] = True
        entry["responses"] = {"101": {"description": "Switching Protocols: the realtime WebSocket"}}
        if doc and doc.body:
            entry["x-websocket-messages"] = doc.body[1]
        if doc and doc.messages:       # the client's messages as declared (and checked when they arrive)
            entry["x-websocket-message-schemas"] = doc.messages
    return entry


def _clean(path: str) -> str:
    return _PARAM.sub(r"{\1}", path)


def _params(path: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in _PARAM.findall(path)]


def walk_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, Route]]:
    """Every HTTP route with its full path, mounts flattened."""
    out: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Mount):
            out.extend(walk_routes(list(route.routes), prefix + route.path))
        elif isinstance(route, Route):
            out.append((prefix + route.path, route))
    return out
