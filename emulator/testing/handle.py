"""What a test holds: the control plane of a live emulator, and real vendor SDK clients configured for it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from emulator.testing.account import Account
from emulator.testing.client import ControlClient
from emulator.web import TEST_ID_HEADER


class _Instant:
    """A stand-in for the ``time``/``asyncio`` module of an SDK's polling loop: ``sleep`` only yields."""

    def __init__(self, module: ModuleType, sleep: Callable[..., Any]) -> None:
        self._module = module
        self.sleep = sleep

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


async def _yield(_seconds: float = 0, *args: Any, **kwargs: Any) -> None:
    await asyncio.sleep(0)


class EmulatorHandle(ControlClient):
    """``url``, the control plane (``reset``, ``lifecycle``, ``clock``, ``jobs``, ``fault``, ``script``,
    ``journal`` …) and per-vendor helpers returning real SDK clients pointed at the emulator. Changes the helpers
    make to SDK modules are undone by ``restore`` (the fixture calls it after each test)."""

    def __init__(self, url: str, test_id: str | None = None, client: httpx.Client | None = None,
                 account: Account | None = None) -> None:
        super().__init__(url, client=client, account=account.header if account is not None else None)
        self.test_id = test_id
        self.account = account
        self._undo: list[Callable[[], None]] = []

    def credentials(self, vendor: str) -> dict[str, str]:
        """The credentials the SDK helpers use for a vendor: the local defaults, or this handle's account's."""
        local = defaults(vendor)
        return local if self.account is None else self.account.credentials(vendor, local)

    @property
    def host(self) -> str:
        """``host:port``, for SDKs that take an endpoint without a scheme."""
        return self.url.split("//", 1)[1]

    def env(self) -> dict[str, str]:
        """The environment variables ``asr-emulator env`` prints, for code that reads its configuration there."""
        from emulator.cli import env_lines

        mine: dict[str, str] = {}        # the local defaults → this handle's account's credentials
        if self.account is not None:
            for vendor in ("dashscope", "nls", "tencent_asr", "tencent_ci"):
                local = defaults(vendor)
                mine.update({local[k]: v for k, v in self.account.credentials(vendor, local).items()})
        out = {}
        for line in env_lines(self.url):
            if line.startswith("export ") and "${" not in line:
                key, _, value = line.removeprefix("export ").partition("=")
                out[key] = mine.get(value, value)
        return out

    def _set(self, target: Any, name: str, value: Any) -> None:
        old = getattr(target, name)
        setattr(target, name, value)
        self._undo.append(lambda: setattr(target, name, old))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()

    # ---- DashScope ---------------------------------------------------------------------------------------

    def dashscope(self, api_key: str | None = None, fast_polling: bool = False) -> ModuleType:
        """The ``dashscope`` module with its base URLs and key set for this emulator (restored after the test);
        ``fast_polling`` removes the sleeps of ``wait()``."""
        import dashscope

        self._set(dashscope, "api_key", api_key or self.credentials("dashscope")["api_key"])
        self._set(dashscope, "base_http_api_url", f"{self.url}/api/v1")
        ws = self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        self._set(dashscope, "base_websocket_api_url", f"{ws}/api-ws/v1/inference")
        if fast_polling:
            self.fast_polling()
        return dashscope

    def fast_polling(self) -> None:
        """Remove the client-side sleeps of dashscope's ``wait()`` (1, 1, 2, 2, 2, 4 … s between polls), so a wait
        on an ``instant`` or ``polls:N`` job returns in milliseconds. The emulator's own clock is untouched."""
        fast_polling(self._set)

    def openai_client(self, api_key: str | None = None, **options: Any) -> Any:
        """An ``openai.OpenAI`` client on the emulator's OpenAI-compatible API (Qwen3-ASR), without retries unless
        asked (``max_retries=…``); closed after the test."""
        import openai

        client = openai.OpenAI(api_key=api_key or self.credentials("dashscope")["api_key"],
                               base_url=f"{self.url}/compatible-mode/v1", **{"max_retries": 0, **options})
        self._undo.append(client.close)
        return client

    @property
    def qwen_realtime_url(self) -> str:
        """The Qwen3-ASR realtime URL for ``OmniRealtimeConversation(url=…)`` (the SDK adds ``?model=``)."""
        return self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/api-ws/v1/realtime"

    # ---- Alibaba Cloud NLS and PAI-EAS -------------------------------------------------------------------

    def acs_client(self, access_key_id: str | None = None, secret: str | None = None,
                   region: str = "cn-shanghai") -> Any:
        """An ``aliyunsdkcore`` ``AcsClient``; give requests ``set_domain(handle.host)``."""
        from aliyunsdkcore.client import AcsClient

        local = self.credentials("nls")
        return AcsClient(access_key_id or local["access_key_id"], secret or local["access_key_secret"], region)

    def predict_client(self, service: str, token: str | None = None, **options: Any) -> Any:
        """An initialised ``eas_prediction.PredictClient`` for a service of the emulator."""
        from eas_prediction import PredictClient

        client = PredictClient(self.host, service)
        client.set_token(token or self.credentials("eas")["token"])
        for name, value in options.items():
            getattr(client, f"set_{name}")(value)
        client.init()
        self._undo.append(client.destroy)
        return client

    @property
    def nls_ws_url(self) -> str:
        """The realtime gateway's URL for ``nls.NlsSpeechTranscriber(url=…)`` and ``NlsSpeechRecognizer``."""
        return self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/ws/v1"

    def nls_token(self, access_key_id: str | None = None, secret: str | None = None) -> str:
        """A token from CreateToken, as ``nls.token.getToken`` fetches it (accepted by the gateway for 24 h of
        emulator time; locally, any non-empty token is accepted too, with a warning)."""
        import nls

        local = self.credentials("nls")
        token: str = nls.token.getToken(access_key_id or local["access_key_id"],
                                        secret or local["access_key_secret"], url=self.host)
        return token

    # ---- Tencent Cloud -----------------------------------------------------------------------------------

    def flash(self, audio: bytes, appid: str = "1250000000", secret_id: str | None = None,
              secret_key: str | None = None, **params: Any) -> dict[str, Any]:
        """Flash recognition signed as the vendor's speech SDK signs it (that SDK is not on PyPI): the answer as
        JSON (``code`` 0 and ``flash_result``, or a ``code`` from 4001 to 5003)."""
        import base64
        import hashlib
        import hmac
        import time
        from urllib.parse import quote

        local = self.credentials("tencent_asr")
        query = {"engine_type": "16k_zh", "voice_format": "wav", "secretid": secret_id or local["secret_id"],
                 "timestamp": str(int(time.time())), **{k: str(v) for k, v in params.items()}}
        text = f"POSTasr.cloud.tencent.com/asr/flash/v1/{appid}?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
        key = (secret_key or local["secret_key"]).encode()
        signature = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha1).digest()).decode()
        wire = "&".join(f"{k}={quote(query[k], safe='')}" for k in sorted(query))
        answer = self._http.post(f"{self.url}/asr/flash/v1/{appid}?{wire}", content=audio,
                                 headers={"Host": "asr.cloud.tencent.com", "Authorization": signature})
        body: dict[str, Any] = answer.json()
        return body

    def tencent_ws_url(self, appid: str = "1250000000", secret_id: str | None = None,
                       secret_key: str | None = None, **params: Any) -> str:
        """A realtime recognition URL (``ws://…/asr/v2/<appid>?…``) signed as the vendor's SDKs sign it: over the
        literal host ``asr.cloud.tencent.com``, the sorted decoded values. ``params`` add to or replace the
        defaults (``engine_model_type`` 16k_zh, ``voice_format`` 1, a new ``voice_id``, an hour's ``expired``)."""
        import base64
        import hashlib
        import hmac
        import time
        import uuid
        from urllib.parse import quote

        local = self.credentials("tencent_asr")
        now = int(time.time())
        query = {"secretid": secret_id or local["secret_id"], "timestamp": str(now), "expired": str(now + 3600),
                 "nonce": str(now % 10**9), "engine_model_type": "16k_zh", "voice_format": "1",
                 "voice_id": str(uuid.uuid4()), **{k: str(v) for k, v in params.items()}}
        text = f"asr.cloud.tencent.com/asr/v2/{appid}?" + "&".join(f"{k}={query[k]}" for k in sorted(query))
        key = (secret_key or local["secret_key"]).encode()
        signature = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha1).digest()).decode()
        wire = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(query.items()))
        base = self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return f"{base}/asr/v2/{appid}?{wire}&signature={quote(signature, safe='')}"

    def asr_client(self, secret_id: str | None = None, secret_key: str | None = None,
                   region: str = "ap-guangzhou") -> Any:
        """A ``tencentcloud`` ``AsrClient`` (API 3.0) with ``HttpProfile(protocol="http", endpoint=…)``."""
        from tencentcloud.asr.v20190614 import asr_client
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile

        local = self.credentials("tencent_asr")
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=self.host))
        return asr_client.AsrClient(credential.Credential(secret_id or local["secret_id"],
                                                          secret_key or local["secret_key"]), region, profile)

    def cos_client(self, secret_id: str | None = None, secret_key: str | None = None,
                   region: str = "ap-guangzhou") -> Any:
        """A ``qcloud_cos`` ``CosS3Client`` using the emulator as its HTTP proxy (requests keep their real hosts)."""
        from qcloud_cos import CosConfig, CosS3Client

        local = self.credentials("tencent_ci")
        return CosS3Client(CosConfig(Region=region, SecretId=secret_id or local["secret_id"],
                                     SecretKey=secret_key or local["secret_key"], Scheme="http",
                                     Proxies={"http": self.url}))

    def script_media(self, audio_or_url: bytes | Path | str, text: str, **extra: Any) -> str:
        """Say what the emulator hears in a medium and return the URL to submit: audio bytes or a file are
        uploaded to the emulator; a URL (which the emulator downloads when a job names it) is scripted as is."""
        if isinstance(audio_or_url, str):
            self.script(text, url=audio_or_url, **extra)
            return audio_or_url
        uploaded = self.upload(audio_or_url, text=text)
        if extra:
            self.script(text, sha256=uploaded["sha256"], **extra)
        url: str = uploaded["url"]
        return url

    # ---- test isolation ----------------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        """``X-Test-Id`` for this test, for clients that can send extra headers (journal and fault scoping)."""
        return {TEST_ID_HEADER: self.test_id} if self.test_id else {}

    def wait_for(self, check: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Poll ``check`` until it returns something truthy (callbacks, background deliveries)."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.01)


@cache
def defaults(vendor: str) -> dict[str, str]:
    """A vendor's local credentials, as its dialect declares them."""
    from emulator.app import Emulator
    from emulator.config import Settings

    return Emulator(Settings(load_fixtures=False)).dialect(vendor).default_credentials()


def fast_polling(set_attr: Callable[[Any, str, Any], None]) -> None:
    """Replace the ``time``/``asyncio`` modules the dashscope SDK's polling loops sleep through (the 1.x
    ``wait()`` and the 2.x client's ``transcribe``/``jobs.wait``) with ones whose ``sleep`` only yields."""
    import importlib

    for name in ("dashscope.client.base_api", "dashscope.v2.resources.audio.asr", "dashscope.v2.resources._jobs"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "time"):
            set_attr(module, "time", _Instant(time, lambda _s=0, *a, **k: time.sleep(0)))
        if hasattr(module, "asyncio"):
            set_attr(module, "asyncio", _Instant(asyncio, _yield))


__all__ = ["EmulatorHandle", "defaults", "fast_polling"]
