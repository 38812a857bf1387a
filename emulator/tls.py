"""The local certificate authority: for SDKs that insist on ``https`` to the vendor's own host.

On first use it makes a CA (an EC P-256 key and a self-signed certificate, ten years) in a folder of the user's —
``ASR_EMULATOR_CA_DIR``, else ``$XDG_DATA_HOME/asr-emulator/ca`` (``~/.local/share/asr-emulator/ca``) — with the key
readable by its owner only. A user who trusts ``ca.pem`` (``NODE_EXTRA_CA_CERTS``, ``REQUESTS_CA_BUNDLE``,
``SSL_CERT_FILE``…) can then reach the emulator as ``https://<vendor host>``: through it as a proxy (``CONNECT
host:443``) or directly with ``serve --tls``. Each host gets a certificate of its own, made when first asked for
(by the CONNECT line or the client's SNI) and kept in memory; the key never leaves the folder. Certificates are made
with ``cryptography``; nothing here parses or writes ASN.1 by hand.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
import threading
from pathlib import Path

CA_FILE = "ca.pem"
KEY_FILE = "ca-key.pem"
CA_NAME = "asr-emulator local CA"
DEFAULT_HOST = "localhost"
_MAX_HOSTS = 4096                  # certificates kept in memory; beyond this the oldest are made again when asked


def ca_dir() -> Path:
    given = os.environ.get("ASR_EMULATOR_CA_DIR")
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "asr-emulator" / "ca"


class LocalCA:
    """``LocalCA(folder)``: ``cert_path`` (the PEM users trust), ``context(host)`` (a server-side SSL context for
    ``host``, switching by SNI to the host a client names)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or ca_dir()
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._key: object = None
        self._cert: object = None
        self._leaf_key: object = None

    @property
    def cert_path(self) -> Path:
        return self.folder / CA_FILE

    def ensure(self) -> Path:
        """Make the CA when the folder has none; the certificate's path."""
        with self._lock:
            self._load()
        return self.cert_path

    def pem(self) -> str:
        return self.ensure().read_text("ascii")

    def _load(self) -> None:
        if self._cert is not None:
            return
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        cert_file, key_file = self.folder / CA_FILE, self.folder / KEY_FILE
        if cert_file.exists() and key_file.exists():
            self._cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
            self._key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        else:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                              x509.NameAttribute(NameOID.ORGANIZATION_NAME, "asr-emulator")])
            now = datetime.datetime.now(datetime.UTC)
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(days=1))
                    .not_valid_after(now + datetime.timedelta(days=3650))
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                 content_commitment=False, key_encipherment=False,
                                                 data_encipherment=False, key_agreement=False,
                                                 encipher_only=False, decipher_only=False), critical=True)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                    .sign(key, hashes.SHA256()))
            _write(key_file, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()), 0o600)
            _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o644)
            self._cert, self._key = cert, key
        self._leaf_key = ec.generate_private_key(ec.SECP256R1())     # one key, in memory, for every host

    def context(self, host: str = DEFAULT_HOST) -> ssl.SSLContext:
        """A server-side context presenting a certificate for ``host``; a client naming another host by SNI gets
        one for that host."""
        host = _bare(host) or DEFAULT_HOST
        with self._lock:
            found = self._contexts.get(host)
            if found is not None:
                return found
            self._load()
            if len(self._contexts) >= _MAX_HOSTS:
                self._contexts.clear()
            made = self._contexts[host] = self._make(host)
            return made

    def _make(self, host: str) -> ssl.SSLContext:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        now = datetime.datetime.now(datetime.UTC)
        try:
            alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
        except ValueError:
            alt = x509.DNSName(host)
        ca_cert: x509.Certificate = self._cert  # type: ignore[assignment]
        leaf_key = self._leaf_key
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
                .issuer_name(ca_cert.subject).public_key(leaf_key.public_key())  # type: ignore[attr-defined]
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=365))
                .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    ca_cert.public_key()), critical=False)  # type: ignore[arg-type]
                .sign(self._key, hashes.SHA256()))  # type: ignore[arg-type]
        chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
        key = leaf_key.private_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                                     serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.set_alpn_protocols(["http/1.1"])
        # ssl loads a certificate and key from files only: a private temporary file, removed at once
        with tempfile.TemporaryDirectory(prefix="asr-emulator-tls-") as scratch:
            path = Path(scratch) / "leaf.pem"
            _write(path, key + chain, 0o600)
            ctx.load_cert_chain(path)
        ctx.sni_callback = self._sni
        return ctx

    def _sni(self, sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        if name:
            sock.context = self.context(name)


def _bare(host: str) -> str:
    """``host:port`` or ``[v6]:port`` → the host."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, mode)


_shared: LocalCA | None = None
_shared_lock = threading.Lock()


def local_ca() -> LocalCA:
    """The process's CA, in the folder the environment names (made on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.folder != ca_dir():
            _shared = LocalCA()
        return _shared


__all__ = ["LocalCA", "ca_dir", "local_ca"]
