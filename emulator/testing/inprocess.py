"""In-process mode for httpx-based clients: the vendors' real hostnames routed into the emulator app through respx,
for synchronous and asynchronous httpx clients alike, without sockets.

respx's own ASGI handler serves only asynchronous clients; here the app runs on an event loop of its own in a
background thread, and every intercepted request — from a sync or an async client — is handed to it and waited for.
Requests to 127.0.0.1/localhost pass through (local file servers, callback receivers); any other host fails with a
message naming the request and the hosts the emulator answers.
"""

from __future__ import annotations

import asyncio
import re
import threading
from types import TracebackType
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Engine

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class NotRouted(AllMockedAssertionError):
    """A request the in-process emulator does not answer."""


def vendor_hosts(app: Emulator) -> list[tuple[str, str]]:
    """The vendors' public hostnames the emulator answers for (product, pattern), from the dialects."""
    return [(d.title, pattern) for d in app.dialects for pattern in d.hosts]


class _Router(respx.MockRouter):
    """respx's router, with a message that says what the emulator answers when nothing matched."""

    hosts: list[tuple[str, str]]      # set per emulator (from its dialects)

    def resolve(self, request: httpx.Request) -> Any:
        try:
            return super().resolve(request)
        except AllMockedAssertionError as exc:
            if isinstance(exc, NotRouted):
                raise
            raise _not_routed(request, self.hosts) from None

    async def aresolve(self, request: httpx.Request) -> Any:
        try:
            return await super().aresolve(request)
        except AllMockedAssertionError as exc:
            if isinstance(exc, NotRouted):
                raise
            raise _not_routed(request, self.hosts) from None


class _Bridge:
    """The app on its own event loop in a background thread; ``__call__`` is a respx side effect."""

    def __init__(self, app: Emulator) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="asr-emulator-inprocess", daemon=True)
        self.thread.start()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._handle(request, body), self.loop)
        return future.result(timeout=120)

    async def _handle(self, request: httpx.Request, body: bytes) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await httpx.ASGITransport(app=self.app).handle_async_request(inner)
        content = await response.aread()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        return httpx.Response(response.status_code, headers=headers, content=content)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def _not_routed(request: httpx.Request, vendors: list[tuple[str, str]]) -> NotRouted:
    hosts = ", ".join(f"{name} ({pattern})" for name, pattern in vendors)
    return NotRouted(f"asr_emulator_respx: no route for {request.method} {request.url}. The in-process emulator "
                    f"answers {hosts} and lets 127.0.0.1/localhost through; mock other hosts with respx routes "
                    f"on the router (handle.router) before calling them.")


class InProcessEmulator:
    """``with InProcessEmulator() as emu:`` — httpx requests to the vendors' hosts reach ``emu.app``.

    ``emu.router`` is the respx router (add routes for other hosts), ``emu.engine`` the engine (scripts, faults,
    lifecycle, clock), ``emu.app`` the ASGI app."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.app = Emulator(settings or Settings(lifecycle="instant"))
        self._bridge: _Bridge | None = None
        self._undo: list[Any] = []
        self.router = _Router(assert_all_called=False, assert_all_mocked=True)
        self.router.hosts = vendor_hosts(self.app)

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def start(self) -> InProcessEmulator:
        self._bridge = _Bridge(self.app)
        pattern = "|".join(f"(?:{p})" for _, p in self.router.hosts)
        self.router.start()
        self.router.route(host__regex=re.compile(rf"^(?:{pattern})$")).mock(side_effect=self._bridge)
        self.router.route(host__in=LOCAL_HOSTS).pass_through()
        return self

    def stop(self) -> None:
        while self._undo:
            self._undo.pop()()
        self.router.stop(quiet=True)
        self.router.reset()
        if self._bridge is not None:
            self._bridge.close()
            self._bridge = None

    def __enter__(self) -> InProcessEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def reset(self) -> None:
        self.engine.reset()

    def fast_polling(self) -> None:
        """Remove dashscope's client-side poll sleeps until ``stop`` (see ``EmulatorHandle.fast_polling``)."""
        from emulator.testing.handle import fast_polling

        def set_attr(target: Any, name: str, value: Any) -> None:
            old = getattr(target, name)
            setattr(target, name, value)
            self._undo.append(lambda: setattr(target, name, old))

        fast_polling(set_attr)

    def script(self, text: str, *, url: str, **extra: Any) -> None:
        from emulator.engine import Script

        self.engine.scripts.add(Script.from_json({"text": text, **extra}), url=url)
