"""The vendor-neutral part of the hypothesis strategies: texts and spans with production's edges, and scenarios
(lifecycle, media, faults) that configure a live or in-process emulator. Each vendor's document and scenario
strategies live beside its dialect (``emulator/vendors/<vendor>/strategies.py``); ``emulator.testing.strategies``
gathers them all.

The strategies in general:

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

from emulator.testing.extras import missing

try:
    from hypothesis import strategies as st
except ImportError as exc:          # pragma: no cover - exercised in a subprocess without hypothesis
    raise missing("hypothesis", "emulator.testing.strategies") from exc

MAX_TS = 2**31 - 1
MAGIC = "http://media.asr-emulator.test"

# ---- text ---------------------------------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
NON_BMP = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)      # CJK Extension B
PUNCT = st.sampled_from("，。！？、；：,.!?")


def texts(max_size: int = 200) -> st.SearchStrategy[str]:
    """Recognised text: empty, Chinese with punctuation, non-BMP characters, any unicode, or very long."""
    return st.one_of(
        st.just(""),
        st.text(st.one_of(CJK, PUNCT), min_size=1, max_size=max_size),
        st.text(st.one_of(CJK, NON_BMP, PUNCT), min_size=1, max_size=max_size),
        st.text(max_size=max_size),
        st.builds(lambda s, n: s * n, st.text(CJK, min_size=1, max_size=5), st.integers(500, 2000)),
    )


def spans() -> st.SearchStrategy[tuple[int, int]]:
    """(begin, end) in ms: zero-length, at zero, at the 32-bit boundary, or ordinary."""
    return st.one_of(
        st.just((0, 0)), st.just((MAX_TS, MAX_TS)),
        st.tuples(st.integers(0, MAX_TS), st.integers(0, 10_000)).map(lambda t: (t[0], min(MAX_TS, t[0] + t[1]))),
    )


def maybe(d: dict[str, Any], optional: tuple[str, ...], keep: set[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in optional or k in keep}


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


__all__ = ["CJK", "MAGIC", "MAX_TS", "NON_BMP", "PUNCT", "Fault", "Media", "Scenario", "maybe", "scenarios", "spans",
           "texts"]
