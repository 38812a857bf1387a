"""``serve --replay DIR``: requests answered from recorded cassettes.

A request matches an exchange of the same vendor and operation whose normalised request is the same: method, path,
the query and the body (JSON, form or text) with what naturally differs left out — signatures, keys, tokens,
timestamps, nonces, request and trace ids. Exchanges that match the same request are its answers in the order they
were recorded (a task's polls: PENDING, RUNNING, SUCCEEDED); each request takes the next one, and the last one is
repeated once they are used up. A request nothing matches is answered by the emulator itself with a warning naming
the closest recorded request, or — with ``--replay-strict`` — refused in the vendor's envelope with that name.

A WebSocket session is played back message by message: the server's messages recorded after each of the client's
text messages (its directives: run-task, StartTranscription …) follow the client's sending of that message, paced as
recorded (``--replay-pace``: 1 as recorded, 0 at once); the client's audio is read and not compared; ids the client
chose (a task id, a message id) replace the recorded ones in what is played back; the session closes as recorded."""

from __future__ import annotations

import asyncio
import difflib
import json
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from emulator.record.cassette import PLACEHOLDER, SECRET_KEYS, Cassettes, Exchange, Frame, bare, ids_at_same_places
from emulator.record.recorder import _operation, _read, _socket_name
from emulator.vendors.base import Call, Dialect, VendorError
from emulator.web import host_of, target_of
from emulator.web import replay as replayed_body

# what differs from one sending of a request to the next: left out of the match (compared in lower case, without
# "-" and "_")
VOLATILE = frozenset({"timestamp", "xtctimestamp", "date", "xdate", "nonce", "signaturenonce", "xacssignaturenonce",
                      "requestid", "xrequestid", "traceid", "xtctraceid", "expires", "qsigntime", "qkeytime",
                      "xacsdate", "xcosrequestid", "clientrequesttoken", "signaturemethod", "signatureversion",
                      "signaturetype"})
# headers that say which operation or version a request is (the rest of the headers vary with the client)
KEY_HEADERS = ("x-tc-action", "x-tc-version", "x-acs-action", "x-acs-version", "x-dashscope-async", "content-type")


def _volatile(name: str) -> bool:
    return bare(name) in VOLATILE or bare(name) in SECRET_KEYS


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in sorted(value.items()) if not _volatile(str(k))}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _json_or(text: str) -> Any:
    """A form value that is a JSON object (NLS's ``Task``), normalised; other text as it is."""
    if text.lstrip().startswith("{"):
        try:
            return _normal(json.loads(text))
        except ValueError:
            return text
    return text


def request_key(method: str, url: str, headers: Iterable[tuple[str, str]], body: bytes) -> str:
    """The normalised request a replay matches on, as text (its difference to another is readable)."""
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _volatile(k))
    given = {k.lower(): v for k, v in headers}
    kept = {h: given[h].split(";")[0].strip() for h in KEY_HEADERS if h in given
            and (body or h != "content-type")}          # a body's type, when there is a body
    text = body.decode("utf-8", "replace")
    shown: Any = text
    if text.lstrip().startswith(("{", "[")):
        try:
            shown = _normal(json.loads(text))
        except ValueError:
            shown = text
    elif "x-www-form-urlencoded" in kept.get("content-type", ""):
        shown = sorted((k, _json_or(v)) for k, v in parse_qsl(text, keep_blank_values=True) if not _volatile(k))
    return json.dumps({"method": method.upper(), "path": parts.path or "/", "query": query, "headers": kept,
                       "body": shown}, ensure_ascii=False, sort_keys=True)


class Replayer:
    def __init__(self, source: str | list[Exchange], strict: bool = False, pace: float = 1.0) -> None:
        """``source``: a folder of cassettes, or the exchanges themselves (sent to the control plane)."""
        self.exchanges = Cassettes(source).load() if isinstance(source, str) else sorted(source, key=lambda e: e.seq)
        self.strict = strict
        self.pace = max(0.0, pace)
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str, str], list[Exchange]] = {}
        self._used: dict[tuple[str, str, str], int] = {}
        for exchange in self.exchanges:
            key = (exchange.vendor, exchange.operation, self._recorded_key(exchange))
            self._answers.setdefault(key, []).append(exchange)
        self.served = 0

    @staticmethod
    def _recorded_key(exchange: Exchange) -> str:
        request = exchange.request
        return request_key(request.method, request.url, request.headers, request.data())

    def vendors(self) -> set[str]:
        return {e.vendor for e in self.exchanges}

    def to_json(self) -> dict[str, Any]:
        """What is replayed and how far (the control plane, the dashboard)."""
        return {"exchanges": len(self.exchanges), "served": self.served, "strict": self.strict, "pace": self.pace,
                "requests": [{"vendor": v, "operation": o, "recorded": len(found),
                              "taken": self._used.get((v, o, k), 0)}
                             for (v, o, k), found in self._answers.items()]}

    def take(self, vendor: str, operation: str, key: str) -> Exchange | None:
        """The next recorded answer to this request (the last one again when all were taken), or None."""
        with self._lock:
            answers = self._answers.get((vendor, operation, key))
            if not answers:
                return None
            used = self._used.get((vendor, operation, key), 0)
            self._used[(vendor, operation, key)] = used + 1
            self.served += 1
            return answers[min(used, len(answers) - 1)]

    def closest(self, vendor: str, operation: str, key: str) -> str:
        """The recorded request most like this one, and how it differs (for the warning or the refusal)."""
        candidates = [(v, o, k) for (v, o, k) in self._answers if v == vendor] or list(self._answers)
        if not candidates:
            return "the cassettes hold no exchange"
        best = max(candidates, key=lambda c: (c[1] == operation, difflib.SequenceMatcher(None, c[2], key).ratio()))
        first = self._answers[best][0]
        return f"closest: #{first.seq} {first.vendor} {first.operation} {first.request.method} {first.request.url}"

    async def answer(self, dialect: Dialect, scope: Scope, receive: Receive, send: Send) -> tuple[bool, Receive]:
        """Answer from the cassettes when one matches (True); otherwise the request, its body replayed, for the
        emulator to answer (with a warning in ``scope["state"]``), or the vendor's refusal when strict (True)."""
        state = scope.setdefault("state", {})
        if scope["type"] == "websocket":
            return await self._socket(dialect, scope, receive, send), receive
        body, whole = await _read(receive)
        receive = replayed_body(body, receive, not whole)
        if not whole:               # larger than any cassette holds: the emulator answers it, its body whole
            state.setdefault("warnings", []).append("replay: the body is larger than a cassette holds (64 MiB); "
                                                    "the emulator answered")
            return False, receive
        operation = await _operation(dialect, scope, body, receive)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
        key = request_key(scope.get("method", "GET"), f"https://{host_of(scope)}{target_of(scope)}", headers, body)
        found = self.take(dialect.name, operation, key)
        state.setdefault("journal", {}).update(vendor=dialect.name, operation=operation)
        if found is None:
            closest = self.closest(dialect.name, operation, key)
            why = f"replay: no recorded {dialect.name} {operation} matches this request ({closest})"
            if not self.strict:
                state.setdefault("warnings", []).append(f"{why}; the emulator answered")
                return False, receive
            state["journal"]["error"] = why
            call = Call(Request(scope, receive), dialect, body=body)
            response = dialect.error_response(call, VendorError("ReplayMismatch", why, 501))
            await response(scope, receive, send)
            return True, receive
        state["journal"]["error"] = None
        state.setdefault("warnings", []).append(f"replay: answered from cassette #{found.seq}")
        data = found.response.data()
        headers_out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in found.response.headers
                       if k.lower() not in ("content-length", "x-asr-emulator")]
        headers_out += [(b"content-length", str(len(data)).encode())]
        for warning in state.get("warnings", ()):
            headers_out.append((b"x-asr-emulator-warning", warning.encode("ascii", "replace")))
        await send({"type": "http.response.start", "status": found.response.status, "headers": headers_out})
        await send({"type": "http.response.body", "body": data})
        return True, receive


    async def _socket(self, dialect: Dialect, scope: Scope, receive: Receive, send: Send) -> bool:
        operation = _socket_name(dialect, scope)
        key = request_key("GET", f"wss://{host_of(scope)}{target_of(scope)}", [], b"")
        found = self.take(dialect.name, operation, key)
        if found is None:
            if self.strict:
                await receive()
                await send({"type": "websocket.close", "code": 1008,
                            "reason": f"replay: no recorded {operation} matches"[:120]})
                return True
            return False
        await receive()                                       # websocket.connect
        if found.response.status != 101:                      # a refused handshake, as recorded
            if "websocket.http.response" in scope.get("extensions", {}):
                data = found.response.data()
                await send({"type": "websocket.http.response.start", "status": found.response.status,
                            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in found.response.headers
                                        if k.lower() != "content-length"]
                            + [(b"content-length", str(len(data)).encode())]})
                await send({"type": "websocket.http.response.body", "body": data})
            else:
                await send({"type": "websocket.close", "code": 1008})
            return True
        await send({"type": "websocket.accept"})
        segments: list[list[Frame]] = [[]]
        directives: list[str] = []
        for frame in found.frames:
            if frame.by == "client":
                if frame.text is not None:
                    directives.append(frame.text)
                    segments.append([])
            else:
                segments[-1].append(frame)
        ids: dict[str, str] = {}
        await self._play(segments[0], ids, send)
        heard = 0
        while True:
            if heard >= len(directives) and found.closed_by == "server":
                await send({"type": "websocket.close", "code": found.close_code or 1000})
                return True
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return True
            text = message.get("text")
            if message["type"] != "websocket.receive" or text is None or heard >= len(directives):
                continue                                      # audio: read, not compared
            _chosen(directives[heard], text, ids)
            heard += 1
            await self._play(segments[heard], ids, send)

    async def _play(self, frames: list[Frame], ids: dict[str, str], send: Send) -> None:
        previous = frames[0].t_ms if frames else 0.0
        for frame in frames:
            if self.pace:
                await asyncio.sleep(max(0.0, frame.t_ms - previous) / 1000 * self.pace)
            previous = frame.t_ms
            payload = frame.payload()
            if isinstance(payload, str):
                for recorded, chosen in ids.items():
                    payload = payload.replace(recorded, chosen)
                await send({"type": "websocket.send", "text": payload})
            else:
                await send({"type": "websocket.send", "bytes": payload})


ID_NAMES = frozenset({"taskid", "messageid", "sessionid", "eventid", "voiceid", "itemid", "responseid"})


def _chosen(recorded: str, sent: str, ids: dict[str, str]) -> None:
    """Ids the client chose in a directive (a task id, a message id) where the recording had others."""
    try:
        before, after = json.loads(recorded), json.loads(sent)
    except ValueError:
        return
    ids_at_same_places(before, after, ID_NAMES, ids, kinds=(str,))


__all__ = ["PLACEHOLDER", "Replayer", "request_key"]
