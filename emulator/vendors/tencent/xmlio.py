"""XML in and out for CI and COS: bodies parsed with ``xmltodict`` (entity declarations refused, so nothing is
expanded), answers written compactly with the exact ``Content-Type`` header name that cos-python-sdk-v5 looks up."""

from __future__ import annotations

from typing import Any
from xml.parsers import expat
from xml.parsers.expat import ExpatError

import xmltodict
from starlette.responses import Response

XML_TYPE = b"application/xml"
MAX_DEPTH = 32


class XmlProblem(Exception):
    """The body is not well-formed XML with the expected root."""


def parse(body: bytes, root: str) -> dict[str, Any]:
    if not body.strip():
        raise XmlProblem("the request body is empty")
    try:
        doc = xmltodict.parse(body, disable_entities=True, expat=_Shallow)
    except (ExpatError, ValueError, LookupError) as exc:     # LookupError: an encoding= Python does not know
        raise XmlProblem(str(exc)) from None
    if not isinstance(doc, dict) or list(doc) != [root]:
        raise XmlProblem(f"the root element must be <{root}>")
    value = doc[root]
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise XmlProblem(f"<{root}> must contain elements")
    return value


class _Bounded:
    """An expat parser that refuses elements nested deeper than ``MAX_DEPTH`` as it meets them (what reads the
    document afterwards — the declaration's check, the handlers — may recurse; a deep document is refused before it
    is built). xmltodict takes the expat module to use: ``_Shallow`` gives it these parsers."""

    def __init__(self, parser: Any) -> None:
        object.__setattr__(self, "_parser", parser)
        object.__setattr__(self, "_depth", 0)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "StartElementHandler":
            start = value

            def value(*args: Any) -> Any:
                depth = self._depth + 1
                if depth > MAX_DEPTH:
                    raise XmlProblem(f"elements are nested more than {MAX_DEPTH} deep")
                object.__setattr__(self, "_depth", depth)
                return start(*args)
        elif name == "EndElementHandler":
            end = value

            def value(*args: Any) -> Any:
                object.__setattr__(self, "_depth", self._depth - 1)
                return end(*args)
        setattr(self._parser, name, value)


class _Shallow:
    """The expat module as xmltodict uses it, with depth-bounded parsers."""

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> _Bounded:
        return _Bounded(expat.ParserCreate(*args, **kwargs))


def render(root: str, content: dict[str, Any]) -> bytes:
    body: bytes = xmltodict.unparse({root: content}, full_document=True, encoding="utf-8").encode("utf-8")
    return body


def response(root: str, content: dict[str, Any], status: int = 200,
             headers: dict[str, str] | None = None) -> Response:
    return raw_response(render(root, content), status, headers)


def raw_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None,
                 content_type: bytes = XML_TYPE) -> Response:
    """Header names keep their case on the wire (``Content-Type``, ``Content-Length``): the SDK's bucket calls
    compare them case-sensitively."""
    out = Response(body, status)
    raw = [(b"Content-Type", content_type), (b"Content-Length", str(len(body)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    out.raw_headers = raw
    return out
