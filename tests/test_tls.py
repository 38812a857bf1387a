"""The local certificate authority: made once, kept private, a certificate per host."""

from __future__ import annotations

import ssl
import stat
from pathlib import Path

from emulator.tls import LocalCA


def test_the_ca_is_made_once_with_a_private_key(tmp_path: Path) -> None:
    folder = tmp_path / "ca"
    ca = LocalCA(folder)
    path = ca.ensure()
    assert path == folder / "ca.pem" and "BEGIN CERTIFICATE" in ca.pem()
    assert stat.S_IMODE((folder / "ca-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    again = LocalCA(folder)
    assert again.pem() == ca.pem()                       # kept: users trust it once


def test_contexts_per_host_verify_against_the_ca(tmp_path: Path) -> None:
    import socket
    import threading

    ca = LocalCA(tmp_path)
    server_ctx = ca.context("nls-gateway-cn-shanghai.aliyuncs.com")
    assert ca.context("NLS-gateway-cn-shanghai.aliyuncs.com:443") is server_ctx
    client_ctx = ssl.create_default_context(cafile=str(ca.ensure()))
    left, right = socket.socketpair()
    names: list[str] = []

    def serve() -> None:
        with server_ctx.wrap_socket(right, server_side=True) as tls:
            names.append(tls.recv(5).decode())

    thread = threading.Thread(target=serve)
    thread.start()
    # a client naming another host by SNI gets that host's certificate
    with client_ctx.wrap_socket(left, server_hostname="dashscope.aliyuncs.com") as tls:
        assert tls.getpeercert()["subjectAltName"] == (("DNS", "dashscope.aliyuncs.com"),)
        tls.sendall(b"hello")
    thread.join(5)
    assert names == ["hello"]


def test_an_address_gets_an_ip_certificate(tmp_path: Path) -> None:
    from cryptography import x509

    ca = LocalCA(tmp_path)
    ctx = ca.context("127.0.0.1")
    assert ctx is ca.context("127.0.0.1:8443")
    cert = x509.load_pem_x509_certificate(ca.pem().encode())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
