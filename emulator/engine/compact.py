"""Pickling for the slotted dataclasses a store keeps by the thousand (jobs, items, transcripts): their state is a
tuple of field values, read and written without looking the fields up each time (the standard library's own slotted
pickling calls ``dataclasses.fields`` for every object, which dominates reading a job back from SQLite or Redis)."""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

T = TypeVar("T")


def compact_pickle(cls: type[T]) -> type[T]:
    """Apply above ``@dataclass(slots=True)``."""
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    values = operator.attrgetter(*names)
    setter = object.__setattr__

    def __getstate__(self: Any) -> tuple[Any, ...]:
        got = values(self)
        return got if len(names) > 1 else (got,)

    def __setstate__(self: Any, state: Any) -> None:
        for name, value in zip(names, state, strict=False):
            setter(self, name, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 (a method replaced on the class: mypy refuses =)
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls


__all__ = ["compact_pickle"]
