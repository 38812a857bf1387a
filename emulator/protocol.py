"""uvicorn's h11 protocol with a deadline on request headers: a client that sends its headers a byte at a time
(slowloris) is cut off after ``HEADER_TIMEOUT_S``, as a vendor's gateway would. uvicorn's own keep-alive timer
stops at the first byte, so it does not cover this."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

HEADER_TIMEOUT_S = 10.0


class GuardedH11Protocol(H11Protocol):
    header_timeout = HEADER_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:     # the request line and headers are in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()                              # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()



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


__all__ = ["HEADER_TIMEOUT_S", "FirstKeyWebSocket", "GuardedH11Protocol"]
