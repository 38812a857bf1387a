"""Alibaba Cloud PAI-EAS model services for the nine PAI Model Hub speech models, with the queue service."""

from emulator.vendors.eas.routes import VENDOR, Eas
from emulator.vendors.eas.services import Service, parse_service

__all__ = ["VENDOR", "Eas", "Service", "parse_service"]
