"""``serve --record DIR --upstream VENDOR[,VENDOR…]``: the requests of those vendors go to the real service,
unchanged but for the scheme (always https) — the client's own signatures pass through — and each exchange is
written to ``DIR`` as a cassette (``emulator.record.cassette``: no secret is written).

The client addresses the vendor's real host (the emulator as its HTTP proxy: absolute-form requests, or ``CONNECT``
with the local CA), since that is where the answer comes from and what its signature names. For an SDK that takes
no proxy (eas-prediction), ``--upstream VENDOR=HOST`` names the host its requests to the emulator's own address go
to (the ``Host`` header becomes HOST: right for a vendor whose signature does not cover the host, as PAI-EAS's does
not). Any other request to the emulator's own address is answered by the emulator as usual, with a warning saying
why it was not recorded.
``--upstream-address URL`` sends the recorded requests there instead of to the vendor's host (the ``Host`` header
still names the vendor's): for a gateway in front of the service, or another emulator playing the service in tests.
A WebSocket session (the realtime APIs) is relayed message by message and written with its messages both ways, their
times, and its close."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
import time
import zlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from emulator.record.cassette import (
    HOP_HEADERS,
    Cassettes,
    Exchange,
    Frame,
    Message,
    clean_body,
    clean_headers,
    clean_url,
)
from emulator.vendors.base import Call, Dialect, NoRoute, VendorError
from emulator.web import host_of, read_up_to, replay, target_of

log = logging.getLogger("asr_emulator")
MAX_RECORDED_BODY = 64 * 1024 * 1024        # a request or answer larger than this is not recorded (nor forwarded)
UPSTREAM_TIMEOUT_S = 120.0
# what is not sent on: the hop-by-hop headers, but the length (a signature may name it; the body is sent whole)
_NOT_SENT = HOP_HEADERS - {"content-length"}
# what is not handed back: the hop-by-hop headers, and the date (the server that answers the client adds its own)
_NOT_RETURNED = HOP_HEADERS | {"date"}
# the handshake's own headers: made again by the connection upstream
_HANDSHAKE = frozenset({"host", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                        "sec-websocket-accept", "sec-websocket-protocol", "upgrade", "connection"})


class Recorder:
    def __init__(self, directory: str, vendors: Iterable[str], address: str | None = None) -> None:
        self.cassettes = Cassettes(directory)
        given = [v.partition("=") for v in vendors]
        self.vendors = frozenset(name.strip() for name, _, _ in given)
        self.hosts = {name.strip(): host.strip() for name, _, host in given if host.strip()}
        self.address = address.rstrip("/") if address else None
        self._client: httpx.AsyncClient | None = None

    def records(self, dialect: Dialect) -> bool:
        return "all" in self.vendors or dialect.name in self.vendors

    def public_host(self, dialect: Dialect, host: str) -> bool:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        return any(re.fullmatch(pattern, name.lower()) for pattern in dialect.hosts)

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT_S, follow_redirects=False, trust_env=False)
            self._client.headers.clear()          # only what the client sent goes upstream
        return self._client

    async def forward(self, dialect: Dialect, scope: Scope, receive: Receive, send: Send) -> bool:
        """Send the request to the real service and its answer back, writing the exchange; False when it is not
        one to record (the caller answers it as the emulator, with the reason in ``scope["state"]``)."""
        state = scope.setdefault("state", {})
        host = host_of(scope)
        if not self.public_host(dialect, host) and dialect.name in self.hosts:
            host = self.hosts[dialect.name]
            scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", []) if k != b"host"]
                     + [(b"host", host.encode("latin-1"))]}
        elif not self.public_host(dialect, host):
            state.setdefault("warnings", []).append(
                f"{dialect.name}: not recorded: the request names {host or 'no host'}, not the vendor's own host "
                "(send it through the emulator as an HTTP proxy); the emulator answered")
            return False
        if scope["type"] == "websocket":
            await self._relay(dialect, scope, receive, send, host)
            return True
        body, whole = await _read(receive)
        if not whole:
            await _answer(send, 413, b"the emulator records request bodies up to 64 MiB")
            return True
        operation = await _operation(dialect, scope, body, receive)
        target = target_of(scope)
        # to the service over https, whatever the client used to reach the emulator (an absolute-form request through
        # a proxy is plain http; the signatures do not cover the scheme)
        url = f"{self.address}{target}" if self.address else f"https://{host}{target}"
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])
                   if k.decode("latin-1").lower() not in _NOT_SENT]
        state.setdefault("journal", {}).update(vendor=dialect.name, operation=operation, error=None)
        started, clock = time.time(), time.perf_counter()
        try:
            async with self.client().stream(scope.get("method", "GET"), url, headers=headers, content=body) as got:
                chunks, size = [], 0
                async for chunk in got.aiter_raw():
                    size += len(chunk)
                    if size > MAX_RECORDED_BODY:
                        raise _TooLarge
                    chunks.append(chunk)
                raw = b"".join(chunks)
        except _TooLarge:
            await _answer(send, 502, b"the vendor's answer is larger than the emulator records (64 MiB)")
            return True
        except httpx.HTTPError as exc:
            log.warning("recording %s %s: the upstream did not answer: %s", dialect.name, operation, exc)
            state["journal"]["error"] = f"upstream: {type(exc).__name__}: {exc}"
            await _answer(send, 502, f"the vendor's service did not answer: {type(exc).__name__}".encode())
            return True
        elapsed = (time.perf_counter() - clock) * 1000
        answer_headers = [(k, v) for k, v in got.headers.multi_items() if k.lower() not in _NOT_RETURNED]
        await send({"type": "http.response.start", "status": got.status_code,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer_headers]
                    + [(b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})
        self._write(dialect.name, operation, started, elapsed, scope, f"https://{host}{target}", headers, body,
                    got.status_code, answer_headers, raw)
        return True

    async def _relay(self, dialect: Dialect, scope: Scope, receive: Receive, send: Send, host: str) -> None:
        """A WebSocket session relayed to the service, its messages written with their times."""
        if (await receive())["type"] != "websocket.connect":
            return
        operation = _socket_name(dialect, scope)
        target = target_of(scope)
        scheme, shown = "wss", f"wss://{host}{target}"          # the service over TLS, as for HTTP
        # the URL names the service's host (its Host header); --upstream-address says where the connection goes
        where: dict[str, Any] = {}
        if self.address:
            address = urlsplit(self.address)
            scheme = "wss" if address.scheme == "https" else "ws"
            where = {"host": address.hostname, "port": address.port or (443 if scheme == "wss" else 80)}
        url = f"{scheme}://{host}{target}"
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        sent = [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS and k.lower() not in _HANDSHAKE]
        state = scope.setdefault("state", {})
        state.setdefault("journal", {}).update(vendor=dialect.name, operation=operation)
        started, clock = time.time(), time.perf_counter()
        frames: list[Frame] = []
        try:
            upstream = await websockets.connect(url, additional_headers=sent, max_size=MAX_RECORDED_BODY,
                                                subprotocols=scope.get("subprotocols") or None, open_timeout=30,
                                                user_agent_header=None, compression=None, proxy=None, **where)
        except websockets.InvalidStatus as refused:
            answer = refused.response
            status, body = answer.status_code, bytes(answer.body or b"")
            answer_headers = [(k, v) for k, v in answer.headers.raw_items() if k.lower() not in HOP_HEADERS]
            if "websocket.http.response" in scope.get("extensions", {}):
                await send({"type": "websocket.http.response.start", "status": status,
                            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer_headers]
                            + [(b"content-length", str(len(body)).encode())]})
                await send({"type": "websocket.http.response.body", "body": body})
            else:
                await send({"type": "websocket.close", "code": 1008})
            self._write(dialect.name, operation, started, (time.perf_counter() - clock) * 1000, scope, shown,
                        headers, b"", status, answer_headers, body)
            return
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            log.warning("recording %s %s: the upstream WebSocket did not open: %s", dialect.name, operation, exc)
            await send({"type": "websocket.close", "code": 1011})
            return
        handshake = [(k, v) for k, v in upstream.response.headers.raw_items()
                     if k.lower() not in HOP_HEADERS and k.lower() not in _HANDSHAKE] if upstream.response else []
        await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol,
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in handshake]})
        closed: dict[str, Any] = {"by": "", "code": 1000}

        def at() -> float:
            return (time.perf_counter() - clock) * 1000

        async def from_client() -> None:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    closed.update(by=closed["by"] or "client", code=message.get("code", 1000))
                    code = closed["code"] if 1000 <= closed["code"] < 5000 and closed["code"] not in (1005, 1006) \
                        else 1000
                    await upstream.close(code=code)
                    return
                if message["type"] == "websocket.receive":
                    data = message["text"] if message.get("text") is not None else message.get("bytes") or b""
                    frames.append(Frame.of("client", at(), data))
                    await upstream.send(data)

        async def from_upstream() -> None:
            try:
                async for data in upstream:
                    frames.append(Frame.of("server", at(), data))
                    await send({"type": "websocket.send", "text": data} if isinstance(data, str)
                               else {"type": "websocket.send", "bytes": data})
            except websockets.ConnectionClosed:
                pass
            if not closed["by"]:
                closed.update(by="server", code=upstream.close_code or 1000)
                await send({"type": "websocket.close", "code": closed["code"]})

        tasks = [asyncio.ensure_future(from_client()), asyncio.ensure_future(from_upstream())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.wait(tasks, timeout=5)
        finally:
            for task in tasks:
                task.cancel()
            await upstream.close()
        self._write(dialect.name, operation, started, at(), scope, shown, headers, b"", 101, handshake, b"",
                    frames=frames, close=(int(closed["code"]), str(closed["by"])))

    def _write(self, vendor: str, operation: str, started: float, elapsed: float, scope: Scope, url: str,
               headers: list[tuple[str, str]], body: bytes, status: int, answer_headers: list[tuple[str, str]],
               raw: bytes, frames: list[Frame] | None = None, close: tuple[int, str] | None = None) -> None:
        request_text, request_encoding = clean_body(body, _header(headers, "content-type"))
        decoded, kept_headers = _decoded(raw, answer_headers)
        links: list[str] = []
        answer_text, answer_encoding = clean_body(decoded, _header(kept_headers, "content-type"), links)
        exchange = Exchange(
            seq=self.cassettes.next_seq(), vendor=vendor, operation=operation, started=round(started, 3),
            elapsed_ms=round(elapsed, 1),
            request=Message(headers=clean_headers(headers), body=request_text, encoding=request_encoding,
                            method=scope.get("method", "GET"), url=clean_url(url)),
            response=Message(headers=clean_headers(kept_headers), body=answer_text, encoding=answer_encoding,
                             status=status),
            result_links=links, frames=frames or [], close_code=close[0] if close else None,
            closed_by=close[1] if close else "")
        self.cassettes.write(exchange)


class _TooLarge(Exception):
    pass


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def _decoded(raw: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
    """The answer's bytes as the client reads them (gzip and deflate undone) and its headers without that
    encoding; an encoding it cannot undo is kept as it is."""
    encoding = _header(headers, "content-encoding").lower().strip()
    try:
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        else:
            return raw, headers
    except (OSError, zlib.error):
        return raw, headers
    return raw, [(k, v) for k, v in headers if k.lower() != "content-encoding"]


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The body, and whether that is all of it (False: more than ``MAX_RECORDED_BODY``, the rest not read yet)."""
    body, more = await read_up_to(receive, MAX_RECORDED_BODY)
    return body, not more


def _socket_name(dialect: Dialect, scope: Scope) -> str:
    """The WebSocket operation a session is ("websocket" when the dialect has none for its path)."""
    op = dialect.socket_operation(scope.get("path", "/"))
    return op.name if op is not None else "websocket"


async def _operation(dialect: Dialect, scope: Scope, body: bytes, receive: Receive) -> str:
    """The vendor operation a request is, as the dialect routes it ("unknown" when it routes nowhere)."""
    request = Request(scope, replay(body, receive))
    call = Call(request, dialect, body=body)
    try:
        op = await dialect.route(call)
    except (NoRoute, VendorError):
        return "unknown"
    except Exception:              # a request the dialect cannot even route is still forwarded and recorded
        log.debug("recording: %s could not name the operation", dialect.name, exc_info=True)
        return "unknown"
    return op.name


async def _answer(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode())]})
    await send({"type": "http.response.body", "body": text})


__all__ = ["MAX_RECORDED_BODY", "Recorder"]
