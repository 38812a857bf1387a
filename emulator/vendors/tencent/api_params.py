"""ASR API 3.0's parameters: read from a JSON body or a GET query (``Name.0.Field`` pairs unflattened), and
``CreateRecTask``'s checked against the catalogue — every complaint a ``TcError`` in API 3.0's words."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from emulator.engine import Failure, Item
from emulator.inputs import BadInput, http_url, parse_json
from emulator.vendors.base import VendorError
from emulator.vendors.tencent import catalogue as cat
from emulator.vendors.tencent.flat import Malformed, unflatten


class TcError(VendorError):
    def __init__(self, code: str, **fields: Any) -> None:
        template = cat.ASR_ERRORS.get(code, "{detail}")
        try:
            message = template.format(**fields)
        except KeyError:
            message = template
        super().__init__(code, fields.get("message") or message, 200)


def read_params(request: Request, body: bytes) -> dict[str, Any]:
    if request.method == "GET":
        return unflatten_params(parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"),
                                    keep_blank_values=True))
    if not body.strip():
        return {}
    try:
        value = parse_json(body)
    except BadInput:
        raise TcError("InvalidParameter.ErrorParsequest") from None
    if not isinstance(value, dict):
        raise TcError("InvalidParameter.ErrorParsequest")
    return value


def unflatten_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``Name.0.Field`` pairs (GET, the older signatures) as the structure a JSON body carries."""
    try:
        return unflatten(pairs)
    except Malformed as exc:
        raise TcError("InvalidParameter", detail=str(exc)) from None


def rec_spec(params: dict[str, Any]) -> dict[str, Any]:
    """CreateRecTask's parameters — typed and bounded by their declaration (``cat.ACTION_SCHEMAS``) — checked for
    what one field alone cannot say."""
    spec = dict(params)
    engine = spec["EngineModelType"]
    if spec["ChannelNum"] == 2 and cat.ASR_ENGINES[engine].rate != 8000:
        raise TcError("InvalidParameterValue", detail="ChannelNum 2 (stereo) is for 8k engines only.")
    if spec["SourceType"] == 0:
        url = spec.get("Url", "")
        if not url or not http_url(url):
            raise TcError("InvalidParameterValue.ErrorInvalidUrl")
    else:
        try:
            spec["_data"] = base64.b64decode(spec.get("Data", ""), validate=True)
        except (binascii.Error, ValueError):
            raise TcError("InvalidParameterValue.ErrorInvalidVoicedata") from None
        if not spec["_data"]:
            raise TcError("InvalidParameterValue.ErrorInvalidVoicedata")
        if len(spec["_data"]) > cat.MAX_DATA_BYTES:
            raise TcError("InvalidParameterValue.ErrorVoicedataTooLong")
    return spec


def rec_vetter(spec: dict[str, Any]) -> Any:
    def vet(item: Item) -> Failure | None:
        audio = item.audio
        if audio is None:
            return None
        if spec["ChannelNum"] == 2 and audio.channels != 2:
            return Failure("channel_mismatch", f"ChannelNum is 2 and the audio has {audio.channels} channel(s)")
        if audio.duration_ms > cat.MAX_AUDIO_S * 1000:
            return Failure("too_long", f"the audio lasts {audio.duration_ms} ms")
        return None

    return vet


__all__ = ["TcError", "read_params", "rec_spec", "rec_vetter", "unflatten_params"]
