"""CreateToken through the vendor's three clients — nls.token.getToken (POP RPC, aliyun-python-sdk-core), the ROA
CreateTokenRequest (aliyun-python-sdk-nls-cloud-meta) and the Tea client (alibabacloud-nls-cloud-meta20190228) —
and the token in the realtime gateway."""

from __future__ import annotations

import json

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient

from contract_tests.conftest import FIXTURES
from contract_tests.nls.conftest import AKID, SECRET, transcribe
from emulator.testing import ControlClient

pytestmark = [pytest.mark.sdk, pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]


def host(emulator: ControlClient) -> str:
    return emulator.url.split("//", 1)[1]


def test_get_token_and_use_it_in_strict_mode(emulator: ControlClient, ws_url: str) -> None:
    import nls

    token = nls.token.getToken(AKID, SECRET, url=host(emulator))
    assert isinstance(token, str) and len(token) == 32
    emulator.settings(strict=True)                      # only issued tokens work now
    events = transcribe(ws_url, FIXTURES.joinpath("hello_zh.wav").read_bytes(), token=token)
    assert events.named("error") == [] and len(events.named("completed")) == 1
    assert emulator.journal(vendor="nls", operation="CreateToken")[0]["status"] == 200


def test_an_expired_token(emulator: ControlClient, ws_url: str) -> None:
    import nls

    emulator.clock(mode="manual")
    emulator.settings(nls_gateway={"token_refusal": "task_failed"})      # told in a way the SDK reports
    token = nls.token.getToken(AKID, SECRET, url=host(emulator))
    emulator.clock(advance=24 * 3600 + 1)                # tokens live 24 h of emulator time here
    events = transcribe(ws_url, b"\0" * 3200, token=token, aformat="pcm")
    [error] = events.named("error")
    assert (error["header"]["status"], error["header"]["status_text"]) == (
        40000001, f"Gateway:ACCESS_DENIED:The token '{token}' has expired!")


def test_a_wrong_secret_is_the_pop_gateways_error(emulator: ControlClient) -> None:
    import nls

    with pytest.raises(ServerException) as err:
        nls.token.getToken(AKID, "not-the-secret", url=host(emulator))
    assert err.value.get_error_code() == "SignatureDoesNotMatch"


def test_the_roa_form(emulator: ControlClient) -> None:
    from aliyunsdknls_cloud_meta.request.v20180518.CreateTokenRequest import CreateTokenRequest

    request = CreateTokenRequest()
    request.set_endpoint(host(emulator))
    body = json.loads(AcsClient(AKID, SECRET, "cn-shanghai").do_action_with_exception(request))
    assert len(body["Token"]["Id"]) == 32 and body["Token"]["ExpireTime"] > 0
    with pytest.raises(ServerException) as err:
        AcsClient(AKID, "wrong", "cn-shanghai").do_action_with_exception(request)
    assert err.value.get_error_code() == "SignatureDoesNotMatch"


def test_the_tea_client(emulator: ControlClient) -> None:
    from alibabacloud_nls_cloud_meta20190228.client import Client
    from alibabacloud_tea_openapi.models import Config

    client = Client(Config(access_key_id=AKID, access_key_secret=SECRET, endpoint=host(emulator), protocol="http",
                           region_id="cn-shanghai"))
    response = client.create_token()
    assert response.status_code == 200 and len(response.body.token.id) == 32
    assert isinstance(response.body.token.expire_time, int)
