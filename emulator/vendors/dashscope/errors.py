"""DashScope's error (a catalogue code with its status and message) and the JSON request body every API reads."""

from __future__ import annotations

from typing import Any

from emulator.inputs import BadInput, parse_json
from emulator.vendors.base import VendorError
from emulator.vendors.dashscope import catalogue as cat


class DashScopeError(VendorError):
    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        default_status, default_message = cat.ERRORS.get(code, (400, code))
        super().__init__(code, message or default_message, status or default_status)


def json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = parse_json(body)
    except BadInput as exc:
        raise DashScopeError("InvalidParameter", f"The request body cannot be read: {exc}.") from None
    if not isinstance(payload, dict):
        raise DashScopeError("InvalidParameter", "The request body must be a JSON object.")
    return payload


__all__ = ["DashScopeError", "json_object"]
