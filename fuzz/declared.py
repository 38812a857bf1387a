"""Fuzzing derived from the declarations: for every operation whose input is declared (``Doc.check`` parts and
WebSocket ``Doc.messages``), a valid request is drawn from its JSON Schemas, then **one** field is broken — turned
into every other JSON type, pushed out of range or made huge, emptied or oversized, removed when required, joined by
an unknown sibling, or wrapped in the wrong nesting — and the request is addressed and signed the way the vendor's
clients do, after the mutation, so that the mutation reaches the check and the handler. A new declared operation is
fuzzed without new fuzz code: only how a vendor addresses an operation (``ADDRESS``) is written per vendor.

Every case is drawn from ``random.Random(f"{seed}:{vendor}:declared:{index}")``; signing happens when the case is
sent (it needs the emulator's clock), so a case itself is the same for the same seed and index.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from emulator.vendors.nls import catalogue as nls_cat
from emulator.vendors.tencent import catalogue as tencent_cat
from fuzz import MAGIC, TENCENT_ID, Case, header, weird_text

Json = Any
MAX_STRING = 40
TENCENT_KEY = tencent_cat.DEFAULT_SECRET_KEY
NLS_KEY = next(iter(nls_cat.DEFAULT_ACCESS_KEYS.items()))          # (AccessKey ID, secret)


# ---- valid values from a schema -----------------------------------------------------------------------------------

def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        elif key == "required":
            out[key] = sorted({*out.get(key, []), *value})
        else:
            out[key] = value
    return out


def valid(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> Json:
    """A value that matches ``schema`` (the subset the declarations use), leaning on examples and enums; of an
    ``if``/``then``/``else``, the ``else`` branch (the examples are chosen for it)."""
    if isinstance(schema.get("else"), dict):
        schema = _merged({k: v for k, v in schema.items() if k not in ("if", "then", "else")}, schema["else"])
    if "x-json" in schema:
        return json.dumps(valid(schema["x-json"], rng, depth + 1), ensure_ascii=False)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = rng.choice([k for k in kind if k != "null"] or ["null"])
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        out = {}
        for name, sub in props.items():
            if name in required or (depth < 4 and rng.random() < 0.5):
                out[name] = valid(sub, rng, depth + 1)
        return out
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 3), low + 3)
        return [valid(items, rng, depth + 1) for _ in range(rng.randint(low, max(low, high)))]
    if kind == "integer":
        low = schema.get("minimum", 0)
        high = schema.get("maximum", low + 1000)
        return rng.randint(int(low), int(min(high, low + 10**6)))
    if kind == "number":
        low = schema.get("minimum", 0)
        high = schema.get("maximum", low + 1000)
        return round(rng.uniform(low, min(high, low + 10**6)), 3)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if schema.get("examples"):
        return rng.choice(schema["examples"])
    low = schema.get("minLength", 0)
    high = min(schema.get("maxLength", MAX_STRING), MAX_STRING)
    if rng.random() < 0.4:
        return f"{MAGIC}/a.wav?text=" + rng.choice(["hi", "你好"])
    return "".join(rng.choice("abcxyz019") for _ in range(rng.randint(low, max(low, high))))


# ---- one field broken -------------------------------------------------------------------------------------------

Place = tuple[tuple[Any, ...], dict[str, Any]]


def _paths(value: Json, schema: dict[str, Any], path: tuple[Any, ...] = ()) -> list[Place]:
    """Every place in ``value`` (with its schema) a mutation can go: each present field, each declared but absent
    one, each array item, the value itself."""
    out = [(path, schema)]
    if "x-json" in schema:
        schema = schema["x-json"]
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name, sub in props.items():
            out += _paths(value.get(name), sub, (*path, name)) if name in value else [((*path, name), sub)]
    elif isinstance(value, list) and value:
        items = schema.get("items", {})
        for i, item in enumerate(value[:3]):
            out += _paths(item, items if isinstance(items, dict) else {}, (*path, i))
    return out


def broken(schema: dict[str, Any], rng: random.Random) -> Json:
    """A value wrong in the ways a hostile client tries, for a field of ``schema``."""
    kinds = {"string": lambda: rng.choice(["", "x" * (schema.get("maxLength", 1000) + 1), weird_text(rng),
                                           "x" * 100_000]),
             "integer": lambda: rng.choice([schema.get("minimum", 0) - 1, schema.get("maximum", 2**31) + 1,
                                            10**30, -(10**30), 2**63, 1.5]),
             "number": lambda: rng.choice([1e308, -1e308, 10**400 if rng.random() < 0.1 else 1e300, -0.0]),
             "boolean": lambda: rng.choice([True, False, 0, 1, "true"]),
             "null": lambda: None,
             "array": lambda: rng.choice([[], [None], [[[]]], [weird_text(rng)] * 5000, list(range(200))]),
             "object": lambda: rng.choice([{}, {"": None}, {weird_text(rng)[:20]: [1, {"a": {}}]}])}
    return kinds[rng.choice(sorted(kinds))]()


def mutate_one(doc: Json, schema: dict[str, Any], rng: random.Random) -> tuple[Json, str]:
    """``doc`` with one field broken (and what was done, for the report)."""
    doc = copy.deepcopy(doc)
    path, field = rng.choice(_paths(doc, schema))
    how = rng.choice(["type", "type", "value", "remove", "unknown", "nesting", "value"])
    parent_path, last = path[:-1], (path[-1] if path else None)
    container = _get(doc, parent_path)
    if how == "unknown":
        target = _get(doc, path)
        if isinstance(target, dict):
            target[rng.choice(["Unknown", "x-extra", weird_text(rng)[:20] or "e"])] = broken({}, rng)
            return doc, f"unknown field in {_show(path)}"
        how = "type"
    if last is None:              # the whole value
        return broken(field, rng), "whole value"
    if how == "remove":
        if isinstance(container, dict):
            container.pop(last, None)
        return doc, f"removed {_show(path)}"
    if how == "nesting":
        new: Json = rng.choice([[_get(doc, path)], {"value": _get(doc, path)}])
    else:
        new = broken(field, rng)
    if isinstance(container, dict) or (isinstance(container, list) and isinstance(last, int) and last < len(container)):
        container[last] = new
    return doc, f"{how} at {_show(path)}"


def _get(doc: Json, path: tuple[Any, ...]) -> Json:
    for step in path:
        if isinstance(doc, dict) and isinstance(step, str):
            doc = doc.get(step)
        elif isinstance(doc, list) and isinstance(step, int) and step < len(doc):
            doc = doc[step]
        else:
            return None
    return doc


def _show(path: tuple[Any, ...]) -> str:
    return ".".join(map(str, path)) or "(root)"


# ---- addressing an operation, per vendor -------------------------------------------------------------------------

def _encode(value: Json) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return json.dumps(value).encode()


def _flatten(prefix: str, value: Json, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(f"{prefix}.{i}", v, out)
    else:
        out[prefix] = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def tencent_asr(op: Any, body: Json, rng: random.Random) -> Case:
    headers = [header("x-tc-action", op.action), header("x-tc-version", "2019-06-14"),
               header("host", "asr.tencentcloudapi.com")]
    if rng.random() < 0.2 and isinstance(body, dict):       # GET: the parameters flattened into the query, as text
        flat: dict[str, str] = {}
        _flatten("", body, flat)
        return Case("tencent_asr", "GET", "/", urlencode(flat, errors="surrogatepass").encode(), headers, sign="tc3")
    return Case("tencent_asr", "POST", "/", b"", [*headers, header("content-type", "application/json")],
                _encode(body), sign="tc3")


def nls(op: Any, body: Json, rng: random.Random) -> Case:
    params = {"Action": op.action, "Version": "2018-08-17", "Format": "JSON", "RegionId": "cn-shanghai"}
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()} if isinstance(body, dict) else {}
    host = header("host", "filetrans.cn-shanghai.aliyuncs.com")
    if rng.random() < 0.5:
        return Case("nls", "GET", "/", urlencode({**params, **form}, errors="surrogatepass").encode(), [host],
                    sign="pop")
    return Case("nls", "POST", "/", urlencode(params).encode(),
                [host, header("content-type", "application/x-www-form-urlencoded")],
                urlencode(form, errors="surrogatepass").encode(), sign="pop")


def dashscope(op: Any, parts: dict[str, Json], rng: random.Random) -> Case:
    headers = [header("authorization", "Bearer sk-asr-emulator-local"), header("content-type", "application/json")]
    given = parts.get("header")
    for name, value in (given if isinstance(given, dict) else {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        headers.append((name.encode("utf-8", "replace"), text.encode("utf-8", "replace")[:8192]))
    return Case("dashscope", op.methods[0], op.path, b"", headers, _encode(parts.get("body", {})))


def dashscope_socket(op: Any, message: Json, rng: random.Random) -> Case:
    finish = {"header": {"action": "finish-task", "task_id": "t"}, "payload": {"input": {}}}
    frames: list[Any] = [_encode(message).decode("utf-8", "replace"), b"\0" * 3200, json.dumps(finish)]
    return Case("dashscope_realtime", "WEBSOCKET", op.path, b"",
                [header("authorization", "Bearer sk-asr-emulator-local")], websocket=frames)


# ---- the declared operations --------------------------------------------------------------------------------------

def declared(app: Any) -> dict[str, list[tuple[Any, str, dict[str, Any]]]]:
    """Per vendor, every declared input: (operation, part or message name, schema)."""
    out: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {}
    for dialect in app.dialects:
        for op in dialect.operations():
            if op.doc is None:
                continue
            for part, schema in op.checks:
                out.setdefault(dialect.name, []).append((op, part, schema.schema))
            for name, message in op.message_checks.items():
                out.setdefault(f"{dialect.name}_realtime", []).append((op, name, message.schema))
    return out


def draw(app: Any, vendor: str, rng: random.Random) -> Case | None:
    """One case for ``vendor``: a declared operation, valid in every part but one broken field (10%: all valid)."""
    table = declared(app).get(vendor)
    if not table:
        return None
    op = rng.choice(sorted({id(o): o for o, _, _ in table}.values(), key=lambda o: (o.name, o.path)))
    mine = [(part, schema) for o, part, schema in table if o is op]
    values = {part: valid(schema, rng) for part, schema in mine}
    target, schema = rng.choice(mine)
    what = "valid"
    if rng.random() < 0.9:
        values[target], what = mutate_one(values[target], schema, rng)
    if vendor == "tencent_asr":
        case = tencent_asr(op, values["body"], rng)
    elif vendor == "nls":
        case = nls(op, values["body"], rng)
    elif vendor == "dashscope_realtime":
        case = dashscope_socket(op, values[target], rng)
    elif vendor == "dashscope":
        case = dashscope(op, values, rng)
    else:
        return None
    case.note = f"{op.name}: {what}"
    return case


def declared_case(app: Any, seed: int, vendor: str, index: int) -> Case | None:
    return draw(app, vendor, random.Random(f"{seed}:{vendor}:declared:{index}"))


# ---- signing, when sent -------------------------------------------------------------------------------------------

def sign(case: Case, now: float) -> Case:
    """The case signed as the vendor's SDK signs it, with the built-in credentials, at ``now``."""
    if case.sign == "tc3":
        from emulator.vendors.tencent.tc3 import canonical_request, signature, utc_date

        stamp = int(now)
        host = next(v for k, v in case.headers if k == b"host").decode()
        ctype = next((v.decode() for k, v in case.headers if k == b"content-type"), "")
        headers = {"content-type": ctype, "host": host}
        canonical = canonical_request(case.method, "/", case.query.decode(), headers, ("content-type", "host"),
                                      case.body)
        sig = signature(TENCENT_KEY, str(stamp), utc_date(stamp), "asr", canonical)
        auth = (f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{utc_date(stamp)}/asr/tc3_request, "
                f"SignedHeaders=content-type;host, Signature={sig}")
        case.headers = [*case.headers, header("x-tc-timestamp", str(stamp)), header("authorization", auth)]
    elif case.sign == "pop":
        from urllib.parse import parse_qsl

        from emulator.vendors.nls.auth import rpc_signature, rpc_string_to_sign

        akid, secret = NLS_KEY
        query = dict(parse_qsl(case.query.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                               errors="surrogateescape"))
        query.update({"AccessKeyId": akid, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
                      "SignatureNonce": hashlib.md5(case.query + case.body + str(now).encode()).hexdigest(),
                      "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})
        form = dict(parse_qsl(case.body.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                              errors="surrogateescape")) if case.body else {}
        try:
            query["Signature"] = rpc_signature(secret, rpc_string_to_sign(case.method, {**query, **form}))
        except UnicodeEncodeError:        # a lone surrogate cannot be signed: the case tests the refusal instead
            query["Signature"] = "unsignable"
        case.query = urlencode(query, errors="surrogateescape").encode()
    case.sign = None
    return case


ENVELOPES: dict[str, Callable[[int, bytes], bool]] = {
    "tencent_asr": lambda status, body: status == 200 and b'"Response"' in body,
    "nls": lambda status, body: body.startswith(b"{") and b'"RequestId"' in body,
    "dashscope": lambda status, body: body.startswith(b"{") and b'"request_id"' in body,
    "dashscope_realtime": lambda status, body: status == 101,
}

__all__ = ["ENVELOPES", "declared", "declared_case", "draw", "mutate_one", "sign", "valid"]
