"""DashScope (Alibaba Cloud Model Studio) speech recognition: file transcription over HTTP."""

from emulator.vendors.dashscope.routes import VENDOR, DashScope

__all__ = ["VENDOR", "DashScope"]
