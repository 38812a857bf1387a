"""The COS request signature (``q-sign-algorithm=sha1``) that cos-python-sdk-v5 puts in ``Authorization`` — or in
the query string of a presigned URL — and that CI requests carry too (brief §A.4)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from emulator.inputs import same_secret

FIELDS = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list",
          "q-signature")


def enc(value: str) -> str:
    return quote(value.encode("utf-8"), safe="-_.~")


@dataclass(frozen=True)
class CosSignature:
    access_key: str
    sign_time: str
    key_time: str
    headers: tuple[str, ...]
    params: tuple[str, ...]
    signature: str

    @classmethod
    def parse(cls, fields: Mapping[str, str]) -> CosSignature | None:
        if any(name not in fields for name in FIELDS) or fields["q-sign-algorithm"] != "sha1":
            return None
        return cls(fields["q-ak"], fields["q-sign-time"], fields["q-key-time"],
                   tuple(h for h in fields["q-header-list"].split(";") if h),
                   tuple(p for p in fields["q-url-param-list"].split(";") if p), fields["q-signature"])

    @classmethod
    def from_header(cls, header: str) -> CosSignature | None:
        try:
            return cls.parse(dict(part.split("=", 1) for part in header.strip().split("&")))
        except ValueError:
            return None

    def window(self) -> tuple[int, int] | None:
        start, _, end = self.sign_time.partition(";")
        return (int(start), int(end)) if start.isdigit() and end.isdigit() else None


def http_string(method: str, path: str, params: Mapping[str, str], names: tuple[str, ...],
                headers: Mapping[str, str]) -> str:
    """``params``/``headers``: lower-cased names → decoded values."""
    http_params = "&".join(f"{p}={enc(params.get(p, ''))}" for p in sorted(names))
    return f"{method.lower()}\n{path}\n{http_params}\n" + "&".join(
        f"{h}={enc(headers.get(h, ''))}" for h in sorted(headers)) + "\n"


def sign(secret_key: str, key_time: str, sign_time: str, text: str) -> str:
    string_to_sign = f"sha1\n{sign_time}\n{hashlib.sha1(text.encode()).hexdigest()}\n"
    sign_key = hmac.new(secret_key.encode(), key_time.encode(), hashlib.sha1).hexdigest()
    return hmac.new(sign_key.encode(), string_to_sign.encode(), hashlib.sha1).hexdigest()


def authorization(secret_id: str, secret_key: str, method: str, path: str, params: Mapping[str, str], host: str,
                  now: float, seconds: int = 3600) -> str:
    """An ``Authorization`` value as the SDKs make it, over every query parameter and the host (``path`` decoded;
    ``params`` with lower-cased names)."""
    key_time = f"{int(now) - 60};{int(now) + seconds}"
    text = http_string(method, path, params, tuple(sorted(params)), {"host": host})
    return (f"q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={key_time}&q-key-time={key_time}"
            f"&q-header-list=host&q-url-param-list={';'.join(sorted(params))}"
            f"&q-signature={sign(secret_key, key_time, key_time, text)}")


def verify(sig: CosSignature, secret_key: str, method: str, path: str, params: Mapping[str, str],
           headers: Mapping[str, str]) -> bool:
    """``path`` percent-decoded; ``params`` and ``headers`` with lower-cased names. The signed host may be the Host
    header with or without its port, as the SDK signs it either way."""
    host = headers.get("host", "")
    for host_value in [host] + ([host.rsplit(":", 1)[0]] if ":" in host else []):
        signed = {h: (host_value if h == "host" else headers.get(h, "")) for h in sig.headers}
        text = http_string(method, path, params, sig.params, signed)
        if same_secret(sign(secret_key, sig.key_time, sig.sign_time, text), sig.signature):
            return True
    return False
