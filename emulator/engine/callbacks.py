"""Callbacks: a real HTTP POST to a job's callback URL when it ends, retried, each attempt in the journal.

Jobs settle when read, so a small scheduler (one asyncio task on the server's loop, started by the first
``watch``) looks at the watched jobs a few times a second and delivers for those that have ended. The dialect
renders the body at delivery time. Any 2xx from the receiver counts as delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from emulator.engine.jobs import Job

Render = Callable[[Job], tuple[bytes, str]]     # job → (body, content type)


RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0)   # real seconds before each retry of a delivery


@dataclass
class Delivery:
    job_id: str
    url: str
    vendor: str
    render: Render
    test_id: str | None = None
    attempts: int = 0
    state: str = "waiting"         # waiting → delivered | failed | dropped
    next_at: float = 0.0           # time.monotonic() of the next attempt
    last_status: int | None = None
    last_error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def saved(self) -> SavedDelivery:
        return SavedDelivery(self.job_id, self.url, self.vendor, self.test_id, self.attempts, self.state,
                             list(self.history), owner_id())

    def to_json(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "url": self.url, "vendor": self.vendor, "state": self.state,
                "attempts": self.attempts, "last_status": self.last_status, "last_error": self.last_error,
                "history": list(self.history)}


@dataclass
class SavedDelivery:
    """A delivery as a state directory keeps it (its render function is the dialect's, found again on start)."""

    job_id: str
    url: str
    vendor: str
    test_id: str | None
    attempts: int
    state: str
    history: list[dict[str, Any]]
    owner: str = ""         # "host:pid" delivering it (several workers or instances: the others leave it alone)

    def to_json(self) -> dict[str, Any]:
        last = self.history[-1] if self.history else {}
        return {"job_id": self.job_id, "url": self.url, "vendor": self.vendor, "state": self.state,
                "attempts": self.attempts, "last_status": last.get("status"), "last_error": last.get("error"),
                "history": list(self.history)}


def owner_id() -> str:
    """This process, as a kept delivery names the one delivering it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def take_over(found: object) -> object | None:
    """A kept delivery whose process is gone, now this process's (``Store.update_record`` calls this in one step, so
    two processes never both take it); None: leave it (delivered, failed, or its process lives). An owner on another
    machine is left alone: whether it lives is not known here."""
    if not isinstance(found, SavedDelivery) or found.state != "waiting":
        return None
    if found.owner and found.owner != owner_id():
        host, _, pid = found.owner.rpartition(":")
        if host != socket.gethostname():
            return None
        try:
            os.kill(int(pid), 0)
            return None                  # its process lives: it delivers it
        except (ProcessLookupError, ValueError):
            pass
        except PermissionError:          # a process of another user has that id now: not ours either way
            pass
    return dataclasses.replace(found, owner=owner_id())


class Callbacks:
    """``peek(job_id)`` settles and returns a job without counting a poll; ``record(**fields)`` writes the journal;
    ``now()`` is the emulator clock (journal times)."""

    def __init__(self, peek: Callable[[str], Job | None], record: Callable[..., Any], now: Callable[[], float],
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._peek = peek
        self._record = record
        self._now = now
        self._transport = transport
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS   # real seconds before each retry
        self.timeout = 10.0
        self.interval = 0.02
        self.deliveries: list[Delivery] = []
        self.on_change: Callable[[Delivery], None] | None = None    # a state directory keeps each delivery
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    def watch(self, delivery: Delivery) -> None:
        """Deliver when the job ends. Call from a coroutine on the loop that should do the sending."""
        self.deliveries.append(delivery)
        if self.on_change is not None:
            self.on_change(delivery)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="asr-emulator-callbacks")
        elif self._wake is not None:
            self._wake.set()

    def pending(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.state == "waiting"]

    def clear(self, job_ids: set[str] | None = None) -> None:
        """Drop every delivery (``job_ids``: those of these jobs)."""
        for d in self.pending():
            if job_ids is None or d.job_id in job_ids:
                d.state = "dropped"
        self.deliveries = [d for d in self.deliveries if job_ids is not None and d.job_id not in job_ids]

    async def settle(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout`` seconds) until no watched job that has ended is still waiting for delivery."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not any(self._due(d) for d in self.pending()):
                return
            await asyncio.sleep(self.interval)

    def _due(self, d: Delivery) -> bool:
        job = self._peek(d.job_id)
        return job is not None and job.phase.terminal

    async def _run(self) -> None:
        while self.pending():
            now = time.monotonic()
            for d in self.pending():
                if d.next_at > now:
                    continue
                job = self._peek(d.job_id)
                if job is None:
                    d.state = "dropped"
                elif job.phase.terminal:
                    await self._attempt(d, job)
            if self._wake is not None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)

    async def _attempt(self, d: Delivery, job: Job) -> None:
        d.attempts += 1
        started = time.perf_counter()
        status, error = 0, None
        try:
            body, content_type = d.render(job)
            async with httpx.AsyncClient(transport=self._transport, trust_env=False, timeout=self.timeout) as client:
                resp = await client.post(d.url, content=body, headers={"Content-Type": content_type})
            status = resp.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:   # a render bug must not kill the scheduler
            error = repr(exc)
        ok = 200 <= status < 300
        d.last_status, d.last_error = (status or None), error
        d.history.append({"attempt": d.attempts, "status": status or None, "error": error, "time": self._now()})
        self._record(time=self._now(), method="POST", path=d.url, status=status,
                     latency_ms=round((time.perf_counter() - started) * 1000, 3), vendor=d.vendor,
                     operation="callback", job_id=d.job_id, test_id=d.test_id, error=error, attempt=d.attempts)
        if ok:
            d.state = "delivered"
        elif d.attempts > len(self.retry_delays):
            d.state = "failed"
        else:
            d.next_at = time.monotonic() + self.retry_delays[d.attempts - 1]
        if self.on_change is not None:
            self.on_change(d)
