"""Slow request headers are cut off (slowloris); normal requests and keep-alive are unaffected."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

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


def _tunnel(port: int, head: bytes) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(head)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return sock, answer


def _read_all(sock: socket.socket) -> bytes:
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(Settings(load_fixtures=False)) as server:
        yield server


def test_connect_to_a_vendor_host_tunnels_plain_http(live: LiveServer) -> None:
    sock, answer = _tunnel(live.port, b"CONNECT asr.tencentcloudapi.com:80 HTTP/1.1\r\nHost: asr.tencentcloudapi.com:80"
                                      b"\r\n\r\n")
    with sock:
        assert answer.startswith(b"HTTP/1.1 200 ")
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: asr.tencentcloudapi.com\r\nConnection: close\r\n\r\n")
        reply = _read_all(sock)
    assert reply.startswith(b"HTTP/1.1 200") and b'"status":"ok"' in reply


def test_connect_in_pieces_and_with_the_request_behind_it(live: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        for piece in (b"CONN", b"ECT media.asr-emulator.test:80 HTTP/1.1\r\n", b"\r\nGET /_emulator/health HTTP/1.1\r\n"
                      b"Host: media.asr-emulator.test\r\nConnection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.05)
        reply = _read_all(sock)
    assert reply.startswith(b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200")


@pytest.mark.parametrize(("head", "status"), [
    (b"CONNECT example.com:443 HTTP/1.1\r\n\r\n", b"403"),               # the emulator is no general proxy
    (b"CONNECT asr.tencentcloudapi.com HTTP/1.1\r\n\r\n", b"400"),       # no port
    (b"CONNECT :80 HTTP/1.1\r\n\r\n", b"400"),
    (b"CONNECT asr.tencentcloudapi.com:80 HTTP/1.1\r\nX: " + b"a" * 9000, b"400"),   # a head without end
])
def test_bad_or_foreign_connects_are_refused(live: LiveServer, head: bytes, status: bytes) -> None:
    sock, answer = _tunnel(live.port, head)
    with sock:
        assert answer.split(b" ", 2)[1] == status, answer
        rest = answer + _read_all(sock)                # then the connection ends
    assert b"connection: close" in rest and (status != b"403" or b"tunnels only to the vendors' hosts" in rest)


def test_connect_to_443_is_tls_with_a_certificate_from_the_local_ca(live: LiveServer, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    from emulator.tls import local_ca

    monkeypatch.setenv("ASR_EMULATOR_CA_DIR", str(tmp_path))
    ca = local_ca().ensure()
    sock, answer = _tunnel(live.port, b"CONNECT dashscope.aliyuncs.com:443 HTTP/1.1\r\n\r\n")
    assert answer == b"HTTP/1.1 200 Connection established\r\n\r\n"
    ctx = ssl.create_default_context(cafile=str(ca))
    with ctx.wrap_socket(sock, server_hostname="dashscope.aliyuncs.com") as tls:
        tls.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: dashscope.aliyuncs.com\r\nConnection: close\r\n\r\n")
        reply = _read_all(tls)
        assert tls.getpeercert()["subjectAltName"] == (("DNS", "dashscope.aliyuncs.com"),)
    assert reply.startswith(b"HTTP/1.1 200") and b'"status":"ok"' in reply
    sock, answer = _tunnel(live.port, b"CONNECT dashscope.aliyuncs.com:443 HTTP/1.1\r\n\r\n")
    with pytest.raises(ssl.SSLCertVerificationError), ssl.create_default_context().wrap_socket(
            sock, server_hostname="dashscope.aliyuncs.com"):
        pass                                                  # not trusted without the local CA
