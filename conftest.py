"""Hypothesis profiles for this suite: ``HYPOTHESIS_PROFILE=ci`` (set by ``.ci/run``) explores the same examples on
every run, so CI results do not depend on the draw; local runs keep exploring new ones."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _restore_hypothesis_printer() -> None:
    """schemathesis (a dependency of this suite only) swaps Hypothesis's printer for one that prints nothing, in
    every process its pytest plugin loads in, which hides the falsifying examples of every other property test.
    Its own tests (tests/test_schemathesis.py) do not need the printer to stay silent."""
    from hypothesis import core
    from hypothesis.vendor import pretty

    if core.RepresentationPrinter is not pretty.RepresentationPrinter:
        core.RepresentationPrinter = pretty.RepresentationPrinter  # type: ignore[misc]


def pytest_collection_finish(session: object) -> None:
    _restore_hypothesis_printer()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of this session's own (Debian's package, which ``make test`` installs) on a free port."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (make test installs it with apt-get)")
    from emulator.testing.server import redis_server

    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
