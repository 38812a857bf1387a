"""``python -m bench.state``: ``serve --state-dir`` under a mixed load of 64 connections (DashScope submits and task
queries, COS object puts, PAI-EAS queue enqueues) for 30 s, then ``kill -9`` of the whole server (its workers too), a
restart, and a count of what was acknowledged and is still there (the goal: all of it) — with one worker and with two
on the same directory; disk bytes per stored task; the acknowledged-write rate beside the same load on a server
without a state directory; memory per stored job."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from emulator.testing.server import ServerProcess

AUTH = {"Authorization": "Bearer sk-asr-emulator"}
MEDIA = "http://media.asr-emulator.test/a.wav?duration=2&text=你好。"
COS_HOST = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
EAS = {"Authorization": "asr-emulator-eas-token"}


@dataclass
class Acknowledged:
    tasks: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)
    queries: int = 0

    @property
    def writes(self) -> int:
        return len(self.tasks) + len(self.objects) + len(self.entries)


async def load(url: str, seconds: float, connections: int) -> Acknowledged:
    """Each connection does, in turn: a DashScope submit, a query of a task, a COS put, an EAS enqueue. Only what
    was answered with success counts as acknowledged; a request the kill cut is not."""
    done = Acknowledged()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    eas_body = json.dumps({"input": {"url": MEDIA}}).encode()
    # the COS dialect accepts unsigned requests only with credentials off: the load server runs so
    async with httpx.AsyncClient(base_url=url, limits=limits, trust_env=False, timeout=30) as client:
        async def worker(n: int) -> None:
            step = 0
            while time.monotonic() < deadline:
                step += 1
                try:
                    kind = (n + step) % 4
                    if kind == 0:
                        r = await client.post("/api/v1/services/audio/asr/transcription",
                                              headers={**AUTH, "X-DashScope-Async": "enable"},
                                              json={"model": "paraformer-v2", "input": {"file_urls": [MEDIA]}})
                        if r.status_code == 200:
                            done.tasks.append(r.json()["output"]["task_id"])
                    elif kind == 1 and done.tasks:
                        r = await client.get(f"/api/v1/tasks/{done.tasks[-1]}", headers=AUTH)
                        done.queries += r.status_code == 200
                    elif kind == 2:
                        key = f"load/{n}-{step}.bin"
                        r = await client.put(f"/{key}", content=key.encode(), headers={"Host": COS_HOST})
                        if r.status_code == 200:
                            done.objects.append(key)
                    else:
                        r = await client.post("/api/predict/asr_general_express_async", content=eas_body,
                                              headers=EAS)
                        if r.status_code == 200:
                            done.entries.append(int(r.text))
                except httpx.HTTPError:
                    return

        await asyncio.gather(*(worker(n) for n in range(connections)))
    return done


def present(url: str, done: Acknowledged) -> tuple[int, int, int]:
    with httpx.Client(base_url=url, trust_env=False, timeout=30) as client:
        tasks = sum(client.get(f"/api/v1/tasks/{t}", headers=AUTH).json()["output"]["task_status"] != "UNKNOWN"
                    for t in done.tasks)
        objects = sum(client.get(f"/{k}", headers={"Host": COS_HOST}).content == k.encode() for k in done.objects)
        attrs = client.get("/api/predict/asr_general_express_async", params={"_attrs_": "true"}, headers=EAS).json()
        last = int(attrs["stream.lastEntry"])
        entries = sum(i <= last for i in done.entries)
    return tasks, objects, entries


def kill_and_count(args: argparse.Namespace, workers: int, baseline: Acknowledged) -> None:
    with tempfile.TemporaryDirectory() as folder:
        state = ["--state-dir", folder, "--workers", str(workers), "--lifecycle", "instant", "--credentials", "off",
                 "--log-level", "error"]
        server = ServerProcess(state).start()
        done = asyncio.run(load(server.url, args.seconds, args.connections))
        server.kill()
        disk = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
        with ServerProcess(state) as again:
            tasks, objects, entries = present(again.url, done)
    kept = tasks + objects + entries
    print(f"{workers} worker{'s' if workers > 1 else ''}: {done.writes / args.seconds:.0f} acknowledged writes/s "
          f"({done.writes / max(1, baseline.writes):.2f} of the baseline), {done.queries / args.seconds:.0f} "
          f"queries/s; after kill -9 and a restart: {kept} of {done.writes} "
          f"acknowledged present ({100 * kept / max(1, done.writes):.1f} %: tasks {tasks}/{len(done.tasks)}, "
          f"objects {objects}/{len(done.objects)}, queue entries {entries}/{len(done.entries)}); "
          f"disk {disk / max(1, done.writes) / 1024:.1f} KiB per acknowledged write")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.state")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    print(f"mixed load: {args.connections} connections for {args.seconds:g} s (DashScope submits and queries, "
          "COS puts, EAS enqueues), then kill -9 of the server and its workers")
    with ServerProcess(["--lifecycle", "instant", "--credentials", "off", "--log-level", "error"]) as memory:
        baseline = asyncio.run(load(memory.url, args.seconds, args.connections))
    print(f"without a state directory: {baseline.writes / args.seconds:.0f} acknowledged writes/s "
          f"({baseline.queries / args.seconds:.0f} queries/s) — the baseline of the ratios below")
    for workers in (1, 2):
        kill_and_count(args, workers, baseline)
    from bench.__main__ import JOBS_MEASURED, memory_per_job

    print(f"memory per stored job (3 s file, scripted transcript of two sentences; {JOBS_MEASURED:,} jobs): "
          f"{memory_per_job(JOBS_MEASURED) / 1024:.2f} KiB (goal: under 2 KiB)")


if __name__ == "__main__":
    main()
