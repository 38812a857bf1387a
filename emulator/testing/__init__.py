"""Test tooling: a live emulator on a free port and a client for its control plane."""

from emulator.testing.account import Account
from emulator.testing.client import ControlClient
from emulator.testing.server import LiveServer, ServerProcess

__all__ = ["Account", "ControlClient", "LiveServer", "ServerProcess"]
