"""No secrets in logs: signatures, AccessKey ids, SecretIds, API keys, bearer and EAS tokens are masked in every
record of the emulator's and uvicorn's loggers (access lines carry query strings, tracebacks carry values)."""

from __future__ import annotations

import logging
import re

MASK = "***"
_PARAMS = re.compile(r"(?i)\b(Signature|AccessKeyId|SecretId|SecretKey|q-signature|q-ak|Token|api_key|AccessKeySecret|"
                     r"x-acs-signature-nonce|SignatureNonce)=([^&\s\"'<>]+)")
_SCHEMES = re.compile(r"(?i)\b(Bearer|EAS|TC3-HMAC-SHA256|ACS3-HMAC-SHA256)(\s+)[^\s\"']+")
_HEADERS = re.compile(r"(?i)(['\"]?(?:authorization|x-acs-signature|x-tc-signature)['\"]?\s*[:=,]\s*['\"]?)"
                      r"([^'\"\n]+)")
_KEYS = re.compile(r"\bsk-[A-Za-z0-9._-]{2,}")
LOGGERS = ("asr_emulator", "uvicorn", "uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    text = _PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _SCHEMES.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _HEADERS.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _KEYS.sub(f"sk-{MASK}", text)


class Redacting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            # each argument masked in place: formatters that read the arguments (uvicorn's access lines unpack
            # five) keep working
            record.msg = redact(str(record.msg))
            record.args = tuple(a if isinstance(a, (int, float)) or a is None else redact(str(a))
                                for a in record.args)
        else:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message or record.args:
                record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install() -> None:
    """Mask secrets in the records of the emulator's and uvicorn's loggers (once per process)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redacting) for f in logger.filters):
            logger.addFilter(Redacting())


__all__ = ["MASK", "Redacting", "install", "redact"]
