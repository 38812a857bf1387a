"""Settings: defaults good for local use, overridden by ``ASR_EMULATOR_*`` environment variables and CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from emulator.engine.core import EngineConfig
from emulator.engine.credentials import MODES, Mode
from emulator.engine.lifecycle import parse_policy

DEFAULT_DASHSCOPE_KEY = "sk-asr-emulator-local"
MAX_WORKERS = 64


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    http: str = "httptools"              # uvicorn's HTTP implementation, httptools or h11 (emulator.protocol: both
    #                                      keep response header names in the application's case)
    loop: str = "asyncio"                # the event loop: asyncio (the default: a steadier tail under load —
    #                                      docs/development.md) or uvloop (a few per cent more requests a second)
    lifecycle: str = "timed"
    seed: int = 0
    credentials: Mode = "permissive"
    public_url: str | None = None        # base URL written into result links; default: the request's own host
    control_token: str | None = None     # when set, /_emulator/ needs Authorization: Bearer (but control.OPEN_ROUTES)
    link_secret: str | None = None       # signs result links; default: from the control token, else from the seed
    strict: bool = False                 # refuse all that the vendors refuse (no leniency for local convenience)
    utc_offset_hours: float = 8.0        # vendor timestamps are local time in the service's region
    dashscope_prefix: str = "/api/v1"
    dashscope_ws_path: str = "/api-ws/v1/inference"
    ws_idle_timeout: float = 23.0        # realtime: a task with no data for this long fails with CLIENT_ERROR
    rate_limits: bool = False
    fetch_timeout: float = 30.0
    fetch_deadline: float = 60.0         # a download's whole time, however slowly its bytes arrive
    load_fixtures: bool = True
    dashscope_keys: tuple[str, ...] = field(default=(DEFAULT_DASHSCOPE_KEY,))
    nls_access_keys: tuple[str, ...] = ()    # "AccessKeyId:AccessKeySecret" pairs, beside the built-in local pair
    nls_appkeys: tuple[str, ...] = ()        # "appkey" or "appkey:8000" or "appkey:16000:en" (rate, language)
    nls_strict_urls: bool = False            # file_link / callback_url naming an IP address are refused
    eas_token: str = "asr-emulator-eas-token"   # the token of the default PAI-EAS services
    eas_services: tuple[str, ...] = ()       # "name=model[:token[:async]]": more PAI-EAS services
    tencent_keys: tuple[str, ...] = ()       # "SecretId:SecretKey" pairs, beside the built-in local pair
    tencent_appid: str = "1250000000"        # the APPID of buckets named without one, and in callbacks
    state_dir: str | None = None             # keep jobs, objects and records here (SQLite), across restarts
    workers: int = 1                         # processes serving one port, sharing the state directory
    store: str | None = None                 # redis://HOST:PORT/DB: the state in Redis, shared by instances
    record: str | None = None                # a folder: the upstream vendors' exchanges are written there
    upstream: tuple[str, ...] = ()           # the vendors (dialect names, or "all") whose requests go upstream
    upstream_address: str | None = None      # where upstream requests go instead of the vendor's host (Host kept)
    replay: str | None = None                # a folder of cassettes: matching requests are answered from them
    replay_strict: bool = False              # a request no cassette matches is refused (else the emulator answers)
    replay_pace: float = 1.0                 # WebSocket messages played back: 1 as recorded, 0 at once

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is not between 0 and 65535")
        parse_policy(self.lifecycle)
        if self.http not in ("h11", "httptools"):
            raise ValueError("http must be h11 or httptools")
        if self.loop not in ("asyncio", "uvloop"):
            raise ValueError("loop must be asyncio or uvloop")
        if self.credentials not in MODES:
            raise ValueError(f"credentials must be one of {', '.join(MODES)}")
        if self.store is not None and not self.store.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("store is redis://HOST:PORT/DB (or rediss://, unix://)")
        if bool(self.record) != bool(self.upstream):
            raise ValueError("record and upstream go together: --record DIR --upstream VENDOR[,VENDOR…]")
        if self.record and self.replay:
            raise ValueError("record and replay do not go together (record first, then replay what was recorded)")
        if self.upstream_address is not None and not self.upstream_address.startswith(("http://", "https://")):
            raise ValueError("upstream_address is an http:// or https:// URL")
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(f"workers is between 1 and {MAX_WORKERS}")
        if not self.dashscope_prefix.startswith("/"):
            raise ValueError("dashscope_prefix must start with '/'")
        # the vendors' own settings (keys, appkeys, services) are checked by their dialects when an emulator is
        # built from these settings

    def engine_config(self) -> EngineConfig:
        """The part of the settings the vendor-neutral engine reads."""
        return EngineConfig(lifecycle=self.lifecycle, seed=self.seed, credentials=self.credentials,
                            fetch_timeout=self.fetch_timeout, fetch_deadline=self.fetch_deadline,
                            strict=self.strict)

    def with_overrides(self, **values: Any) -> Settings:
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f"ASR_EMULATOR_{f.name.upper()}"
            raw = env.get(name)
            if raw is None:
                continue
            try:
                values[f.name] = _parse(f.type, f.name, raw)
            except ValueError as exc:
                raise ValueError(f"{name}={raw!r}: {exc}") from None
        try:
            return cls(**values)
        except ValueError as exc:
            raise ValueError(f"{exc} (from the ASR_EMULATOR_* environment)") from None


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _parse(kind: Any, name: str, raw: str) -> Any:
    if kind in ("int", int):
        if not raw.strip().lstrip("-").isdigit() or not raw.strip().isascii():
            raise ValueError("not a whole number")
        return int(raw)
    if kind in ("float", float):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("not a finite number")
        return value
    if kind in ("bool", bool):
        word = raw.strip().lower()
        if word not in _TRUE + _FALSE:
            raise ValueError(f"not true or false (one of {', '.join(_TRUE)} / {', '.join(w for w in _FALSE if w)})")
        return word in _TRUE
    if name.endswith(("_keys", "_appkeys", "_services")) or name == "upstream":
        return tuple(k for k in raw.split(",") if k)
    return raw
