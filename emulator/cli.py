"""``asr-emulator``: serve, make-audio, env, routes."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from emulator import __version__
from emulator.config import DEFAULT_DASHSCOPE_KEY, Settings
from emulator.engine.credentials import MODES
from emulator.vendors.eas.catalogue import DEFAULT_TOKEN, MODELS
from emulator.vendors.nls.catalogue import DEFAULT_ACCESS_KEYS
from emulator.vendors.tencent.catalogue import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from emulator.app import Emulator

    try:
        settings = Settings.from_env().with_overrides(
            host=args.host, port=args.port, lifecycle=args.lifecycle, seed=args.seed,
            credentials=args.credentials, public_url=args.public_url,
            rate_limits=True if args.rate_limits else None,
        )
    except ValueError as exc:
        print(f"asr-emulator: {exc}", file=sys.stderr)
        return 2
    app = Emulator(settings)
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"asr-emulator: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 2
    sock.listen(2048)      # connections queue from now on, so the URL printed below is already reachable
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    print(f"asr-emulator {__version__} listening on http://{shown}:{port} "
          f"(lifecycle {settings.lifecycle}, seed {settings.seed}, credentials {settings.credentials})", flush=True)
    print(f"  DashScope: DASHSCOPE_HTTP_BASE_URL=http://{shown}:{port}{settings.dashscope_prefix}", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level, access_log=args.log_level == "debug",
                            http=settings.http)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def _make_audio(args: argparse.Namespace) -> int:
    from emulator.audiogen import make_audio

    try:
        data = make_audio(args.text, lang=args.lang, rate=args.rate, engine=args.engine)
    except (ValueError, RuntimeError) as exc:
        print(f"asr-emulator: {exc}", file=sys.stderr)
        return 2
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


NLS_AKID, NLS_SECRET = next(iter(DEFAULT_ACCESS_KEYS.items()))


def env_lines(url: str, key: str = DEFAULT_DASHSCOPE_KEY) -> list[str]:
    base = url.rstrip("/")
    ws = base.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return [
        "# DashScope (dashscope SDK 1.x/2.x classic API; read at import time)",
        f"export DASHSCOPE_API_KEY={key}",
        f"export DASHSCOPE_HTTP_BASE_URL={base}/api/v1",
        f"export DASHSCOPE_WEBSOCKET_BASE_URL={ws}/api-ws/v1/inference",
        "# DashScope 2.x preview client (dashscope.Client)",
        f"export DASHSCOPE_BASE_URL={base}/api/v1",
        "# Alibaba Cloud AccessKey pair read by the vendors' samples (NLS filetrans with aliyun-python-sdk-core);",
        f"# point CommonRequest.set_domain at {base.split('//', 1)[-1]} and use the appkey asr-emulator-appkey",
        f"export ALIBABA_CLOUD_ACCESS_KEY_ID={NLS_AKID}",
        f"export ALIBABA_CLOUD_ACCESS_KEY_SECRET={NLS_SECRET}",
        "# PAI-EAS: eas-prediction reads no variables; pass these to PredictClient(endpoint, service) and set_token()",
        f"export EAS_ENDPOINT={base.split('//', 1)[-1]}",
        f"export EAS_TOKEN={DEFAULT_TOKEN}",
        "# services: " + ", ".join(m.default_service for m in MODELS.values()) + " (each also as <name>_async)",
        "# Tencent Cloud SecretId/SecretKey (tencentcloud-sdk-python reads these; pass them to CosConfig too)",
        f"export TENCENTCLOUD_SECRET_ID={DEFAULT_SECRET_ID}",
        f"export TENCENTCLOUD_SECRET_KEY={DEFAULT_SECRET_KEY}",
        "# keep proxies away from the emulator (aliyun-python-sdk-core ignores NO_PROXY: unset HTTP_PROXY for it)",
        "export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}",
    ]


def _env(args: argparse.Namespace) -> int:
    print("\n".join(env_lines(args.url)))
    return 0


def _routes(args: argparse.Namespace) -> int:
    from emulator.app import Emulator

    for path in Emulator(Settings(load_fixtures=False)).route_paths():
        print(path)
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

    r = sub.add_parser("routes", help="list the routes the emulator answers")
    r.set_defaults(func=_routes)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result
