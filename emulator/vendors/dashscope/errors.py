"""DashScope's error: a catalogue code with its status and message."""

from __future__ import annotations

from emulator.vendors.base import VendorError
from emulator.vendors.dashscope import catalogue as cat


class DashScopeError(VendorError):
    def __init__(self, code: str, message: str | None = None, status: int | None = None) -> None:
        default_status, default_message = cat.ERRORS.get(code, (400, code))
        super().__init__(code, message or default_message, status or default_status)


__all__ = ["DashScopeError"]
