"""``python -m bench.listing [--jobs 100000]``: the control plane's job listing (``GET /_emulator/jobs``) with that
many stored jobs, in memory, on a state directory shared by workers (SQLite) and in Redis (when ``redis-server`` is
installed; one is started on a free port) — a page of 50, the same page filtered by a phase that ended jobs are in
(``succeeded``) and by one that moves with the clock (``running``): milliseconds (in-process ASGI calls: the app's own
work, without sockets), as a ratio to a bare Starlette endpoint measured in the same run, and how many jobs each
listing read back from the store (the goal: the page and the jobs whose phase moves with the clock, never all)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.__main__ import in_process_us
from bench.servers import bare as bare_starlette

TARGETS = (("a page of 50", "/_emulator/jobs?limit=50"),
           ("?phase=succeeded, a page of 50", "/_emulator/jobs?phase=succeeded&limit=50"),
           ("?phase=running, a page of 50", "/_emulator/jobs?phase=running&limit=50"))


def filled(settings: Any, count: int) -> Any:
    """An emulator with ``count`` DashScope jobs: all but one in twenty ended, those running (manual: until told)."""
    from emulator.app import Emulator
    from emulator.engine import Item, Job, Phase
    from emulator.vendors.dashscope.routes import TaskRecord

    app = Emulator(settings)
    now = time.time()
    for i in range(count):
        running = i % 20 == 0
        job = Job(id=f"job-{i:08d}", vendor="dashscope", model="paraformer-v2", owner="sk-bench",
                  items=[Item(0, f"http://files.example.com/{i}.wav")], policy="manual" if running else "instant",
                  created_at=now, record=TaskRecord(f"req-{i}"),
                  phase=Phase.RUNNING if running else Phase.SUCCEEDED,
                  phase_times={"queued": now, "running": now} if running else
                  {"queued": now, "running": now, "succeeded": now}, operation="submit")
        app.engine.store.put_job(job)
    return app


def read_back(app: Any, target: str) -> str:
    """How many jobs one listing reads back from the store ("-" for the memory store: nothing is read back)."""
    store = app.engine.store
    loads = getattr(store, "_loads", None)
    if loads is None:
        return "-"
    count = 0

    def counting(data: object, what: str) -> object:
        nonlocal count
        count += 1
        return loads(data, what)

    store._loads = counting
    try:
        in_process_us(app, target, n=1, warmup=0)
    finally:
        store._loads = loads
    return f"{count:,}"


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A redis-server of the run's own, or None when Debian's package is not installed."""
    if shutil.which("redis-server") is None:
        yield None
        return
    from emulator.testing.server import redis_server as started

    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder, started(folder) as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.listing", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    a = parser.parse_args()
    from emulator.config import Settings

    bare = in_process_us(bare_starlette(), "/api/v1/tasks/x", n=2000)
    print(f"GET /_emulator/jobs with {a.jobs:,} stored jobs (one in twenty running), in-process; bare Starlette "
          f"endpoint {bare:.0f} us")
    with tempfile.TemporaryDirectory() as shared_dir, redis_server() as redis_url:
        stores = {"memory": Settings(lifecycle="instant", load_fixtures=False),
                  "state directory, 2 workers (SQLite)": Settings(lifecycle="instant", load_fixtures=False,
                                                                  state_dir=shared_dir, workers=2)}
        if redis_url is not None:
            stores["Redis"] = Settings(lifecycle="instant", load_fixtures=False, store=redis_url)
        else:
            print("  (redis-server is not installed: the Redis store is not measured)")
        for name, settings in stores.items():
            started = time.perf_counter()
            app = filled(settings, a.jobs)
            print(f"  {name}: {a.jobs:,} jobs stored in {time.perf_counter() - started:.1f} s")
            for label, target in TARGETS:
                us = in_process_us(app, target, n=a.repeat, warmup=2)
                print(f"    {label:<34} {us / 1000:9.2f} ms  ({us / bare:7.0f}x bare)  jobs read back: "
                      f"{read_back(app, target)}")


if __name__ == "__main__":
    main()
