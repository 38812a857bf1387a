"""Hostile input, briefly (seeded): every vendor's broken requests get vendor errors, never a 500, a traceback, a
hang or a dropped WebSocket. ``make fuzz`` runs the same generators at length."""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz
from emulator.app import Emulator
from emulator.config import Settings

CASES = 150


@pytest.mark.parametrize("credentials", ["off", "permissive"])
@pytest.mark.parametrize("vendor", sorted(fuzz.GENERATORS))
def test_hostile_requests_get_vendor_errors(vendor: str, credentials: str) -> None:
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False, credentials=credentials))
    logger = logging.getLogger("asr_emulator")
    propagate, logger.propagate = logger.propagate, False      # tracebacks are counted, not printed
    try:
        failures = asyncio.run(fuzz.campaign(app, 0, [vendor], CASES))[vendor]
    finally:
        logger.propagate = propagate
    report = [f"{f.status} {f.case.describe()[:300]} {f.tracebacks[:1]}" for f in failures[:3]]
    assert not failures, "\n".join(report)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vendor=st.sampled_from(sorted(fuzz.GENERATORS)), seed=st.integers(0, 2**32), index=st.integers(0, 10**6))
def test_any_seed_gives_vendor_errors(vendor: str, seed: int, index: int) -> None:
    """Hypothesis picks the seeds (and keeps the ones that failed in its database, to replay first)."""
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False, credentials="permissive"))
    logger = logging.getLogger("asr_emulator")
    propagate, logger.propagate = logger.propagate, False
    try:
        outcome = asyncio.run(_one(app, fuzz.case(seed, vendor, index)))
    finally:
        logger.propagate = propagate
    assert not outcome.failed, f"{outcome.status} {outcome.case.describe()[:300]} {outcome.tracebacks[:1]}"


async def _one(app: Emulator, case: fuzz.Case) -> fuzz.Outcome:
    runner = fuzz.Runner(app)
    try:
        return await runner.run(case)
    finally:
        runner.close()


def test_a_case_replays_from_its_seed() -> None:
    first, again = fuzz.case(7, "tencent_ci", 42), fuzz.case(7, "tencent_ci", 42)
    assert (first.method, first.path, first.query, first.headers, first.body) == \
        (again.method, again.path, again.query, again.headers, again.body)


def test_the_runner_catches_what_it_looks_for() -> None:
    """A handler with a bug is reported (the harness is not blind)."""
    from starlette.responses import Response

    async def broken(scope: object, receive: object, send: object) -> None:
        await Response(b"x", 500)(scope, receive, send)      # type: ignore[arg-type]

    outcome = asyncio.run(fuzz.Runner(broken).run(fuzz.case(0, "dashscope", 0)))
    assert outcome.failed and outcome.status == 500


def test_every_declared_operation_is_fuzzed_from_its_declaration() -> None:
    """No fuzz code names an operation: each one with a declared input gets cases, valid and broken."""
    from fuzz.declared import declared, declared_case

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False, credentials="permissive"))
    table = declared(app)
    ops = {(vendor, op.name, op.action) for vendor, entries in table.items() for _, op, _, _ in entries}
    drawn = {(vendor, *(case.note.split(":")[0],)) for vendor in table for i in range(1, 400, 2)
             if (case := declared_case(app, 0, vendor, i)) is not None}
    assert {(v, a or n) for v, n, a in ops} == drawn
    assert {"tencent_asr", "nls", "dashscope", "dashscope_realtime", "eas", "tencent_ci"} <= set(table)


@pytest.mark.parametrize("vendor", ["tencent_asr", "nls", "dashscope", "dashscope_realtime", "eas", "tencent_ci"])
def test_declared_cases_get_vendor_errors(vendor: str) -> None:
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False, credentials="permissive"))
    logger = logging.getLogger("asr_emulator")
    propagate, logger.propagate = logger.propagate, False
    try:
        outcomes = asyncio.run(_declared(app, vendor, range(1, 601, 2)))
    finally:
        logger.propagate = propagate
    failures = [o for o in outcomes if o.failed]
    assert not failures, "\n".join(f"{f.status} {f.case.describe()[:300]} {f.tracebacks[:1]}" for f in failures[:3])
    assert any(o.status in (200, 101) and b"rror" not in o.body[:200] for o in outcomes)   # some valid cases pass


async def _declared(app: Emulator, vendor: str, indexes: range) -> list[fuzz.Outcome]:
    from fuzz.declared import declared_case

    runner = fuzz.Runner(app)
    try:
        return [await runner.run(c) for i in indexes if (c := declared_case(app, 0, vendor, i)) is not None]
    finally:
        runner.close()
