"""``python -m bench.state``: ``serve --state-dir`` under load — 64 connections submitting DashScope tasks for a few
seconds, then ``kill -9``, a restart, and a count of the acknowledged tasks that are still there (the goal: all of
them); disk bytes per stored task; submit throughput beside the same server without a state directory."""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile
import time
from pathlib import Path

import httpx

from emulator.testing.server import ServerProcess

AUTH = {"Authorization": "Bearer sk-asr-emulator", "X-DashScope-Async": "enable"}
MEDIA = "http://media.asr-emulator.test/a.wav?duration=2&text=你好。"


async def load(url: str, seconds: float, connections: int) -> list[str]:
    acknowledged: list[str] = []
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, trust_env=False, timeout=30) as client:
        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    r = await client.post("/api/v1/services/audio/asr/transcription", headers=AUTH,
                                          json={"model": "paraformer-v2", "input": {"file_urls": [MEDIA]}})
                except httpx.HTTPError:
                    return
                if r.status_code == 200:
                    acknowledged.append(r.json()["output"]["task_id"])

        await asyncio.gather(*(worker() for _ in range(connections)))
    return acknowledged


def present(url: str, task_ids: list[str]) -> int:
    with httpx.Client(base_url=url, trust_env=False, timeout=30) as client:
        return sum(client.get(f"/api/v1/tasks/{t}", headers=AUTH).json()["output"]["task_status"] != "UNKNOWN"
                   for t in task_ids)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    with ServerProcess(["--lifecycle", "instant", "--log-level", "error"]) as memory:
        baseline = asyncio.run(load(memory.url, args.seconds, args.connections))
    with tempfile.TemporaryDirectory() as folder:
        state = ["--state-dir", folder, "--lifecycle", "instant", "--log-level", "error"]
        server = ServerProcess(state).start()
        acknowledged = asyncio.run(load(server.url, args.seconds, args.connections))
        assert server._proc is not None
        server._proc.send_signal(signal.SIGKILL)
        server._proc.wait(timeout=10)
        server._proc = None
        disk = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        with ServerProcess(state) as again:
            kept = present(again.url, acknowledged)
    rate, kept_rate = len(baseline) / args.seconds, len(acknowledged) / args.seconds
    print(f"submits/s with {args.connections} connections: memory {rate:.0f}, state directory {kept_rate:.0f} "
          f"(ratio {kept_rate / max(rate, 1):.2f})")
    print(f"after kill -9 and a restart: {kept} of {len(acknowledged)} acknowledged tasks present "
          f"({100 * kept / max(1, len(acknowledged)):.1f} %)")
    print(f"disk per stored task (SQLite + WAL, the magic media not stored): "
          f"{disk / max(1, len(acknowledged)) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
