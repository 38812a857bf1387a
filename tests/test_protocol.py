"""Slow request headers are cut off (slowloris); normal requests and keep-alive are unaffected."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from emulator.config import Settings
from emulator.protocol import GuardedH11Protocol
from emulator.testing import LiveServer


def test_headers_sent_a_byte_at_a_time_are_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GuardedH11Protocol, "header_timeout", 0.5)
    with LiveServer(Settings(load_fixtures=False)) as server:
        with httpx.Client(trust_env=False) as client:          # keep-alive: two requests on one connection
            assert client.get(f"{server.url}/_emulator/health").status_code == 200
            time.sleep(0.7)
            assert client.get(f"{server.url}/_emulator/health").status_code == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            started = time.monotonic()
            closed = False
            for byte in b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.05)
                if time.monotonic() - started > 3:
                    break
            if not closed:
                sock.settimeout(2)
                closed = sock.recv(1024) == b""
            assert closed and time.monotonic() - started < 3
