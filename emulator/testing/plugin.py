"""The pytest plugin (entry point ``pytest11``: installing the package is enough).

Fixtures:
  ``asr_emulator``          a function-scoped ``EmulatorHandle`` on a session-scoped live server (127.0.0.1, a free
                            port), reset before each test; configured by the ``asr_emulator`` marker.
  ``asr_emulator_server``   the session's server URL (one per xdist worker), or ``--asr-emulator-url``.
  ``asr_emulator_respx``    an ``InProcessEmulator``: httpx requests to the vendors' hosts answered in-process.

Marker: ``@pytest.mark.asr_emulator(lifecycle="polls:2", seed=7, credentials="strict", faults=[rule, …],
fast_polling=True, settings={...})``. Option: ``--asr-emulator-url URL`` runs the same tests against an emulator
that is already running (the Docker image, say); ``--asr-emulator-process`` runs the session's server in a process
of its own instead of a thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.testing.handle import EmulatorHandle

MARKER = "asr_emulator"
MARKER_KEYS = frozenset({"lifecycle", "seed", "credentials", "faults", "fast_polling", "settings"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asr-emulator", "asr-emulator: a local emulator of speech-recognition cloud APIs")
    group.addoption("--asr-emulator-url", default=os.environ.get("ASR_EMULATOR_URL"),
                    help="use an emulator that is already running at this URL (default: start one per session)")
    group.addoption("--asr-emulator-process", action="store_true", default=False,
                    help="run the session's emulator in a process of its own rather than a thread")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(lifecycle=None, seed=None, credentials=None, faults=(), fast_polling=False, "
                   "settings=None): configure the asr_emulator fixture for this test")


@pytest.fixture(scope="session")
def asr_emulator_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of the session's emulator (each xdist worker starts its own)."""
    external = request.config.getoption("--asr-emulator-url")
    if external:
        yield str(external).rstrip("/")
        return
    from emulator.config import Settings
    from emulator.testing.server import LiveServer, ServerProcess

    if request.config.getoption("--asr-emulator-process"):
        with ServerProcess() as process:
            yield process.url
        return
    with LiveServer(Settings(lifecycle="instant")) as server:
        yield server.url


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(MARKER))):     # closest marker wins
        unknown = set(mark.kwargs) - MARKER_KEYS
        if unknown or mark.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keywords {', '.join(sorted(MARKER_KEYS))}; "
                                    f"got {', '.join(sorted(unknown)) or 'positional arguments'}")
        options.update(mark.kwargs)
    return options


@pytest.fixture
def asr_emulator(asr_emulator_server: str, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    """A freshly reset emulator: jobs, scripts, faults, journal and overrides forgotten; lifecycle ``instant``
    unless the marker says otherwise."""
    handle = EmulatorHandle(asr_emulator_server, test_id=request.node.nodeid)
    handle.reset()
    options = _marker_options(request)
    handle.lifecycle(options.get("lifecycle") or "instant")
    settings = dict(options.get("settings") or {})
    if options.get("seed") is not None:
        settings["seed"] = options["seed"]
    if options.get("credentials") is not None:
        settings["credentials"] = options["credentials"]
    if settings:
        handle.settings(**settings)
    for rule in options.get("faults") or ():
        rule = dict(rule)
        handle.fault(rule.pop("action"), **rule.pop("match", rule))
    if options.get("fast_polling"):
        handle.fast_polling()
    try:
        yield handle
    finally:
        handle.restore()
        handle.close()


@pytest.fixture
def asr_emulator_respx(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The emulator in this process behind respx: httpx (sync and async) requests to the vendors' hostnames reach
    it without sockets. ``.engine`` configures it, ``.router`` takes more respx routes."""
    from emulator.config import Settings
    from emulator.testing.inprocess import InProcessEmulator

    options = _marker_options(request)
    settings = Settings(lifecycle=options.get("lifecycle") or "instant", seed=options.get("seed") or 0,
                        credentials=options.get("credentials") or "permissive")
    with InProcessEmulator(settings) as emulator:
        for rule in options.get("faults") or ():
            from emulator.engine import Rule

            emulator.engine.faults.add(Rule.from_json(dict(rule)))
        if options.get("fast_polling"):
            emulator.fast_polling()
        yield emulator
