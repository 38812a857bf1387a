"""The PAI-EAS gateway's reading of a request: its plain-text error, the processor's ``input`` and the ``EAS``
HMAC signature that ``eas-prediction`` sends."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from dataclasses import dataclass

from emulator.inputs import BadInput, parse_json
from emulator.vendors.base import VendorError
from emulator.vendors.eas import catalogue as cat


class EasError(VendorError):
    """An answer other than 200: an HTTP status and its plain-text body."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(str(status), message or cat.STATUS_BODIES.get(status, "Error"), status)


@dataclass(frozen=True)
class Input:
    url: str
    play_us: int | None


def parse_input(body: bytes) -> Input:
    """The processor's reading of ``{"input": {"url": …, "play_duration": …}}``; other fields are ignored."""
    try:
        payload = parse_json(body)
    except BadInput as exc:
        raise EasError(cat.BAD_REQUEST, f"invalid request: the body is not JSON ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("input"), dict):
        raise EasError(cat.BAD_REQUEST, "invalid request: the body must be {\"input\": {\"url\": ...}}")
    data = payload["input"]
    url = data.get("url")
    if url is None:
        raise EasError(cat.BAD_REQUEST, "invalid request: input.url is required")
    if not isinstance(url, str) or not url.strip():
        raise EasError(cat.BAD_REQUEST, "invalid request: input.url must be a non-empty string")
    raw = data.get("play_duration")
    if raw is None or raw == "":
        return Input(url.strip(), None)
    value: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw) if not isinstance(raw, int) or abs(raw) < 10**18 else float("inf")
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except (ValueError, OverflowError):
            value = None
    if value is None or not math.isfinite(value) or value <= 0:
        raise EasError(cat.BAD_REQUEST, "invalid request: input.play_duration must be a positive number of "
                                        f"microseconds, got {raw!r}")
    return Input(url.strip(), int(min(value, 1e15)))


def eas_signature(token: str, string_to_sign: str) -> str:
    digest = hmac.new(token.encode(), string_to_sign.strip().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def string_to_sign(method: str, body: bytes, content_type: str, date: str, resource: str) -> str:
    return f"{method}\n{hashlib.md5(body).hexdigest()}\n{content_type}\n{date}\n{resource}"


def well_formed_signature(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 20
    except (binascii.Error, ValueError):
        return False


__all__ = ["EasError", "Input", "eas_signature", "parse_input", "string_to_sign", "well_formed_signature"]
