"""Request bodies too large to hold in memory: received in chunks, hashed as they come, and written to a temporary
file past a threshold (the store then adopts the file)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from emulator.engine.store import SPILL_BYTES, Blob

BATCH_BYTES = 1024 * 1024        # received bytes are hashed and written a batch this size at a time


class TooLarge(Exception):
    """The body is over the limit."""


@dataclass
class Incoming:
    """A received body: in ``data``, or in the file ``path`` when large; its size and MD5."""

    data: bytes
    path: str | None
    size: int
    md5: str

    def read(self) -> bytes:
        return self.data if self.path is None else Path(self.path).read_bytes()

    def blob(self, content_type: str, name: str, meta: dict[str, str]) -> Blob:
        return Blob(self.data, content_type, name, meta, path=self.path, size=self.size)

    def discard(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


async def receive(chunks: AsyncIterator[bytes], limit: int, spill: int = SPILL_BYTES) -> Incoming:
    """Read ``chunks`` up to ``limit`` bytes (``TooLarge`` past it), in memory up to ``spill`` bytes, then in a file.
    Hashing and writing happen in a worker thread, a batch at a time, so the event loop stays free."""
    digest = hashlib.md5()
    held: list[bytes] = []
    held_bytes = size = 0
    handle: BinaryIO | None = None
    path: str | None = None
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the body is over {limit} bytes")
            held.append(chunk)
            held_bytes += len(chunk)
            if handle is None and size > spill:
                fd, path = tempfile.mkstemp(prefix="asr-emulator-body-")
                handle = os.fdopen(fd, "wb")
            if handle is not None and held_bytes >= BATCH_BYTES:
                await asyncio.to_thread(_write, handle, digest, held)
                held, held_bytes = [], 0
        if handle is not None:
            await asyncio.to_thread(_write, handle, digest, held)
            handle.close()
            return Incoming(b"", path, size, digest.hexdigest())
    except BaseException:
        if handle is not None:
            handle.close()
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    data = b"".join(held)
    digest.update(data)
    return Incoming(data, None, size, digest.hexdigest())


def _write(handle: BinaryIO, digest: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        digest.update(chunk)
        handle.write(chunk)


__all__ = ["Incoming", "TooLarge", "receive"]
