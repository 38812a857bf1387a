"""Cassettes: one readable JSON file per exchange with a real service — the vendor, the operation, the request, the
answer and its timing — written without a secret.

Secrets are replaced by placeholders before anything is written: credential headers (``Authorization`` and the
vendors' signature and token headers), signature, key and token parameters of the query or a form body, the
values of JSON fields that hold keys or tokens (a request's or an answer's), and bearer tokens, ``sk-`` keys and
signed parameters wherever else they appear in text (``emulator.redact``). Result links an answer carries (URLs
with a signature or an expiry) are kept, so that a replay can hand them out, and marked: their JSON paths are listed
in ``result_links``. A file is named ``<seq>-<vendor>-<operation>.json``; ``seq`` orders the exchanges as they
happened (a task's polls in order)."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from emulator.redact import redact

PLACEHOLDER = "<redacted>"
FORMAT = 1
# headers that carry a credential, a signature or a session token, whatever the vendor
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "x-acs-signature-nonce", "x-acs-security-token",
    "x-acs-accesskey-id", "x-tc-token", "x-tc-signature", "x-cos-security-token", "x-ci-security-token",
    "x-nls-token", "x-dashscope-apikey", "x-api-key", "api-key", "x-goog-api-key", "x-eas-token",
})
# query or form parameters and JSON fields that hold one (compared in lower case)
SECRET_NAMES = frozenset({
    "signature", "accesskeyid", "accesskeysecret", "secretid", "secretkey", "securitytoken", "token", "sign",
    "q-signature", "q-ak", "q-sign-algorithm", "api_key", "apikey", "appkey", "x-acs-signature-nonce",
    "signaturenonce", "key", "secret", "password", "access_token", "authorization", "tmpsecretid", "tmpsecretkey",
    "sessiontoken", "credentials", "id_token",
})
# hop-by-hop and transport headers: not part of the exchange a vendor sees or sends
HOP_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                         "upgrade", "content-length", "proxy-authorization"})
_LINK = re.compile(r"(?i)^https?://[^\s]+[?&](Signature|Expires|sign|q-signature|OSSAccessKeyId|x-oss-signature)=")
_TEXT_TYPES = ("json", "xml", "text", "x-www-form-urlencoded", "javascript", "event-stream")


@dataclass
class Message:
    """One side of an exchange: the request (method, URL) or the answer (status)."""

    headers: list[tuple[str, str]]
    body: str = ""
    encoding: str = "text"                  # text, or base64 for bytes that are not UTF-8 text
    method: str = ""
    url: str = ""
    status: int = 0

    def data(self) -> bytes:
        return base64.b64decode(self.body, validate=True) if self.encoding == "base64" else self.body.encode("utf-8")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        if self.encoding != "text" or not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Frame:
    """One WebSocket message: who sent it, when (ms after the handshake), and its text or bytes (base64)."""

    by: str                                 # client or server
    t_ms: float
    text: str | None = None
    data: str | None = None                 # base64

    def payload(self) -> str | bytes:
        return self.text if self.text is not None else base64.b64decode(self.data or "", validate=True)

    @classmethod
    def of(cls, by: str, t_ms: float, message: str | bytes) -> Frame:
        if isinstance(message, str):
            text, _ = clean_body(message.encode("utf-8"), "application/json")
            return cls(by, round(t_ms, 1), text=text)
        return cls(by, round(t_ms, 1), data=base64.b64encode(message).decode("ascii"))


@dataclass
class Exchange:
    seq: int
    vendor: str
    operation: str
    started: float                          # seconds since the epoch
    elapsed_ms: float
    request: Message
    response: Message
    result_links: list[str] = field(default_factory=list)    # JSON paths of signed result links in the answer
    # a WebSocket session: its messages both ways, in order, with their times (``Frame``); the close
    frames: list[Frame] = field(default_factory=list)
    close_code: int | None = None
    closed_by: str = ""                     # client or server
    format: int = FORMAT

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for side in ("request", "response"):
            out[side]["headers"] = [f"{k}: {v}" for k, v in out[side]["headers"]]     # as on the wire, in order
            if side == "request":
                out[side].pop("status")
            else:
                out[side].pop("method")
                out[side].pop("url")
        out["frames"] = [{k: v for k, v in f.items() if v is not None} for f in out["frames"]]
        if not self.frames and self.close_code is None:          # an HTTP exchange: no WebSocket fields
            for name in ("frames", "close_code", "closed_by"):
                out.pop(name)
        return out

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Exchange:
        def message(raw: Mapping[str, Any]) -> Message:
            pairs = [str(h).partition(":") for h in raw.get("headers", [])]
            found = Message(headers=[(k.strip(), v.strip()) for k, _, v in pairs], body=str(raw.get("body", "")),
                            encoding=str(raw.get("encoding", "text")), method=str(raw.get("method", "")),
                            url=str(raw.get("url", "")), status=int(raw.get("status", 0)))
            if found.encoding not in ("text", "base64"):
                raise ValueError(f"encoding is text or base64, not {found.encoding!r}")
            found.data()                     # base64 that does not decode is refused now, not when it is replayed
            return found

        frames = [Frame(str(f["by"]), float(f.get("t_ms", 0.0)), f.get("text"), f.get("data"))
                  for f in value.get("frames", [])]
        for frame in frames:
            if frame.by not in ("client", "server") or (frame.text is None) == (frame.data is None):
                raise ValueError("a frame is by the client or the server, with a text or data")
            if frame.text is not None and not isinstance(frame.text, str):
                raise ValueError("a frame's text is a string")
            frame.payload()
        return cls(seq=int(value["seq"]), vendor=str(value["vendor"]), operation=str(value["operation"]),
                   started=float(value.get("started", 0.0)), elapsed_ms=float(value.get("elapsed_ms", 0.0)),
                   request=message(value["request"]), response=message(value["response"]),
                   result_links=list(value.get("result_links", [])), frames=frames,
                   close_code=value.get("close_code"), closed_by=str(value.get("closed_by", "")),
                   format=int(value.get("format", FORMAT)))


# ---- secrets out --------------------------------------------------------------------------------------------


def bare(name: str) -> str:
    """A field, parameter or header name compared without case, "-" or "_" (``X-TC-Timestamp`` ~ ``xtctimestamp``)."""
    return name.lower().replace("-", "").replace("_", "")


SECRET_KEYS = frozenset(bare(n) for n in SECRET_NAMES)


def _secret(name: str) -> bool:
    return bare(name) in SECRET_KEYS


def ids_at_same_places(before: Any, after: Any, names: frozenset[str], found: dict[str, str],
                       kinds: tuple[type, ...] = (str, int), key: str = "") -> None:
    """Ids at the same places of two documents that differ there, into ``found`` (before → after): values of the
    fields ``names`` says (bare names), of ``kinds``, at least four characters long."""
    if isinstance(before, dict) and isinstance(after, dict):
        for name in before:
            if name in after:
                ids_at_same_places(before[name], after[name], names, found, kinds, name)
    elif isinstance(before, list) and isinstance(after, list):
        for a, b in zip(before, after, strict=False):
            ids_at_same_places(a, b, names, found, kinds, key)
    elif bare(key) in names and isinstance(before, kinds) and isinstance(after, kinds) \
            and not isinstance(before, bool) and str(before) != str(after) and len(str(before)) >= 4:
        found[str(before)] = str(after)


def clean_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, PLACEHOLDER if k.lower() in SECRET_HEADERS else redact(v)) for k, v in headers
            if k.lower() not in HOP_HEADERS]


def clean_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, PLACEHOLDER if _secret(k) else redact(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return parts._replace(query=urlencode(query, safe="<>")).geturl()


def clean_json(value: Any, links: list[str] | None = None, path: str = "$") -> Any:
    """``value`` with secret fields replaced; signed links kept, their paths added to ``links``."""
    if isinstance(value, dict):
        return {k: (PLACEHOLDER if _secret(str(k)) and isinstance(v, (str, int)) and v != "" else
                    _strings_out(v) if _secret(str(k)) else
                    clean_json(v, links, f"{path}.{k}")) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_json(v, links, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        if links is not None and _LINK.match(value):
            links.append(path)
            return value
        return redact(value)
    return value


def _strings_out(value: Any) -> Any:
    """Every text inside a secret's object replaced (NLS's ``Token: {Id, ExpireTime}``: the id goes, the time
    stays, so that a client still reads the answer)."""
    if isinstance(value, dict):
        return {k: _strings_out(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings_out(v) for v in value]
    return PLACEHOLDER if isinstance(value, str) and value else value


def _form_value(value: str, links: list[str] | None) -> str:
    """A form value; one that is a JSON object (NLS's ``Task``) cleaned field by field."""
    if value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return redact(value)
        return json.dumps(clean_json(parsed, links), ensure_ascii=False, separators=(",", ":"))
    return redact(value)


def clean_body(data: bytes, content_type: str, links: list[str] | None = None) -> tuple[str, str]:
    """A body as it is written: (text, "text") or (base64, "base64"), secrets out of text."""
    kind = content_type.lower()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"
    if not any(t in kind for t in _TEXT_TYPES) and kind and not text.lstrip().startswith(("{", "[", "<")):
        return base64.b64encode(data).decode("ascii"), "base64"
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            parsed = json.loads(text)
        except ValueError:
            return redact(text), "text"
        cleaned = clean_json(parsed, links)
        if cleaned == parsed and redact(text) == text:       # nothing secret: the vendor's bytes, as they were
            return text, "text"
        return json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")), "text"
    if "x-www-form-urlencoded" in kind:
        pairs = parse_qsl(text, keep_blank_values=True)
        return urlencode([(k, PLACEHOLDER if _secret(k) else _form_value(v, links)) for k, v in pairs],
                         safe="<>"), "text"
    return redact(text), "text"


# ---- the folder ---------------------------------------------------------------------------------------------


class Cassettes:
    """A folder of exchanges: written one file each, read back in order."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._seq = max((e.seq for e in self.load()), default=0) if self.directory.exists() else 0

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def write(self, exchange: Exchange) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{exchange.vendor}-{exchange.operation}")
        path = self.directory / f"{exchange.seq:06d}-{safe}.json"
        text = json.dumps(exchange.to_json(), ensure_ascii=False, indent=2) + "\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(path)
        return path

    def load(self) -> list[Exchange]:
        return list(self)

    def __iter__(self) -> Iterator[Exchange]:
        if not self.directory.is_dir():
            return iter(())
        found = []
        for path in sorted(self.directory.glob("*.json")):
            try:
                found.append(Exchange.from_json(json.loads(path.read_text("utf-8"))))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: not a cassette ({exc})") from None
        return iter(sorted(found, key=lambda e: e.seq))


__all__ = [
    "PLACEHOLDER",
    "SECRET_KEYS",
    "Cassettes",
    "Exchange",
    "Frame",
    "Message",
    "bare",
    "clean_body",
    "clean_headers",
    "clean_json",
    "clean_url",
    "ids_at_same_places",
]
