"""What each pytest fixture costs a test: 200 trivial tests with ``asr_emulator``, with ``asr_emulator_respx`` and
with no fixture, each set in a pytest run of its own; per test, setup + call + teardown as pytest reports them (the
first test, which starts the session's server, left out). Figures are the overhead over the same tests without a
fixture, measured in the same run.

    python -m bench.fixtures [--tests 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RECORDER = '''
import json, os

_times = {}

def pytest_runtest_logreport(report):
    _times[report.nodeid] = _times.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as f:
        json.dump(list(_times.values()), f)
'''

BODIES = {
    "no fixture": ("", "    assert True\n"),
    "asr_emulator": ("asr_emulator", "    assert asr_emulator.url\n"),
    "asr_emulator_respx": ("asr_emulator_respx", "    assert asr_emulator_respx.engine\n"),
}


def run(name: str, tests: int, folder: Path) -> list[float]:
    fixture, body = BODIES[name]
    slug = name.replace(" ", "_")
    path = folder / f"test_{slug}.py"
    path.write_text("".join(f"def test_{i}({fixture}):\n{body}\n" for i in range(tests)), "utf-8")
    out = folder / f"{slug}.json"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                    "-W", "ignore", str(path)], cwd=folder, check=True, capture_output=True,
                   env={**_env(), "BENCH_OUT": str(out)})
    times: list[float] = json.loads(out.read_text())
    return times[1:]


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "conftest.py").write_text(RECORDER, "utf-8")
        results = {name: run(name, args.tests, folder) for name in BODIES}
    base = statistics.median(results["no fixture"])
    print(f"{args.tests} trivial tests per fixture, each set in its own pytest run; per test: setup + call + teardown")
    print(f"{'':<22}{'median ms':>10}{'p90 ms':>9}{'overhead ms':>13}")
    for name, times in results.items():
        median = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{name:<22}{median * 1000:>10.3f}{p90 * 1000:>9.3f}{(median - base) * 1000:>13.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
