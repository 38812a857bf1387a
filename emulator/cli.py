"""``asr-emulator``: serve, make-audio, env, routes."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from emulator import __version__
from emulator.config import Settings
from emulator.engine.credentials import MODES


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from emulator.app import Emulator

    try:
        settings = Settings.from_env().with_overrides(
            host=args.host, port=args.port, lifecycle=args.lifecycle, seed=args.seed,
            credentials=args.credentials, public_url=args.public_url,
            rate_limits=True if args.rate_limits else None, control_token=args.control_token,
            strict=True if args.strict else None, state_dir=args.state_dir, workers=args.workers,
            store=args.store, http=args.http, loop=args.loop, record=args.record,
            upstream=tuple(v for v in (args.upstream or "").split(",") if v) or None,
            upstream_address=args.upstream_address, replay=args.replay,
            replay_strict=True if args.replay_strict else None, replay_pace=args.replay_pace,
        )
        if args.no_control_token:
            settings = replace(settings, control_token="")
        generated = settings.control_token is None and not _loopback(settings.host)
        if generated:       # reachable from other machines: lock the control plane unless told not to
            settings = replace(settings, control_token=secrets.token_urlsafe(24))
        scratch = None
        if settings.workers > 1 and not settings.state_dir and not settings.store:   # the workers share a directory
            scratch = tempfile.TemporaryDirectory(prefix="asr-emulator-state-")
            settings = replace(settings, state_dir=scratch.name)
        # one process: the app; several: the state directory made ready once (jobs a previous run left fetching
        # fail, ids go on), then each worker builds its own app on it
        app = Emulator(replace(settings, workers=1))
    except ValueError as exc:
        print(f"asr-emulator: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    from emulator.protocol import listening_socket

    sock = listening_socket(family)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"asr-emulator: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 2
    sock.listen(2048)      # connections queue from now on, so the URL printed below is already reachable
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    if args.tls and settings.workers > 1:
        print("asr-emulator: --tls serves one worker (use a CONNECT proxy set-up with several)", file=sys.stderr)
        return 2
    if args.tls:
        from emulator.tls import local_ca

        print(f"  TLS with the local CA: trust {local_ca().ensure()} (asr-emulator ca)", file=sys.stderr)
    scheme = "https" if args.tls else "http"
    print(f"asr-emulator {__version__} listening on {scheme}://{shown}:{port} "
          f"(lifecycle {settings.lifecycle}, seed {settings.seed}, credentials {settings.credentials}"
          f"{', strict' if settings.strict else ''}{workers})", flush=True)
    if scratch is not None:
        print(f"  state of the {settings.workers} workers in {scratch.name} (removed at exit: --state-dir keeps it)",
              flush=True)
    print(f"  DashScope: DASHSCOPE_HTTP_BASE_URL={scheme}://{shown}:{port}{settings.dashscope_prefix}", flush=True)
    if settings.control_token:
        how = "generated: the server is reachable beyond this machine" if generated else "given"
        print(f"  control plane locked ({how}): ASR_EMULATOR_CONTROL_TOKEN={settings.control_token}", flush=True)
    from emulator.protocol import FirstKeyWebSocket, protocol_class

    options = {"log_level": args.log_level, "access_log": args.log_level == "debug", "ws": FirstKeyWebSocket,
               "http": protocol_class(settings.http), "loop": settings.loop,
               "server_header": False}      # each dialect sends its vendor's Server header
    if settings.workers == 1:
        config = uvicorn.Config(app, **options)
        if args.tls:             # HTTPS on this port: a certificate for each host a client names, from the local CA
            from emulator.tls import local_ca

            config.load()
            config.ssl = local_ca().context(shown)
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    from uvicorn.supervisors import Multiprocess

    closing = getattr(app.engine.store, "close", None)
    if closing is not None:
        closing()
    os.environ[WORKER_SETTINGS] = json.dumps(asdict(settings))
    config = uvicorn.Config("emulator.cli:worker_app", factory=True, workers=settings.workers,
                            **options)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if scratch is not None:
            scratch.cleanup()
    return 0


WORKER_SETTINGS = "ASR_EMULATOR__WORKER_SETTINGS"     # serve --workers: the settings each worker builds its app from


def worker_app() -> Any:
    """The app of one of ``serve --workers N``'s processes (uvicorn imports and calls this in each)."""
    from emulator.app import Emulator

    values = json.loads(os.environ[WORKER_SETTINGS])
    kinds = {f.name: f.type for f in fields(Settings)}
    given: dict[str, Any] = {k: tuple(v) if isinstance(v, list) and "tuple" in str(kinds.get(k)) else v
                             for k, v in values.items()}
    settings = Settings(**given)
    _exit_with_parent()
    return Emulator(settings)


def _exit_with_parent() -> None:
    """A worker ends when the server process that started it is gone (killed with -9, say), rather than keep the
    port and the state directory busy."""
    import signal
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="asr-emulator-parent-watch", daemon=True).start()


def _make_audio(args: argparse.Namespace) -> int:
    from emulator.audiogen import make_audio

    try:
        data = make_audio(args.text, lang=args.lang, rate=args.rate, engine=args.engine)
    except (ValueError, RuntimeError) as exc:
        print(f"asr-emulator: {exc}", file=sys.stderr)
        return 2
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"asr-emulator: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def env_lines(url: str) -> list[str]:
    """``export`` lines (and comments) pointing every vendor's SDK at the emulator at ``url``, from the dialects."""
    from emulator.app import Emulator

    base = url.rstrip("/")
    lines: list[str] = []
    for dialect in Emulator(Settings(load_fixtures=False)).dialects:
        lines.extend(dialect.env_lines(base))
    token = os.environ.get("ASR_EMULATOR_CONTROL_TOKEN")
    if token:
        lines.append("# the control plane's token (the pytest plugin and ControlClient read it)")
        lines.append(f"export ASR_EMULATOR_CONTROL_TOKEN={token}")
    lines.append("# SDKs that insist on https to the vendor's host: the emulator as their proxy, trusting its local CA")
    lines.append(f"#   export HTTPS_PROXY={base} NODE_EXTRA_CA_CERTS=$(asr-emulator ca -q) "
                 "REQUESTS_CA_BUNDLE=$(asr-emulator ca -q)")
    lines.append("# keep proxies away from the emulator (aliyun-python-sdk-core ignores NO_PROXY: unset HTTP_PROXY "
                 "for it)")
    lines.append("export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}")
    return lines


def _env(args: argparse.Namespace) -> int:
    print("\n".join(env_lines(args.url)))
    return 0


def _fixtures(args: argparse.Namespace) -> int:
    from emulator.fixtures import fixtures_dir, sidecar_script

    directory = fixtures_dir()
    if directory is None:
        print("asr-emulator: the bundled fixtures are not installed", file=sys.stderr)
        return 2
    wavs = sorted(directory.glob("*.wav"))
    if args.name:
        found = [w for w in wavs if w.name == args.name]
        if not found:
            print(f"asr-emulator: no fixture {args.name!r}; one of {', '.join(w.name for w in wavs)}", file=sys.stderr)
            return 2
        print(found[0])
        return 0
    for wav in wavs:
        script = sidecar_script(wav)
        says = " / ".join(script.texts) if script is not None else ""
        print(f"{wav.name:<18} {wav}  {says}".rstrip())
    return 0


def _drift(args: argparse.Namespace) -> int:
    import asyncio

    from emulator.app import Emulator
    from emulator.record.cassette import Cassettes

    folder = Path(args.directory)
    try:
        count = len(Cassettes(folder).load()) if folder.is_dir() else 0
    except ValueError as exc:
        print(f"asr-emulator drift: {exc}", file=sys.stderr)
        return 2
    if count == 0:
        print(f"asr-emulator drift: {folder} holds no cassette", file=sys.stderr)
        return 2
    # no secret is recorded, so no signature can be checked: credentials off; each poll moves a task one state on
    report = asyncio.run(Emulator(Settings(seed=args.seed, load_fixtures=False)).drift(Cassettes(folder).load()))
    if args.json == "-":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(report.table())
        if args.json:
            Path(args.json).write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 1 if report.drifted else 0


def _ca(args: argparse.Namespace) -> int:
    from emulator.tls import local_ca

    ca = local_ca()
    path = ca.ensure()
    if args.pem:
        print(ca.pem(), end="")
        return 0
    print(path)
    if not args.quiet:
        print(f"# trust it for the SDKs that insist on https (the key stays in {path.parent}, readable by you only):",
              file=sys.stderr)
        for line in ca_env_lines(str(path)):
            print(line, file=sys.stderr)
    return 0


def ca_env_lines(path: str) -> list[str]:
    return [f"export NODE_EXTRA_CA_CERTS={path}        # Node.js: added to its own roots",
            f"export REQUESTS_CA_BUNDLE={path}         # Python requests: replaces certifi's roots",
            f"export SSL_CERT_FILE={path}              # OpenSSL, httpx, aiohttp: replaces the system's roots"]


def route_lines() -> list[str]:
    """Every operation of every vendor (method, path or action, vendor, what it does), then the control plane."""
    from emulator.app import Emulator
    from emulator.openapi import walk_routes

    emulator = Emulator(Settings(load_fixtures=False))
    rows = []
    for dialect, op in emulator.operations():
        where = f"Action={op.action}" if op.action else op.path
        methods = "WEBSOCKET" if op.websocket else ",".join(op.methods)
        rows.append((methods, where, dialect.name, op.summary + (f" [{op.host}]" if op.host else "")))
    for path, route in walk_routes(emulator.routes):
        if path.startswith("/_emulator"):
            doc = (route.endpoint.__doc__ or route.name or "").strip().splitlines()
            rows.append((",".join(sorted((route.methods or set()) - {"HEAD"})), path, "control",
                         doc[0] if doc else route.name))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return [f"{m:<{widths[0]}}  {w:<{widths[1]}}  {v:<{widths[2]}}  {s}".rstrip() for m, w, v, s in rows]


def _routes(args: argparse.Namespace) -> int:
    print("\n".join(route_lines()))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="asr-emulator", description="Local emulator of cloud speech-recognition APIs.")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the emulator")
    s.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, help="port (default 8000; 0 picks a free one)")
    s.add_argument("--lifecycle", help="instant, polls:N, timed[:queue=S,speed=X] or manual (default timed)")
    s.add_argument("--seed", type=int, help="seed for synthetic transcripts, ids and faults (default 0)")
    s.add_argument("--credentials", choices=MODES, help="how keys are checked (default permissive)")
    s.add_argument("--public-url", help="base URL written into result links (default: the request's host)")
    s.add_argument("--rate-limits", action="store_true", help="enforce the vendors' documented rate limits")
    s.add_argument("--strict", action="store_true",
                   help="refuse all that the vendors refuse (IP-address file URLs, unregistered keys …); by default "
                        "such requests are accepted and each acceptance is reported as a warning")
    s.add_argument("--control-token", help="lock /_emulator/ (but health, fixtures and media downloads) behind "
                                           "Authorization: Bearer TOKEN "
                                           "(default: generated when listening beyond loopback)")
    s.add_argument("--no-control-token", action="store_true",
                   help="leave the control plane open even when listening beyond loopback")
    s.add_argument("--state-dir", help="keep jobs, uploads, COS objects, queues, templates, vocabularies and tokens in "
                                       "this folder (SQLite), so that they survive a restart or a kill; default: "
                                       "memory only (env ASR_EMULATOR_STATE_DIR)")
    s.add_argument("--workers", type=int,
                   help="processes serving the port, sharing the state directory (--state-dir, else a temporary "
                        "one); default 1")
    s.add_argument("--store", help="redis://HOST:PORT/DB: keep the state in Redis, shared by every instance "
                                   "pointed at it (several machines behind a load balancer act as one)")
    s.add_argument("--tls", action="store_true",
                   help="serve HTTPS on the port, with certificates from the local CA for whatever host a client "
                        "names (asr-emulator ca prints the CA to trust); CONNECT to port 443 works without it")
    s.add_argument("--http", choices=["httptools", "h11"],
                   help="the HTTP implementation: httptools (default: its C parser, about twice h11's rate) or h11; "
                        "either keeps response header names in the vendor's case (env ASR_EMULATOR_HTTP)")
    s.add_argument("--record", metavar="DIR",
                   help="forward the --upstream vendors' requests to the real service and write each exchange to DIR "
                        "as a cassette, without secrets (the client addresses the vendor's host through the emulator "
                        "as its proxy; env ASR_EMULATOR_RECORD)")
    s.add_argument("--upstream", metavar="VENDOR[=HOST][,…]",
                   help="the vendors recorded: dashscope, nls, nls_gateway, eas, tencent_asr, tencent_flash, "
                        "tencent_ci, or all; VENDOR=HOST: that vendor's requests to the emulator's own address go to "
                        "HOST (for an SDK without a proxy option, such as eas-prediction; env ASR_EMULATOR_UPSTREAM)")
    s.add_argument("--upstream-address", metavar="URL",
                   help="send the recorded requests to URL instead of the vendor's host, the Host header unchanged "
                        "(a gateway, or an emulator playing the service; env ASR_EMULATOR_UPSTREAM_ADDRESS)")
    s.add_argument("--replay", metavar="DIR",
                   help="answer requests from the cassettes in DIR (recorded with --record): matched by vendor, "
                        "operation and request, signatures, times and nonces left out; a task's polls in the order "
                        "recorded (env ASR_EMULATOR_REPLAY)")
    s.add_argument("--replay-strict", action="store_true",
                   help="refuse a request no cassette matches, naming the closest recorded one (by default the "
                        "emulator answers it, with a warning; env ASR_EMULATOR_REPLAY_STRICT)")
    s.add_argument("--replay-pace", type=float, metavar="FACTOR",
                   help="WebSocket messages played back at the recorded pace times FACTOR: 1 (default) as recorded, "
                        "0.5 twice as fast, 0 at once (env ASR_EMULATOR_REPLAY_PACE)")
    s.add_argument("--loop", choices=["asyncio", "uvloop"],
                   help="the event loop: asyncio (default: its tail latency under load is a third of uvloop's "
                        "here) or uvloop (a few per cent more requests a second) (env ASR_EMULATOR_LOOP)")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=_serve)

    m = sub.add_parser("make-audio", help="write a WAV that carries its own script")
    m.add_argument("text", nargs="+", help="what it says; several texts make one channel each")
    m.add_argument("-o", "--output", required=True, help="the .wav file to write")
    m.add_argument("--lang", default="zh", help="language of the text (zh, en, ja, ko, yue, ...)")
    m.add_argument("--rate", type=int, default=16000, help="sample rate (default 16000)")
    m.add_argument("--engine", choices=["auto", "espeak", "synthetic"], default="auto",
                   help="espeak-ng when installed (auto), or a synthetic voiced signal")
    m.set_defaults(func=_make_audio)

    e = sub.add_parser("env", help="print the environment variables that point each SDK at the emulator")
    e.add_argument("--url", default="http://127.0.0.1:8000", help="the emulator's URL")
    e.set_defaults(func=_env)

    f = sub.add_parser("fixtures", help="list the bundled audio fixtures (name, path, what each says), or print "
                                        "one fixture's path")
    f.add_argument("name", nargs="?", help="a fixture's file name: print its path")
    f.set_defaults(func=_fixtures)

    c = sub.add_parser("ca", help="print the path of the local certificate authority's certificate (made on first "
                                  "use), for SDKs that insist on https to the vendor's host")
    c.add_argument("--pem", action="store_true", help="print the certificate itself")
    c.add_argument("-q", "--quiet", action="store_true", help="only the path")
    c.set_defaults(func=_ca)

    d = sub.add_parser("drift", help="send every recorded request (serve --record) to a fresh emulator and compare the "
                                     "answers with the recorded ones by structure; exit status 1 on drift")
    d.add_argument("directory", help="the cassettes' folder")
    d.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE ('-': standard output)")
    d.add_argument("--seed", type=int, default=0, help="the emulator's seed (default 0)")
    d.set_defaults(func=_drift)

    r = sub.add_parser("routes", help="list every operation the emulator answers (method, path or action, vendor)")
    r.set_defaults(func=_routes)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result
