"""The PAI-EAS gateway's reading of a request: its plain-text error, the processor's ``input`` and the ``EAS``
HMAC signature that ``eas-prediction`` sends."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from emulator.declare import Invalid, Problem, Schema
from emulator.inputs import BadInput, parse_json
from emulator.vendors.base import VendorError
from emulator.vendors.eas import catalogue as cat


class EasError(VendorError):
    """An answer other than 200: an HTTP status and its plain-text body."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(str(status), message or cat.STATUS_BODIES.get(status, "Error"), status)


@dataclass(frozen=True)
class Input:
    url: str
    play_us: int | None


_PREDICT = Schema(cat.PREDICT_BODY, "body")


def predict_body(payload: Any) -> Any:
    """A body as the processor reads it before the check: a blank ``play_duration`` is none."""
    data = payload.get("input") if isinstance(payload, dict) else None
    if isinstance(data, dict) and data.get("play_duration") == "":
        return {**payload, "input": {k: v for k, v in data.items() if k != "play_duration"}}
    return payload


def invalid_input(problem: Problem) -> EasError:
    """A request the declaration refuses, as the processor says it: 400 and the reason in plain text."""
    if problem.kind == "json":
        return EasError(cat.BAD_REQUEST, cat.INPUT_ERRORS["json"].format(detail=problem.message))
    if problem.part == "body" and problem.path in ((), ("input",)):
        return EasError(cat.BAD_REQUEST, cat.INPUT_ERRORS["shape"].format())
    return EasError(cat.BAD_REQUEST, cat.INPUT_ERRORS["field"].format(detail=problem.message.replace(": ", " ", 1)))


def input_of(payload: dict[str, Any]) -> Input:
    """The url and play_duration (µs, at most 10¹⁵) of a body checked against ``cat.PREDICT_BODY``."""
    data = payload["input"]
    raw = data.get("play_duration")
    return Input(data["url"].strip(), None if raw is None else int(min(raw, 1e15)))


def parse_input(body: bytes) -> Input:
    """The processor's reading of ``{"input": {"url": …, "play_duration": …}}``; other fields are ignored."""
    try:
        return input_of(_PREDICT.check(predict_body(parse_json(body))))
    except BadInput as exc:
        raise invalid_input(Problem("body", (), "json", str(exc), {})) from None
    except Invalid as exc:
        raise invalid_input(exc.problem) from None


def eas_signature(token: str, string_to_sign: str) -> str:
    digest = hmac.new(token.encode(), string_to_sign.strip().encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def string_to_sign(method: str, body: bytes, content_type: str, date: str, resource: str) -> str:
    return f"{method}\n{hashlib.md5(body).hexdigest()}\n{content_type}\n{date}\n{resource}"


def well_formed_signature(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 20
    except (binascii.Error, ValueError):
        return False


__all__ = ["EasError", "Input", "eas_signature", "parse_input", "string_to_sign", "well_formed_signature"]
