"""``python -m bench.realtime``: many concurrent DashScope realtime sessions, each streaming 60 s of 16 kHz audio
as fast as possible over a WebSocket: audio-seconds processed per wall-second (against a bare Starlette WebSocket
endpoint that only reads the frames, measured in the same run), time to task-started, and the memory one session's
streaming state takes."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import tracemalloc
import uuid

import websockets

from emulator.engine.audio import voiced_signal, wav_bytes
from emulator.engine.stream import AudioStream, StreamOptions
from emulator.testing import ServerProcess

RATE = 16000
FRAME = 3200          # 100 ms of 16-bit mono PCM, as the SDK's microphone example sends


def speech(seconds: int) -> bytes:
    """Sentences of about 3 s with 1 s pauses, as 16-bit PCM."""
    units = [(3.0, True), (1.0, False)] * (seconds // 4)
    return wav_bytes([voiced_signal(units, RATE, seed=7)], RATE)[44:]


async def session(url: str, pcm: bytes) -> tuple[float, int]:
    task_id = uuid.uuid4().hex
    started = time.perf_counter()
    async with websockets.connect(url, additional_headers={"Authorization": "Bearer sk-bench-realtime"},
                                  max_size=None) as ws:
        await ws.send(json.dumps({"header": {"streaming": "duplex", "task_id": task_id, "action": "run-task"},
                                  "payload": {"model": "paraformer-realtime-v2",
                                              "parameters": {"sample_rate": RATE, "format": "pcm"}, "input": {},
                                              "task": "asr", "task_group": "audio", "function": "recognition"}}))
        event = json.loads(await ws.recv())
        assert event["header"]["event"] == "task-started", event
        to_started = time.perf_counter() - started
        results = 0

        async def reader() -> None:
            nonlocal results
            async for message in ws:
                header = json.loads(message)["header"]
                if header["event"] == "result-generated":
                    results += 1
                elif header["event"] in ("task-finished", "task-failed"):
                    assert header["event"] == "task-finished", header
                    return

        receiving = asyncio.create_task(reader())
        for i in range(0, len(pcm), FRAME):
            await ws.send(pcm[i:i + FRAME])
        await ws.send(json.dumps({"header": {"streaming": "duplex", "task_id": task_id, "action": "finish-task"},
                                  "payload": {"input": {}}}))
        await receiving
    return to_started, results


def memory_per_session(pcm: bytes, count: int = 20) -> float:
    warm = AudioStream(StreamOptions(fmt="pcm", sample_rate=RATE))     # load the synthetic-text caches first
    warm.feed(pcm[: RATE * 2 * 8])
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    streams = []
    for _ in range(count):
        stream = AudioStream(StreamOptions(fmt="pcm", sample_rate=RATE))
        for i in range(0, len(pcm), FRAME):
            stream.feed(pcm[i:i + FRAME])
        streams.append(stream)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    return sum(s.size_diff for s in after.compare_to(before, "filename")) / count


async def baseline(sessions: int, pcm: bytes) -> float:
    """Wall time of the same load against a bare Starlette WebSocket endpoint (no recognition)."""
    from bench.__main__ import Server

    server = Server("bare-ws")
    try:
        url = server.url.replace("http://", "ws://")
        await session(url, pcm[: FRAME * 10])
        wall = time.perf_counter()
        await asyncio.gather(*(session(url, pcm) for _ in range(sessions)))
        return time.perf_counter() - wall
    finally:
        server.stop()


async def run(sessions: int, seconds: int) -> None:
    pcm = speech(seconds)
    bare = await baseline(sessions, pcm)
    from bench.__main__ import LOOP

    with ServerProcess(["--lifecycle", "instant", "--loop", LOOP[0]]) as server:
        url = server.url.replace("http://", "ws://") + "/api-ws/v1/inference"
        await session(url, pcm[: FRAME * 10])                       # warm-up
        alone = statistics.median([(await session(url, pcm[: FRAME * 10]))[0] * 1000 for _ in range(5)])
        wall = time.perf_counter()
        outcomes = await asyncio.gather(*(session(url, pcm) for _ in range(sessions)))
        wall = time.perf_counter() - wall
    starts = sorted(o[0] * 1000 for o in outcomes)
    audio_s = sessions * len(pcm) / (RATE * 2)
    print(f"{sessions} concurrent sessions x {seconds} s of 16 kHz PCM in {FRAME}-byte frames, one server process")
    print(f"  bare Starlette WebSocket (frames read, nothing recognised): {audio_s / bare:.0f} audio-seconds per "
          f"wall-second")
    print(f"  emulator: {audio_s / wall:.0f} audio-seconds per wall-second = {bare / wall:.2f} x the bare endpoint "
          f"({audio_s / wall / sessions:.1f} x real time per session; wall {wall:.2f} s vs {bare:.2f} s)")
    print(f"  results per session: {statistics.median(o[1] for o in outcomes):.0f} (median)")
    print(f"  time to task-started (connect + run-task; the emulator waits 20 ms, like the service's round trip):"
          f" one session alone {alone:.1f} ms; with all {sessions} starting at once median "
          f"{statistics.median(starts):.1f} ms, max {starts[-1]:.1f} ms")
    print(f"  streaming state per session after {seconds} s: {memory_per_session(pcm) / 1024:.1f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio",
                        help="the event loop of both servers (asyncio is what asr-emulator serve uses by default)")
    args = parser.parse_args()
    from bench.__main__ import LOOP

    LOOP[0] = args.loop
    asyncio.run(run(args.sessions, args.seconds))


if __name__ == "__main__":
    main()
