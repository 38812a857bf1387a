"""TC3-HMAC-SHA256, the Tencent Cloud API 3.0 signature, as the SDKs compute it (brief §B.4)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from emulator.vendors.tencent.catalogue import TC3_ALGORITHM


@dataclass(frozen=True)
class Authorization:
    algorithm: str
    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @classmethod
    def parse(cls, header: str) -> Authorization | None:
        algorithm, _, rest = header.strip().partition(" ")
        try:
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, date, service, terminator = fields["Credential"].split("/")
            signed = tuple(h.strip().lower() for h in fields["SignedHeaders"].split(";") if h.strip())
            signature = fields["Signature"].strip()
        except (KeyError, ValueError):
            return None
        if terminator != "tc3_request" or not signed or not secret_id:
            return None
        return cls(algorithm, secret_id, date, service, signed, signature)


def utc_date(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")


def canonical_request(method: str, path: str, query: str, headers: dict[str, str], signed: tuple[str, ...],
                      payload: bytes) -> str:
    canonical_headers = "".join(f"{name}:{headers.get(name, '')}\n" for name in signed)
    return "\n".join([method, path or "/", query, canonical_headers, ";".join(signed),
                      hashlib.sha256(payload).hexdigest()])


def signature(secret_key: str, timestamp: str, date: str, service: str, canonical: str) -> str:
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join([TC3_ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = mac(mac(mac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
