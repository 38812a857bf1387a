"""uvicorn's h11 protocol with a deadline on request headers: a client that sends its headers a byte at a time
(slowloris) is cut off after ``HEADER_TIMEOUT_S``, as a vendor's gateway would (uvicorn's own keep-alive timer
stops at the first byte, so it does not cover this); and ``CONNECT`` tunnels to the vendors' hosts, plain or TLS
(the SDKs' proxy options and ``https_proxy``)."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import ssl
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from emulator.tls import local_ca
from emulator.vendors.registry import tunnel_host

HEADER_TIMEOUT_S = 10.0
MAX_CONNECT_HEAD = 8192
TLS_SHUTDOWN_S = 2.0              # a tunnel's TLS close waits this long for the client's close_notify
log = logging.getLogger("asr_emulator")
_TASKS: set[asyncio.Task[None]] = set()
_HIGH_BYTES = re.compile(rb"[\x80-\xff]")


def escape_request_line(data: bytes) -> tuple[bytes, bool]:
    """Bytes beyond ASCII in a request line percent-escaped, so that the HTTP parser and uvicorn read the target: the
    vendors' Go and Python SDKs send raw UTF-8 hot words in a WebSocket URL (the tencent-realtime brief, §5.7),
    which would otherwise be a 400 before any dialect sees it. Decoded once, the value is what was sent. Also
    whether the line ended in ``data`` (what follows is headers)."""
    end = data.find(b"\n")
    if _HIGH_BYTES.search(data, 0, len(data) if end < 0 else end) is None:     # the common case: nothing copied
        return data, end >= 0
    line, rest = (data, b"") if end < 0 else (data[:end], data[end:])
    return _HIGH_BYTES.sub(lambda m: b"%%%02X" % m.group()[0], line) + rest, end >= 0


class _HeaderDeadline:
    """A deadline on a request's headers (slowloris): armed when a connection opens and after each answer, disarmed
    once the headers are in; when it passes with the headers still awaited, the connection is closed, as a vendor's
    gateway would. uvicorn's own keep-alive timer stops at the first byte, so it does not cover this."""

    header_timeout = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    _deadline: float | None = None           # when the awaited headers must be in; None: none are awaited
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    # Arming and disarming only set the deadline: one timer per connection, re-set when it fires early, rather than
    # a timer made and cancelled for every request of a keep-alive connection (a tenth of a task query's cost).
    def _arm(self) -> None:
        self._deadline = self.loop.time() + self.header_timeout
        if self._header_timer is None:
            self._header_timer = self.loop.call_at(self._deadline, self._headers_due)

    def _disarm(self) -> None:
        self._deadline = None

    def _stop(self) -> None:
        """No deadline any more, and no timer (the connection is gone or handed over)."""
        self._deadline = None
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_due(self) -> None:
        self._header_timer = None
        if self._deadline is None or self.transport.is_closing():
            return
        if self._deadline > self.loop.time():            # armed again since: wait for the new deadline
            self._header_timer = self.loop.call_at(self._deadline, self._headers_due)
            return
        self._deadline = None
        if self._awaiting_headers():
            self.transport.close()

    def _awaiting_headers(self) -> bool:
        """Whether the connection still waits for a request's headers when the deadline passes (the timer is armed
        only then; each protocol says it by its own parser's state)."""
        return True


class GuardedH11Protocol(_HeaderDeadline, H11Protocol):
    """Also a proxy's front door to the vendors' hosts: a connection that opens with ``CONNECT host:port`` is
    answered ``200`` and the tunnel is served here — TLS for port 443, terminated with a certificate for that host
    from the local CA (:mod:`emulator.tls`), plain HTTP otherwise (an SDK's proxy agent tunnels even ``http://``
    targets). The requests in the tunnel carry the vendor's host and are routed by it as any others."""

    # which hosts CONNECT reaches: the vendors' hosts (the registry's); None: any
    tunnel_hosts: Callable[[str], bool] | None = staticmethod(tunnel_host)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer = None
        self._opening: bytearray | None = bytearray()       # the first bytes, until we know they are not CONNECT
        self._request_line = True                            # the next bytes are (the start of) a request line
        self._held: bytearray | None = None                  # bytes that came while TLS was being set up

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    # ---- CONNECT -------------------------------------------------------------------------------------------

    def _opened(self, data: bytes) -> bytes | None:
        """The bytes to parse as HTTP, or None while the opening is held (a CONNECT request's head)."""
        assert self._opening is not None
        self._opening += data
        head = bytes(self._opening)
        if len(head) < 8 and b"CONNECT "[:len(head)] == head.upper():
            return None                                   # maybe CONNECT: wait for more
        if not head.upper().startswith(b"CONNECT "):
            self._opening = None
            return head
        end = head.find(b"\r\n\r\n")
        if end < 0:
            if len(head) > MAX_CONNECT_HEAD:
                self._refuse(400, "the CONNECT request's head is too large")
            return None
        self._opening = None
        parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        target = parts[1] if len(parts) == 3 else ""
        host, _, port = target.rpartition(":")
        host = host.strip("[]").lower()
        if not host or not port.isdigit():
            self._refuse(400, f"CONNECT needs host:port, not {target!r}")
            return None
        allowed = self.tunnel_hosts
        if allowed is not None and not allowed(host):
            self._refuse(403, f"the emulator tunnels only to the vendors' hosts, not {host}")
            return None
        rest = head[end + 4:]
        if port == "443":
            self.transport.pause_reading()                # nothing more is read until TLS takes the socket
            self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._start_tls(host, rest)
            return None
        self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        return rest                                       # the tunnel: HTTP requests to the vendor's host

    def _refuse(self, status: int, why: str) -> None:
        reason = {400: b"Bad Request", 403: b"Forbidden"}[status]
        body = why.encode()
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
                             b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))
        self._opening = None
        self.transport.close()

    def _start_tls(self, host: str, early: bytes) -> None:
        """TLS on the tunnel, as ``host``: once the handshake is done this protocol reads the decrypted bytes as a
        fresh HTTP connection."""
        transport = self.transport
        self._disarm()
        loop = asyncio.get_running_loop()
        if early:            # a client that sent its ClientHello before the 200 arrived: not served
            self._refuse(400, "TLS started before the CONNECT answer")
            return

        # Until start_tls returns, decrypted bytes may already arrive (a client sends its first request with its
        # Finished, and asyncio's loop hands them over before it resumes this coroutine): they are held here and
        # read once ``self.transport`` is the TLS one — else the answer would leave on the raw socket, in plain text.
        self._held = bytearray()

        async def upgrade() -> None:
            try:
                ctx = await asyncio.to_thread(local_ca().context, host)   # the first use makes the CA: off the loop
                secure = await loop.start_tls(transport, self, ctx, server_side=True,
                                              ssl_handshake_timeout=self.header_timeout,
                                              ssl_shutdown_timeout=TLS_SHUTDOWN_S)
            except (OSError, ssl.SSLError, ConnectionError, TimeoutError) as exc:
                log.info("TLS through CONNECT %s:443 failed: %s", host, exc)
                transport.close()
                return
            if secure is None:
                transport.close()
                return
            self.transport = secure
            self.flow = FlowControl(secure)
            self.scheme = "https"
            self._arm()
            held, self._held = self._held, None
            if held:
                self.data_received(bytes(held))

        task = loop.create_task(upgrade())
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)

    def data_received(self, data: bytes) -> None:
        if self._held is not None:                  # TLS is being set up: read once it is (_start_tls)
            self._held += data
            return
        if self._opening is not None:
            opened = self._opened(data)
            if not opened:                   # held, or nothing after a CONNECT head (b"" would be h11's EOF)
                return
            data = opened
        if self._request_line:
            data = self._escape_request_line(data)
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:     # the request line and headers are in
            self._disarm()

    def shutdown(self) -> None:
        """The server is stopping: an idle TLS connection is dropped at once, rather than waiting up to the TLS
        layer's 30 s for a client that keeps its pool open to answer the close (plain ones close as before)."""
        idle = self.cycle is None or self.cycle.response_complete
        if idle and self.scheme == "https":
            self.transport.abort()
            return
        super().shutdown()

    def _escape_request_line(self, data: bytes) -> bytes:
        data, done = escape_request_line(data)
        if done:
            self._request_line = False
        return data

    def on_response_complete(self) -> None:
        self._request_line = True                # the next request on this connection
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()                              # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        return bool(self.conn.their_state is h11.IDLE)



class _CaseKeeping:
    """A transport that writes a response's head with the header names in the case the application gave them:
    uvicorn's httptools protocol lower-cases every name, and some SDKs look headers up by exact case
    (cos-python-sdk-v5 reads ``Content-Type``). ``names`` (lower-case name → the application's) is filled as each
    response starts and emptied once its head is written; everything else passes through."""

    __slots__ = ("_transport", "names")

    def __init__(self, transport: asyncio.Transport, names: dict[bytes, bytes]) -> None:
        self._transport = transport
        self.names = names

    def write(self, data: bytes) -> None:
        if self.names and data.startswith(b"HTTP/"):
            head, sep, body = data.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            for i in range(1, len(lines)):
                name, colon, value = lines[i].partition(b":")
                original = self.names.get(name)
                if original is not None and colon:
                    lines[i] = original + colon + value
            self.names.clear()
            data = b"\r\n".join(lines) + sep + body
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (its C parser: about twice h11's rate here), kept to the emulator's contract:
    response header names leave in the application's case (:class:`_CaseKeeping`), request lines with raw UTF-8 are
    escaped as :class:`GuardedH11Protocol` escapes them, headers must arrive within ``header_timeout`` (slowloris),
    and a connection that opens with ``CONNECT`` is handed, as it is, to :class:`GuardedH11Protocol`, which serves
    the tunnel (plain, or TLS with the local CA) — one implementation of tunnels for both."""

    def __init__(self, config: Any, server_state: Any, app_state: Any, _loop: Any = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._args = (config, server_state, app_state, _loop)
        self._opening: bytearray | None = bytearray()       # the first bytes, until we know they are not CONNECT
        self._request_line = True
        self._header_timer = None
        self._keeping: tuple[Any, _CaseKeeping, Any] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._opening is not None:
            self._opening += data
            head = bytes(self._opening)
            if len(head) < 8 and b"CONNECT "[:len(head)] == head.upper():
                return                                      # maybe CONNECT: wait for more
            self._opening = None
            if head[:8].upper() == b"CONNECT ":
                self._hand_over(head)
                return
            data = head
        if self._request_line:
            data, done = escape_request_line(data)
            self._request_line = not done
        super().data_received(data)

    def _hand_over(self, data: bytes) -> None:
        """The connection, from its first byte, to the h11 protocol that serves CONNECT tunnels."""
        self._stop()
        self.connections.discard(self)
        transport = self.transport
        tunnel = GuardedH11Protocol(*self._args)
        transport.set_protocol(tunnel)
        tunnel.connection_made(transport)
        tunnel.data_received(data)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        # one case-keeping transport and app per connection (its requests are answered one at a time)
        if self._keeping is None or self._keeping[0] is not app or self._keeping[1]._transport is not cycle.transport:
            names: dict[bytes, bytes] = {}

            async def keeping_case(scope: Any, receive: Any, send: Any) -> None:
                async def sending(message: Any) -> None:
                    if message["type"] == "http.response.start":
                        for name, _ in message.get("headers", ()):
                            if not name.islower():
                                names[name.lower()] = name
                    await send(message)

                await app(scope, receive, sending)

            self._keeping = (app, _CaseKeeping(cycle.transport, names), keeping_case)
        cycle.transport = self._keeping[1]
        super()._start_asgi_task(cycle, self._keeping[2])

    def on_response_complete(self) -> None:
        self._request_line = True
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete


def listening_socket(family: socket.AddressFamily) -> socket.socket:
    """A TCP socket to listen on, made so that its connections send without delay (``TCP_NODELAY``). uvicorn writes a
    response's head and body separately; on a socket asyncio does not know as TCP (made without ``IPPROTO_TCP``, as
    ``socket.socket(family, SOCK_STREAM)`` is) it leaves Nagle's algorithm on, and the body then waits for the
    client's delayed acknowledgement of the head: 40 ms on every answer (uvloop sets the option itself)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def protocol_class(http: str) -> Any:
    """The protocol for ``Settings.http``: ``httptools`` (the default) or ``h11``, each with the emulator's guards;
    anything else is given to uvicorn as it is."""
    return {"h11": GuardedH11Protocol, "httptools": GuardedHttpToolsProtocol}.get(http, http)


class FirstKeyWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, tolerant of a handshake that repeats ``Sec-WebSocket-Key`` and
    ``Sec-WebSocket-Version``: the ``nls`` SDK sends both twice and checks the answer against the *first* key, where
    stock servers refuse the request (400) or answer the last key — and the SDK's ``start()`` then silently returns
    None (the realtime-and-sentence brief, §A.3). The first of each is kept."""

    def handle_connect(self, event: Any) -> None:
        for name in ("Sec-WebSocket-Key", "Sec-WebSocket-Version"):
            values = event.headers.get_all(name)
            if len(values) > 1:
                del event.headers[name]
                event.headers[name] = values[0]
        super().handle_connect(event)


__all__ = ["HEADER_TIMEOUT_S", "FirstKeyWebSocket", "GuardedH11Protocol", "GuardedHttpToolsProtocol",
           "escape_request_line", "listening_socket", "protocol_class"]
