"""The registry: every vendor dialect the emulator runs, in the order they claim requests.

The order matters where claims overlap: CI/COS claims by host (and CI or bucket paths) before anything else;
Tencent Cloud API 3.0 and Alibaba POP share ``/`` (API 3.0's TC3 headers or legacy ``SecretId`` first, then POP's
``Action``, ``AccessKeyId`` or signature, or a form body); PAI-EAS's ``/api/v1/servicediscovery/`` before DashScope's
``/api/v1/``. Adding a vendor is one line here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from emulator.config import Settings
from emulator.engine import Engine
from emulator.vendors.base import Dialect
from emulator.vendors.dashscope import DashScope
from emulator.vendors.eas import Eas
from emulator.vendors.nls import Nls, NlsGateway
from emulator.vendors.tencent import TencentAsr, TencentCi, TencentFlash, TencentRealtime

DIALECTS: tuple[type[Dialect], ...] = (TencentCi, TencentAsr, TencentFlash, TencentRealtime, NlsGateway, Nls, Eas,
                                        DashScope)


_LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_VENDOR_HOSTS = re.compile("|".join(f"(?:{p})" for d in DIALECTS for p in d.hosts))


def tunnel_host(host: str) -> bool:
    """Whether ``CONNECT host:…`` is answered: the public hosts the dialects answer for, the magic media hosts and
    this machine's own names — the emulator is no general proxy."""
    host = host.lower().rstrip(".")
    return host in _LOCAL_NAMES or host == "asr-emulator.test" or host.endswith(".asr-emulator.test") \
        or _VENDOR_HOSTS.fullmatch(host) is not None


def build(engine: Engine, settings: Settings, classes: Sequence[type[Dialect]] = DIALECTS) -> list[Dialect]:
    """The dialects for one emulator; ``ValueError`` names a bad setting."""
    return [cls(engine, settings) for cls in classes]


__all__ = ["DIALECTS", "build", "tunnel_host"]
