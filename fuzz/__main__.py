"""``python -m fuzz [--cases 10000] [--seed 0] [--vendor NAME ...]``: hostile requests against an emulator in this
process; prints, per vendor, the cases run, answers of 5xx, dropped WebSocket sessions, tracebacks, time-outs and
declared cases answered outside the vendor's envelope, and the first failures with what replays them."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from fuzz import GENERATORS, campaign


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000, help="cases per vendor (default 20000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vendor", action="append", choices=sorted(GENERATORS), help="only these vendors")
    parser.add_argument("--show", type=int, default=5, help="failures to print per vendor")
    args = parser.parse_args(argv)

    import logging

    logging.getLogger("asr_emulator").propagate = False       # counted by the runner, not printed
    from emulator.app import Emulator
    from emulator.config import Settings

    vendors = args.vendor or list(GENERATORS)
    total_failed = 0
    print(f"{'vendor':<26}{'cases':>8}{'5xx':>7}{'dropped':>9}{'tracebacks':>12}{'timeouts':>10}{'envelope':>10}"
          f"{'seconds':>9}")
    for vendor in vendors:
        for credentials in ("off", "permissive"):
            app = Emulator(Settings(lifecycle="instant", load_fixtures=False, credentials=credentials))
            started = time.perf_counter()
            failures = asyncio.run(campaign(app, args.seed, [vendor], args.cases // 2))[vendor]
            seconds = time.perf_counter() - started
            label = f"{vendor} ({credentials})"
            other = sum(not (f.status >= 500 or f.dropped or f.tracebacks or f.timed_out) for f in failures)
            print(f"{label:<26}{args.cases // 2:>8}{sum(f.status >= 500 for f in failures):>7}"
                  f"{sum(f.dropped for f in failures):>9}{sum(bool(f.tracebacks) for f in failures):>12}"
                  f"{sum(f.timed_out for f in failures):>10}{other:>10}{seconds:>9.1f}", flush=True)
            for failure in failures[:args.show]:
                print(f"    {failure.status} {failure.case.describe()[:400]}")
                if failure.tracebacks:
                    print("    " + failure.tracebacks[0].strip().splitlines()[-1][:300])
            total_failed += len(failures)
    print(f"failed cases: {total_failed} (replay one: fuzz.case(seed={args.seed}, vendor, index))")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
