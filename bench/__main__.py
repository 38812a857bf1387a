"""``python -m bench``: task-query throughput and latency of the live emulator beside a bare Starlette endpoint,
latency with 100 000 stored tasks beside 10, and memory per stored task.

Load comes from ``wrk`` when it is installed (Debian package ``wrk``), else from a small httpx client (whose own
cost then dominates: the ratio still compares like with like). Figures are ratios against the baseline measured in
the same run, because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from bench.servers import KEY


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


HTTP = ["httptools"]      # uvicorn's HTTP implementation for every server of a run (--http)
LOOP = ["asyncio"]        # and the event loop (--loop), as serve --http/--loop run them


class Server:
    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.servers", args[0], str(self.port), HTTP[0],
                                      LOOP[0], *args[1:]],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"benchmark server {args} did not start")
        target = line[1] if line[1].startswith("/") else f"/api/v1/tasks/{line[1]}"
        self.url = f"http://127.0.0.1:{self.port}{target}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, seconds: int, connections: int) -> Load:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", f"Authorization: Bearer {KEY}", url], check=True, capture_output=True,
                         text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    p50, p99 = (re.match(r"([\d.]+)(\w+)", lat[k]) for k in ("50", "99"))
    return Load(rps, _ms(*p50.groups()), _ms(*p99.groups()))  # type: ignore[union-attr]


def pyload(url: str, seconds: int, connections: int) -> Load:
    async def run() -> Load:
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def worker(client: httpx.AsyncClient) -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                await client.get(url, headers={"Authorization": f"Bearer {KEY}"})
                latencies.append((time.perf_counter() - t) * 1000)

        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(connections)))
            elapsed = time.perf_counter() - started
        q = statistics.quantiles(latencies, n=100)
        return Load(len(latencies) / elapsed, q[49], q[98])

    return asyncio.run(run())


def measure(servers: dict[str, Server], seconds: int, connections: int, rounds: int) -> dict[str, list[Load]]:
    """Load each server in turn, ``rounds`` times, so that a noisy neighbour hurts every server alike."""
    load = wrk if shutil.which("wrk") else pyload
    for server in servers.values():
        load(server.url, 1, connections)          # warm-up
    results: dict[str, list[Load]] = {name: [] for name in servers}
    for _ in range(rounds):
        for name, server in servers.items():
            results[name].append(load(server.url, seconds, connections))
    return results


def table(results: dict[str, list[Load]], baseline: str) -> None:
    """Median figures of the rounds per server, and each one's req/s as a ratio to the baseline's in each round."""
    base = results[baseline]
    print(f"{'':36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s vs bare (median of rounds)':>34}")
    for name, runs in results.items():
        ratio = statistics.median(r.rps / b.rps for r, b in zip(runs, base, strict=True))
        print(f"{name:36} {statistics.median(r.rps for r in runs):8.0f} "
              f"{statistics.median(r.p50_ms for r in runs):8.2f} {statistics.median(r.p99_ms for r in runs):8.2f} "
              f"{ratio:34.2f}")


def in_process_us(app: object, target: str, n: int = 20_000, method: str = "GET", body: bytes = b"",
                  extra_headers: dict[str, str] | None = None, warmup: int = 1000) -> float:
    """Microseconds of the app's own work per request: the ASGI call without sockets or HTTP parsing."""
    path, _, query = target.partition("?")
    headers = [(b"host", b"127.0.0.1:8000"), (b"authorization", f"Bearer {KEY}".encode())]
    if extra_headers:
        given = [(k.lower().encode(), v.encode()) for k, v in extra_headers.items()]
        headers = given if any(k == b"host" for k, _ in given) else [(b"host", b"127.0.0.1:8000"), *given]
    elif body:
        headers += [(b"content-type", b"application/x-www-form-urlencoded"),
                    (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: object) -> None:
        return None

    async def run() -> float:
        asgi = app  # type: ignore[assignment]
        for _ in range(warmup):
            await asgi(dict(scope), receive, send)  # type: ignore[operator]
        started = time.perf_counter()
        for _ in range(n):
            await asgi(dict(scope), receive, send)  # type: ignore[operator]
        return (time.perf_counter() - started) / n * 1e6

    return asyncio.run(run())


JOBS_MEASURED = 2000      # enough that bounded caches (urllib's URL splits, 128) are spread as over 100,000 jobs


def memory_per_job(count: int) -> float:
    """Bytes per stored task: real submits of distinct 3-second WAVs (uploaded beforehand) with a scripted
    transcript of two sentences, measured with tracemalloc (garbage collected first: finished futures in reference
    cycles are not memory a job keeps)."""
    from emulator.app import Emulator
    from emulator.config import Settings
    from emulator.engine import Blob, FetchLimits, Options
    from emulator.engine.audio import voiced_signal, wav_bytes
    from emulator.vendors.dashscope.routes import TaskRecord

    app = Emulator(Settings(lifecycle="instant", load_fixtures=False))
    voice = voiced_signal([(0.2, False), (1.2, True), (0.3, False), (1.1, True), (0.2, False)], 16000, seed=1)
    for i in range(count):
        app.engine.store.put_blob("media", f"{i:032x}", Blob(wav_bytes([[*voice, i]], 16000,
                                                                       {"text": "你好。今天天气很好。"})))

    async def submit_all() -> None:
        for i in range(count):
            await app.engine.submit(
                vendor="dashscope", model="paraformer-v2", owner=KEY, job_id=app.engine.new_id(),
                sources=[f"http://127.0.0.1/_emulator/media/{i:032x}/a.wav"],
                options=Options(), limits=FetchLimits(max_bytes=10**8), record=TaskRecord(app.engine.new_id()))

    asyncio.run(submit_all())              # warm caches (regexes, thread pool) before measuring
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    asyncio.run(submit_all())
    gc.collect()                           # garbage in reference cycles (finished futures) is not kept memory
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return grown / count


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--http", choices=["httptools", "h11"], default="httptools",
                        help="uvicorn's HTTP implementation (httptools is what asr-emulator serve uses by default)")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the event loop of every server (asyncio is what asr-emulator serve uses by default)")
    a = parser.parse_args()
    from bench.servers import (
        EAS_TOKEN,
        NLS_TASK,
        bare,
        ci_get_job,
        eas_predict,
        emulator,
        nls_query,
        signed_pop_path,
        tencent_describe,
    )

    tool = "wrk" if shutil.which("wrk") else "httpx client (install wrk for better figures)"
    HTTP[0], LOOP[0] = a.http, a.loop
    print(f"task query GET /api/v1/tasks/<id>: uvicorn ({a.loop}, {a.http}), {a.connections} connections, "
          f"{a.rounds} interleaved rounds of {a.seconds} s, load from {tool}")
    big = f"emulator, {a.jobs:,} tasks stored"
    servers = {"bare Starlette endpoint": Server("bare"), "emulator, 10 tasks stored": Server("emulator", "10"),
               big: Server("emulator", str(a.jobs)), "NLS GetTaskResult, signed": Server("nls", "10")}
    try:
        results = measure(servers, a.seconds, a.connections, a.rounds)
    finally:
        for server in servers.values():
            server.stop()
    table(results, "bare Starlette endpoint")
    small_p99 = statistics.median(r.p99_ms for r in results["emulator, 10 tasks stored"])
    print(f"p99 with {a.jobs:,} tasks / p99 with 10 tasks: "
          f"{statistics.median(r.p99_ms for r in results[big]) / small_p99:.2f}")

    app, task_id = emulator(10)
    bare_us, emu_us = in_process_us(bare(), "/api/v1/tasks/x"), in_process_us(app, f"/api/v1/tasks/{task_id}")
    print(f"in-process cost per query (no sockets): bare {bare_us:.1f} us, emulator {emu_us:.1f} us, "
          f"bare/emulator {bare_us / emu_us:.2f}")
    nls_app, get_path = nls_query(10)
    get_us = in_process_us(nls_app, get_path)
    form = urlencode({"Task": NLS_TASK}).encode()
    submit_us = in_process_us(nls_app, signed_pop_path("POST", {"Action": "SubmitTask"}, {"Task": NLS_TASK}),
                              n=500, method="POST", body=form)
    print(f"in-process NLS (RPC v1 signature verified): GetTaskResult {get_us:.1f} us "
          f"(bare/NLS {bare_us / get_us:.2f}), "
          f"SubmitTask of a 3 s file {submit_us:.0f} us; SubmitTask + GetTaskResult pairs per second "
          f"on one core: {1e6 / (submit_us + get_us):.0f}")
    eas_app, eas_path, eas_body, eas_headers = eas_predict()
    raw_us = in_process_us(eas_app, eas_path, n=500, method="POST", body=eas_body,
                           extra_headers={**eas_headers, "Authorization": EAS_TOKEN})
    hmac_us = in_process_us(eas_app, eas_path, n=500, method="POST", body=eas_body, extra_headers=eas_headers)
    print(f"in-process PAI-EAS predict of a 3 s file (General ASR, instant): raw token {raw_us:.0f} us, "
          f"EAS HMAC {hmac_us:.0f} us (bare/EAS {bare_us / hmac_us:.3f}); calls per second on one core: "
          f"{1e6 / hmac_us:.0f}")
    tc_app, tc_body, tc_headers = tencent_describe()
    tc_us = in_process_us(tc_app, "/", n=2000, method="POST", body=tc_body, extra_headers=tc_headers)
    ci_app, ci_path, ci_headers = ci_get_job()
    ci_us = in_process_us(ci_app, ci_path, n=2000, extra_headers=ci_headers)
    print(f"in-process Tencent: DescribeTaskStatus (TC3 verified) {tc_us:.0f} us (bare/Tencent {bare_us / tc_us:.2f}); "
          f"CI GET /asr_jobs/<id> (COS signature verified, XML) {ci_us:.0f} us (bare/CI {bare_us / ci_us:.2f})")
    print(f"memory per stored task (3 s file, scripted transcript; {JOBS_MEASURED:,} tasks): "
          f"{memory_per_job(JOBS_MEASURED) / 1024:.2f} KiB (goal: under 2 KiB)")


if __name__ == "__main__":
    main()
