"""The one ASGI app: dispatch, the control plane and the vendor dialects, built from settings.

The outer layer normalises absolute-form request targets (the SDKs' proxy mode), stamps every response with
``X-ASR-Emulator``, writes the journal and turns anything unexpected into a JSON 500 instead of a traceback.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import os
import random
import re
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from emulator import __version__, redact
from emulator.config import Settings
from emulator.control import Control
from emulator.engine import Engine, Store
from emulator.engine import Request as FaultRequest
from emulator.engine.callbacks import owner_id, take_over
from emulator.engine.faults import TRANSPORT_ACTIONS
from emulator.fixtures import load_fixtures
from emulator.openapi import walk_routes
from emulator.pipeline import run
from emulator.record.cassette import Exchange
from emulator.record.drift import Report, drift
from emulator.record.recorder import Recorder
from emulator.record.replayer import Replayer
from emulator.ui import Dashboard
from emulator.vendors import registry
from emulator.vendors.base import Dialect, Operation
from emulator.web import read_up_to, replay

log = logging.getLogger("asr_emulator")
HEADER = (b"x-asr-emulator", __version__.encode())
SERVER = (b"server", b"asr-emulator")
WORKER_HEADER = b"x-asr-emulator-worker"


class Emulator:
    """``Emulator(settings)`` is an ASGI app; ``.engine`` is its engine, ``.settings`` its settings, ``.dialects``
    the vendor dialects (``dialect(name)`` one of them)."""

    def __init__(self, settings: Settings | None = None, engine: Engine | None = None,
                 dialects: Sequence[type[Dialect]] = registry.DIALECTS) -> None:
        self.settings = settings = settings or Settings()
        redact.install()
        if engine is None:
            store: Store | None = None
            if settings.store:
                from emulator.engine.redis_store import RedisStore

                store = RedisStore(settings.store)
            elif settings.state_dir and settings.workers > 1:
                from emulator.engine.sqlite_store import SharedSqliteStore

                store = SharedSqliteStore(settings.state_dir)
            elif settings.state_dir:
                from emulator.engine.sqlite_store import SqliteStore

                store = SqliteStore(settings.state_dir)
            engine = Engine(settings.engine_config(), store=store)
        self.engine = engine
        self.engine.rate_limits = settings.rate_limits
        self.engine.settings_hooks.append(self._restore_settings)
        self.fixtures = load_fixtures(self.engine.scripts) if settings.load_fixtures else {}
        self.dialects: list[Dialect] = registry.build(self.engine, settings, dialects)
        # the credential tables the dialects keep (an account's ids are known in each; PAI-EAS has service tokens)
        self.engine.set_account_tables([d.name for d in self.dialects if d.name in self.engine.credentials.keys])
        self.control = Control(self)
        self.recorder: Recorder | None = None
        if settings.record:
            names = {d.name for d in self.dialects}
            unknown = {v.partition("=")[0].strip() for v in settings.upstream} - names - {"all"}
            if unknown:
                raise ValueError(f"upstream: no vendor {', '.join(sorted(unknown))} (one of {', '.join(sorted(names))}"
                                 ", or all)")
            self.recorder = Recorder(settings.record, settings.upstream, settings.upstream_address)
        self.replayer = Replayer(settings.replay, settings.replay_strict, settings.replay_pace) \
            if settings.replay else None
        self._replayer_of_settings = self.replayer      # a test's replay (control plane) gives way to it at a reset
        self._resumed: list[Any] = []
        self._shared = bool(getattr(self.engine.store, "shared", False))
        self._pid = str(os.getpid()).encode()
        self._restore_overrides()
        if getattr(self.engine.store, "persistent", False):
            self._resume_callbacks()
        self.routes: list[BaseRoute] = [
            Route("/", self._root, methods=["GET", "POST"]),
            Mount("/_emulator", routes=[*self.control.routes(), *Dashboard(self, self.control).routes()]),
        ]
        self.app = Starlette(routes=self.routes, exception_handlers={404: self._not_found, 405: self._not_found})
        self.engine.media.register_path(r"/_emulator/fixtures/([^/]+\.wav)$", self._fixture_bytes)

    def _resume_callbacks(self) -> None:
        """With a state directory: deliveries still waiting when the last run stopped go on (their attempts kept);
        they are watched once a loop runs (the first request or the server's startup)."""
        from emulator.engine.callbacks import Delivery, SavedDelivery

        shared = getattr(self.engine.store, "shared", False)
        for key, saved in self.engine.store.records("engine.callbacks"):
            if not isinstance(saved, SavedDelivery) or saved.state != "waiting":
                continue
            if shared:          # several workers: take it only if its worker is gone (one transaction)
                taken = self.engine.store.update_record(
                    "engine.callbacks", key, take_over)
                if not isinstance(taken, SavedDelivery) or taken.owner != owner_id() or taken.state != "waiting":
                    continue
                saved = taken
            dialect = next((d for d in self.dialects if d.name == saved.vendor), None)
            job = self.engine.peek(saved.job_id)
            render = dialect.callback_render(job) if dialect is not None and job is not None else None
            if render is not None:
                self._resumed.append(Delivery(saved.job_id, saved.url, saved.vendor, render, saved.test_id,
                                              saved.attempts, history=list(saved.history)))

    def _restore_overrides(self) -> None:
        """With a state directory: the run-time configuration the last run kept (the engine restored its part)."""
        saved = self.engine.saved_overrides()
        if saved is None:
            return
        self.engine.rate_limits = saved.rate_limits      # over the serve settings this emulator applied on start
        for dialect in self.dialects:
            if dialect.settings_key and dialect.settings_key in saved.dialects:
                try:
                    dialect.restore_settings(saved.dialects[dialect.settings_key])
                except ValueError as exc:
                    log.warning("state: the kept %s settings are not applied: %s", dialect.settings_key, exc)

    @property
    def vendors(self) -> list[str]:
        return [d.name for d in self.dialects]

    def dialect(self, name: str) -> Dialect:
        for dialect in self.dialects:
            if dialect.name == name:
                return dialect
        raise KeyError(f"no dialect {name!r}: {', '.join(self.vendors)}")

    def operations(self) -> list[tuple[Dialect, Operation]]:
        """Every operation of every dialect, in registry order."""
        return [(d, op) for d in self.dialects for op in d.operations()]

    def _fixture_bytes(self, match: re.Match[str]) -> bytes | None:
        path = self.fixtures.get(match.group(1))
        return None if path is None else path.read_bytes()

    def _restore_settings(self) -> None:
        self.engine.rate_limits = self.settings.rate_limits

    async def _root(self, request: Request) -> Response:
        """``GET /`` from a browser goes to the dashboard; anything else that no vendor claimed is a 404."""
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/_emulator/ui", 307)
        return await self._not_found(request, HTTPException(404))

    async def drift(self, exchanges: list[Exchange]) -> Report:
        """These exchanges sent to a fresh emulator of this one's seed and compared (``asr-emulator drift``)."""
        fresh = Emulator(Settings(credentials="off", lifecycle="polls:1", seed=self.settings.seed))
        return await drift(exchanges, fresh)

    def replay(self, replayer: Replayer | None) -> None:
        """Answer from these cassettes from now on (None: as ``serve`` was started, with or without ``--replay``)."""
        self.replayer = replayer if replayer is not None else self._replayer_of_settings

    def route_paths(self) -> list[str]:
        paths = [p for p, _ in walk_routes(self.routes)]
        return list(dict.fromkeys([*paths, *(op.path for _, op in self.operations() if op.path)]))

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        return await self._no_route(request, status)

    async def _no_route(self, request: Request, status: int) -> Response:
        close = difflib.get_close_matches(request.url.path, self.route_paths(), n=3, cutoff=0.3)
        what = "no route" if status == 404 else "method not allowed"
        return JSONResponse({"error": f"{what} for {request.method} {request.url.path}", "closest_routes": close},
                            status_code=status)

    async def _claim(self, scope: Scope, receive: Receive) -> tuple[Dialect | None, Receive]:
        """The dialect that answers a request, by the dialects' claims in registry order. A dialect that can tell
        only from the body (a form on ``/``) gets it read once, within its body limit, and replayed."""
        if scope.get("path", "").startswith("/_emulator/") or scope.get("path") == "/_emulator":
            return None, receive
        undecided: list[Dialect] = []
        for dialect in self.dialects:
            claim = dialect.claims(scope)
            if claim and not undecided:
                return dialect, receive
            if claim is None or (claim and undecided):
                undecided.append(dialect)
        if not undecided:
            return None, receive
        body, more = await read_up_to(receive, max(d.body_limit for d in undecided))
        replayed = replay(body, receive, more)
        for dialect in undecided:
            if dialect.claims(scope) or dialect.claims_body(scope, body):
                return dialect, replayed
        return None, replayed

    def sync(self) -> None:
        """Several workers: apply the run-time configuration another worker changed (faults, scripts, lifecycles,
        clock, settings) — the dialects' settings return to their defaults, then take the kept ones."""
        if self.engine.sync_overrides():
            self._restore_overrides()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._shared:
            self.sync()
        if self._resumed:                    # deliveries a restart resumed: watched on this loop
            resumed, self._resumed = self._resumed, []
            for delivery in resumed:
                self.engine.callbacks.watch(delivery)
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        scope = _origin_form(scope)
        state = scope.setdefault("state", {})
        started = time.perf_counter()
        status = {"code": 500, "sent": False, "logged": False}
        wire = _Wire(self.engine, state)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                headers = [*message.get("headers", []), HEADER]
                if self._shared:             # serve --workers: which worker answered
                    headers.append((WORKER_HEADER, self._pid))
                if not any(k.lower() == b"server" for k, _ in headers):
                    headers.append(SERVER)          # not uvicorn's: the vendors' where recorded, else this
                message["headers"] = headers
                if scope["type"] == "http" and wire.decide():
                    wire.start = message
                    return
            elif wire.rule is not None and message["type"] == "http.response.body":
                await wire.body(message, send)
                return
            elif message["type"] == "http.response.body" and not message.get("more_body") and not status["logged"]:
                # journaled before the answer's last bytes leave: a client that reads the journal after its
                # answer finds the entry (whichever worker it asks)
                status["logged"] = True
                self._journal(scope, status["code"], started)
            await send(message)

        try:
            dialect, receive = await self._claim(scope, receive)
            if dialect is not None and self.recorder is not None and self.recorder.records(dialect) \
                    and await self.recorder.forward(dialect, scope, receive, send_wrapper):
                return
            if dialect is not None and self.replayer is not None:
                done, receive = await self.replayer.answer(dialect, scope, receive, send_wrapper)
                if done:
                    return
            if dialect is not None:
                await run(dialect, scope, receive, send_wrapper, self._no_route)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            state.setdefault("journal", {})["error"] = f"{type(exc).__name__}: {exc}"
            if not status["sent"] and scope["type"] == "http":
                body = json.dumps({"error": "internal emulator error", "detail": repr(exc)}).encode()
                await send_wrapper({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", b"application/json")]})
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            if scope["type"] == "http" and not status["logged"]:
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
        if not vendor or vendor == "_emulator" or not self.engine.faults.active:
            return False
        fired = self.engine.faults.check(FaultRequest(vendor, noted.get("operation") or "", model=noted.get("model"),
                                                      test_id=noted.get("test_id"), account=noted.get("account")),
                                         TRANSPORT_ACTIONS)
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


def _origin_form(scope: Scope) -> Scope:
    """Rewrite ``http://host/path`` request targets (the SDKs' proxy mode) to origin form, keeping the host in the
    Host header. Worked from the raw target and decoded exactly once, as an origin-form path is: a key holding
    ``%25``, ``%23`` (``#``), ``%3F`` (``?``) or UTF-8 arrives as the client encoded it, never decoded twice or cut."""
    raw: bytes = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    lowered = raw[:8].lower()
    if not (lowered.startswith(b"http://") or lowered.startswith(b"https://")):
        return scope
    rest = raw.split(b"://", 1)[1]
    netloc, slash, raw_path = rest.partition(b"/")
    raw_path = slash + raw_path if slash else b"/"
    raw_path, _, query = raw_path.partition(b"?")          # uvicorn's h11 leaves a query inside raw_path
    raw_path = raw_path.split(b"#", 1)[0]
    headers = [(k, v) for k, v in scope.get("headers", []) if k != b"host"]
    headers.append((b"host", netloc.rsplit(b"@", 1)[-1]))
    return {**scope, "path": decode_path(raw_path), "raw_path": raw_path, "headers": headers,
            "query_string": query or scope.get("query_string", b"")}


def decode_path(raw: bytes) -> str:
    """A raw request path decoded once, percent-escapes and unescaped bytes alike as UTF-8 (as uvicorn decodes an
    origin-form path)."""
    return unquote_to_bytes(raw).decode("utf-8", "replace")


def create_app(settings: Settings | None = None) -> Emulator:
    return Emulator(settings or Settings.from_env())


__all__ = ["Emulator", "create_app"]
