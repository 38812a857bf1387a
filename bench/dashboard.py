"""``python -m bench.dashboard``: the dashboard and the job listing with 100,000 stored jobs beside 10, and beside a
bare Starlette endpoint, in one run (in-process ASGI calls: the app's own work, without sockets).

A page of 50 is brought up to date job by job; only a phase filter makes every job's phase be worked out."""

from __future__ import annotations

import time

from bench.__main__ import in_process_us
from bench.servers import bare as bare_starlette


def emulator_with(count: int) -> object:
    from emulator.app import Emulator
    from emulator.config import Settings
    from emulator.engine import Item, Job, Phase
    from emulator.vendors.dashscope.routes import TaskRecord

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    now = time.time()
    for i in range(count):
        at = now - count + i
        job = Job(id=f"job-{i:08d}", vendor="dashscope", model="paraformer-v2", owner="sk-bench",
                  items=[Item(0, f"http://files.example.com/{i}.wav")], policy="instant", created_at=at,
                  record=TaskRecord(f"req-{i}"), phase=Phase.SUCCEEDED,
                  phase_times={"queued": at, "running": at, "succeeded": at}, operation="submit")
        app.engine.store.put_job(job)
    return app


def main() -> None:
    bare = in_process_us(bare_starlette(), "/api/v1/tasks/x", n=2000)
    print(f"bare Starlette endpoint: {bare:.0f} us")
    for count in (10, 100_000):
        app = emulator_with(count)
        for label, target, n in (("GET /_emulator/jobs?order=newest&limit=50", "/_emulator/jobs?order=newest&limit=50",
                                  200),
                                 ("GET /_emulator/ui (jobs page)", "/_emulator/ui", 100),
                                 ("GET /_emulator/ui/rows?phase=succeeded", "/_emulator/ui/rows?phase=succeeded", 20)):
            us = in_process_us(app, target, n=n)
            print(f"{count:>7,} jobs  {label:<42} {us / 1000:8.2f} ms  ({us / bare:6.0f}x bare)")


if __name__ == "__main__":
    main()
