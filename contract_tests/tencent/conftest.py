"""Tencent Cloud's SDKs as a user configures them against the live emulator: ``AsrClient`` with
``HttpProfile(protocol="http", endpoint=…)``, and ``CosS3Client``."""

from __future__ import annotations

from typing import Any

import pytest
from tencentcloud.asr.v20190614 import asr_client
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

from contract_tests.conftest import drop_proxies
from emulator.testing import ControlClient

SECRET_ID = "AKIDASREMULATOR000000000000000000000"
SECRET_KEY = "asr-emulator-tencent-secret-key"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both SDKs use requests, which honours proxy variables: keep the tests direct."""
    drop_proxies(monkeypatch)


def make_asr(emulator: ControlClient, secret_key: str = SECRET_KEY, **profile: str) -> asr_client.AsrClient:
    http = HttpProfile(protocol="http", endpoint=emulator.url.split("//", 1)[1], **profile)
    return asr_client.AsrClient(credential.Credential(SECRET_ID, secret_key), "ap-guangzhou",
                                ClientProfile(httpProfile=http))


@pytest.fixture
def asr(emulator: ControlClient) -> asr_client.AsrClient:
    emulator.lifecycle("polls:1")
    return make_asr(emulator)


BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"


def make_cos(emulator: ControlClient, secret_key: str = SECRET_KEY, **config: object) -> Any:
    """A CosS3Client sending through the emulator as an HTTP proxy (its most faithful mode: the real hosts)."""
    from qcloud_cos import CosConfig, CosS3Client

    options: dict[str, object] = {"Proxies": {"http": emulator.url}, **config}
    return CosS3Client(CosConfig(Region=REGION, SecretId=SECRET_ID, SecretKey=secret_key, Scheme="http",
                                 **options), retry=3)


@pytest.fixture
def cos(emulator: ControlClient) -> Any:
    emulator.lifecycle("polls:1")
    return make_cos(emulator)
