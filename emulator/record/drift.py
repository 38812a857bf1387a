"""``asr-emulator drift DIR``: every recorded request sent to a fresh emulator, in the recorded order, and its answer
compared with the recorded one by structure — HTTP status, content type, field names and types, enum-like values
(codes, statuses), and per task the sequence of states it went through — leaving out what naturally differs: ids,
times, URLs, numbers' values, free text and transcripts (the emulator's text is scripted or synthetic).

Ids the recording handed out (task ids, job ids) are mapped to the ones the emulator hands out, so that a recorded
poll of task ``A`` polls the emulator's task for ``A``. The emulator runs with credentials off (the cassettes hold
no secret, so no signature can be checked) and a ``polls:1`` lifecycle; a task's states are compared as the
sequence of distinct states (a service that answered PENDING three times and one that answered it once agree).

A WebSocket session is played to the emulator with the client's recorded messages (as fast as they are taken), and
the server's messages are compared as the sequence of their kinds (an event or message name; repeats of one kind
count once) and, for each kind, by the structure of its first message; then the close code."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import xmltodict

from emulator.record.cassette import Cassettes, Exchange, bare, ids_at_same_places

# fields whose values naturally differ: compared by type only (lower case, "-" and "_" left out)
ID_KEYS = frozenset({"taskid", "jobid", "requestid", "id", "nlsrequestid", "recid", "queueid", "uploadid",
                     "vocabularyid", "vocabid", "tokenid", "traceid", "etag", "key", "object", "bucket", "location",
                     "fileid", "sessionid", "messageid", "responseid", "itemid", "eventid", "usageid"})
STATE_KEYS = frozenset({"taskstatus", "statusstr", "statustext", "status", "state", "subtaskstatus"})
_TIME = re.compile(r"time|date|created|updated|expire|duration|latency|elapsed|begin|end|offset", re.I)
_TEXT = re.compile(r"text|result|sentence|transcript|words?$|message|msg|content|name|description|url|link|host",
                   re.I)
_ENUM = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
SESSION_IDLE_S = 3.0        # a WebSocket session played to the emulator ends after this long without a message


@dataclass
class Difference:
    path: str
    kind: str              # status, content-type, type, missing, extra, value, states
    recorded: str
    emulated: str


@dataclass
class Outcome:
    seq: int
    vendor: str
    operation: str
    differences: list[Difference] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.differences


@dataclass
class Report:
    outcomes: list[Outcome]
    states: list[Difference]                # per task: the sequences of states that differ

    @property
    def drifted(self) -> bool:
        return bool(self.states) or any(not o.same for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {"drifted": self.drifted,
                "exchanges": [{**asdict(o), "same": o.same} for o in self.outcomes],
                "states": [asdict(d) for d in self.states]}

    def rows(self) -> list[dict[str, Any]]:
        """One row per operation: vendor, operation, exchanges, same, differing, the paths that differ."""
        found: dict[tuple[str, str], list[Outcome]] = {}
        for outcome in self.outcomes:
            found.setdefault((outcome.vendor, outcome.operation), []).append(outcome)
        return [{"vendor": vendor, "operation": operation, "exchanges": len(outcomes),
                 "same": sum(o.same for o in outcomes), "differ": sum(not o.same for o in outcomes),
                 "paths": sorted({f"{d.path} ({d.kind}: {d.recorded} → {d.emulated})" for o in outcomes
                                  for d in o.differences})}
                for (vendor, operation), outcomes in found.items()]

    def table(self) -> str:
        """One line per operation: exchanges, same, differing, and the paths that differ."""
        lines = [f"{'vendor':<16} {'operation':<28} {'exchanges':>9} {'same':>5} {'differ':>6}  paths that differ"]
        for row in self.rows():
            lines.append(f"{row['vendor']:<16} {row['operation']:<28} {row['exchanges']:>9} {row['same']:>5} "
                         f"{row['differ']:>6}  {'; '.join(row['paths']) if row['paths'] else '-'}")
        for d in self.states:
            lines.append(f"states of {d.path}: recorded {d.recorded}, emulator {d.emulated}")
        lines.append("drift" if self.drifted else "no drift")
        return "\n".join(lines)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def parsed(body: bytes, content_type: str) -> Any:
    """An answer's body as data: JSON, XML (as xmltodict reads it), or None (compared as bytes elsewhere)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return None
    if (text.startswith("<") and "xml" in content_type.lower()) or text.startswith("<?xml"):
        try:
            return xmltodict.parse(text)
        except Exception:          # not XML after all: compared as text
            return None
    return None


def compare(recorded: Any, emulated: Any, path: str = "$", key: str = "") -> Iterator[Difference]:
    name_of = bare(key)
    if _kind(recorded) != _kind(emulated):
        # XML text nodes: a lone element and a list of them are one shape; numbers written as text too
        yield Difference(path, "type", _kind(recorded), _kind(emulated))
        return
    if isinstance(recorded, dict):
        for name in recorded:
            if name not in emulated:
                yield Difference(f"{path}.{name}", "missing", _kind(recorded[name]), "-")
        for name in emulated:
            if name not in recorded:
                yield Difference(f"{path}.{name}", "extra", "-", _kind(emulated[name]))
        for name in recorded:
            if name in emulated:
                yield from compare(recorded[name], emulated[name], f"{path}.{name}", name)
        return
    if isinstance(recorded, list):
        if recorded and emulated:          # the shape of an element (counts naturally differ)
            yield from compare(recorded[0], emulated[0], f"{path}[0]", key)
        return
    if isinstance(recorded, str) and isinstance(emulated, str):
        if name_of in ID_KEYS or name_of in STATE_KEYS or _TIME.search(key) or _TEXT.search(key):
            return
        if recorded.startswith(("http://", "https://")) or not _ENUM.match(recorded):
            return
        if recorded != emulated:
            yield Difference(path, "value", recorded, emulated)


def _states(data: Any) -> Iterator[tuple[str, str]]:
    """(the key, the value) of state fields, depth first."""
    if isinstance(data, dict):
        for name, value in data.items():
            if bare(name) in STATE_KEYS and isinstance(value, (str, int)) and not isinstance(value, bool):
                yield name, str(value)
            else:
                yield from _states(value)
    elif isinstance(data, list):
        for value in data[:1]:
            yield from _states(value)


def _subject(data: Any) -> str | None:
    """The task an answer is about: its first id field."""
    if isinstance(data, dict):
        for name, value in data.items():
            if bare(name) in ("taskid", "jobid") and isinstance(value, (str, int)):
                return str(value)
        for value in data.values():
            found = _subject(value)
            if found is not None:
                return found
    return None


def _mapped(text: str, ids: dict[str, str]) -> str:
    for recorded, emulated in ids.items():
        text = text.replace(recorded, emulated)
    return text


def _mapped_json(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _mapped_json(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_mapped_json(v, ids) for v in value]
    if isinstance(value, str):
        return _mapped(value, ids)
    if isinstance(value, int) and not isinstance(value, bool) and str(value) in ids and ids[str(value)].isdigit():
        return int(ids[str(value)])
    return value


def _request(exchange: Exchange, ids: dict[str, str]) -> tuple[str, str, list[tuple[str, str]], bytes]:
    request = exchange.request
    parts = urlsplit(request.url)
    query = urlencode([(k, _mapped(v, ids)) for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    url = parts._replace(path=_mapped(parts.path, ids), query=query).geturl()
    body = request.data()
    if request.encoding == "text" and body:
        text = body.decode("utf-8")
        try:
            body = json.dumps(_mapped_json(json.loads(text), ids), ensure_ascii=False).encode("utf-8")
        except ValueError:
            body = _mapped(text, ids).encode("utf-8")
    headers = [(k, v) for k, v in request.headers if k.lower() not in ("host", "content-length")]
    return request.method or "GET", url, headers, body


def _message_kind(text: str) -> tuple[str, Any]:
    """A WebSocket message's kind (its event, name or type) and its data."""
    try:
        data = json.loads(text)
    except ValueError:
        return "text", None
    if isinstance(data, dict):
        header: dict[str, Any] = data["header"] if isinstance(data.get("header"), dict) else {}
        for value in (header.get("event"), header.get("name"), data.get("type"), data.get("event")):
            if isinstance(value, str) and value:
                return value, data
        if "final" in data:                      # Tencent realtime: results until final = 1
            return f"final={data['final']}" if data.get("final") else "result", data
        return "+".join(sorted(data))[:60], data
    return _kind(data), data


async def _session(app: Any, exchange: Exchange, ids: dict[str, str]) -> tuple[int, list[str], int | None]:
    """The exchange's WebSocket session played to ``app``: the handshake's status (101 when accepted), the server's
    text messages, and the close code."""
    request = exchange.request
    parts = urlsplit(_mapped(request.url, ids))
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers
               if k.lower() not in ("sec-websocket-key", "sec-websocket-version", "upgrade", "connection",
                                    "sec-websocket-extensions")]
    if not any(k == b"host" for k, _ in headers):
        headers.append((b"host", parts.netloc.encode("latin-1")))
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "scheme": "wss" if parts.scheme == "wss" else "ws", "path": parts.path or "/",
             "raw_path": (parts.path or "/").encode("latin-1"), "query_string": parts.query.encode("latin-1"),
             "root_path": "", "headers": headers, "subprotocols": [], "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 443), "extensions": {"websocket.http.response": {}}, "state": {}}
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "websocket.connect"})
    running = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    texts: list[str] = []
    try:
        first = await asyncio.wait_for(outbox.get(), 30)
        if first["type"] == "websocket.http.response.start":
            return int(first["status"]), [], None
        if first["type"] != "websocket.accept":
            return 403, [], int(first.get("code", 1000))
        for frame in exchange.frames:
            if frame.by == "client":
                payload = frame.payload()
                await inbox.put({"type": "websocket.receive", "text": _mapped(payload, ids)} if isinstance(
                    payload, str) else {"type": "websocket.receive", "bytes": payload})
        while True:
            try:
                message = await asyncio.wait_for(outbox.get(), SESSION_IDLE_S)
            except TimeoutError:
                await inbox.put({"type": "websocket.disconnect", "code": 1000})
                return 101, texts, exchange.close_code if exchange.closed_by == "client" else None
            if message["type"] == "websocket.send" and message.get("text") is not None:
                texts.append(message["text"])
            elif message["type"] == "websocket.close":
                return 101, texts, int(message.get("code", 1000))
    finally:
        running.cancel()


def _compare_session(exchange: Exchange, status: int, texts: list[str], close: int | None,
                     outcome: Outcome) -> None:
    if exchange.response.status != status:
        outcome.differences.append(Difference("handshake", "status", str(exchange.response.status), str(status)))
        return
    recorded = [_message_kind(f.text) for f in exchange.frames if f.by == "server" and f.text is not None]
    emulated = [_message_kind(t) for t in texts]

    def kinds(found: list[tuple[str, Any]]) -> list[str]:
        out: list[str] = []
        for kind, _ in found:
            if not out or out[-1] != kind:
                out.append(kind)
        return out

    if kinds(recorded) != kinds(emulated):
        outcome.differences.append(Difference("messages", "sequence", " → ".join(kinds(recorded)),
                                              " → ".join(kinds(emulated))))
    firsts = {kind: data for kind, data in reversed(emulated)}
    for kind, data in {kind: data for kind, data in reversed(recorded)}.items():
        if kind in firsts:
            outcome.differences.extend(compare(data, firsts[kind], f"messages[{kind}]"))
    if exchange.closed_by == "server" and close is not None and exchange.close_code not in (None, close):
        outcome.differences.append(Difference("close", "value", str(exchange.close_code), str(close)))


async def drift(source: str | list[Exchange], app: Any) -> Report:
    """Send each exchange (of a folder, or given) to ``app`` (an ASGI emulator) and compare."""
    exchanges = Cassettes(source).load() if isinstance(source, str) else sorted(source, key=lambda e: e.seq)
    ids: dict[str, str] = {}
    outcomes: list[Outcome] = []
    recorded_states: dict[str, list[str]] = {}
    emulated_states: dict[str, list[str]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, timeout=60) as client:
        for exchange in exchanges:
            if exchange.frames or exchange.request.url.startswith(("ws://", "wss://")):
                outcome = Outcome(exchange.seq, exchange.vendor, exchange.operation)
                status, texts, close = await _session(app, exchange, ids)
                _compare_session(exchange, status, texts, close, outcome)
                outcomes.append(outcome)
                continue
            method, url, headers, body = _request(exchange, ids)
            answer = await client.request(method, url, headers=headers, content=body)
            outcome = Outcome(exchange.seq, exchange.vendor, exchange.operation)
            recorded = exchange.response
            if recorded.status != answer.status_code:
                outcome.differences.append(Difference("HTTP status", "status", str(recorded.status),
                                                      str(answer.status_code)))
            wanted = (recorded.header("content-type") or "").split(";")[0].strip().lower()
            got = answer.headers.get("content-type", "").split(";")[0].strip().lower()
            if wanted != got:
                outcome.differences.append(Difference("Content-Type", "content-type", wanted or "-", got or "-"))
            before = parsed(recorded.data(), wanted)
            after = parsed(answer.content, got)
            if before is not None or after is not None:
                outcome.differences.extend(compare(before, after))
                ids_at_same_places(before, after, ID_KEYS, ids)       # recorded ids → the emulator's
                subject = _subject(before)
                if subject is not None:
                    for store, data in ((recorded_states, before), (emulated_states, after)):
                        found = next(_states(data), None)
                        if found is not None:
                            sequence = store.setdefault(subject, [])
                            if not sequence or sequence[-1] != found[1]:
                                sequence.append(found[1])
            outcomes.append(outcome)
    states = [Difference(f"task {task}", "states", " → ".join(seq), " → ".join(emulated_states.get(task, [])))
              for task, seq in recorded_states.items() if emulated_states.get(task, []) != seq]
    return Report(outcomes, states)


__all__ = ["Difference", "Outcome", "Report", "compare", "drift"]
