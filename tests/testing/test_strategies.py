"""The strategies: documents keep their schemas' invariants; scenarios apply to an emulator and read well."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import find, given, settings
from hypothesis import strategies as st

from emulator.app import Emulator
from emulator.config import Settings
from emulator.testing import strategies
from emulator.testing.inprocess import InProcessEmulator
from emulator.testing.strategies import (
    Fault,
    Media,
    Scenario,
    dashscope_errors,
    dashscope_realtime_events,
    dashscope_result_files,
    dashscope_scenarios,
    dashscope_task_outputs,
    eas_asr_outputs,
    nls_realtime_events,
    nls_results,
    spans,
    tencent_flash_results,
    tencent_sentence_results,
    tencent_task_statuses,
    texts,
)
from emulator.vendors.dashscope import catalogue as dashscope_cat
from emulator.vendors.nls import catalogue as nls_cat
from emulator.vendors.nls import strategies as nls_strategies


@given(dashscope_task_outputs())
def test_task_outputs_are_consistent(output: dict[str, Any]) -> None:
    if "results" in output:
        metrics = output["task_metrics"]
        assert metrics["TOTAL"] == len(output["results"]) == metrics["SUCCEEDED"] + metrics["FAILED"]
        for result in output["results"]:
            assert ("transcription_url" in result) == (result["subtask_status"] == "SUCCEEDED")
    json.dumps(output)


@given(dashscope_result_files())
def test_result_files_have_ordered_spans(document: dict[str, Any]) -> None:
    for channel in document["transcripts"]:
        for sentence in channel["sentences"]:
            assert 0 <= sentence["begin_time"] <= sentence["end_time"] <= 2**31 - 1


@given(dashscope_errors())
def test_errors_come_from_the_catalogue(error: tuple[int, dict[str, Any]]) -> None:
    status, body = error
    assert dashscope_cat.ERRORS[body["code"]] == (status, body["message"])


@given(dashscope_realtime_events())
def test_realtime_events_keep_the_protocol(events: list[dict[str, Any]]) -> None:
    assert events[0]["header"]["event"] == "task-started"
    assert events[-1]["header"]["event"] in ("task-finished", "task-failed")
    assert {e["header"]["task_id"] for e in events} == {events[0]["header"]["task_id"]}
    for e in events[1:-1]:
        assert e["header"]["event"] == "result-generated"
        sentence, usage = e["payload"]["output"]["sentence"], e["payload"]["usage"]
        assert "end_time" in sentence and (sentence["end_time"] is None) == (not sentence["sentence_end"])
        assert (usage is None) == (not sentence["sentence_end"])
        assert not sentence["heartbeat"] or sentence["text"] == ""
    if events[-1]["header"]["event"] == "task-failed":
        assert events[-1]["header"]["error_code"] and events[-1]["payload"] == {}
    else:
        assert events[-1]["payload"] == {"output": {}, "usage": None}


@given(nls_results(), tencent_task_statuses(), eas_asr_outputs())
def test_other_documents(nls: dict[str, Any], tencent: dict[str, Any], eas: dict[str, str]) -> None:
    assert nls_cat.STATUS[nls["StatusCode"]] == nls["StatusText"]
    assert tencent["StatusStr"] == ["waiting", "doing", "success", "failed"][tencent["Status"]]
    assert all(key.isdigit() for key in eas)


def test_the_edges_occur() -> None:
    edge = settings(max_examples=300, database=None)
    find(dashscope_task_outputs(), lambda o: o.get("task_metrics", {}).get("FAILED", 0) and
         o["task_status"] == "SUCCEEDED", settings=edge)
    find(texts(), lambda t: len(t) > 1000, settings=edge)
    find(texts(), lambda t: any(ord(ch) > 0xFFFF for ch in t), settings=edge)
    find(spans(), lambda s: s[0] == s[1], settings=edge)
    for event in ("BGM", "Applause", "Laughter"):          # every SenseVoice audio event can reach a parser
        find(dashscope_result_files(), lambda d, e=event: any(  # type: ignore[misc]
            f"<|{e}|><|/{e}|><|Speech|>" in s["text"] for t in d["transcripts"] for s in t["sentences"]),
             settings=edge)

    seen: set[str] = set()

    @given(dashscope_realtime_events())
    @settings(max_examples=100, database=None)
    def realtime(events: list[dict[str, Any]]) -> None:     # collected, not shrunk: the documents are large
        sentences = [e["payload"]["output"]["sentence"] for e in events[1:-1]]
        seen.update(k for k, hit in (("heartbeat", any(s["heartbeat"] for s in sentences)),
                                     ("failed mid-sentence", events[-1]["header"]["event"] == "task-failed"
                                      and bool(sentences) and not sentences[-1]["sentence_end"]),
                                     ("finished", events[-1]["header"]["event"] == "task-finished"),
                                     ("sentence ids", any("sentence_id" in s for s in sentences))) if hit)

    realtime()
    assert seen == {"heartbeat", "failed mid-sentence", "finished", "sentence ids"}


def test_scenarios_shrink_to_readable_minimal_cases() -> None:
    found = find(dashscope_scenarios(), lambda s: any(f.kind == "throttle" for f in s.faults),
                 settings=settings(database=None, derandomize=True))
    assert repr(found) == "Scenario(dashscope, instant, media=['你好。'], faults=[throttle on submit])"


@given(st.just(Scenario("dashscope", "polls:2", (Media(), Media(problem="missing")),
                        (Fault("query", "throttle", nth=1, times=1),))))
@settings(max_examples=1, deadline=None)
def test_a_scenario_configures_the_emulator(scenario: Scenario) -> None:
    with InProcessEmulator() as emulator:
        scenario.apply(emulator)
        headers = {"Authorization": "Bearer sk-asr-emulator-local"}
        created = httpx.post("https://dashscope.aliyuncs.com/api/v1/services/audio/asr/transcription",
                             headers={**headers, "X-DashScope-Async": "enable"},
                             json={"model": "paraformer-v2", "input": {"file_urls": scenario.media_urls}})
        url = f"https://dashscope.aliyuncs.com/api/v1/tasks/{created.json()['output']['task_id']}"
        assert httpx.get(url, headers=headers).status_code == 429
        statuses = [httpx.get(url, headers=headers).json()["output"]["task_status"] for _ in range(5)]
        assert statuses[:3] == ["PENDING", "PENDING", "RUNNING"] and statuses[-1] == "SUCCEEDED"
        final = httpx.get(url, headers=headers).json()["output"]
        assert [r["subtask_status"] for r in final["results"]] == ["SUCCEEDED", "FAILED"]


@settings(max_examples=60, deadline=None)
@given(scenario=st.one_of(*(getattr(strategies, name)() for name in strategies.__all__
                            if name.endswith("_scenarios"))))
def test_scenario_faults_name_operations_the_dialects_declare(scenario: Scenario) -> None:
    declared = {op.name for op in _EMULATOR.dialect(scenario.vendor).operations()}
    assert {f.operation for f in scenario.faults} <= declared


def test_every_vendor_strategy_is_gathered_from_the_registry() -> None:
    assert {"dashscope_scenarios", "nls_scenarios", "tencent_asr_scenarios", "ci_scenarios", "eas_scenarios",
            "dashscope_realtime_events", "tencent_task_statuses"} <= set(strategies.__all__)
    assert strategies.nls_results is nls_strategies.nls_results


_EMULATOR = Emulator(Settings(load_fixtures=False))


@given(nls_realtime_events())
@settings(max_examples=50)
def test_nls_realtime_events_keep_the_gateways_rules(events: list[dict[str, Any]]) -> None:
    assert events[0]["header"]["name"] == "TranscriptionStarted"
    last = events[-1]["header"]
    assert last["name"] in ("TranscriptionCompleted", "TaskFailed")
    assert (last["namespace"] == "Default") == (last["name"] == "TaskFailed")
    for event in events:
        assert isinstance(event["header"]["name"], str) and isinstance(event["header"]["status"], int)
        for key in ("index", "time", "begin_time"):          # the Java SDK casts these to Integer
            value = event.get("payload", {}).get(key)
            assert value is None or (isinstance(value, int) and value < 2**31)


@given(tencent_sentence_results())
@settings(max_examples=50)
def test_tencent_sentence_results_parse_in_the_sdk(body: dict[str, Any]) -> None:
    from tencentcloud.asr.v20190614 import models

    parsed = models.SentenceRecognitionResponse()
    parsed._deserialize(body)
    assert parsed.WordSize == body["WordSize"] and (parsed.WordList is None) == (body["WordList"] is None)


@given(tencent_flash_results())
@settings(max_examples=50)
def test_tencent_flash_results_carry_what_user_code_reads(body: dict[str, Any]) -> None:
    assert {"request_id", "code", "message"} <= set(body)
    assert (body["code"] == 0) == ("flash_result" in body)
