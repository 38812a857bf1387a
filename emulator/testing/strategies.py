"""Hypothesis strategies for testing your own client code against these APIs.

Two kinds, per vendor:

* **documents** — schema-valid responses with the edges a client meets in production: empty results, very long
  texts and word lists, non-BMP characters, zero-length and boundary timestamps, missing optional fields, partial
  subtask failures, every documented error code (``dashscope_task_outputs()``, ``dashscope_result_files()``,
  ``dashscope_errors()``, ``nls_results()``, ``tencent_task_statuses()``, ``eas_asr_outputs()``);
* **scenarios** — what the live emulator should do for one test: a lifecycle path, the media to submit (speech,
  a missing file, a vendor failure) and injected errors, latency and throttling
  (``dashscope_scenarios()``, ``nls_scenarios()``, ``tencent_asr_scenarios()``, ``ci_scenarios()``,
  ``eas_scenarios()``). ``scenario.apply(asr_emulator)`` configures the emulator (a fixture handle or an
  in-process emulator); ``scenario.media_urls`` are what to submit. Scenarios shrink towards ``instant``, one
  spoken file and no faults, and print as one readable line.

    @given(scenario=dashscope_scenarios())
    def test_my_poller(asr_emulator, scenario):
        scenario.apply(asr_emulator)
        ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from emulator.vendors.dashscope import catalogue as dashscope_cat
from emulator.vendors.nls import catalogue as nls_cat
from emulator.vendors.tencent import catalogue as tencent_cat

MAX_TS = 2**31 - 1
MAGIC = "http://media.asr-emulator.test"

# ---- text ---------------------------------------------------------------------------------------------------------

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_NON_BMP = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)      # CJK Extension B
_PUNCT = st.sampled_from("，。！？、；：,.!?")


def texts(max_size: int = 200) -> st.SearchStrategy[str]:
    """Recognised text: empty, Chinese with punctuation, non-BMP characters, any unicode, or very long."""
    return st.one_of(
        st.just(""),
        st.text(st.one_of(_CJK, _PUNCT), min_size=1, max_size=max_size),
        st.text(st.one_of(_CJK, _NON_BMP, _PUNCT), min_size=1, max_size=max_size),
        st.text(max_size=max_size),
        st.builds(lambda s, n: s * n, st.text(_CJK, min_size=1, max_size=5), st.integers(500, 2000)),
    )


def spans() -> st.SearchStrategy[tuple[int, int]]:
    """(begin, end) in ms: zero-length, at zero, at the 32-bit boundary, or ordinary."""
    return st.one_of(
        st.just((0, 0)), st.just((MAX_TS, MAX_TS)),
        st.tuples(st.integers(0, MAX_TS), st.integers(0, 10_000)).map(lambda t: (t[0], min(MAX_TS, t[0] + t[1]))),
    )


def _maybe(d: dict[str, Any], optional: tuple[str, ...], keep: set[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in optional or k in keep}


# ---- DashScope ----------------------------------------------------------------------------------------------------

@st.composite
def _dashscope_word(draw: st.DrawFn) -> dict[str, Any]:
    begin, end = draw(spans())
    return {"begin_time": begin, "end_time": end, "text": draw(texts(20)), "punctuation": draw(st.sampled_from(
        ["", "，", "。", "? ", "! "]))}


@st.composite
def _dashscope_sentence(draw: st.DrawFn) -> dict[str, Any]:
    begin, end = draw(spans())
    sentence = {"begin_time": begin, "end_time": end, "text": draw(texts()), "sentence_id": draw(st.integers(1, 10**6)),
                "speaker_id": draw(st.integers(0, 99)),
                "words": draw(st.lists(_dashscope_word(), max_size=draw(st.sampled_from([0, 5, 300]))))}
    return _maybe(sentence, ("sentence_id", "speaker_id", "words"),
                  draw(st.sets(st.sampled_from(["sentence_id", "speaker_id", "words"]))))


@st.composite
def dashscope_result_files(draw: st.DrawFn) -> dict[str, Any]:
    """A transcription result file (the JSON at ``transcription_url``)."""
    channels = []
    for channel_id in range(draw(st.integers(0, 2))):
        sentences = draw(st.lists(_dashscope_sentence(), max_size=draw(st.sampled_from([0, 3, 50]))))
        channels.append({"channel_id": channel_id, "content_duration_in_milliseconds": draw(st.integers(0, MAX_TS)),
                         "text": "".join(s["text"] for s in sentences), "sentences": sentences})
    return {"file_url": draw(st.sampled_from([f"{MAGIC}/a.wav", "oss://bucket/a.wav", ""])),
            "properties": {"audio_format": draw(st.sampled_from(["pcm_s16le", "mp3", "aac", ""])),
                           "channels": list(range(len(channels))),
                           "original_sampling_rate": draw(st.sampled_from([8000, 16000, 48000])),
                           "original_duration_in_milliseconds": draw(st.integers(0, MAX_TS))},
            "transcripts": channels}


@st.composite
def dashscope_task_outputs(draw: st.DrawFn) -> dict[str, Any]:
    """A task query's ``output``: any status; finished tasks with all, some or no subtasks failed (every
    documented subtask code)."""
    status = draw(st.sampled_from(["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"]))
    out: dict[str, Any] = {"task_id": draw(st.uuids()).hex, "task_status": status}
    if status in ("SUCCEEDED", "FAILED"):
        codes = sorted({c for c, _ in dashscope_cat.SUBTASK_ERRORS.values()} | set(dashscope_cat.SUBTASK_MESSAGES))
        results = []
        for i in range(draw(st.integers(1, 5))):
            failed = status == "FAILED" or draw(st.booleans())
            url = f"{MAGIC}/{i}.wav"
            if failed:
                code = draw(st.sampled_from(codes))
                results.append({"file_url": url, "code": code, "message": code, "subtask_status": "FAILED"})
            else:
                results.append({"file_url": url, "transcription_url": f"https://dashscope-result/{i}.json",
                                "subtask_status": "SUCCEEDED"})
        if status == "FAILED":
            out["code"], out["message"] = results[0]["code"], results[0]["message"]
        out["results"] = results
        ok = sum(r["subtask_status"] == "SUCCEEDED" for r in results)
        out["task_metrics"] = {"TOTAL": len(results), "SUCCEEDED": ok, "FAILED": len(results) - ok}
    return out


def dashscope_errors() -> st.SearchStrategy[tuple[int, dict[str, Any]]]:
    """(HTTP status, body) for every documented DashScope error code."""
    return st.sampled_from(sorted(dashscope_cat.ERRORS.items())).flatmap(lambda item: st.builds(
        lambda rid: (item[1][0], {"request_id": str(rid), "code": item[0], "message": item[1][1]}), st.uuids()))


@st.composite
def _realtime_word(draw: st.DrawFn, at: int) -> dict[str, Any]:
    begin = at + draw(st.integers(0, 2_000))
    text = draw(st.one_of(st.text(_CJK, min_size=1, max_size=3), st.text(_NON_BMP, min_size=1, max_size=2),
                          st.text(max_size=8)))
    return {"begin_time": begin, "end_time": begin + draw(st.integers(0, 2_000)), "text": text,
            "punctuation": draw(st.sampled_from(["", "，", "。", "? ", "! "]))}


@st.composite
def dashscope_realtime_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The server events of one realtime recognition task, in an order the service may send them: task-started;
    per sentence some partials (``end_time`` null, growing text) then its final (with ``usage``), keep-alives
    (``heartbeat`` true) between sentences; then task-finished, or task-failed at any point after task-started
    (every documented code). fun-asr ``sentence_id`` and 8k-v2 emotion fields come and go."""
    task_id = draw(st.uuids()).hex

    def event(name: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"header": {"task_id": task_id, "event": name, **extra, "attributes": {}}, "payload": payload}

    events = [event("task-started", {})]
    with_ids, with_emotion = draw(st.booleans()), draw(st.booleans())
    at = 0
    for n in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            at += draw(st.integers(10_000, 30_000))
            events.append(event("result-generated", {"output": {"sentence": {
                "begin_time": at, "end_time": None, "text": "", "heartbeat": True, "sentence_end": False,
                "words": []}}, "usage": None}))
        at += draw(st.integers(0, 5_000))
        words = draw(st.lists(_realtime_word(at), min_size=1, max_size=8))
        begin, end = at, max(w["end_time"] for w in words) + 1
        for shown in range(1, len(words) + 1, max(1, draw(st.integers(1, 3)))):
            partial = {"begin_time": begin, "end_time": None, "heartbeat": False, "sentence_end": False,
                       "text": "".join(w["text"] for w in words[:shown]), "words": words[:shown]}
            if with_ids:
                partial["sentence_id"] = n + 1
            events.append(event("result-generated", {"output": {"sentence": partial}, "usage": None}))
        final = {"begin_time": begin, "end_time": end, "heartbeat": False, "sentence_end": True,
                 "text": "".join(w["text"] + w["punctuation"] for w in words), "words": words}
        if with_ids:
            final["sentence_id"] = n + 1
        if with_emotion:
            final["emo_tag"] = draw(st.sampled_from(dashscope_cat.EMO_TAGS))
            final["emo_confidence"] = draw(st.floats(0, 1))
        events.append(event("result-generated", {"output": {"sentence": final},
                                                 "usage": {"duration": max(1, -(-end // 1000))}}))
        at = end
    cut = draw(st.integers(1, len(events)))
    if draw(st.booleans()):
        return [*events, event("task-finished", {"output": {}, "usage": None})]
    codes = sorted({c for c, _ in dashscope_cat.WS_ERRORS.values()} | {dashscope_cat.WS_SERVER_ERROR})
    code = draw(st.sampled_from(codes))
    message = dict(dashscope_cat.WS_ERRORS.values()).get(code, code)
    return [*events[:cut], event("task-failed", {}, error_code=code, error_message=message)]


# ---- NLS, Tencent, PAI-EAS documents ------------------------------------------------------------------------------

@st.composite
def nls_results(draw: st.DrawFn) -> dict[str, Any]:
    """A GetTaskResult body with any documented status code; sentences on success."""
    code = draw(st.sampled_from(sorted(nls_cat.STATUS)))
    body: dict[str, Any] = {"TaskId": draw(st.uuids()).hex, "RequestId": str(draw(st.uuids())).upper(),
                            "StatusCode": code, "StatusText": nls_cat.STATUS[code]}
    if code == 21050000:
        sentences = []
        for _ in range(draw(st.integers(0, 30))):
            begin, end = draw(spans())
            sentences.append({"BeginTime": begin, "EndTime": end, "Text": draw(texts()),
                              "ChannelId": draw(st.integers(0, 1)), "SpeechRate": draw(st.integers(0, 1000)),
                              "EmotionValue": draw(st.floats(1, 10)), "SilenceDuration": draw(st.integers(0, 100))})
        body.update(BizDuration=draw(st.integers(0, MAX_TS)), Result={"Sentences": sentences})
    return body


@st.composite
def tencent_task_statuses(draw: st.DrawFn) -> dict[str, Any]:
    """A DescribeTaskStatus ``Data``: waiting, doing, success (with or without details) or failed."""
    status = draw(st.integers(0, 3))
    data: dict[str, Any] = {"TaskId": draw(st.integers(1, 2**63 - 1)), "Status": status,
                            "StatusStr": ["waiting", "doing", "success", "failed"][status], "AudioDuration": 0,
                            "Result": "", "ErrorMsg": "", "ResultDetail": []}
    if status == 3:
        data["ErrorMsg"] = draw(st.sampled_from(sorted({m for m, _ in tencent_cat.TASK_FAILURES.values()})))
    if status == 2:
        details = []
        for _ in range(draw(st.integers(0, 20))):
            begin, end = draw(spans())
            text = draw(texts())
            details.append({"FinalSentence": text, "SliceSentence": " ".join(text), "StartMs": begin, "EndMs": end,
                            "WordsNum": len(text), "Words": [], "SpeechSpeed": 0.0, "SpeakerId": 0})
        data["Result"] = "".join(f"[{d['StartMs']},{d['EndMs']}]  {d['FinalSentence']}\n" for d in details)
        data["AudioDuration"] = draw(st.floats(0, 18000))
        data["ResultDetail"] = draw(st.sampled_from([details, None]))
    return data


@st.composite
def eas_asr_outputs(draw: st.DrawFn) -> dict[str, str]:
    """A PAI-EAS ASR model's output: clip start (µs, as text) → short sentences joined by ``;``, with ``*``."""
    out = {}
    for i in range(draw(st.integers(0, 6))):
        phrases = draw(st.lists(st.text(st.one_of(_CJK, st.just("*")), max_size=30), max_size=8))
        out[str((i * 40_063_991 + 1) // 2)] = ";".join(phrases)
    return out


# ---- scenarios ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """An injected fault: ``throttle``, ``error`` (with ``code``) or ``latency`` (``seconds``), on the ``nth`` call
    of ``operation`` (every call when None), at most ``times`` times."""

    operation: str
    kind: str
    code: str | None = None
    seconds: float = 0.0
    nth: int | None = None
    times: int | None = None
    frames: int | None = None       # stream faults: after this many audio frames

    def rule(self, vendor: str) -> dict[str, Any]:
        match: dict[str, Any] = {"vendor": vendor, "operation": self.operation}
        if self.nth is not None:
            match["nth"] = self.nth
        if self.times is not None:
            match["times"] = self.times
        action: dict[str, Any] = {"type": self.kind}
        if self.code:
            action["code"] = self.code
        if self.kind in ("latency", "stream_delay"):
            action["seconds"] = self.seconds
        if self.frames is not None:
            action["frames"] = self.frames
        return {"match": match, "action": action}

    def __repr__(self) -> str:
        what = {"error": f"error {self.code}", "latency": f"latency {self.seconds:g}s",
                "stream_fail": f"stream_fail {self.code}", "stream_delay": f"stream_delay {self.seconds:g}s",
                }.get(self.kind, self.kind)
        when = f" on call {self.nth}" if self.nth else ""
        after = f" after {self.frames} frames" if self.frames is not None else ""
        return f"{what}{after} on {self.operation}{when}" + (f" x{self.times}" if self.times else "")


@dataclass(frozen=True)
class Media:
    """One file to submit: spoken ``text``, or a ``problem`` — ``missing`` (HTTP 404) or ``fail:<vendor code>``."""

    text: str = "你好。"
    problem: str | None = None

    @property
    def url(self) -> str:
        if self.problem == "missing":
            return f"{MAGIC}/missing.wav?status=404"
        if self.problem and self.problem.startswith("fail:"):
            return f"{MAGIC}/failed.wav?fail={quote(self.problem[5:])}"
        return f"{MAGIC}/speech.wav?text={quote(self.text)}"

    def __repr__(self) -> str:
        return self.problem or repr(self.text)


@dataclass(frozen=True)
class Scenario:
    vendor: str
    lifecycle: str = "instant"
    media: tuple[Media, ...] = (Media(),)
    faults: tuple[Fault, ...] = field(default=())

    @property
    def media_urls(self) -> list[str]:
        return [m.url for m in self.media]

    @property
    def ok(self) -> bool:
        """Whether every file should transcribe (no media problem)."""
        return all(m.problem is None for m in self.media)

    def apply(self, target: Any) -> None:
        """Configure a live emulator (an ``asr_emulator`` handle or a ``ControlClient``) or an in-process one
        (anything with ``.engine``): reset it, set the lifecycle for this vendor, add the faults."""
        engine = getattr(target, "engine", None)
        if engine is not None:
            from emulator.engine import Rule

            engine.reset()
            engine.set_policy(self.lifecycle, vendor=self.vendor)
            for fault in self.faults:
                engine.faults.add(Rule.from_json(fault.rule(self.vendor)))
            return
        target.reset()
        target.lifecycle(self.lifecycle, vendor=self.vendor)
        for fault in self.faults:
            rule = fault.rule(self.vendor)
            target.fault(rule["action"], **rule["match"])

    def __repr__(self) -> str:
        faults = f", faults={list(self.faults)}" if self.faults else ""
        return f"Scenario({self.vendor}, {self.lifecycle}, media={list(self.media)}{faults})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis prints a falsifying scenario: the same one line."""
        printer.text(repr(self))


def _lifecycles(max_polls: int) -> st.SearchStrategy[str]:
    return st.one_of(st.just("instant"), st.integers(1, max_polls).map(lambda n: f"polls:{n}"))


def scenarios(vendor: str, operations: tuple[str, ...], error_codes: tuple[str, ...], media_codes: tuple[str, ...],
              max_files: int = 1, max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    """Scenarios for any vendor: ``operations`` the fault may hit, ``error_codes`` it may answer with,
    ``media_codes`` vendor codes a file may fail with."""
    media = st.one_of(
        st.just(Media()),
        st.just(Media(problem="missing")),
        st.builds(Media, st.sampled_from(["今天天气很好。我们去公园吧。", "Hello world."])),
        st.sampled_from(media_codes).map(lambda c: Media(problem=f"fail:{c}")) if media_codes else st.nothing(),
    )
    fault = st.one_of(
        st.builds(Fault, st.sampled_from(operations), st.just("throttle"), nth=st.none() | st.integers(1, 3),
                  times=st.none() | st.integers(1, 3)),
        st.builds(Fault, st.sampled_from(operations), st.just("error"), code=st.sampled_from(error_codes),
                  nth=st.none() | st.integers(1, 3), times=st.none() | st.integers(1, 3)),
        st.builds(Fault, st.sampled_from(operations), st.just("latency"), seconds=st.sampled_from([0.01, 0.05]),
                  times=st.integers(1, 2)),
    )
    return st.builds(Scenario, st.just(vendor), _lifecycles(max_polls),
                     st.lists(media, min_size=1, max_size=max_files).map(tuple),
                     st.lists(fault, max_size=2).map(tuple))


def dashscope_scenarios(max_files: int = 3, max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    errors = ("Throttling.RateQuota", "InternalError", "ServiceUnavailable", "RequestTimeOut")
    return scenarios("dashscope", ("submit", "query"), errors,
                     ("InvalidFile.DownloadFailed", "DECODE_ERROR", "SUCCESS_WITH_NO_VALID_FRAGMENT"),
                     max_files=max_files, max_polls=max_polls)


def dashscope_realtime_scenarios() -> st.SearchStrategy[Scenario]:
    """Streaming faults for realtime recognition (``operation: "stream"``): the task failing or the connection
    dropping after some frames, results held back or sent twice. Apply it, then stream with the SDK or your own
    WebSocket client."""
    codes = sorted({dashscope_cat.WS_SERVER_ERROR} | {c for c, _ in dashscope_cat.WS_ERRORS.values()
                                                      if c != dashscope_cat.WS_BAD_REQUEST})
    fault = st.one_of(
        st.builds(Fault, st.just("stream"), st.just("stream_fail"), code=st.sampled_from(codes),
                  frames=st.integers(0, 20), times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_close"), frames=st.integers(0, 20), times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_delay"), seconds=st.sampled_from([0.01, 0.05]),
                  times=st.just(1)),
        st.builds(Fault, st.just("stream"), st.just("stream_duplicate"), times=st.just(1)),
    )
    return st.builds(Scenario, st.just("dashscope"), st.just("instant"), st.just((Media(),)),
                     st.lists(fault, max_size=1).map(tuple))


def nls_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("nls", ("SubmitTask", "GetTaskResult"), ("Throttling.User", "InternalError", "51050000"),
                     ("41050024", "41050006"), max_polls=max_polls)


def tencent_asr_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_asr", ("CreateRecTask", "DescribeTaskStatus"),
                     ("RequestLimitExceeded", "InternalError", "FailedOperation.ErrorRecognize"), (),
                     max_polls=max_polls)


def ci_scenarios(max_polls: int = 3) -> st.SearchStrategy[Scenario]:
    return scenarios("tencent_ci", ("create_job", "get_job"), ("InternalError", "SlowDown"), (), max_polls=max_polls)


def eas_scenarios() -> st.SearchStrategy[Scenario]:
    return scenarios("eas", ("predict",), ("408", "429", "450", "500", "503", "504"), (), max_polls=1)


__all__ = [
    "Fault", "Media", "Scenario", "ci_scenarios", "dashscope_errors", "dashscope_realtime_events",
    "dashscope_realtime_scenarios", "dashscope_result_files", "dashscope_scenarios", "dashscope_task_outputs",
    "eas_asr_outputs", "eas_scenarios", "nls_results", "nls_scenarios", "scenarios", "spans", "tencent_asr_scenarios",
    "tencent_task_statuses", "texts",
]
