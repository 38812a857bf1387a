"""``python -m bench.inprocess [--repeat 3]``: the in-process cost of one request (ASGI calls, no sockets) — a bare
Starlette endpoint, a DashScope task query, NLS GetTaskResult and SubmitTask (the Task checked by its declaration)
and Tencent DescribeTaskStatus (its parameters checked by theirs) — as microseconds and as ratios to the bare
endpoint measured in the same run (the median of ``--repeat`` runs each). Run it in two checkouts to compare."""

from __future__ import annotations

import argparse
import statistics
from urllib.parse import urlencode

from bench.__main__ import in_process_us
from bench.servers import NLS_TASK, bare, emulator, nls_query, signed_pop_path, tencent_describe


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    a = parser.parse_args()
    app, task_id = emulator(10)
    nls_app, get_path = nls_query(10)
    form = urlencode({"Task": NLS_TASK}).encode()
    tc_app, tc_body, tc_headers = tencent_describe()
    cases = {
        "bare Starlette endpoint": lambda: in_process_us(bare(), "/api/v1/tasks/x"),
        "DashScope task query": lambda: in_process_us(app, f"/api/v1/tasks/{task_id}"),
        "NLS GetTaskResult (signed)": lambda: in_process_us(nls_app, get_path),
        "NLS SubmitTask (signed, Task declared)": lambda: in_process_us(
            nls_app, signed_pop_path("POST", {"Action": "SubmitTask"}, {"Task": NLS_TASK}), n=500, method="POST",
            body=form),
        "Tencent DescribeTaskStatus (TC3, declared)": lambda: in_process_us(
            tc_app, "/", n=2000, method="POST", body=tc_body, extra_headers=tc_headers),
    }
    figures = {name: statistics.median(run() for _ in range(a.repeat)) for name, run in cases.items()}
    base = figures["bare Starlette endpoint"]
    for name, us in figures.items():
        print(f"{name:<44}{us:>10.1f} us   bare/this {base / us:.3f}")


if __name__ == "__main__":
    main()
