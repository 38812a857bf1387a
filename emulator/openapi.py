"""An OpenAPI 3.1 document listing every operation the emulator answers: the control plane's routes and every
operation the vendor dialects declare (RPC actions as ``/?Action=<name>``, the realtime WebSocket with
``x-websocket``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from emulator import __version__
from emulator.vendors.base import Dialect, Operation

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def document(operations: Sequence[tuple[Dialect, Operation]], control: Sequence[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    ids: set[str] = set()

    def add(path: str, method: str, entry: dict[str, Any]) -> None:
        base = entry["operationId"]
        n = 1
        while entry["operationId"] in ids:
            n += 1
            entry["operationId"] = f"{base}_{n}"
        ids.add(entry["operationId"])
        paths.setdefault(path, {})[method] = entry

    for path, route in walk_routes(list(control), "/_emulator"):
        doc = (getattr(route.endpoint, "__doc__", None) or route.name or "").strip().splitlines()
        for method in sorted((route.methods or set()) - {"HEAD"}):
            add(_clean(path), method.lower(), {
                "summary": doc[0] if doc else route.name, "operationId": f"control_{route.name}_{method.lower()}",
                "tags": ["control"], "parameters": _params(path), "responses": {"200": {"description": "OK"}}})
    for dialect, op in operations:
        path = f"/?Action={op.action}" if op.action else _clean(op.path)
        methods = ["get"] if op.websocket else [m.lower() for m in op.methods]
        for method in methods:
            entry: dict[str, Any] = {
                "summary": op.summary, "operationId": f"{dialect.name}_{op.name}_{method}", "tags": [dialect.name],
                "description": f"{dialect.title}: {op.name}" + (f" (host {op.host})" if op.host else ""),
                "parameters": [] if op.action else _params(op.path),
                "responses": {"200": {"description": "OK"}}}
            if op.websocket:
                entry["x-websocket"] = True
                entry["responses"] = {"101": {"description": "Switching Protocols (WebSocket)"}}
            add(path, method, entry)
    return {"openapi": "3.1.0", "info": {"title": "asr-emulator", "version": __version__}, "paths": paths}


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
