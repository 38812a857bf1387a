"""In-process mode for httpx-based clients: the vendors' real hostnames routed into the emulator app through respx,
for synchronous and asynchronous httpx clients alike, without sockets.

respx's own ASGI handler serves only asynchronous clients; here the app runs on an event loop of its own in a
background thread, and every intercepted request — from a sync or an async client — is handed to it and waited for.
Requests to 127.0.0.1/localhost pass through (local file servers, callback receivers); any other host fails with a
message naming the request and the hosts the emulator answers. The control plane's methods are answered in this
process too, with the same meaning as the live fixture's.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any

import httpx

from emulator.testing.extras import missing

try:
    import respx
    from respx.models import AllMockedAssertionError
except ImportError as exc:          # pragma: no cover - exercised in a subprocess without respx
    raise missing("respx", "the in-process emulator (asr_emulator_respx)") from exc

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Engine
from emulator.testing.bridge import AppThread
from emulator.testing.client import ControlClient

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
INPROCESS_URL = "http://asr-emulator.inprocess"      # the control client's base URL (never on the network)


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


def _not_routed(request: httpx.Request, vendors: list[tuple[str, str]]) -> NotRouted:
    hosts = ", ".join(f"{name} ({pattern})" for name, pattern in vendors)
    return NotRouted(f"asr_emulator_respx: no route for {request.method} {request.url}. The in-process emulator "
                    f"answers {hosts} and lets 127.0.0.1/localhost through; mock other hosts with respx routes "
                    f"on the router (handle.router) before calling them.")


class InProcessEmulator(ControlClient):
    """``with InProcessEmulator() as emu:`` — httpx requests to the vendors' hosts reach ``emu.app``.

    ``emu`` has the control plane's methods, as the live fixture's handle does (``reset``, ``lifecycle``, ``fault``,
    ``script``, ``clock``, ``jobs``, ``journal``, ``settings`` …), answered in this process; ``emu.router`` is the
    respx router (add routes for other hosts), ``emu.engine`` the engine, ``emu.app`` the ASGI app."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.app = Emulator(settings or Settings(lifecycle="instant"))
        self._thread = AppThread(self.app)
        super().__init__(INPROCESS_URL, transport=self._thread.control)
        self._undo: list[Any] = []
        self._active = False
        self._base: list[respx.Route] = []
        self.router = _Router(assert_all_called=False, assert_all_mocked=True)
        self.router.hosts = vendor_hosts(self.app)

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def start(self) -> InProcessEmulator:
        """Route the vendors' hosts into the app (until ``suspend`` or ``stop``)."""
        if self._active:
            return self
        if not self._base:
            pattern = "|".join(f"(?:{p})" for _, p in self.router.hosts)
            self._base = [self.router.route(host__regex=re.compile(rf"^(?:{pattern})$"))
                          .mock(side_effect=self._thread.transport),
                          self.router.route(host__in=LOCAL_HOSTS).pass_through()]
        self.router.start()
        self._active = True
        return self

    def suspend(self, keep_routing: bool = False) -> None:
        """Undo ``fast_polling``, forget routes added to ``router`` and stop routing (``keep_routing``: the next
        test routes again at once, so the patches stay); the app, its thread and its state stay."""
        while self._undo:
            self._undo.pop()()
        if list(self.router.routes) != self._base:
            self.router.routes.clear()
            for route in self._base:
                self.router.routes.add(route)
        self.router.reset()
        if self._active and not keep_routing:
            self.router.stop(quiet=True)
            self._active = False

    def stop(self) -> None:
        self.suspend()
        super().close()
        self._thread.close()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> InProcessEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def fast_polling(self) -> None:
        """Remove dashscope's client-side poll sleeps until ``suspend``/``stop`` (see ``EmulatorHandle``)."""
        from emulator.testing.handle import fast_polling

        def set_attr(target: Any, name: str, value: Any) -> None:
            old = getattr(target, name)
            setattr(target, name, value)
            self._undo.append(lambda: setattr(target, name, old))

        fast_polling(set_attr)
