"""Tencent Cloud ASR API 3.0 through tencentcloud-sdk-nodejs-asr: every signature and method, the endpoint set to
the emulator, and the SDK's proxy option (a CONNECT tunnel, plain or TLS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract_tests.conftest import ca_file
from contract_tests.node.conftest import TENCENT, scenario
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
SCRIPT = "Hello world. This is a test of the speech emulator."


def check(out: dict[str, Any]) -> None:
    assert out["status"] == "success"
    assert [line.split("]  ")[1] for line in out["result"].splitlines()] == ["Hello world.",
                                                                            "This is a test of the speech emulator."]
    assert out["words"] == [["智聆", 10], ["滨海大厦", 11]]          # WordWeights.0.Word… over GET and the forms
    assert out["updated"] == [["腾讯云", 100]]
    assert (out["listedWithTags"], out["listed"]) == (0, 1)
    assert out["sentence"] == SCRIPT
    assert out["deleted"]["error"]["code"] == "InvalidParameterValue.InvalidVocabId"
    assert out["badEngine"]["error"]["code"] == "InvalidParameterValue.ErrorInvalidEngservice"
    assert out["unknownTask"]["error"]["code"] == "FailedOperation.NoSuchTask"


@pytest.mark.parametrize("variant", ["tc3", "tc3-get", "hmacsha1", "hmacsha256", "hmacsha256-get"])
def test_every_signature_and_method_with_the_endpoint_set(emulator: ControlClient, variant: str) -> None:
    out = scenario("tencent_asr", emulator.url, SCENARIO=variant, **TENCENT)
    check(out)
    # an undeclared parameter (the Node.js SDK sends what it is given): ignored, with the leniency warning
    assert out["undeclared"]["ok"]["Data"]["StatusStr"] == "success"
    rules = {(w["vendor"], w["rule"]) for w in emulator.warnings()["accepted"]}
    assert ("tencent_asr", "unknown_parameter") in rules
    assert (("tencent_asr", "endpoint_address") in rules) == variant.startswith("tc3")   # the scope's "127"


def test_the_endpoint_address_is_refused_in_strict_mode(emulator: ControlClient) -> None:
    emulator.settings(strict=True)
    out = scenario("tencent_asr", emulator.url, SCENARIO="tc3", ONLY_CREATE="1", **TENCENT)
    assert out["created"]["error"]["code"] == "AuthFailure.InvalidAuthorization"


@pytest.mark.parametrize("protocol", ["http://", "https://"])
def test_through_the_sdks_proxy_option(emulator: ControlClient, ca_dir: Path, protocol: str) -> None:
    """httpProfile.proxy: the SDK's agent opens a CONNECT tunnel to asr.tencentcloudapi.com (port 80 even for
    http://); for https:// the emulator presents a certificate from its local CA, trusted via NODE_EXTRA_CA_CERTS."""
    out = scenario("tencent_asr", emulator.url, SCENARIO="tc3", PROXY="1", PROTOCOL=protocol,
                   NODE_EXTRA_CA_CERTS=ca_file(ca_dir), **TENCENT)
    check(out)
    # the requests reached the emulator addressed to the vendor's own host, signed for it: no leniency needed
    rules = {(w["vendor"], w["rule"]) for w in emulator.warnings()["accepted"]}
    assert ("tencent_asr", "endpoint_address") not in rules


def test_https_without_trusting_the_ca_fails_as_tls_should(emulator: ControlClient) -> None:
    out = scenario("tencent_asr", emulator.url, SCENARIO="tc3", PROXY="1", PROTOCOL="https://", ONLY_CREATE="1",
                   NODE_EXTRA_CA_CERTS="", **TENCENT)
    assert "certificate" in out["created"]["error"]["message"]
