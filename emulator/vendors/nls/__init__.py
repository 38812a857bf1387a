"""Alibaba Cloud NLS: recording-file recognition (filetrans, the POP RPC API with its signatures and callbacks,
and CreateToken) and the gateway (realtime WebSocket and RESTful one-sentence recognition)."""

from emulator.vendors.nls.gateway import NlsGateway
from emulator.vendors.nls.routes import VENDOR, Nls, NlsSettings

__all__ = ["VENDOR", "Nls", "NlsGateway", "NlsSettings"]
