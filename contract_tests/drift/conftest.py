"""Drift tests: the same SDK calls against the emulator (by default) or against the real services.

``ASR_CONTRACT_TARGET=vendor`` aims them at the vendors' public endpoints with the credentials the SDKs read from
the environment; a vendor whose credentials are not set is skipped, so the run shows which contracts were compared.
These tests never touch the emulator's control plane: against the emulator they run on a server started with
``--lifecycle instant --credentials strict``, configured only as a user configures the SDKs.

Variables for ``vendor``: ``DASHSCOPE_API_KEY``; ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``
and ``NLS_APPKEY``; ``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY``; optionally ``ASR_CONTRACT_MEDIA_URL``,
a public speech file the services can download (default: DashScope's public sample).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from contract_tests.conftest import drop_proxies
from emulator.config import DEFAULT_DASHSCOPE_KEY
from emulator.testing import ServerProcess
from emulator.vendors.nls import catalogue as nls_cat
from emulator.vendors.tencent import catalogue as tencent_cat

TARGET = os.environ.get("ASR_CONTRACT_TARGET", "emulator")
PUBLIC_SAMPLE = "https://dashscope.oss-cn-beijing.aliyuncs.com/samples/audio/paraformer/hello_world_female2.wav"
EMULATOR_CREDENTIALS = {          # the emulator's built-in local credentials (what `asr-emulator env` prints)
    "DASHSCOPE_API_KEY": DEFAULT_DASHSCOPE_KEY,
    "ALIBABA_CLOUD_ACCESS_KEY_ID": next(iter(nls_cat.DEFAULT_ACCESS_KEYS)),
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": next(iter(nls_cat.DEFAULT_ACCESS_KEYS.values())),
    "NLS_APPKEY": next(iter(nls_cat.DEFAULT_APPKEYS)),
    "TENCENTCLOUD_SECRET_ID": tencent_cat.DEFAULT_SECRET_ID,
    "TENCENTCLOUD_SECRET_KEY": tencent_cat.DEFAULT_SECRET_KEY,
}


@dataclass
class Target:
    """Where the SDKs are aimed: ``url`` is the emulator's (None for the real services)."""

    url: str | None

    @property
    def vendor(self) -> bool:
        return self.url is None

    def credential(self, *names: str) -> tuple[str, ...]:
        """The named credentials, or a skip when a real service is the target and one is not set."""
        if not self.vendor:
            return tuple(EMULATOR_CREDENTIALS[n] for n in names)
        missing = [n for n in names if not os.environ.get(n)]
        if missing:
            pytest.skip(f"set {', '.join(missing)} to compare with the real service")
        return tuple(os.environ[n] for n in names)

    def media_url(self) -> str:
        """A speech file the service can download: the real services need a public URL."""
        if self.vendor:
            return os.environ.get("ASR_CONTRACT_MEDIA_URL", PUBLIC_SAMPLE)
        return "http://media.asr-emulator.test/hello.wav?text=Hello%20world.%20This%20is%20a%20test."

    def host(self, vendor_host: str) -> str:
        return vendor_host if self.vendor else self.url.split("//", 1)[1]  # type: ignore[union-attr]

    def dashscope(self) -> Any:
        import dashscope

        (dashscope.api_key,) = self.credential("DASHSCOPE_API_KEY")
        if self.vendor:
            dashscope.base_http_api_url = "https://dashscope.aliyuncs.com/api/v1"
            dashscope.base_websocket_api_url = "wss://dashscope.aliyuncs.com/api-ws/v1/inference"
        else:
            dashscope.base_http_api_url = f"{self.url}/api/v1"
            dashscope.base_websocket_api_url = f"{self.url.replace('http://', 'ws://')}/api-ws/v1/inference"
        return dashscope


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    if TARGET == "vendor":
        yield Target(None)
        return
    if TARGET != "emulator":
        raise pytest.UsageError(f"ASR_CONTRACT_TARGET must be emulator or vendor, not {TARGET!r}")
    with ServerProcess(["--lifecycle", "instant", "--credentials", "strict"]) as server:
        yield Target(server.url)


@pytest.fixture(autouse=True)
def _sdk_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The SDKs keep module state and read proxies: restore the one, drop the other (aliyun's core ignores
    NO_PROXY)."""
    import dashscope

    if TARGET == "emulator":           # the real services may well need the proxy
        drop_proxies(monkeypatch)
    saved = (dashscope.api_key, dashscope.base_http_api_url, dashscope.base_websocket_api_url)
    yield
    dashscope.api_key, dashscope.base_http_api_url, dashscope.base_websocket_api_url = saved
