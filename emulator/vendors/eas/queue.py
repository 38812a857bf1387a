"""The EAS queue service in front of an asynchronous model service: an input queue (``/api/predict/<svc>``) whose
entries are engine jobs, and a sink (``/api/predict/<svc>/sink``) holding their results as data frames.

Frames go out as JSON (``[{"index", "tags", "data" (base64), "message"}]``) or, when the client accepts
``application/vnd.google.protobuf`` as ``eas-prediction``'s ``QueueClient`` does, as the queue service's
``DataFrameListProto``. Only that one message is ever written, so its proto3 encoding is spelled out here.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


@dataclass
class Entry:
    index: int
    request_id: str
    job_id: str                  # "" for data put straight into the sink
    tags: dict[str, str]
    data: bytes = b""            # the sink's own data (a producer that writes results itself)


@dataclass
class Frame:
    index: int
    tags: dict[str, str]
    data: bytes
    message: str = ""

    def to_json(self) -> dict[str, object]:
        return {"index": self.index, "tags": self.tags, "data": base64.b64encode(self.data).decode(),
                "message": self.message}


@dataclass
class Queue:
    """One service's queues: entries by index, and which results have left the sink."""

    name: str
    next_index: int = 1
    entries: dict[int, Entry] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)        # results deleted, auto-deleted or truncated from the sink

    def put(self, request_id: str, job_id: str, tags: dict[str, str]) -> Entry:
        entry = Entry(self.next_index, request_id, job_id, tags)
        self.entries[entry.index] = entry
        self.next_index += 1
        return entry

    def put_result(self, request_id: str, tags: dict[str, str], data: bytes) -> Entry:
        """Data written straight into the sink: a result with no job behind it."""
        entry = Entry(self.next_index, request_id, "", tags, data)
        self.entries[entry.index] = entry
        self.next_index += 1
        return entry

    def by_request_id(self, request_id: str) -> Entry | None:
        return next((e for e in self.entries.values() if e.request_id == request_id), None)

    def delete(self, indexes: list[int]) -> None:
        self.gone.update(indexes)

    def truncate(self, below: int) -> None:
        self.gone.update(i for i in self.entries if i < below)

    @property
    def last_index(self) -> int:
        return self.next_index - 1


def parse_timeout(text: str | None, default: float = 0.0) -> float | None:
    """``5s``, ``500ms``, ``1m`` or plain seconds; None when unreadable."""
    if text is None or text == "":
        return default
    m = _DURATION.match(text)
    if m is None:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_indexes(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        return None


# ---- proto3 wire format of ``DataFrameListProto`` ---------------------------------------------------------------
# message DataFrameProto { uint64 index = 1; map<string,string> tags = 2; bytes data = 3; string message = 4; }
# message DataFrameListProto { repeated DataFrameProto index = 1; }

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_frame(frame: Frame) -> bytes:
    out = bytearray()
    if frame.index:
        out += _varint(1 << 3 | 0) + _varint(frame.index)
    for key, value in frame.tags.items():
        out += _bytes_field(2, _bytes_field(1, key.encode()) + _bytes_field(2, value.encode()))
    if frame.data:
        out += _bytes_field(3, frame.data)
    if frame.message:
        out += _bytes_field(4, frame.message.encode())
    return bytes(out)


def encode_frames(frames: list[Frame]) -> bytes:
    return b"".join(_bytes_field(1, encode_frame(f)) for f in frames)
