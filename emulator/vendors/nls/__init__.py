"""Alibaba Cloud NLS recording-file recognition (filetrans): the POP RPC API with its signatures and callbacks."""

from emulator.vendors.nls.routes import VENDOR, Nls, NlsSettings

__all__ = ["VENDOR", "Nls", "NlsSettings"]
