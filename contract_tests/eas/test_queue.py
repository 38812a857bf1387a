"""Asynchronous inference through the EAS queue service with eas-prediction's QueueClient: the input queue,
the sink, long polls, attributes, deletes and failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from eas_prediction import PredictException, QueueClient

from contract_tests.conftest import FIXTURES
from emulator.testing import ControlClient

pytestmark = pytest.mark.sdk
SERVICE = "asr_general_express_async"
MakeQueue = Callable[..., QueueClient]


def body(url: str) -> bytes:
    return json.dumps({"input": {"url": url}}).encode()


def expected() -> dict[str, str]:
    text = FIXTURES.joinpath("hello_zh.txt").read_text("utf-8").strip()
    return {"0": ";".join(p for p in text.replace("。", "，").split("，") if p)}


def test_put_then_get_by_request_id(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("polls:2")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    index, request_id = inputs.put(body(emulator.fixture_url("hello_zh.wav")), tags={"user": "u1"})
    assert index == "1" and request_id
    seen = []
    for _ in range(10):
        frames = sink.get(request_id=request_id, timeout="0s")
        seen.append(len(frames))
        if frames:
            break
    assert seen[0] == 0 and seen[-1] == 1                 # 204 (an empty list) until the job has run
    frame = frames[0]
    assert frame.index == 1
    assert dict(frame.tags) == {"requestId": request_id, "lastCode": "200", "user": "u1"}
    assert json.loads(frame.data) == expected()
    assert sink.get(request_id=request_id, timeout="0s") == []          # auto-deleted once read


def test_a_long_poll_waits_for_a_timed_job(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("timed:queue=0.3,speed=1000")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    _, request_id = inputs.put(body(emulator.fixture_url("hello_zh.wav")))
    started = time.monotonic()
    frames = sink.get(request_id=request_id, timeout="5s")
    waited = time.monotonic() - started
    assert len(frames) == 1 and json.loads(frames[0].data) == expected()
    assert 0.2 < waited < 4.5


def test_results_in_order_without_a_request_id(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("instant")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    for name in ("hello_zh.wav", "hello_en.wav", "hello_zh.wav"):
        inputs.put(body(emulator.fixture_url(name)))
    assert inputs.attributes()["stream.lastEntry"] == "3"
    assert sink.attributes()["stream.length"] == "3"
    frames = sink.get(length=2, auto_delete=False)
    assert [f.index for f in frames] == [1, 2]
    assert sink.delete([1, 2]) == "OK"
    assert [f.index for f in sink.get(length=5)] == [3]
    assert sink.get(timeout="0s") == []


def test_a_bad_request_fails_in_the_sink_not_at_the_queue(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("instant")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    _, bad = inputs.put(b'{"input": {"url": "http://media.asr-emulator.test/a.wav?status=404"}}')
    _, junk = inputs.put(b"not json at all")
    frames = {f.tags["requestId"]: f for f in sink.get(length=5)}
    assert frames[bad].tags["lastCode"] == "400" and b"failed to download" in frames[bad].data
    assert frames[junk].tags["lastCode"] == "400" and b"not JSON" in frames[junk].data


def test_a_withdrawn_request_never_reaches_the_sink(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("manual")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    index, request_id = inputs.put(body(emulator.fixture_url("hello_zh.wav")))
    assert inputs.delete([int(index)]) == "OK"
    (job,) = emulator.jobs(vendor="eas")
    assert job["phase"] == "canceled"
    assert sink.get(request_id=request_id, timeout="0s") == []


def test_a_failed_job_reports_its_status(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("instant")
    emulator.fault({"type": "fail_job", "code": "503", "message": "no healthy upstream"}, vendor="eas")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    _, request_id = inputs.put(body(emulator.fixture_url("hello_zh.wav")))
    (frame,) = sink.get(request_id=request_id)
    assert frame.tags["lastCode"] == "503" and frame.data == b"no healthy upstream"


def test_a_wrong_token(make_queue: MakeQueue, emulator: ControlClient) -> None:
    inputs = make_queue(SERVICE, token="wrong")
    with pytest.raises(PredictException) as err:
        inputs.put(body(emulator.fixture_url("hello_zh.wav")))
    assert err.value.code == 401
    assert emulator.jobs(vendor="eas") == []


# QueueClient.watch's Watcher.close() aborts its websocket-client socket without closing it: the watch tests collect
# it themselves, so that the ResourceWarning is theirs and ignored, not a stray one later in the session.
WATCH_MARKS = [pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
               pytest.mark.filterwarnings("ignore::ResourceWarning")]


def closed(watcher: object) -> None:
    import gc

    watcher.close()               # type: ignore[attr-defined]
    gc.collect()


@WATCH_MARKS[0]
@WATCH_MARKS[1]
def test_a_consumer_watching_the_sink_reads_every_result_once(make_queue: MakeQueue, emulator: ControlClient) -> None:
    """QueueClient.watch, as the SDK's consumers loop: results pushed as they come, a window of uncommitted ones,
    commit to move on."""
    emulator.lifecycle("timed:queue=0.05,speed=1000")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    sent = [inputs.put(body(emulator.fixture_url("hello_zh.wav")), tags={"n": str(n)})[1] for n in range(5)]
    watcher = sink.watch(0, 2, auto_commit=False)
    seen: list[str] = []
    for frame in watcher.run():
        seen.append(dict(frame.tags)["requestId"])
        assert json.loads(frame.data) == expected()
        sink.commit(frame.index)
        if len(seen) == len(sent):
            break
    closed(watcher)
    assert seen == sent                                   # each once, in order
    assert sink.get(timeout="0s") == []                   # committed results have left the sink


@WATCH_MARKS[0]
@WATCH_MARKS[1]
def test_watching_with_auto_commit_and_index_only(make_queue: MakeQueue, emulator: ControlClient) -> None:
    emulator.lifecycle("instant")
    inputs, sink = make_queue(SERVICE), make_queue(SERVICE, sink=True)
    indexes = [int(inputs.put(body(emulator.fixture_url("hello_zh.wav")))[0]) for _ in range(3)]
    watcher = sink.watch(indexes[1], 5, index_only=True, auto_commit=True)
    got = []
    for frame in watcher.run():
        got.append((frame.index, frame.data))
        if len(got) == 2:
            break
    closed(watcher)
    assert got == [(indexes[1], b""), (indexes[2], b"")]
    assert [f.index for f in sink.get(index=0, length=5, timeout="0s")] == [indexes[0]]


def test_put_on_the_sink_is_a_result_not_a_delete(make_queue: MakeQueue, emulator: ControlClient) -> None:
    """A program writing results itself (QueueClient.put on the sink): read back as it was written."""
    sink = make_queue(SERVICE, sink=True)
    index, request_id = sink.put(b'{"0": "written by hand"}', tags={"who": "me"})
    assert int(index) >= 1 and request_id
    [frame] = sink.get(request_id=request_id, timeout="0s")
    assert frame.data == b'{"0": "written by hand"}' and dict(frame.tags)["who"] == "me"
    assert sink.attributes()["stream.length"] == "0"
