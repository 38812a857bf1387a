"""No secrets in logs."""

from __future__ import annotations

import logging

import pytest

from emulator import redact
from emulator.app import Emulator
from emulator.config import Settings
from tests.conftest import caller

SECRETS = ["asr-emulator-akid", "c2lnbmF0dXJl", "sk-abcdef123456", "AKIDxyz123", "tok-12345", "q-sig-0a1b2c"]


@pytest.mark.parametrize("line", [
    '127.0.0.1:5 - "GET /?Action=GetTaskResult&AccessKeyId=asr-emulator-akid&Signature=c2lnbmF0dXJl HTTP/1.1" 200',
    "headers: {'authorization': 'Bearer sk-abcdef123456', 'host': 'x'}",
    "Authorization: TC3-HMAC-SHA256 Credential=AKIDxyz123/2026-01-01/asr/tc3_request, Signature=q-sig-0a1b2c",
    "POST /api/predict/svc Authorization: EAS tok-12345",
    "GET /k?q-ak=AKIDxyz123&q-signature=q-sig-0a1b2c",
    "form SecretId=AKIDxyz123&Signature=c2lnbmF0dXJl",
])
def test_secrets_are_masked(line: str) -> None:
    masked = redact.redact(line)
    assert not any(secret in masked for secret in SECRETS), masked
    assert redact.MASK in masked


def test_access_and_error_records_are_masked() -> None:
    Emulator(Settings(load_fixtures=False))          # installs the filters
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, redact.Redacting) for f in access.filters)
    record = access.makeRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:1", "GET", "/?AccessKeyId=asr-emulator-akid&Signature=c2lnbmF0dXJl",
                                "1.1", 200), None)
    assert access.filter(record)
    assert 'GET /?AccessKeyId=***&Signature=***' in record.getMessage()
    # uvicorn's own access formatter (serve --log-level debug) unpacks the five arguments: they are kept
    from uvicorn.logging import AccessFormatter

    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(record)
    assert line == '127.0.0.1:1 - "GET /?AccessKeyId=***&Signature=*** HTTP/1.1" 200 OK', line
    try:
        raise RuntimeError("key sk-abcdef123456 was refused")
    except RuntimeError:
        import sys

        error = logging.getLogger("asr_emulator").makeRecord(
            "asr_emulator", logging.ERROR, __file__, 1, "while handling Authorization: Bearer sk-abcdef123456", (),
            sys.exc_info())
    assert logging.getLogger("asr_emulator").filter(error)
    text = logging.Formatter().format(error)
    assert "RuntimeError" in text and not any(secret in text for secret in SECRETS), text


def test_a_bug_on_a_signed_request_logs_no_secret(caplog: pytest.LogCaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    app = Emulator(Settings(load_fixtures=False))
    dialect = app.dialect("dashscope")

    async def broken(call: object) -> str:
        raise RuntimeError("refused sk-abcdef123456")

    monkeypatch.setattr(dialect, "authenticate", broken)
    with caplog.at_level(logging.ERROR, logger="asr_emulator"):
        caller(app)("GET", "/api/v1/tasks?api_key=sk-abcdef123456",
                    headers={"Authorization": "Bearer sk-abcdef123456"})
    assert "RuntimeError" in caplog.text and "sk-abcdef123456" not in caplog.text
