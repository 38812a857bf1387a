"""The pytest plugin (entry point ``pytest11``: installing the package is enough).

Fixtures:
  ``asr_emulator``          a function-scoped ``EmulatorHandle`` on a session-scoped live server (127.0.0.1, a free
                            port), reset and configured in one step before each test; configured by the marker.
  ``asr_emulator_server``   the session's server URL (one per xdist worker), or ``--asr-emulator-url``.
  ``asr_emulator_respx``    an ``InProcessEmulator``: httpx requests to the vendors' hosts answered in-process; the
                            same control methods as ``asr_emulator``.

Marker: ``@pytest.mark.asr_emulator(lifecycle="polls:2", seed=7, credentials="strict", faults=[rule, …],
fast_polling=True, settings={...})`` — one meaning for both fixtures. Option: ``--asr-emulator-url URL`` runs the
same tests against an emulator that is already running (the Docker image, say), in an account of the run's own
(``asr_emulator_account``; ``--asr-emulator-account NAME`` names it), so runs sharing the server do not meet (a
marker's ``settings``, ``seed``, ``credentials`` or ``strict`` are the server's there, and refused);
``--asr-emulator-process`` runs the session's server in a process of its own instead of a thread.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.testing.account import Account
from emulator.testing.client import control_headers
from emulator.testing.handle import EmulatorHandle

MARKER = "asr_emulator"
MARKER_KEYS = frozenset({"lifecycle", "seed", "credentials", "faults", "fast_polling", "settings", "strict", "replay",
                         "replay_strict"})
FIXTURES = ("asr_emulator", "asr_emulator_respx")
_LOCAL: dict[str, Any] = {}          # URL → the LiveServer of this process serving it
_NEXT: dict[str, Any] = {}           # the test that runs after the one being torn down


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("asr-emulator", "asr-emulator: a local emulator of speech-recognition cloud APIs")
    group.addoption("--asr-emulator-url", default=os.environ.get("ASR_EMULATOR_URL"),
                    help="use an emulator that is already running at this URL (default: start one per session)")
    group.addoption("--asr-emulator-account", default=os.environ.get("ASR_EMULATOR_ACCOUNT"),
                    help="with --asr-emulator-url: the name this run's account is derived from (default: one per "
                         "run and xdist worker), so that runs sharing a server do not see each other's state; 'none': "
                         "no account (the control plane acts on everything, as on a server of the run's own)")
    group.addoption("--asr-emulator-process", action="store_true", default=False,
                    help="run the session's emulator in a process of its own rather than a thread")
    group.addoption("--asr-emulator-strict", action="store_true", default=False,
                    help="fail a test during which the emulator accepted what a vendor would refuse (its warnings)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(lifecycle=None, seed=None, credentials=None, faults=(), fast_polling=False, "
                   "settings=None, replay=None, replay_strict=False): configure the asr_emulator or "
                   "asr_emulator_respx fixture for this test (replay: a folder of cassettes to answer from)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    _NEXT["item"] = nextitem


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker(MARKER) is not None and not set(FIXTURES) & set(getattr(item, "fixturenames", ())):
        pytest.fail(f"@pytest.mark.{MARKER} on {item.nodeid}, which uses neither fixture ({', '.join(FIXTURES)}): "
                    "the marker would change nothing", pytrace=False)


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
        _LOCAL[server.url] = server
        try:
            yield server.url
        finally:
            _LOCAL.pop(server.url, None)


@pytest.fixture(scope="session")
def asr_emulator_account(request: pytest.FixtureRequest) -> Account | None:
    """This run's account on a shared server (``--asr-emulator-url``): its own credentials for every vendor, and
    the control plane acts for it alone. None when the session starts its own server (everything is this run's)."""
    if not request.config.getoption("--asr-emulator-url"):
        return None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = request.config.getoption("--asr-emulator-account")
    if name == "none":          # the server is this run's alone: act on everything, settings and clock included
        return None
    if name:
        return Account.named(f"{name}:{worker}")
    return Account.named(f"{worker}:{os.getpid()}:{time.time_ns()}")


@pytest.fixture(scope="session")
def _asr_emulator_control(asr_emulator_server: str, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """One control-plane connection for the session: straight into the app when the server is a thread of this
    process, else a kept-alive HTTP connection."""
    server = _LOCAL.get(asr_emulator_server)
    transport = server.transport() if server is not None else None
    client = httpx.Client(base_url=asr_emulator_server + "/_emulator", timeout=30, trust_env=False,
                          transport=transport, headers=control_headers())
    try:
        client.get("/health").raise_for_status()
    except httpx.HTTPError as exc:
        client.close()
        given = request.config.getoption("--asr-emulator-url")
        where = f"--asr-emulator-url {given}" if given else f"the session's emulator at {asr_emulator_server}"
        pytest.fail(f"asr-emulator: {where}: no emulator answers there ({type(exc).__name__}: {exc})", pytrace=False)
    yield client
    client.close()


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers(MARKER))):     # closest marker wins
        unknown = set(mark.kwargs) - MARKER_KEYS
        if unknown or mark.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keywords {', '.join(sorted(MARKER_KEYS))}; "
                                    f"got {', '.join(sorted(unknown)) or 'positional arguments'}")
        options.update(mark.kwargs)
    return options


def _configuration(options: dict[str, Any]) -> dict[str, Any]:
    """The marker's options as one reset-and-configure call."""
    settings = dict(options.get("settings") or {})
    if options.get("seed") is not None:
        settings["seed"] = options["seed"]
    if options.get("credentials") is not None:
        settings["credentials"] = options["credentials"]
    if options.get("strict") is not None:
        settings["strict"] = bool(options["strict"])
    return {"lifecycle": options.get("lifecycle") or "instant", "settings": settings or None,
            "faults": list(options.get("faults") or ()) or None}


@pytest.fixture
def asr_emulator(asr_emulator_server: str, _asr_emulator_control: httpx.Client,
                 asr_emulator_account: Account | None, request: pytest.FixtureRequest) -> Iterator[EmulatorHandle]:
    """A freshly reset emulator: jobs, scripts, faults, journal and overrides forgotten; lifecycle ``instant``
    unless the marker says otherwise. On a shared server (``--asr-emulator-url``) all of that is this run's
    account's alone: the SDK helpers use its credentials, and other runs' state is left as it is."""
    handle = EmulatorHandle(asr_emulator_server, test_id=request.node.nodeid, client=_asr_emulator_control,
                            account=asr_emulator_account)
    options = _marker_options(request)
    handle.reset(**_configuration(options))
    if options.get("replay"):
        folder = Path(options["replay"])
        if not folder.is_absolute():                 # as the test's own files are named: from its folder
            folder = Path(str(request.node.path)).parent / folder
        handle.replay(folder, strict=bool(options.get("replay_strict")))
    if options.get("fast_polling"):
        handle.fast_polling()
    try:
        yield handle
        _check_leniency(request, handle)
    finally:
        handle.restore()
        if request.config.getoption("--asr-emulator-url"):     # a shared server: leave what others configured
            handle.reset(scope="overrides")


def _check_leniency(request: pytest.FixtureRequest, control: Any) -> None:
    """With --asr-emulator-strict: the test fails when the emulator accepted what a vendor refuses."""
    if not request.config.getoption("--asr-emulator-strict"):
        return
    if getattr(control, "account", None) is not None:
        # a shared server: the warnings' counters are everyone's; the account's journal (reset with the test)
        # names what this test's requests were accepted for
        rules = sorted({w for e in control.journal() for w in e.get("warnings") or ()})
        if rules:
            pytest.fail("the emulator accepted what the vendor would refuse (--asr-emulator-strict): "
                        + ", ".join(rules) + " (GET /_emulator/warnings lists each rule and the vendor's code)",
                        pytrace=False)
        return
    accepted = control._call("GET", "/warnings")["accepted"]
    if accepted:
        pytest.fail("the emulator accepted what the vendor would refuse (--asr-emulator-strict): " + "; ".join(
            f"{a['vendor']}/{a['rule']} x{a['count']} (the vendor answers {a['vendor_code']}: {a['accepted']})"
            for a in accepted), pytrace=False)


@pytest.fixture(scope="session")
def _asr_emulator_inprocess() -> Iterator[Any]:
    from emulator.config import Settings
    from emulator.testing.inprocess import InProcessEmulator

    emulator = InProcessEmulator(Settings(lifecycle="instant"))
    yield emulator
    emulator.stop()


@pytest.fixture
def asr_emulator_respx(_asr_emulator_inprocess: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The emulator in this process behind respx: httpx (sync and async) requests to the vendors' hostnames reach
    it without sockets. The control methods of ``asr_emulator`` (``fault``, ``script``, ``jobs`` …), ``.router``
    for more respx routes, ``.engine`` for the engine itself."""
    emulator = _asr_emulator_inprocess
    options = _marker_options(request)
    emulator.reset(**_configuration(options))
    emulator.start()
    if options.get("fast_polling"):
        emulator.fast_polling()
    try:
        yield emulator
        _check_leniency(request, emulator)
    finally:
        following = _NEXT.pop("item", None)
        emulator.suspend(keep_routing="asr_emulator_respx" in getattr(following, "fixturenames", ()))
