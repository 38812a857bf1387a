"""Declared input: each parameter an operation reads, declared once — its place (path, query, header, form or body),
JSON type, bounds, enum, required-ness and default — from which three things are derived:

- the API document (``emulator.openapi``: parameters and request bodies);
- the **check** the pipeline runs before the handler (``check_input``): values are typed from text where the vendor
  reads text (query, form, headers, and JSON fields marked ``x-text``), checked with a compiled JSON Schema validator
  (``jsonschema_rs``), and any failure becomes a ``Problem`` that the dialect turns into its own error
  (``Dialect.invalid``) — the handler gets typed, bounded values in ``call.input``;
- the **fuzzing** (``fuzz.declared``): valid requests drawn from the same schemas, then broken one field at a time.

Schema keywords the project adds (ignored by validators, read here and by the dialects):

- ``x-text``: the vendor accepts this number or boolean written as text (``"16000"``); typed before the check;
- ``x-error``: the vendor's own error code for a bad value of this field (e.g. Tencent's
  ``InvalidParameterValue.ErrorInvalidSourcetype``); the dialect decides how to use it;
- ``x-json``: a text parameter that holds a JSON document (NLS ``Task``): read with ``emulator.inputs.parse_json``
  and checked against this schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from emulator.inputs import BadInput, parse_json

J = dict[str, Any]
TEXT_PARTS = frozenset({"path", "query", "header", "form"})
MAX_INT_DIGITS = 19               # a whole number written as text: at most this many digits, and a 64-bit one
INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class Problem:
    """Why a request's input was refused, in terms a dialect can map to the vendor's error."""

    part: str                      # path, query, header, form, body or a WebSocket message's name
    path: tuple[str | int, ...]    # where the value is, inside its part
    kind: str                      # type, enum, minimum, maximum, required, unknown, length, items, pattern, json, …
    message: str                   # in plain words, fit for a vendor's error message
    schema: Mapping[str, Any]      # the schema of the field at fault (``x-error`` lives here)
    names: tuple[str, ...] = ()    # required: the missing names; unknown: the unexpected ones
    value: Any = None              # the value at fault (type, enum, range, length)

    @property
    def name(self) -> str:
        """The parameter at fault: the missing or unknown one, else the last name on the path."""
        if self.names:
            return self.names[0]
        return next((str(p) for p in reversed(self.path) if isinstance(p, str)), self.part)

    @property
    def dotted(self) -> str:
        out = ""
        for p in self.path:
            out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
        return out or self.part


class Invalid(Exception):
    """Input that does not match its declaration."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class Schema:
    """One JSON Schema compiled once: ``check`` types text where the schema says so, then validates."""

    def __init__(self, schema: J, part: str) -> None:
        self.schema = schema
        self.part = part
        self.checked = _parsed(schema)          # what is validated: embedded JSON documents as their own schema
        self.validator = jsonschema_rs.validator_for(self.checked)
        self.embedded = _mentions(schema, "x-json")
        self.typed = _mentions(schema, "x-text")            # some fields are typed from text wherever they come
        # text is typed only where something but a string is declared (a part of strings is checked as it is)
        self.not_text = _declares_other_than_text(schema)
        self.text_part = part in TEXT_PARTS
        self.integers = '"integer"' in json.dumps(self.checked)

    def check(self, value: Any, text: bool | None = None, drop_unknown: bool = False) -> Any:
        """``value`` typed and checked, or ``Invalid``. ``text``: every value arrived as text (overrides the part);
        ``drop_unknown``: properties the schema does not declare are removed rather than refused."""
        everything = self.text_part if text is None else text
        if self.typed or self.embedded or (everything and self.not_text):
            value = typed(self.schema, value, everything, (), self.part)
        while True:                  # each round drops undeclared names (the value shrinks) or ends
            try:
                error = None if self.validator.is_valid(value) else next(self.validator.iter_errors(value), None)
            except UnicodeEncodeError:
                raise Invalid(Problem(self.part, (), "type", "the value is not UTF-8 text", self.schema)) from None
            if error is None:     # JSON Schema counts 1.0 as an integer: the handler gets int
                return _whole(self.checked, value) if self.integers else value
            problem = _problem(self.checked, self.part, error)
            if drop_unknown and problem.kind == "unknown":
                value = _drop(value, problem.path, problem.names)
                continue
            raise Invalid(problem)


def object_of(properties: Mapping[str, J], required: Iterable[str] = (), extra: bool = True) -> J:
    """The JSON Schema of an object with these properties."""
    out: J = {"type": "object", "properties": dict(properties), "additionalProperties": extra}
    names = list(required)
    if names:
        out["required"] = names
    return out


# ---- typing text ---------------------------------------------------------------------------------------------------

def typed(schema: Mapping[str, Any], value: Any, text: bool, path: tuple[str | int, ...], part: str) -> Any:
    """``value`` with text turned into the number, boolean or JSON document its schema declares, where text is
    expected (``text``) or allowed (``x-text``); anything else is left for the validator to refuse."""
    if isinstance(value, str):
        if "x-json" in schema:
            try:
                return typed(schema["x-json"], parse_json(value), False, path, part)
            except BadInput as exc:
                raise Invalid(Problem(part, path, "json", f"{_where(part, path)} is not a JSON document: {exc}",
                                      schema)) from None
        if text or schema.get("x-text"):
            return _from_text(schema, value)
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        if not props:
            return value
        return {k: typed(props[k], v, text, (*path, k), part) if k in props else v for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return value
        return [typed(items, v, text, (*path, i), part) for i, v in enumerate(value)]
    return value


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    if "enum" in schema:
        return {"boolean" if isinstance(v, bool) else "integer" if isinstance(v, int) else
                "number" if isinstance(v, float) else "string" for v in schema["enum"]}
    return set()


def _from_text(schema: Mapping[str, Any], value: str) -> Any:
    kinds = _types(schema)
    if "string" in kinds:
        return value
    if "integer" in kinds:
        digits = value[1:] if value[:1] in "+-" else value
        if digits.isascii() and digits.isdigit() and len(digits) <= MAX_INT_DIGITS:
            whole = -int(digits) if value.startswith("-") else int(digits)
            if INT64[0] <= whole <= INT64[1]:
                return whole
    if "number" in kinds:
        try:
            number = float(value) if value.isascii() and len(value) <= 40 else math.nan
        except ValueError:
            number = math.nan
        if math.isfinite(number) and value.strip().lower() not in ("nan", "inf", "infinity", "-inf"):
            return int(number) if number.is_integer() and "integer" in kinds else number
    if "boolean" in kinds and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


# ---- problems ------------------------------------------------------------------------------------------------------

_KINDS = {"Type": "type", "Enum": "enum", "Constant": "enum", "Minimum": "minimum", "ExclusiveMinimum": "minimum",
          "Maximum": "maximum", "ExclusiveMaximum": "maximum", "Required": "required",
          "AdditionalProperties": "unknown", "MinLength": "length", "MaxLength": "length", "MinItems": "items",
          "MaxItems": "items", "Pattern": "pattern", "Format": "pattern", "AnyOf": "type", "OneOfNotValid": "type",
          "UniqueItems": "items", "MinProperties": "items", "MaxProperties": "items"}


def _problem(schema: J, part: str, error: Any) -> Problem:
    kind_name = type(error.kind).__name__
    kind = _KINDS.get(kind_name, "other")
    path = tuple(error.instance_path)
    keyword_path = list(error.schema_path)
    node: Any = schema
    for step in keyword_path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    field = node if isinstance(node, dict) else {}
    names: tuple[str, ...] = ()
    if kind == "required":
        names = (str(error.kind.property),)
        path = (*path, names[0])
        field = field.get("properties", {}).get(names[0], field)
        message = f"{_where(part, path)} is required"
    elif kind == "unknown":
        names = tuple(sorted(str(n) for n in error.kind.unexpected))
        message = f"{', '.join(_where(part, (*path, n)) for n in names)}: not a parameter of this operation"
    else:
        message = f"{_where(part, path)}: {_plain(kind, field, error)}"
    return Problem(part, path, kind, message, field, names,
                   error.instance if kind not in ("required", "unknown") else None)


def _plain(kind: str, field: Mapping[str, Any], error: Any) -> str:
    if kind == "type":
        return f"must be {type_words(field)}"
    if kind == "enum":
        allowed = field.get("enum", [field.get("const")])
        shown = ", ".join(map(_short, allowed[:12])) + (" …" if len(allowed) > 12 else "")
        return f"must be one of {shown}"
    if kind in ("minimum", "maximum"):
        low, high = field.get("minimum", field.get("exclusiveMinimum")), field.get("maximum",
                                                                                  field.get("exclusiveMaximum"))
        return f"must be in [{'' if low is None else low}, {'' if high is None else high}]"
    if kind == "length":
        return f"must be {field.get('minLength', 0)} to {field.get('maxLength', '…')} characters long"
    if kind == "items":
        return f"must hold {field.get('minItems', 0)} to {field.get('maxItems', '…')} items"
    return str(error.message)[:200]


def type_words(schema: Mapping[str, Any]) -> str:
    """The type a schema declares, in words ("an integer", "a string or null")."""
    kind = schema.get("type")
    if kind is None:
        return "one of the declared forms"
    words = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
             "array": "an array", "object": "an object", "null": "null"}
    return " or ".join(words.get(str(k), str(k)) for k in (kind if isinstance(kind, list) else [kind]))


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _where(part: str, path: tuple[str | int, ...]) -> str:
    if not path:
        return "the body" if part == "body" else part
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _drop(value: Any, path: tuple[str | int, ...], names: tuple[str, ...]) -> Any:
    if not path:
        return {k: v for k, v in value.items() if k not in names} if isinstance(value, dict) else value
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and isinstance(head, str) and head in value:
        return {**value, head: _drop(value[head], rest, names)}
    if isinstance(value, list) and isinstance(head, int) and 0 <= head < len(value):
        return [*value[:head], _drop(value[head], rest, names), *value[head + 1:]]
    return value


def _whole(schema: Any, value: Any) -> Any:
    """``value`` with the floats that stand where ``schema`` declares an integer made ``int`` (they are whole:
    the check passed). Only floats, objects and arrays are looked into; what holds no float comes back as it was."""
    if isinstance(value, float):
        return int(value) if isinstance(schema, dict) and "integer" in _types(schema) else value
    if not isinstance(schema, dict) or not isinstance(value, (dict, list)):
        return value
    branches = [b for b in (schema, schema.get("then"), schema.get("else")) if isinstance(b, dict)]
    if isinstance(value, dict):
        out = value
        for name, item in value.items():
            if not isinstance(item, (float, dict, list)):
                continue
            for branch in branches:
                sub = branch.get("properties", {}).get(name)
                if sub is not None:
                    new = _whole(sub, item)
                    if new is not item:
                        out = dict(out) if out is value else out
                        out[name] = item = new
        return out
    items = next((b["items"] for b in branches if isinstance(b.get("items"), dict)), None)
    if items is None or not any(isinstance(v, (float, dict, list)) for v in value):
        return value
    return [_whole(items, v) for v in value]


def _parsed(schema: Any) -> Any:
    """``schema`` with every ``x-json`` text replaced by the schema of the document it holds (checked once read)."""
    if isinstance(schema, dict):
        if "x-json" in schema:
            return _parsed(schema["x-json"])
        return {k: _parsed(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_parsed(v) for v in schema]
    return schema


_NOT_SCHEMAS = frozenset({"enum", "examples", "const", "required", "description", "x-error", "x-message", "pattern"})


def _declares_other_than_text(schema: Any) -> bool:
    """Whether a value of ``schema`` may be anything but text somewhere (a number, a boolean, an embedded
    document): only then is a part that arrives as text typed before the check."""
    if isinstance(schema, dict):
        kinds = _types(schema)
        if kinds - {"string", "object"} or "x-json" in schema:
            return True
        return any(_declares_other_than_text(v) for k, v in schema.items() if k not in _NOT_SCHEMAS)
    if isinstance(schema, list):
        return any(_declares_other_than_text(v) for v in schema)
    return False


def _mentions(schema: Any, key: str) -> bool:
    if isinstance(schema, dict):
        return key in schema or any(_mentions(v, key) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions(v, key) for v in schema)
    return False


__all__ = ["MAX_INT_DIGITS", "TEXT_PARTS", "Invalid", "Problem", "Schema", "object_of", "type_words", "typed"]
