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

import base64
import copy
import hashlib
import io
import json
import random
import re
import time
import wave
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode
from xml.sax.saxutils import escape as xml_escape

from emulator.vendors.nls import catalogue as nls_cat
from emulator.vendors.tencent import catalogue as tencent_cat
from fuzz import MAGIC, TENCENT_ID, Case, header, weird_text

Json = Any
MAX_STRING = 40
TENCENT_KEY = tencent_cat.DEFAULT_SECRET_KEY


def _wav(seconds: float = 0.2, rate: int = 16000) -> bytes:
    """A short, silent 16-bit mono WAV: audio a valid request can carry."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))
    return out.getvalue()


WAV = _wav()
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
        for rule in schema.get("allOf", []):       # if/then rules: what a chosen value requires besides
            test, then = rule.get("if", {}).get("properties", {}), rule.get("then", {})
            if test and all(name in out and out[name] in sub.get("enum", [sub.get("const")])
                            for name, sub in test.items()):
                for name in then.get("required", []):
                    if name not in out and name in props:
                        out[name] = valid(props[name], rng, depth + 1)
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


def tencent_asr(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    body = values["body"]
    headers = [header("x-tc-action", op.action), header("x-tc-version", "2019-06-14"),
               header("host", "asr.tencentcloudapi.com")]
    if rng.random() < 0.2 and isinstance(body, dict):       # GET: the parameters flattened into the query, as text
        flat: dict[str, str] = {}
        _flatten("", body, flat)
        return Case("tencent_asr", "GET", "/", urlencode(flat, errors="surrogatepass").encode(), headers, sign="tc3")
    return Case("tencent_asr", "POST", "/", b"", [*headers, header("content-type", "application/json")],
                _encode(body), sign="tc3")


def nls(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    body = values["body"]
    params = {"Action": op.action, "Version": "2018-08-17", "Format": "JSON", "RegionId": "cn-shanghai"}
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()} if isinstance(body, dict) else {}
    host = header("host", "filetrans.cn-shanghai.aliyuncs.com")
    if rng.random() < 0.5:
        return Case("nls", "GET", "/", urlencode({**params, **form}, errors="surrogatepass").encode(), [host],
                    sign="pop")
    return Case("nls", "POST", "/", urlencode(params).encode(),
                [host, header("content-type", "application/x-www-form-urlencoded")],
                urlencode(form, errors="surrogatepass").encode(), sign="pop")


def _path(template: str, values: Json) -> str:
    """An operation's path template with its declared path parameters filled in (quoted)."""
    given = values if isinstance(values, dict) else {}
    return re.sub(r"{(\w+)(?::path)?}",
                  lambda m: quote(_text(given.get(m.group(1), "x")), safe="", errors="surrogatepass"), template)


def dashscope(op: Any, parts: dict[str, Json], target: str, rng: random.Random) -> Case:
    headers = [header("authorization", "Bearer sk-asr-emulator-local"), header("content-type", "application/json")]
    given = parts.get("header")
    for name, value in (given if isinstance(given, dict) else {}).items():
        text = value if isinstance(value, str) else json.dumps(value)
        headers.append((name.encode("utf-8", "replace"), text.encode("utf-8", "replace")[:8192]))
    method = op.methods[0]
    return Case("dashscope", method, _path(op.path, parts.get("path")),
                urlencode(_query(parts.get("query")), errors="surrogatepass").encode(), headers,
                _encode(parts["body"]) if "body" in parts else b"")


def dashscope_socket(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    message = values[target]
    finish = {"header": {"action": "finish-task", "task_id": "t"}, "payload": {"input": {}}}
    frames: list[Any] = [_encode(message).decode("utf-8", "replace"), b"\0" * 3200, json.dumps(finish)]
    return Case("dashscope_realtime", "WEBSOCKET", op.path, b"",
                [header("authorization", "Bearer sk-asr-emulator-local")], websocket=frames)


def _text(value: Json) -> str:
    """A value as a query carries it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)) or value is None:
        return "" if value is None else str(value)
    return json.dumps(value)


def _query(values: Json) -> dict[str, str]:
    return {str(k): _text(v) for k, v in values.items()} if isinstance(values, dict) else {}


def _appid(values: dict[str, Json]) -> str:
    path = values.get("path")
    appid = path.get("appid") if isinstance(path, dict) else None
    return quote(_text(appid) if appid is not None else "", safe="", errors="surrogatepass")


def tencent_flash(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    return Case("tencent_flash", "POST", f"{tencent_cat.FLASH_PATH}{_appid(values)}",
                urlencode(_query(values.get("query")), errors="surrogatepass").encode(),
                [header("host", tencent_cat.FLASH_HOST), header("content-type", "application/octet-stream")],
                rng.choice([WAV, WAV, b"", b"RIFF" + b"\0" * 60, b"\0" * 3200]), sign="flash")


def tencent_realtime(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    return Case("tencent_realtime", "WEBSOCKET", f"{tencent_cat.RT_PATH}{_appid(values)}",
                urlencode(_query(values.get("query")), errors="surrogatepass").encode(),
                [header("host", tencent_cat.RT_HOST)], sign="tencent_rt",
                websocket=[b"\0" * 3200, json.dumps({"type": "end"})])


def qwen_socket(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    event = values[target]
    if isinstance(event, dict):
        event = {"type": target, **event}
    append = {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\0" * 3200).decode()}
    frames: list[Any] = [_encode(event).decode("utf-8", "replace"), json.dumps(append),
                         json.dumps({"type": "session.finish"})]
    return Case("dashscope_realtime", "WEBSOCKET", op.path, b"model=qwen3-asr-flash-realtime",
                [header("authorization", "Bearer sk-asr-emulator-local")], websocket=frames)


EAS_TOKEN = header("authorization", "asr-emulator-eas-token")
# the method and place of each PAI-EAS operation (one path, told apart by method, service and query)
EAS_CALLS = {"predict": ("POST", "asr_general_express", ""), "sink": ("GET", "asr_general_express_async", "/sink"),
             "commit": ("PUT", "asr_general_express_async", "/sink"),
             "delete": ("DELETE", "asr_general_express_async", ""),
             "truncate": ("DELETE", "asr_general_express_async", "/sink"),
             "watch": ("WEBSOCKET", "asr_general_express_async", "/sink")}


def eas(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    method, service, suffix = EAS_CALLS[op.name]
    query = urlencode(_query(values.get("query")), errors="surrogatepass").encode()
    if op.name == "delete" and b"_trunc_=true" in query:
        query = query.replace(b"_trunc_=true", b"_trunc_=no")        # still the delete operation
    path = f"/api/predict/{service}{suffix}"
    if method == "WEBSOCKET":
        return Case("eas", method, path, query, [EAS_TOKEN], websocket=[])
    body = _encode(values["body"]) if "body" in values else b""
    return Case("eas", method, path, query, [EAS_TOKEN, header("content-type", "application/json")], body)


CI_HOSTS = {"ci": "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com",
            "cos": "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"}


def _xml_element(tag: str, value: Json) -> str:
    """``value`` as XML the way xmltodict reads it back: an object's fields as elements, a list as the element
    repeated, null empty, text escaped (a name that cannot be an element's becomes ``Unknown``)."""
    tag = tag if re.fullmatch(r"[A-Za-z_][\w.-]{0,63}", tag) else "Unknown"
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml_element(str(k), v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        return "".join(_xml_element(tag, v) for v in value) or f"<{tag}/>"
    return f"<{tag}>{xml_escape(_text(value))}</{tag}>"


def tencent_ci(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    method = next(m for m in op.methods if m != "HEAD")
    body = b""
    if "body" in values:
        root = op.doc.body[1].get("xml", {}).get("name", "Request")
        doc = values["body"]
        text = _xml_element(root, doc) if isinstance(doc, dict) else f"<{root}>{xml_escape(_text(doc))}</{root}>"
        body = ('<?xml version="1.0" encoding="utf-8"?>' + text).encode("utf-8", "surrogatepass")
    host = CI_HOSTS["ci" if op.host.startswith("<bucket>.ci.") else "cos"]
    query = _query(values.get("query"))
    sub = op.query.split("=")[0]
    if sub and not sub.startswith("<") and sub not in query:      # the sub-resource that names the operation
        query = {sub: "", **query}
    given = values.get("header")
    extra = {str(k).lower(): _text(v) for k, v in given.items()} if isinstance(given, dict) else {}
    headers = {"content-type": "application/xml", **extra}
    return Case("tencent_ci", method, _path(op.path, values.get("path")),
                urlencode(query, errors="surrogatepass").encode(),
                [header("host", host), *((k.encode("utf-8", "replace"), v.encode("utf-8", "replace")[:8192])
                                         for k, v in headers.items() if k != "host")], body, sign="cos")


def nls_rest(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    return Case("nls_gateway", "POST", nls_cat.REST_PATH,
                urlencode(_query(values.get("query")), errors="surrogatepass").encode(),
                [header("x-nls-token", "local-token"), header("content-type", "application/octet-stream")],
                rng.choice([WAV, WAV, b"", b"\0" * 3200]))


def nls_socket(op: Any, values: dict[str, Json], target: str, rng: random.Random) -> Case:
    start = values[target]
    head = start.get("header") if isinstance(start, dict) else None
    task = head.get("task_id", "") if isinstance(head, dict) else ""
    stop = {"header": {"namespace": "SpeechTranscriber", "name": "StopTranscription", "message_id": "1" * 32,
                       "task_id": task if isinstance(task, str) else ""}}
    frames: list[Any] = [_encode(start).decode("utf-8", "replace"), b"\0" * 3200, json.dumps(stop)]
    return Case("nls_gateway", "WEBSOCKET", nls_cat.WS_PATH, b"", [header("x-nls-token", "local-token")],
                websocket=frames)


# ---- the declared operations --------------------------------------------------------------------------------------

# the campaign (``python -m fuzz --vendor``) a dialect's declared operations are fuzzed in
CAMPAIGN = {"tencent_flash": "tencent_asr", "tencent_realtime": "tencent_asr", "nls_gateway": "nls"}
MESSAGES = {"dashscope": "dashscope_realtime"}     # and a dialect's WebSocket messages, where not in its campaign

Entry = tuple[str, Any, str, dict[str, Any]]      # (dialect, operation, part or message name, schema)


def declared(app: Any) -> dict[str, list[Entry]]:
    """Per campaign, every declared input: (dialect, operation, part or message name, schema)."""
    out: dict[str, list[Entry]] = {}
    for dialect in app.dialects:
        campaign = CAMPAIGN.get(dialect.name, dialect.name)
        for op in dialect.operations():
            if op.doc is None:
                continue
            for part, schema in op.checks:
                out.setdefault(campaign, []).append((dialect.name, op, part, schema.schema))
            for name, message in op.message_checks.items():
                out.setdefault(MESSAGES.get(dialect.name, campaign), []).append(
                    (dialect.name, op, name, message.schema))
    return out


def draw(app: Any, vendor: str, rng: random.Random) -> Case | None:
    """One case for ``vendor``: a declared operation, valid in every part but one broken field (10%: all valid)."""
    table = declared(app).get(vendor)
    if not table:
        return None
    dialect, op = rng.choice(sorted({id(o): (d, o) for d, o, _, _ in table}.values(),
                                    key=lambda e: (e[1].name, e[1].path)))
    mine = [(part, schema) for _, o, part, schema in table if o is op]
    values = {part: valid(schema, rng) for part, schema in mine}
    for part, fixed in SIGNED.get(dialect, {}).items():   # the credential, so that the check is reached
        if isinstance(values.get(part), dict):
            values[part] = _merged(values[part], fixed)
    target, schema = rng.choice(mine)
    what = "valid"
    if rng.random() < 0.9:
        values[target], what = mutate_one(values[target], schema, rng)
    address = (ADDRESS.get(f"{dialect}:{op.name}:message") or ADDRESS.get(f"{dialect}:message")
               if target in op.message_checks else ADDRESS.get(dialect))
    if address is None:
        return None
    case = address(op, values, target, rng)
    case.note = f"{op.name}: {what}" + (" (path)" if target == "path" and what != "valid" else "")
    return case


ADDRESS: dict[str, Callable[[Any, dict[str, Json], str, random.Random], Case]] = {
    "tencent_asr": tencent_asr, "nls": nls, "dashscope": dashscope, "dashscope:message": dashscope_socket,
    "tencent_flash": tencent_flash, "tencent_realtime": tencent_realtime, "nls_gateway": nls_rest,
    "nls_gateway:message": nls_socket, "dashscope:realtime:message": qwen_socket, "eas": eas,
    "tencent_ci": tencent_ci,
}
NOW = "@now"            # a time the case is signed at (replaced when sent)
# what a signed dialect's valid request carries so that its signature is checked and passes (a mutation may break it)
SIGNED: dict[str, dict[str, dict[str, Json]]] = {
    "tencent_flash": {"query": {"secretid": TENCENT_ID, "timestamp": NOW}},
    "tencent_realtime": {"query": {"secretid": TENCENT_ID, "timestamp": NOW, "expired": NOW + "+3600"}},
    "nls_gateway": {"start": {"header": {"namespace": "SpeechTranscriber", "name": "StartTranscription"}}},
}


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
    elif case.sign in ("flash", "tencent_rt"):
        from emulator.vendors.tencent import flash, realtime

        query = [(k, str(int(now) + (3600 if v.endswith("+3600") else 0)) if v.startswith(NOW) else v)
                 for k, v in parse_qsl(case.query.decode("utf-8", "surrogateescape"), keep_blank_values=True,
                                       errors="surrogateescape") if k != "signature" or case.sign == "flash"]
        appid = unquote(case.path.rsplit("/", 1)[-1])
        params = dict(query)
        text = (flash.string_to_sign(appid, params) if case.sign == "flash"
                else realtime.string_to_sign(appid, params))
        try:
            signature = flash.sign(TENCENT_KEY, text)
        except UnicodeEncodeError:        # a lone surrogate cannot be signed: the case tests the refusal instead
            signature = "unsignable"
        if case.sign == "flash":
            case.headers = [*case.headers, header("authorization", signature)]
        else:
            query.append(("signature", signature))
        case.query = urlencode(query, errors="surrogateescape").encode()
    elif case.sign == "cos":
        from emulator.vendors.tencent.cos_auth import authorization

        host = next(v for k, v in case.headers if k == b"host").decode()
        params = {k.lower(): v for k, v in parse_qsl(case.query.decode("utf-8", "surrogateescape"),
                                                      keep_blank_values=True, errors="surrogateescape")}
        try:
            auth = authorization(TENCENT_ID, TENCENT_KEY, case.method, unquote(case.path), params, host, now)
        except UnicodeEncodeError:        # a lone surrogate cannot be signed: the case tests the refusal instead
            auth = "q-sign-algorithm=sha1&q-signature=unsignable"
        case.headers = [*case.headers, header("authorization", auth)]
    elif case.sign == "pop":
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
    "eas": lambda status, body: status < 500,
    "tencent_ci": lambda status, body: status < 500 and (status < 300 or not body or body.startswith(b"<?xml")),
    "nls_gateway": lambda status, body: body.startswith(b'{"task_id"') or
    (status == 101 and body.startswith(b'{"header"')),
    "tencent_flash": lambda status, body: status == 200 and body.startswith(b"{") and b'"code"' in body,
    "tencent_realtime": lambda status, body: status == 101 and body.startswith(b'{"code"'),
}

__all__ = ["ADDRESS", "CAMPAIGN", "ENVELOPES", "declared", "declared_case", "draw", "mutate_one", "sign", "valid"]
