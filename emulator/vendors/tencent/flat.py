"""Tencent Cloud API 3.0 parameters as the SDKs flatten them: for GET requests and for the older signatures
(``HmacSHA1``/``HmacSHA256`` form POSTs), arrays and objects travel as ``Name.0.Field=value`` pairs — the Python and
Node.js SDKs both do this (``_fix_params`` / ``flatObj``). ``unflatten`` rebuilds the structure a JSON body would
carry, so every action reads one shape whichever encoding sent it. The values stay text, as they arrived."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_INDEX = 1000          # an array index beyond this is refused before anything is built
MAX_DEPTH = 8


class Malformed(ValueError):
    """A flattened name that does not make one structure (``A=1`` beside ``A.0=2``, a gap in ``A.0``/``A.2``)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"The parameter `{name}` is malformed: {why}.")
        self.name = name


def unflatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``[("A.0.B", "x"), ("A.1.B", "y"), ("C", "1")]`` → ``{"A": [{"B": "x"}, {"B": "y"}], "C": "1"}``. Numeric
    segments index arrays (from 0, without gaps); others name object fields. A repeated name keeps its last value,
    as a plain form does."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        parts = name.split(".")
        if len(parts) > MAX_DEPTH or any(not p for p in parts):
            raise Malformed(name, "too deep or with an empty segment")
        node: dict[Any, Any] = root
        for i, part in enumerate(parts):
            key: str | int = part
            if isinstance(node, _Array):
                if not part.isdigit() or len(part) > 4 or int(part) > MAX_INDEX:
                    raise Malformed(name, f"{part!r} is not an array index")
                key = int(part)
            existing = node.get(key)
            if i == len(parts) - 1:
                if isinstance(existing, dict):
                    raise Malformed(name, "it is given both as a value and as an array or object")
                node[key] = value                  # a repeated name: the last value, as a plain form
                break
            want = _Array if parts[i + 1].isdigit() else dict
            if existing is None:
                existing = node[key] = want()
            elif type(existing) is not want:
                raise Malformed(name, "it is given both as a value and as an array or object")
            node = existing
    finished: dict[str, Any] = _finish(root, "")
    return finished


class _Array(dict[int, Any]):
    """An array while it is being built: indexes may arrive in any order."""


def _finish(node: Any, path: str) -> Any:
    if isinstance(node, _Array):
        if sorted(node) != list(range(len(node))):
            missing = next(i for i in range(len(node) + 1) if i not in node)
            raise Malformed(f"{path}.{missing}", "array indexes start at 0 and leave no gaps")
        return [_finish(node[i], f"{path}.{i}") for i in range(len(node))]
    if isinstance(node, dict):
        return {k: _finish(v, f"{path}.{k}" if path else k) for k, v in node.items()}
    return node


__all__ = ["Malformed", "unflatten"]
