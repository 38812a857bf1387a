"""Servers the benchmark loads: a bare Starlette endpoint (the baseline) and the emulator with N stored tasks.

Run as ``python -m bench.servers {bare|emulator} PORT [JOBS]``; prints ``ready <task id>`` when it listens.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.app import Emulator
from emulator.config import Settings
from emulator.engine import Job, Phase

KEY = "sk-bench-key-0001"
BODY = {"request_id": "00000000-0000-4000-8000-000000000000", "output": {
    "task_id": "00000000-0000-4000-8000-000000000001", "task_status": "SUCCEEDED",
    "submit_time": "2026-01-01 00:00:00.000", "scheduled_time": "2026-01-01 00:00:00.000",
    "end_time": "2026-01-01 00:00:01.000", "results": [{
        "file_url": "http://media.asr-emulator.test/a.wav",
        "transcription_url": "http://127.0.0.1:1/dashscope-result/x/0.json?Expires=1&Signature=abc",
        "subtask_status": "SUCCEEDED"}], "task_metrics": {"TOTAL": 1, "SUCCEEDED": 1, "FAILED": 0}},
    "usage": {"duration": 3}}


def bare() -> Starlette:
    async def task(request: Request) -> JSONResponse:
        return JSONResponse(BODY)

    return Starlette(routes=[Route("/api/v1/tasks/{task_id}", task, methods=["GET", "POST"])])


def emulator(jobs: int) -> tuple[Emulator, str]:
    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    engine = app.engine
    template = _submit_one(app)
    for i in range(jobs - 1):
        engine.store.put_job(Job(
            id=f"bench-{i:08d}", vendor=template.vendor, model=template.model, owner=KEY, items=template.items,
            policy=template.policy, created_at=template.created_at, params=template.params, phase=Phase.SUCCEEDED,
            phase_times=dict(template.phase_times)))
    return app, template.id


def _submit_one(app: Emulator) -> Job:
    from emulator.engine import FetchLimits, Options

    return asyncio.run(app.engine.submit(
        vendor="dashscope", model="paraformer-v2", owner=KEY, job_id=app.engine.new_id(),
        sources=["http://media.asr-emulator.test/a.wav?duration=3&text=你好。今天天气很好。"], options=Options(),
        limits=FetchLimits(max_bytes=10**8)))


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "bare":
        app: object = bare()
        task_id = "00000000-0000-4000-8000-000000000001"
    else:
        app, task_id = emulator(int(sys.argv[3]))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                            loop="uvloop", http="httptools")
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        print(f"ready {task_id}", flush=True)
        await task

    asyncio.run(run())


if __name__ == "__main__":
    main()
