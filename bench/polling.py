"""A dashscope ``Transcription.async_call`` + ``wait`` round trip against the emulator, with the SDK's own poll
sleeps (1, 1, 2, 2, 2, 4 … s) and with the pytest plugin's fast polling, for jobs that finish on the Nth poll.

    python -m bench.polling [--polls 1 2 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from emulator.config import Settings
from emulator.testing import LiveServer
from emulator.testing.handle import EmulatorHandle


def round_trip(handle: EmulatorHandle) -> float:
    from dashscope.audio.asr import Transcription

    started = time.perf_counter()
    task = Transcription.async_call(model="paraformer-v2", file_urls=[handle.fixture_url("hello_zh.wav")])
    result = Transcription.wait(task=task.output.task_id)
    assert result.output.task_status == "SUCCEEDED", result
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.polling")
    parser.add_argument("--polls", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=3)
    a = parser.parse_args()
    with LiveServer(Settings(lifecycle="instant")) as server:
        print(f"dashscope Transcription.async_call + wait, {a.rounds} rounds each (median), job policy polls:N")
        print(f"{'policy':10} {'SDK sleeps (s)':>15} {'fast polling (ms)':>18} {'speed-up':>9}")
        for polls in a.polls:
            figures = {}
            for fast in (False, True):
                handle = EmulatorHandle(server.url)
                handle.reset()
                handle.lifecycle(f"polls:{polls}")
                handle.dashscope(fast_polling=fast)
                figures[fast] = statistics.median(round_trip(handle) for _ in range(a.rounds))
                handle.restore()
                handle.close()
            print(f"polls:{polls:<4} {figures[False]:15.2f} {figures[True] * 1000:18.1f} "
                  f"{figures[False] / figures[True]:8.0f}x")


if __name__ == "__main__":
    main()
