"""Both HTTP implementations (httptools, the default, and h11) keep the emulator's guards: slow request headers are
cut off (slowloris) while normal requests and keep-alive are unaffected, CONNECT tunnels (plain and TLS), raw UTF-8
in a request line, and response header names in the application's case."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Settings
from emulator.protocol import GuardedH11Protocol, GuardedHttpToolsProtocol
from emulator.testing import LiveServer

IMPLEMENTATIONS = ["httptools", "h11"]


@pytest.mark.parametrize("http", IMPLEMENTATIONS)
def test_headers_sent_a_byte_at_a_time_are_cut_off(monkeypatch: pytest.MonkeyPatch, http: str) -> None:
    monkeypatch.setattr(GuardedH11Protocol, "header_timeout", 0.5)
    monkeypatch.setattr(GuardedHttpToolsProtocol, "header_timeout", 0.5)
    with LiveServer(Settings(load_fixtures=False, http=http)) as server:
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


@pytest.fixture(scope="module", params=IMPLEMENTATIONS)
def live(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with LiveServer(Settings(load_fixtures=False, http=request.param)) as server:
        yield server


def test_header_names_leave_in_the_applications_case(live: LiveServer) -> None:
    """cos-python-sdk-v5 reads ``Content-Type`` by exact case: names are written as the dialect gives them, on
    either implementation (httptools lower-cases them unless told otherwise)."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"GET /?max-keys=1 HTTP/1.1\r\nHost: examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
                     b"\r\nConnection: close\r\n\r\n")
        head = _read_all(sock).split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n")[1:]]
    assert b"Content-Type" in names and b"Content-Length" in names and b"x-cos-request-id" in names, head
    assert b"content-type" not in names


def test_raw_utf8_in_a_request_line_reaches_the_application(live: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall("GET /_emulator/health?x=你好 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        assert _read_all(sock).startswith(b"HTTP/1.1 200 ")


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


def test_a_request_sent_with_the_tls_finished_message_is_answered_over_tls(live: LiveServer, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Node.js sends its first request in the same packet as its TLS Finished message. asyncio's loop (the plugin's,
    and serve's by default) hands the decrypted request to the protocol before ``start_tls`` returns: it must still
    be answered through TLS, not written in plain text on the raw socket (the client reports a wrong TLS version)."""
    import ssl

    from emulator.tls import local_ca

    monkeypatch.setenv("ASR_EMULATOR_CA_DIR", str(tmp_path))
    ca = local_ca().ensure()
    host = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
    sock, answer = _tunnel(live.port, f"CONNECT {host}:443 HTTP/1.1\r\n\r\n".encode())
    assert answer == b"HTTP/1.1 200 Connection established\r\n\r\n"
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context(cafile=str(ca)).wrap_bio(incoming, outgoing, server_hostname=host)
    while True:                                      # the handshake, by hand, up to the client's Finished
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if outgoing.pending:
                sock.sendall(outgoing.read())
            incoming.write(sock.recv(65536))
    tls.write(b"GET /_emulator/health HTTP/1.1\r\nHost: " + host.encode() + b"\r\nConnection: close\r\n\r\n")
    sock.sendall(outgoing.read())                    # Finished and the request: one write, as Node.js sends them
    with sock:
        raw = _read_all(sock)
    assert not raw.startswith(b"HTTP/") and b"HTTP/1.1 200" not in raw      # nothing in plain text
    incoming.write(raw)
    incoming.write_eof()
    reply = b""
    while True:
        try:
            chunk = tls.read(65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        if not chunk:
            break
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200") and b'"status":"ok"' in reply


def test_answers_leave_without_waiting_for_the_clients_acknowledgement(live: LiveServer) -> None:
    """uvicorn writes an answer's head and body separately: with Nagle's algorithm on, the body waited for the
    client's delayed acknowledgement of the head — 40 ms on every answer of the plugin's servers (asyncio). Every
    connection the emulator accepts has TCP_NODELAY."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        connections = list(live._server.server_state.connections)
        assert connections
        for protocol in connections:
            accepted = protocol.transport.get_extra_info("socket")
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
