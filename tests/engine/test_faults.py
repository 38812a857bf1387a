import pytest

from emulator.engine.faults import Faults, Request, Rule

REQ = Request("dashscope", "query", model="paraformer-v2", media=("http://a/b.wav",), test_id="t1")


def rule(**value: object) -> Rule:
    return Rule.from_json(value)


def test_rules_match_on_every_field() -> None:
    faults = Faults()
    faults.add(rule(match={"vendor": "dashscope", "operation": "query", "model": "paraformer-v2",
                           "media": "b.wav", "test_id": "t1"}, action={"type": "error", "code": "X"}))
    assert "error" in faults.check(REQ)
    assert faults.check(Request("dashscope", "submit")) == {}
    assert faults.check(Request("dashscope", "query", test_id="other")) == {}


def test_nth_times_and_probability_are_counted_and_seeded() -> None:
    faults = Faults(seed=7)
    faults.add(rule(match={"nth": 2}, action={"type": "error", "code": "X"}))
    assert [bool(faults.check(REQ)) for _ in range(4)] == [False, True, False, False]
    faults.clear()
    faults.add(rule(match={"times": 2}, action="throttle"))
    assert [bool(faults.check(REQ)) for _ in range(4)] == [True, True, False, False]

    def sample(seed: int) -> list[bool]:
        f = Faults(seed=seed)
        f.add(rule(match={"probability": 0.5}, action="throttle"))
        return [bool(f.check(REQ)) for _ in range(30)]

    assert sample(3) == sample(3)
    assert 0 < sum(sample(3)) < 30


def test_only_the_asked_kinds_fire_and_count() -> None:
    faults = Faults()
    job_rule = faults.add(rule(match={"times": 1}, action={"type": "fail_job", "code": "X"}))
    assert faults.check(REQ, ("error", "latency", "throttle")) == {}
    assert faults.check(REQ, ("fail_job",)) == {"fail_job": job_rule}


@pytest.mark.parametrize("value", [
    {"action": {"type": "explode"}}, {"action": {"type": "error"}}, {"match": {"colour": "red"}, "action": "throttle"},
    {"match": {"probability": 2}, "action": "throttle"}, {"action": {"type": "fail_job", "code": "X", "at": "later"}},
    {"match": [], "action": "throttle"}, {"match": {"times": "many"}, "action": "throttle"},
])
def test_bad_rules_are_refused(value: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Rule.from_json(value)


def test_a_stray_top_level_field_is_refused_not_ignored() -> None:
    with pytest.raises(ValueError, match="go in 'match'"):
        Rule.from_json({"match": {"vendor": "nls"}, "action": "throttle", "times": 1})


@pytest.mark.parametrize("rule", [
    {"match": {"media": ["a"]}, "action": "throttle"},                  # found by schemathesis: a 500 before
    {"match": {"media": "re:("}, "action": "throttle"},
    {"match": {"vendor": 7}, "action": "throttle"},
    {"match": {}, "action": {"type": "latency", "seconds": 1e9}},
    {"match": {}, "action": {"type": "latency", "seconds": float("nan")}},
    {"match": {}, "action": {"type": "error", "code": "X", "status": 42}},
    {"match": {"times": -1}, "action": "throttle"},
    {"match": {}, "action": {"type": "throttle", "colour": "red"}},
])
def test_malformed_rules_are_refused_with_a_reason(rule: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Rule.from_json(rule)
