"""Heavy and hostile requests against a live emulator process, with ``/_emulator/health`` polled every 10 ms meanwhile:
its worst latency while each runs, and the server's resident memory before and after big bodies.

    python -m bench.hostile
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from emulator.testing import ServerProcess

AUTH = {"Authorization": "Bearer sk-asr-emulator-local"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class HealthProbe:
    """Polls /health every 10 ms in a thread; ``worst(since)`` is the slowest answer after ``since``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(trust_env=False, timeout=60) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get(f"{self.url}/_emulator/health")
                self.samples.append((started, time.perf_counter() - started))
                time.sleep(0.01)

    def worst(self, since: float) -> float:
        return max((took for at, took in self.samples if at >= since), default=float("nan")) * 1000

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def measure(probe: HealthProbe, name: str, work: Callable[[], str]) -> None:
    time.sleep(0.2)
    since = time.perf_counter()
    started = time.perf_counter()
    outcome = work()
    took = time.perf_counter() - started
    time.sleep(0.1)
    print(f"{name:<52} {took:7.2f} s   /health worst {probe.worst(since):7.1f} ms   {outcome}")


def realtime_frame(url: str, size: int) -> str:
    import websockets.sync.client as ws_client

    ws_url = url.replace("http://", "ws://") + "/api-ws/v1/inference"
    with ws_client.connect(ws_url, additional_headers=AUTH, max_size=None) as ws:
        ws.send(json.dumps({"header": {"action": "run-task", "task_id": f"bench-{size}", "streaming": "duplex"},
                            "payload": {"task_group": "audio", "task": "asr", "function": "recognition",
                                        "model": "paraformer-realtime-v2", "input": {},
                                        "parameters": {"format": "amr", "sample_rate": 16000}}}))
        json.loads(ws.recv())
        ws.send(bytes(size))
        ws.send(json.dumps({"header": {"action": "finish-task", "task_id": f"bench-{size}"},
                            "payload": {"input": {}}}))
        events = []
        while True:
            event = json.loads(ws.recv())["header"]
            events.append(event["event"])
            if event["event"] in ("task-finished", "task-failed"):
                return f"{event['event']} {event.get('error_code', '')} after {len(events) - 1} results".strip()


def transcription(url: str, media: str) -> str:
    with httpx.Client(trust_env=False, timeout=120) as client:
        task = client.post(f"{url}/api/v1/services/audio/asr/transcription",
                           headers={**AUTH, "X-DashScope-Async": "enable"},
                           json={"model": "paraformer-v2", "input": {"file_urls": [media]}}).json()
        done = client.get(f"{url}/api/v1/tasks/{task['output']['task_id']}", headers=AUTH).json()["output"]
        results = done.get("results") or [{}]
        return f"{done['task_status']} {results[0].get('code', '')}".strip()


def main() -> int:
    with ServerProcess(["--lifecycle", "instant", "--credentials", "off"]) as server:
        assert server._proc is not None
        pid = server._proc.pid
        probe = HealthProbe(server.url)
        try:
            time.sleep(0.5)
            baseline = statistics.median(took for _, took in probe.samples) * 1000
            print(f"/health alone: median {baseline:.1f} ms")
            measure(probe, "realtime: one 15 MiB amr frame", lambda: realtime_frame(server.url, 15 * 1024 * 1024))
            measure(probe, "realtime: one 1 MiB amr frame (~11 min of audio)",
                    lambda: realtime_frame(server.url, 1024 * 1024))
            magic = "http://media.asr-emulator.test/a.wav?duration=600&rate=48000&channels=2&text=%E4%BD%A0%E5%A5%BD"
            measure(probe, "magic URL duration=600 rate=48000 channels=2", lambda: transcription(server.url, magic))
            allowed = "http://media.asr-emulator.test/b.wav?duration=600&rate=32000&text=%E4%BD%A0%E5%A5%BD"
            measure(probe, "magic URL duration=600 rate=32000 (allowed)", lambda: transcription(server.url, allowed))

            before = rss_mb(pid)

            def form_body() -> str:
                with httpx.Client(trust_env=False, timeout=120) as client:
                    answer = client.post(f"{server.url}/", content=b"x" * (200 * 1024 * 1024),
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
                return f"HTTP {answer.status_code}"

            measure(probe, "a 200 MB form body on POST /", form_body)
            print(f"RSS before {before:.0f} MB, after the 200 MB form body {rss_mb(pid):.0f} MB")
            before = rss_mb(pid)

            def objects() -> str:
                with httpx.Client(trust_env=False, timeout=120) as client:
                    chunk = b"\0" * (100 * 1024 * 1024)
                    codes = {client.put(f"{server.url}/examplebucket-1250000000/big/{i}", content=chunk).status_code
                             for i in range(10)}
                return f"HTTP {sorted(codes)}"

            measure(probe, "1 GB of COS objects (10 x 100 MB)", objects)
            print(f"RSS before {before:.0f} MB, after 1 GB of COS objects {rss_mb(pid):.0f} MB")
        finally:
            probe.stop()
    return 0


if __name__ == "__main__":
    asyncio.run(asyncio.sleep(0))
    raise SystemExit(main())
