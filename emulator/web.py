"""Small HTTP helpers shared by the dialects and the control plane."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope

TEST_ID_HEADER = "x-test-id"


def note(request: Request, **fields: Any) -> None:
    """Annotate the journal entry the app middleware writes for this request."""
    request.scope.setdefault("state", {}).setdefault("journal", {}).update(fields)


def test_id(request: Request) -> str | None:
    return request.headers.get(TEST_ID_HEADER)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def complete_multipart(content_type: str, body: bytes) -> bool:
    """A multipart body that ends with its closing boundary. A cut one is refused before it is parsed: Starlette's
    parser opens a temporary file for a part that never ends and leaves it open (found by the fuzzer)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match is not None and body.rstrip(b"\r\n").endswith(b"--" + match.group(1).encode("latin-1", "replace")
                                                                  + b"--")


def base_url(request: Request, public_url: str | None) -> str:
    """The emulator's own base URL as the client sees it (no trailing slash)."""
    if public_url:
        return public_url.rstrip("/")
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.scope.get('scheme', 'http')}://{host}"


def host_of(scope: Scope) -> str:
    """The request's Host header ("" without one)."""
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")


def target_of(scope: Scope) -> str:
    """The request target as the client sent it: the raw path, and the query after ``?`` when there is one."""
    raw_path: str = (scope.get("raw_path") or scope.get("path", "/").encode()).decode("latin-1")
    query: str = scope.get("query_string", b"").decode("latin-1")
    return raw_path + (f"?{query}" if query else "")


async def read_up_to(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body's messages read until it ends or passes ``limit`` bytes: (what was read, whether more follows —
    to be handed on with ``replay``)."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more and size <= limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    return b"".join(chunks), more


def replay(body: bytes, receive: Receive, more: bool = False) -> Receive:
    """A ``receive`` that hands out ``body`` (already read) first, then whatever the client still sends
    (``more``: the body goes on) or its disconnect."""
    pending = [body]

    async def replayed() -> Message:
        if pending:
            return {"type": "http.request", "body": pending.pop(), "more_body": more}
        return await receive()

    return replayed
