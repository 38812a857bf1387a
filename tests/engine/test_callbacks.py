"""Callback delivery: when the job ends, retried on failure, every attempt journaled."""

from __future__ import annotations

import asyncio

import httpx

from emulator.engine import Engine, EngineConfig, FetchLimits, Job, Options
from emulator.engine.callbacks import Delivery
from tests.conftest import magic


def render(job: Job) -> tuple[bytes, str]:
    return f'{{"id":"{job.id}","phase":"{job.phase.value}"}}'.encode(), "application/json"


async def scenario(engine: Engine, answers: list[int], policy: str) -> tuple[Job, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(answers[min(len(seen), len(answers)) - 1])

    engine.callbacks._transport = httpx.MockTransport(handler)
    engine.callbacks.retry_delays = (0.0, 0.0)
    job = await engine.submit(vendor="v", model="m", owner="o", job_id="job-1", sources=[magic("hi.")],
                              options=Options(), limits=FetchLimits(max_bytes=10**7), policy=policy)
    engine.callbacks.watch(Delivery(job.id, "http://receiver.test/cb", "v", render, test_id="t-1"))
    return job, seen


def test_delivered_when_the_job_ends_and_retried_until_2xx() -> None:
    engine = Engine(EngineConfig(lifecycle="instant"))

    async def go() -> list[httpx.Request]:
        _, seen = await scenario(engine, [500, 503, 200], "instant")
        await engine.callbacks.settle()
        return seen

    seen = asyncio.run(go())
    assert len(seen) == 3
    assert seen[-1].headers["content-type"] == "application/json"
    assert seen[-1].content == b'{"id":"job-1","phase":"succeeded"}'
    (delivery,) = engine.callbacks.deliveries
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    entries = engine.journal.entries(operation="callback")
    assert [(e.attempt, e.status, e.test_id) for e in entries] == [(1, 500, "t-1"), (2, 503, "t-1"), (3, 200, "t-1")]


def test_gives_up_after_the_last_retry() -> None:
    engine = Engine(EngineConfig(lifecycle="instant"))

    async def go() -> None:
        await scenario(engine, [500], "instant")
        for _ in range(100):
            if not engine.callbacks.pending():
                return
            await asyncio.sleep(0.01)

    asyncio.run(go())
    (delivery,) = engine.callbacks.deliveries
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 3, 500)


def test_waits_for_a_manual_job() -> None:
    engine = Engine(EngineConfig(lifecycle="manual"))

    async def go() -> tuple[int, int]:
        job, seen = await scenario(engine, [200], "manual")
        await asyncio.sleep(0.1)
        before = len(seen)
        engine.complete(job)
        await engine.callbacks.settle()
        return before, len(seen)

    assert asyncio.run(go()) == (0, 1)


def test_reset_drops_waiting_deliveries() -> None:
    engine = Engine(EngineConfig(lifecycle="manual"))

    async def go() -> None:
        await scenario(engine, [200], "manual")
        engine.reset()
        await asyncio.sleep(0.05)

    asyncio.run(go())
    assert engine.callbacks.deliveries == [] and engine.journal.entries(operation="callback") == []
