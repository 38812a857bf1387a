"""What a COS request asks for beside an object's bytes: its sub-resource (``?acl``, ``?tagging``, ``?uploads``…) and
the object headers COS keeps. Every request is sorted here first, so that no sub-resource is ever taken for another
operation: the ones the emulator keeps are answered, the others are refused as COS refuses what it does not do
(``501 NotImplemented``) — never by a PUT Object that would replace the object's bytes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.ci_common import CiError, listed
from emulator.vendors.tencent.cos_auth import FIELDS

# query parameters that are not a sub-resource: the signature in the query, the GET overrides, the listing's
# parameters, multipart's numbers (read with their sub-resource) and a version id (objects are not versioned here)
PLAIN_PARAMS = frozenset({*FIELDS, "x-cos-security-token", "versionid", "prefix", "delimiter", "encoding-type",
                          "marker", "max-keys", "key-marker", "upload-id-marker", "max-uploads", "max-parts",
                          "part-number-marker", "partnumber", "uploadid", "position",
                          *(f"response-{h}" for h in cat.COS_RESPONSE_HEADERS)})
OBJECT_SUBRESOURCES = frozenset({"acl", "tagging", "uploads", "uploadid"})
BUCKET_SUBRESOURCES = frozenset({"acl", "tagging", "uploads", "delete"})
# the object headers COS stores with an object and gives back on GET and HEAD (beside x-cos-meta-*)
STORED_HEADERS = ("cache-control", "content-disposition", "content-encoding", "content-language", "expires",
                  "x-cos-storage-class")
RESPONSE_OVERRIDES = {f"response-{h}": h for h in cat.COS_RESPONSE_HEADERS}
CANNED_ACLS = frozenset(cat.COS_CANNED_ACLS)
GRANT_HEADERS = cat.COS_GRANT_HEADERS
ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers"


def subresource(query: Mapping[str, str], bucket_level: bool) -> str | None:
    """The request's sub-resource: None for a plain object or bucket request; the name of a kept one; or
    ``"unsupported:<name>"`` for one the emulator does not keep."""
    names = [k.lower() for k in query]
    kept = BUCKET_SUBRESOURCES if bucket_level else OBJECT_SUBRESOURCES
    for name in names:
        if name in kept:
            return "uploads" if name == "uploadid" else name
    for name in names:
        if name not in PLAIN_PARAMS and not name.startswith("x-cos-"):
            return f"unsupported:{name}"
    return None


def not_implemented(name: str) -> CiError:
    return CiError("NotImplemented", f"The ?{name} sub-resource is not emulated.")


def stored_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """What an upload's headers leave on the object: x-cos-meta-* and COS's stored headers (names lower-case)."""
    out = {}
    for name, value in headers.items():
        lower = name.lower()
        if (lower.startswith("x-cos-meta-") or lower in STORED_HEADERS) and (value or lower.startswith("x-cos-meta-")):
            out[lower] = value             # an empty standard header (the Node.js SDK's copy sends one) is none
    return out


def check_meta(meta: Mapping[str, str]) -> None:
    size = sum(len(k) + len(v) for k, v in meta.items() if k.startswith("x-cos-meta-"))
    if size > cat.MAX_USER_META_BYTES:
        raise CiError("MetadataTooLarge", f"User metadata is {size} bytes; at most {cat.MAX_USER_META_BYTES}.")


# ---- ACL ----------------------------------------------------------------------------------------------------------

@dataclass
class Acl:
    canned: str = "default"
    grants: list[tuple[str, str]] = field(default_factory=list)     # (grantee uin or AllUsers, permission)


def acl_from_request(headers: Mapping[str, str], doc: dict[str, Any] | None, owner: str) -> Acl:
    """PUT ?acl: a canned ACL (x-cos-acl), grant headers (x-cos-grant-*: id="qcs::cam::uin/…"), or an
    AccessControlPolicy document (checked against ``cat.COS_ACL``)."""
    canned = headers.get("x-cos-acl", "")
    grants: list[tuple[str, str]] = []
    for header, permission in GRANT_HEADERS.items():
        for part in (p.strip() for p in headers.get(header, "").split(",") if p.strip()):
            grantee = part.split("=", 1)[-1].strip('"')
            grants.append((grantee, permission))
    for grant in listed(((doc or {}).get("AccessControlList") or {}).get("Grant")):
        grantee = grant["Grantee"]
        grants.append((grantee.get("URI") or grantee.get("ID") or "", grant["Permission"]))
    if canned and canned not in CANNED_ACLS:
        raise CiError("InvalidArgument", f"x-cos-acl is one of {', '.join(sorted(CANNED_ACLS))}")
    if not canned and not grants:
        raise CiError("InvalidArgument", "PUT ?acl needs x-cos-acl, x-cos-grant-* or an AccessControlPolicy body")
    return Acl(canned or "private", grants)


def acl_document(acl: Acl, owner: str) -> dict[str, Any]:
    uin = f"qcs::cam::uin/{owner}:uin/{owner}"
    grants: list[dict[str, Any]] = [{"Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                                 "@xsi:type": "CanonicalUser", "ID": uin, "DisplayName": uin},
                                     "Permission": "FULL_CONTROL"}]
    if acl.canned in ("public-read", "public-read-write"):
        for permission in ("READ", "WRITE") if acl.canned == "public-read-write" else ("READ",):
            grants.append({"Grantee": {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                       "@xsi:type": "Group", "URI": ALL_USERS}, "Permission": permission})
    for who, permission in acl.grants:
        kind = "Group" if who.startswith("http") else "CanonicalUser"
        grantee = {"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "@xsi:type": kind,
                   ("URI" if kind == "Group" else "ID"): who}
        grants.append({"Grantee": grantee, "Permission": permission})
    return {"Owner": {"ID": uin, "DisplayName": uin},
            "AccessControlList": {"Grant": grants if len(grants) > 1 else grants[0]}}


# ---- tagging ------------------------------------------------------------------------------------------------------

def tags_from_request(doc: dict[str, Any]) -> dict[str, str]:
    """The tags of a Tagging document checked against ``cat.COS_TAGGING``."""
    tags: dict[str, str] = {}
    for tag in listed((doc.get("TagSet") or {}).get("Tag")):
        key, value = tag["Key"], tag.get("Value") or ""
        if key in tags:
            raise CiError("InvalidTag", f"the tag key {key!r} is given twice")
        tags[key] = value
    if len(tags) > cat.MAX_TAGS:
        raise CiError("BadRequest", f"at most {cat.MAX_TAGS} tags")
    return tags


def tags_from_header(value: str) -> dict[str, str]:
    """``x-cos-tagging: k1=v1&k2=v2`` on PUT Object."""
    from urllib.parse import parse_qsl

    tags = dict(parse_qsl(value, keep_blank_values=True))
    if len(tags) > cat.MAX_TAGS:
        raise CiError("BadRequest", f"at most {cat.MAX_TAGS} tags")
    return tags


def tagging_document(tags: Mapping[str, str]) -> dict[str, Any]:
    listed = [{"Key": k, "Value": v} for k, v in tags.items()]
    return {"TagSet": {"Tag": listed} if listed else None}


__all__ = [
    "RESPONSE_OVERRIDES",
    "STORED_HEADERS",
    "Acl",
    "acl_document",
    "acl_from_request",
    "check_meta",
    "not_implemented",
    "stored_headers",
    "subresource",
    "tagging_document",
    "tags_from_header",
    "tags_from_request",
]
