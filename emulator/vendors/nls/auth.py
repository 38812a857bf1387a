"""POP request signatures, verified the way the gateway does: RPC v1 (HMAC-SHA1 over the sorted query and form
parameters, ``aliyun-python-sdk-core``) and ACS3-HMAC-SHA256 (canonical request in headers, the Tea client)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from emulator.inputs import same_secret


@lru_cache(maxsize=4096)
def percent_encode(value: str) -> str:
    """RFC 3986 encoding of UTF-8 text: unreserved characters stay, space is ``%20``, ``*`` is ``%2A``."""
    return quote(value, safe="~")


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """``METHOD&%2F&<encoded canonical query>`` over every parameter but ``Signature``."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in sorted(params.items()) if k != "Signature")
    return f"{method.upper()}&%2F&{percent_encode(canonical)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Acs3:
    """The parts of an ``Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`` header."""

    algorithm: str
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str

    @classmethod
    def parse(cls, header: str) -> Acs3 | None:
        algorithm, _, rest = header.strip().partition(" ")
        fields: dict[str, str] = {}
        for part in rest.split(","):
            name, sep, value = part.strip().partition("=")
            if sep:
                fields[name] = value
        if not algorithm.startswith("ACS3-") or not {"Credential", "SignedHeaders", "Signature"} <= set(fields):
            return None
        signed = tuple(h for h in fields["SignedHeaders"].split(";") if h)
        return cls(algorithm, fields["Credential"], signed, fields["Signature"])


def acs3_canonical_request(method: str, path: str, query: Sequence[tuple[str, str]],
                           headers: Sequence[tuple[str, str]], signed_headers: Sequence[str],
                           payload_hash: str) -> str:
    """The canonical request the Tea client signs: query keys sorted (values encoded), the signed headers as
    ``name:value`` lines (several values of one name sorted and joined by commas), then the payload's hash."""
    canonical_query = "&".join(f"{k}={percent_encode(v)}" for k, v in sorted(dict(query).items()))
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value.strip())
    lines = "".join(f"{name}:{','.join(sorted(values.get(name, [])))}\n" for name in sorted(signed_headers))
    return f"{method.upper()}\n{path or '/'}\n{canonical_query}\n{lines}\n{';'.join(signed_headers)}\n{payload_hash}"


def acs3_signature(secret: str, canonical_request: str, algorithm: str = "ACS3-HMAC-SHA256") -> str:
    string_to_sign = f"{algorithm}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return same_secret(a, b)


def roa_string_to_sign(method: str, headers: Mapping[str, str], path: str, query: Sequence[tuple[str, str]]) -> str:
    """The ROA (2018-05-18) string to sign: method, Accept, Content-MD5, Content-Type and Date lines, the ``x-acs-*``
    headers lower-cased and sorted (``k:v``), then ``path?sorted-query`` (the realtime-and-sentence brief, §A.11)."""
    lower = {k.lower(): v for k, v in headers.items()}
    lines = [method.upper(), lower.get("accept", ""), lower.get("content-md5", ""), lower.get("content-type", ""),
             lower.get("date", "")]
    acs = "".join(f"{k}:{lower[k]}\n" for k in sorted(k for k in lower if k.startswith("x-acs-")))
    ordered = sorted(query)
    resource = path + ("?" + "&".join(f"{k}={v}" if v else k for k, v in ordered) if ordered else "")
    return "\n".join(lines) + "\n" + acs + resource


def roa_signature(secret: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA1(secret, string)) — the key is the secret itself, without RPC's trailing ``&``."""
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
