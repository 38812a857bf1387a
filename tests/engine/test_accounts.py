"""Accounts in the engine: the header's parsing, and each scoped thing (fault rules, scripts, lifecycles, journal)
found for the account's credentials only."""

from __future__ import annotations

import pytest

from emulator.engine import Engine, Rule, Script
from emulator.engine import Request as FaultRequest
from emulator.engine.accounts import CURRENT_ACCOUNT, AccountError, holds, parse


def test_the_header_names_an_account_by_its_sorted_credential_ids() -> None:
    assert parse(None) is None
    assert parse(" sk-b , LTAIa,sk-b") == "LTAIa,sk-b"
    for bad in ("", " , ", "a,,b", "x" * 300, "a\x00b", ",".join(str(i) for i in range(17))):
        with pytest.raises(AccountError):
            parse(bad)
    assert holds(None, None) and holds("LTAIa,sk-b", "sk-b") and not holds("LTAIa,sk-b", "sk-c")
    assert not holds("LTAIa,sk-b", None) and not holds("LTAIa,sk-b", "LTAIa,sk-b")


def within(credential: str | None) -> None:
    CURRENT_ACCOUNT.set(credential)


def test_fault_rules_scripts_and_lifecycles_follow_the_calling_credential() -> None:
    engine = Engine()
    rule = engine.faults.add(Rule(action="throttle", vendor="nls", account="LTAIa,sk-a"))
    engine.scripts.add(Script(texts=("甲。",)), url="http://x/a.wav", account="LTAIa,sk-a")
    engine.scripts.add(Script(texts=("大家。",)), url="http://x/a.wav")
    engine.scripts.add_stream(Script(texts=("甲流。",)), "LTAIa,sk-a")
    engine.set_policy("manual", "dashscope", account="LTAIa,sk-a")
    engine.set_policy("polls:2")
    try:
        within("sk-a")
        assert engine.faults.check(FaultRequest("nls", "SubmitTask")) == {"throttle": rule}
        found = engine.scripts.find("", "http://x/a.wav")
        assert found is not None and found.texts == ("甲。",)
        assert engine.policy_spec("dashscope", "paraformer-v2") == "manual"
        assert engine.policy_spec("nls", "x") == "polls:2"
        stream = engine.scripts.next_stream()
        assert stream is not None and stream.texts == ("甲流。",)
        within("sk-b")
        assert engine.faults.check(FaultRequest("nls", "SubmitTask")) == {}
        found = engine.scripts.find("", "http://x/a.wav")
        assert found is not None and found.texts == ("大家。",)
        assert engine.policy_spec("dashscope", "paraformer-v2") == "polls:2"
        assert engine.policies_of("LTAIa,sk-a") == {"dashscope": "manual"}
        engine.reset_account("LTAIa,sk-a")
        within("sk-a")
        assert engine.faults.rules() == [] and engine.policy_spec("dashscope", "paraformer-v2") == "polls:2"
        found = engine.scripts.find("", "http://x/a.wav")
        assert found is not None and found.texts == ("大家。",)
    finally:
        within(None)


def test_an_accounts_reset_forgets_only_its_journal_entries() -> None:
    engine = Engine()
    for credential in ("sk-a", "sk-b", None):
        engine.journal.record(time=0.0, method="GET", path="/", status=200, latency_ms=0.0, account=credential)
    assert [e.account for e in engine.journal.entries(account="sk-a,LTAIa")] == ["sk-a"]
    engine.reset_account("LTAIa,sk-a")
    assert [e.account for e in engine.journal.entries()] == ["sk-b", None]
