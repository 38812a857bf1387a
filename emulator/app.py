"""The one ASGI app: dispatch, the control plane and the vendor dialects, built from settings.

The outer layer normalises absolute-form request targets (the SDKs' proxy mode), stamps every response with
``X-ASR-Emulator``, writes the journal and turns anything unexpected into a JSON 500 instead of a traceback.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import random
import re
import time
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from emulator import __version__
from emulator.config import Settings
from emulator.control import Control
from emulator.engine import Engine
from emulator.engine import Request as FaultRequest
from emulator.engine.faults import TRANSPORT_ACTIONS
from emulator.fixtures import load_fixtures
from emulator.openapi import walk_routes
from emulator.vendors.dashscope import DashScope
from emulator.vendors.eas import Eas, parse_service
from emulator.vendors.nls import Nls
from emulator.vendors.nls.catalogue import AppModel
from emulator.vendors.tencent import TencentAsr, TencentCi, is_tc3
from emulator.vendors.tencent.asr import is_legacy as is_tencent_legacy
from emulator.vendors.tencent.catalogue import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY

log = logging.getLogger("asr_emulator")
HEADER = (b"x-asr-emulator", __version__.encode())


class Emulator:
    """``Emulator(settings)`` is an ASGI app; ``.engine`` is its engine, ``.settings`` its settings."""

    def __init__(self, settings: Settings | None = None, engine: Engine | None = None) -> None:
        self.settings = settings = settings or Settings()
        self.engine = engine or Engine(settings.engine_config())
        self.engine.rate_limits = settings.rate_limits
        self.engine.settings_hooks.append(self._restore_settings)
        self.fixtures = load_fixtures(self.engine.scripts) if settings.load_fixtures else {}
        self.dashscope = DashScope(self.engine, prefix=settings.dashscope_prefix, public_url=settings.public_url,
                                   utc_offset_hours=settings.utc_offset_hours, keys=settings.dashscope_keys,
                                   ws_path=settings.dashscope_ws_path, ws_idle_timeout=settings.ws_idle_timeout)
        self.nls = Nls(self.engine, access_keys=dict(p.split(":", 1) for p in settings.nls_access_keys),
                       appkeys=dict(_appkey(e) for e in settings.nls_appkeys), strict_urls=settings.nls_strict_urls,
                       utc_offset_hours=settings.utc_offset_hours)
        services = [parse_service(e) for e in settings.eas_services]   # no token: any token (permissive)
        self.eas = Eas(self.engine, token=settings.eas_token, services={s.name: s for s in services})
        self.tencent_keys = {DEFAULT_SECRET_ID: DEFAULT_SECRET_KEY,
                             **dict(p.split(":", 1) for p in settings.tencent_keys)}
        self.tencent_asr = TencentAsr(self.engine, keys=self.tencent_keys, appid=settings.tencent_appid)
        self.tencent_ci = TencentCi(self.engine, keys=self.tencent_keys, appid=settings.tencent_appid,
                                    utc_offset_hours=settings.utc_offset_hours)
        self.vendors = ["dashscope", "nls", "eas", "tencent_asr", "tencent_ci"]
        self.routes: list[BaseRoute] = [
            Route("/", self._root, methods=["GET", "POST"]),
            *self.dashscope.routes(),
            *self.eas.routes(),
            Mount("/_emulator", routes=Control(self).routes()),
        ]
        self.app = Starlette(
            routes=self.routes,
            exception_handlers={404: self._not_found, 405: self._not_found},
        )
        self.engine.media.register_path(r"/_emulator/fixtures/([^/]+\.wav)$", self._fixture_bytes)

    def _fixture_bytes(self, match: re.Match[str]) -> bytes | None:
        path = self.fixtures.get(match.group(1))
        return None if path is None else path.read_bytes()

    def _restore_settings(self) -> None:
        self.engine.rate_limits = self.settings.rate_limits

    async def _root(self, request: Request) -> Response:
        """``/`` carries Tencent Cloud API 3.0 (ASR) and the POP RPC APIs (NLS filetrans), told apart by their
        headers and parameters."""
        if is_tc3(request) or await is_tencent_legacy(request):
            return await self.tencent_asr.handle(request)
        if Nls.is_pop(request):
            return await self.nls.handle(request)
        return await self._not_found(request, HTTPException(404))

    def route_paths(self) -> list[str]:
        return [p for p, _ in walk_routes(self.routes)]

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        close = difflib.get_close_matches(request.url.path, self.route_paths(), n=3, cutoff=0.3)
        what = "no route" if status == 404 else "method not allowed"
        return JSONResponse({"error": f"{what} for {request.method} {request.url.path}", "closest_routes": close},
                            status_code=status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope = _origin_form(scope)
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        wire = _Wire(self.engine, state)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                message["headers"] = [*message.get("headers", []), HEADER]
                if scope["type"] == "http" and wire.decide():
                    wire.start = message
                    return
            elif wire.rule is not None and message["type"] == "http.response.body":
                await wire.body(message, send)
                return
            await send(message)

        target = self.tencent_ci.claims(scope)
        if target is not None:
            state["tencent_target"] = target
        try:
            await (self.tencent_ci if target is not None else self.app)(scope, receive, send_wrapper)
        except Exception as exc:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            state.setdefault("journal", {})["error"] = repr(exc)
            if not status["sent"]:
                body = json.dumps({"error": "internal emulator error", "detail": repr(exc)}).encode()
                await send_wrapper({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"application/json")]})
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            if scope["type"] == "http":
                self._journal(scope, status["code"], started)

    def _journal(self, scope: Scope, status: int, started: float) -> None:
        fields: dict[str, Any] = dict(scope.get("state", {}).get("journal", {}))
        if fields.get("vendor") == "_emulator":
            return
        self.engine.journal.record(
            time=self.engine.clock.now(), method=scope.get("method", ""), path=scope.get("path", ""),
            status=status, latency_ms=round((time.perf_counter() - started) * 1000, 3), **fields,
        )


class _Wire:
    """Transport faults (``drop``, ``empty_body``, ``malformed_body``, ``slow_body``) applied to the bytes of a
    vendor's answer, whichever dialect wrote it; the rule is chosen when the answer starts, by what the dialect
    noted (vendor, operation, model, test id)."""

    def __init__(self, engine: Any, state: dict[str, Any]) -> None:
        self.engine = engine
        self.state = state
        self.rule: Any = None
        self.start: Message | None = None
        self.chunks: list[bytes] = []

    def decide(self) -> bool:
        noted = self.state.get("journal", {})
        vendor = noted.get("vendor")
        if not vendor or vendor == "_emulator" or not self.engine.faults.rules():
            return False
        fired = self.engine.faults.check(FaultRequest(vendor, noted.get("operation") or "", model=noted.get("model"),
                                                      test_id=noted.get("test_id")), TRANSPORT_ACTIONS)
        self.rule = next(iter(fired.values()), None)
        if self.rule is not None:
            self.state.setdefault("journal", {})["error"] = f"transport fault: {self.rule.action}"
        return self.rule is not None

    async def body(self, message: Message, send: Send) -> None:
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(self.chunks)
        start = self.start or {"type": "http.response.start", "status": 500, "headers": []}
        action = self.rule.action
        if action == "drop":                 # headers, then the connection closes without the body
            await send(start)
            return
        if action == "empty_body":
            body = b""
        elif action == "malformed_body":
            rule = self.rule
            rng = random.Random(f"{self.engine.faults.seed}:{rule.action}:{rule.vendor}:{rule.operation}:{rule.hits}")
            body = body[: len(body) // 2] + bytes(rng.choice(b'{}[]<>"\\\x00\xff,:') for _ in range(12))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        if action == "slow_body" and body:
            pieces = 10
            size = -(-len(body) // pieces)
            for i in range(0, len(body), size):
                await asyncio.sleep(self.rule.seconds / pieces)
                await send({"type": "http.response.body", "body": body[i:i + size], "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _appkey(entry: str) -> tuple[str, AppModel]:
    name, _, rest = entry.partition(":")
    rate, _, language = rest.partition(":")
    return name, AppModel(int(rate) if rate else 16000, language or "zh")


def _origin_form(scope: Scope) -> Scope:
    """Rewrite ``http://host/path`` request targets to origin form, keeping the host in the Host header."""
    path: str = scope.get("path", "")
    if not (path.startswith("http://") or path.startswith("https://")):
        return scope
    parts = urlsplit(path)
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"host"]
    headers.append((b"host", parts.netloc.encode("latin-1")))
    new_path = parts.path or "/"
    return {**scope, "path": new_path, "raw_path": new_path.encode("latin-1"), "headers": headers,
            "query_string": parts.query.encode("latin-1") if parts.query else scope.get("query_string", b"")}


def create_app(settings: Settings | None = None) -> Emulator:
    return Emulator(settings or Settings.from_env())


__all__ = ["Emulator", "create_app"]
