"""``python -m bench.workers``: task-query throughput of ``serve`` with one worker and with two (on a state
directory), against a bare Starlette endpoint served by the same uvicorn and HTTP implementation (``--http``:
httptools, the default, or h11), loaded in interleaved rounds so that a noisy neighbour hurts every server alike;
figures are ratios to that baseline.

Load comes from ``wrk`` (Debian package ``wrk``; ``make bench`` installs it when it can), else from a small httpx
client, which cannot load two workers fully (said in the output)."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from bench.__main__ import HTTP, LOOP, Load, Server, pyload, table, wrk
from emulator.testing.server import ServerProcess

AUTH = {"Authorization": "Bearer sk-bench-key-0001"}


@contextmanager
def emulator(*args: str) -> Iterator[str]:
    """``asr-emulator serve`` with ``args`` and one finished task: the URL of its query."""
    with ServerProcess(["--lifecycle", "instant", "--log-level", "error", "--http", HTTP[0], "--loop", LOOP[0],
                        *args]) as server, \
            httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
        answer = client.post("/api/v1/services/audio/asr/transcription",
                             headers={**AUTH, "X-DashScope-Async": "enable"},
                             json={"model": "paraformer-v2",
                                   "input": {"file_urls": [f"{server.url}/_emulator/fixtures/hello_zh.wav"]}})
        task_id = answer.json()["output"]["task_id"]
        assert client.get(f"/api/v1/tasks/{task_id}", headers=AUTH).json()["output"]["task_status"] == "SUCCEEDED"
        yield f"{server.url}/api/v1/tasks/{task_id}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workers")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--http", choices=["httptools", "h11"], default="httptools")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    a = parser.parse_args()
    HTTP[0], LOOP[0] = a.http, a.loop
    load = wrk if shutil.which("wrk") else pyload
    tool = "wrk" if load is wrk else "an httpx client (one process: it cannot load two workers; install wrk)"
    print(f"task query GET /api/v1/tasks/<id>: uvicorn ({HTTP[0]}, {LOOP[0]}), {a.connections} connections, {a.rounds} "
          f"interleaved rounds of {a.seconds} s, load from {tool}; this machine has {os.cpu_count()} cores")
    bare = Server("bare")
    results: dict[str, list[Load]] = {}
    with tempfile.TemporaryDirectory() as one_dir, tempfile.TemporaryDirectory() as two_dir, \
            emulator() as memory, emulator("--state-dir", one_dir) as one, \
            emulator("--state-dir", two_dir, "--workers", "2") as two:
        targets = {"bare Starlette endpoint": bare.url, "emulator, 1 worker, in memory": memory,
                   "emulator, 1 worker, --state-dir": one, "emulator, 2 workers, --state-dir": two}
        try:
            for url in targets.values():
                load(url, 1, a.connections)                 # warm-up
            for _ in range(a.rounds):
                for name, url in targets.items():
                    results.setdefault(name, []).append(load(url, a.seconds, a.connections))
        finally:
            bare.stop()
    table(results, "bare Starlette endpoint")
    two_vs_one = statistics.median(t.rps / o.rps for t, o in zip(results["emulator, 2 workers, --state-dir"],
                                                                 results["emulator, 1 worker, --state-dir"],
                                                                 strict=True))
    print(f"2 workers / 1 worker on a state directory: {two_vs_one:.2f}")


if __name__ == "__main__":
    main()
