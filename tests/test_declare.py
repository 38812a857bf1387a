"""Declared input: text typed from the schema, embedded JSON read with bounds, whole floats made integers, and each
mismatch a Problem a dialect can map to its own error."""

from __future__ import annotations

import pytest

from emulator.declare import Invalid, Schema, object_of

SCHEMA = object_of({
    "n": {"type": "integer", "minimum": 0, "maximum": 10}, "flag": {"type": "boolean"}, "word": {"type": "string"},
    "kind": {"type": "string", "enum": ["a", "b"], "x-error": "BadKind"},
    "doc": {"type": "string", "x-json": object_of({"k": {"type": "integer"}}, ["k"], extra=False)},
}, ["n"], extra=False)


def test_text_parts_are_typed_from_the_schema() -> None:
    checked = Schema(SCHEMA, "query").check({"n": "7", "flag": "TRUE", "word": "12", "doc": '{"k": 3}'})
    assert checked == {"n": 7, "flag": True, "word": "12", "doc": {"k": 3}}


@pytest.mark.parametrize("text", ["１２", "٣", "7.5", "1e3", " 7", "99999999999999999999999"])
def test_only_ascii_digits_become_integers(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        Schema(SCHEMA, "query").check({"n": text})
    assert caught.value.problem.kind == "type" and caught.value.problem.name == "n"


def test_json_parts_are_not_typed_from_text() -> None:
    with pytest.raises(Invalid) as caught:
        Schema(SCHEMA, "body").check({"n": "7"})
    assert caught.value.problem.kind == "type"


def test_whole_floats_reach_the_handler_as_integers() -> None:
    assert Schema(SCHEMA, "body").check({"n": 3.0}) == {"n": 3}
    assert type(Schema(SCHEMA, "body").check({"n": -0.0})["n"]) is int


@pytest.mark.parametrize(("value", "kind", "name"), [
    ({}, "required", "n"), ({"n": 11}, "maximum", "n"), ({"n": 1, "kind": "c"}, "enum", "kind"),
    ({"n": 1, "zz": 1}, "unknown", "zz"), ({"n": True}, "type", "n"), ({"n": 1, "doc": "{"}, "json", "doc"),
    ({"n": 1, "doc": '{"k": ' + "9" * 5000 + "}"}, "json", "doc"), ({"n": 1, "doc": "{}"}, "required", "k"),
])
def test_each_mismatch_is_a_problem(value: dict[str, object], kind: str, name: str) -> None:
    with pytest.raises(Invalid) as caught:
        Schema(SCHEMA, "body").check(value)
    problem = caught.value.problem
    assert (problem.kind, problem.name) == (kind, name)
    assert problem.message


def test_a_field_names_its_own_error_code() -> None:
    with pytest.raises(Invalid) as caught:
        Schema(SCHEMA, "body").check({"n": 1, "kind": "c"})
    assert caught.value.problem.schema.get("x-error") == "BadKind"


def test_unknown_names_can_be_dropped() -> None:
    assert Schema(SCHEMA, "body").check({"n": 1, "zz": 1, "yy": 2}, drop_unknown=True) == {"n": 1}
