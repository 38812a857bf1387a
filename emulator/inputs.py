"""Reading untrusted input without surprises: JSON that is valid, shallow enough and free of lone surrogates; whole
numbers that are plain ASCII digits of a bounded length; comparisons of secrets that accept any text. Every
dialect and the control plane read their input through these, and turn ``BadInput`` into their own error."""

from __future__ import annotations

import hmac
import json
import re
from typing import Any
from urllib.parse import urlsplit

MAX_DEPTH = 64          # deeper JSON documents are refused (no vendor document comes near it)
MAX_NUMBER_CHARS = 64   # a JSON number longer than this is refused (Python's own limit, 4,300 digits, raises late)
MAX_JSON_BYTES = 64 * 1024 * 1024   # a JSON document, at most (bodies are bounded tighter by their dialect)


class ControlError(Exception):
    """A control-plane request refused, with the HTTP status it is answered with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class BadInput(ValueError):
    """Input that cannot be read; the message says why, in words fit for a vendor's error message."""


def parse_json(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """A JSON document: UTF-8, at most ``MAX_JSON_BYTES``, no NaN/Infinity (nor numbers too large for a double),
    numbers of at most ``MAX_NUMBER_CHARS`` characters, no lone surrogates, nested at most ``max_depth`` deep. The
    one reader of every body and embedded JSON string; ``BadInput`` says what is wrong."""
    if len(data) > MAX_JSON_BYTES:
        raise BadInput(f"the JSON document is larger than {MAX_JSON_BYTES} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadInput(f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if _too_deep(text, max_depth):
        raise BadInput(f"the JSON document is nested more than {max_depth} levels deep")
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_int=_bounded_int, parse_float=_finite_float)
    except BadInput:
        raise
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise BadInput(f"the body is not valid JSON: {exc}") from None
    # a lone surrogate comes from a \\ud800-\\udfff escape (UTF-8 bytes cannot hold one; text given as str may):
    # the value is encoded again only when the text has such an escape
    try:
        if not isinstance(data, bytes):
            text.encode("utf-8")
        if _SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput("the JSON document holds a lone surrogate (an unpaired \\ud800-\\udfff escape)") from None
    return value


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadInput(f"a number in the JSON document has more than {MAX_NUMBER_CHARS} characters")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadInput(f"a number in the JSON document has more than {MAX_NUMBER_CHARS} characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadInput(f"the number {text} is too large")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _too_deep(text: str, max_depth: int) -> bool:
    """Whether brackets nest deeper than ``max_depth`` outside strings — a bound checked before parsing, at C speed
    where it can be: a document with fewer brackets than that cannot nest so deep; otherwise the strings are cut out
    and only the brackets counted."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    for ch in _NOT_BRACKETS.sub("", _STRINGS.sub("", text)):
        depth += 1 if ch in "[{" else -1
        if depth > max_depth:
            return True
    return False



def whole_number(text: str | None, digits: int = 18) -> int | None:
    """``text`` as a non-negative integer when it is ASCII digits only, at most ``digits`` long; else None."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > digits:
        return None
    return int(text)


def same_secret(a: str, b: str) -> bool:
    """A constant-time comparison that takes any text (``hmac.compare_digest`` refuses non-ASCII ``str``)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def http_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL with a host that parses (``http://[`` does not)."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host) and " " not in text


def printable(text: str, limit: int = 200) -> str:
    """``text`` fit to echo in a message: lone surrogates replaced, cut at ``limit`` characters."""
    clean = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(text) else text
    return clean if len(clean) <= limit else clean[:limit] + "…"


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


__all__ = ["MAX_DEPTH", "MAX_JSON_BYTES", "MAX_NUMBER_CHARS", "BadInput", "http_url", "parse_json", "printable",
           "same_secret", "whole_number"]
