"""Hypothesis strategies for NLS filetrans: GetTaskResult bodies and scenarios."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from emulator.testing.scenario import MAX_TS, Scenario, scenarios, spans, texts
from emulator.vendors.nls import catalogue as cat


@st.composite
def nls_results(draw: st.DrawFn) -> dict[str, Any]:
    """A GetTaskResult body with any documented status code; sentences on success."""
    code = draw(st.sampled_from(sorted(cat.STATUS)))
    body: dict[str, Any] = {"TaskId": draw(st.uuids()).hex, "RequestId": str(draw(st.uuids())).upper(),
                            "StatusCode": code, "StatusText": cat.STATUS[code]}
    if code == 21050000:
        sentences = []
        for _ in range(draw(st.integers(0, 30))):
            begin, end = draw(spans())
            sentences.append({"BeginTime": begin, "EndTime": end, "Text": draw(texts()),
                              "ChannelId": draw(st.integers(0, 1)), "SpeechRate": draw(st.integers(0, 1000)),
                              "EmotionValue": draw(st.floats(1, 10)), "SilenceDuration": draw(st.integers(0, 100))})
        body.update(BizDuration=draw(st.integers(0, MAX_TS)), Result={"Sentences": sentences})
    return body



def _gateway_header(draw: st.DrawFn, namespace: str, name: str, task_id: str) -> dict[str, Any]:
    return {"namespace": namespace, "name": name, "status": cat.OK_STATUS, "message_id": draw(st.uuids()).hex,
            "task_id": task_id, "status_text": cat.OK_TEXT}


@st.composite
def nls_realtime_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A whole realtime session as the gateway sends it to a SpeechTranscriber: TranscriptionStarted, then
    sentences (SentenceBegin, TranscriptionResultChanged …, SentenceEnd with integer times), then
    TranscriptionCompleted — or TaskFailed (namespace Default, header only) at any point, with any status."""
    task_id = draw(st.uuids()).hex
    ns = "SpeechTranscriber"
    events = [{"header": _gateway_header(draw, ns, "TranscriptionStarted", task_id),
               "payload": {"session_id": draw(st.uuids()).hex}}]
    at = 0
    for index in range(1, draw(st.integers(0, 6)) + 1):
        begin = at + draw(st.integers(0, 5000))
        events.append({"header": _gateway_header(draw, ns, "SentenceBegin", task_id),
                       "payload": {"index": index, "time": begin}})
        text = ""
        for _ in range(draw(st.integers(0, 3))):
            text += draw(texts(12))
            events.append({"header": _gateway_header(draw, ns, "TranscriptionResultChanged", task_id),
                           "payload": {"index": index, "time": begin + len(text) * 200, "result": text,
                                       "confidence": draw(st.floats(0, 1))}})
        at = begin + draw(st.integers(1, 20_000))
        events.append({"header": _gateway_header(draw, ns, "SentenceEnd", task_id),
                       "payload": {"index": index, "time": at, "begin_time": begin, "result": text + draw(texts(20)),
                                   "confidence": draw(st.floats(0, 1)), "status": 0}})
    if draw(st.booleans()):
        events.append({"header": _gateway_header(draw, ns, "TranscriptionCompleted", task_id)})
    else:
        status, text = cat.GATEWAY_STATUS[draw(st.sampled_from(sorted(cat.GATEWAY_STATUS)))]
        events.append({"header": {"namespace": cat.FAILED_NAMESPACE, "name": "TaskFailed", "status": status,
                                  "message_id": draw(st.uuids()).hex, "task_id": task_id,
                                  "status_text": text.split("{")[0]}})
    return events


def nls_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("nls", ("SubmitTask", "GetTaskResult"), ("Throttling.User", "InternalError", "51050000"),
                     ("41050024", "41050006"), max_polls=max_polls)


__all__ = ['nls_realtime_events', 'nls_results', 'nls_scenarios']
