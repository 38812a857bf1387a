"""Requests to an emulator in this process without the network: the app runs on an event loop in a background
thread (its own, or the live server's), and a synchronous httpx transport hands each request to it and waits.

Used by the in-process mode (the respx side effect and its control client) and by the pytest plugin's control
client when the session's server is a thread of this process.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class LoopTransport(httpx.BaseTransport):
    """An httpx transport answering with an ASGI ``app`` running on ``loop`` (another thread's)."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop, timeout: float = 120.0) -> None:
        self.app = app
        self.loop = loop
        self.timeout = timeout
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        future = asyncio.run_coroutine_threadsafe(self._handle(request, body), self.loop)
        return future.result(timeout=self.timeout)

    __call__ = handle_request         # a respx side effect, too

    async def _handle(self, request: httpx.Request, body: bytes) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
        response = await self._asgi.handle_async_request(inner)
        content = await response.aread()
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        return httpx.Response(response.status_code, headers=headers, content=content)


class DirectTransport(httpx.BaseTransport):
    """An httpx transport that runs an ASGI ``app`` in the calling thread, on a private event loop: the cheapest
    path for control-plane calls (no thread hop, no socket). Where the calling thread already runs a loop (an async
    test), it hands the request to ``fallback`` instead."""

    def __init__(self, app: Any, fallback: httpx.BaseTransport) -> None:
        self.app = app
        self.fallback = fallback
        self._local = threading.local()
        self._loops: list[asyncio.AbstractEventLoop] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            return self.fallback.handle_request(request)
        loop: asyncio.AbstractEventLoop | None = getattr(self._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = self._local.loop = asyncio.new_event_loop()
            self._loops.append(loop)
        return loop.run_until_complete(self._call(request, request.read()))

    def close(self) -> None:
        while self._loops:
            loop = self._loops.pop()
            if not loop.is_running() and not loop.is_closed():
                loop.close()

    async def _call(self, request: httpx.Request, body: bytes) -> httpx.Response:
        url = request.url
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
                 "scheme": url.scheme, "path": url.path, "raw_path": url.raw_path.split(b"?", 1)[0],
                 "query_string": url.query, "root_path": "", "client": ("127.0.0.1", 0),
                 "server": (url.host, url.port or 80),
                 "headers": [(k.lower(), v) for k, v in request.headers.raw]}
        status, headers, content = await call_asgi(self.app, scope, body)
        return httpx.Response(status or 500, headers=headers, content=content, request=request)


async def call_asgi(app: Any, scope: dict[str, Any], body: bytes, hold: bool = False
                    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One HTTP request through an ASGI app: status (0 if none was sent), headers, body. ``hold``: after its body
    the client stays connected (instead of reporting a disconnect)."""
    sent = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if hold:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return int(start.get("status", 0)), list(start.get("headers", [])), b"".join(chunks)


class AppThread:
    """An event loop of its own in a daemon thread, for an app that has no server."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="asr-emulator-inprocess", daemon=True)
        self.thread.start()
        self.transport = LoopTransport(app, self.loop)
        self.control = DirectTransport(app, self.transport)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


__all__ = ["AppThread", "DirectTransport", "LoopTransport", "call_asgi"]
