"""An OpenAPI 3.1 document listing every route the emulator answers (control plane and vendor dialects)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from starlette.routing import Mount, Route

from emulator import __version__

if TYPE_CHECKING:
    from emulator.app import Emulator

_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def document(emulator: Emulator) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, route in walk_routes(emulator.routes):
        clean = _PARAM.sub(r"{\1}", path)
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in _PARAM.findall(path)]
        doc = (getattr(route.endpoint, "__doc__", None) or route.name or "").strip().splitlines()
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(clean, {})[method.lower()] = {
                "summary": doc[0] if doc else route.name, "operationId": f"{route.name}_{method.lower()}",
                "tags": ["control" if clean.startswith("/_emulator") else "vendor"],
                "parameters": params, "responses": {"200": {"description": "OK"}},
            }
    from emulator.vendors.tencent.ci import ROUTES

    for path, methods, summary in ROUTES:
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in _PARAM.findall(path)]
        for method in methods:
            paths.setdefault(path, {})[method.lower()] = {
                "summary": summary, "operationId": f"tencent_ci{path.replace('/', '_')}_{method.lower()}",
                "tags": ["vendor"], "parameters": params, "responses": {"200": {"description": "OK"}},
            }
    return {"openapi": "3.1.0", "info": {"title": "asr-emulator", "version": __version__}, "paths": paths}


def walk_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, Route]]:
    """Every HTTP route with its full path, mounts flattened."""
    out: list[tuple[str, Route]] = []
    for route in routes:
        if isinstance(route, Mount):
            out.extend(walk_routes(list(route.routes), prefix + route.path))
        elif isinstance(route, Route):
            out.append((prefix + route.path, route))
    return out
