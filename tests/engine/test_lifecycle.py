import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.engine.audio import AudioInfo
from emulator.engine.core import Engine, EngineConfig, JobStateError
from emulator.engine.jobs import Failure, Item, Job, Phase
from emulator.engine.lifecycle import Policy, parse_policy, target


def make_job(policy: str, duration_ms: int = 10_000, ok: bool = True) -> Job:
    audio = AudioInfo("wav", "pcm_s16le", 16000, 1, duration_ms, 0)
    item = Item(0, "u", audio=audio, failure=None if ok else Failure("download_status"))
    if ok:
        from emulator.engine.recognizer import Transcript

        item.transcript = Transcript("scripted", "zh", ())
    return Job("j", "v", "m", "o", [item], policy, created_at=1000.0)


@pytest.mark.parametrize(("spec", "expected"), [
    ("instant", Policy("instant")), ("manual", Policy("manual")), ("polls:3", Policy("polls", polls=3)),
    ("timed", Policy("timed")), ("timed:queue=2,speed=10", Policy("timed", queue_delay=2, speed=10)),
])
def test_parse_policy(spec: str, expected: Policy) -> None:
    assert parse_policy(spec) == expected
    assert str(parse_policy(spec)) == spec


@pytest.mark.parametrize("spec", ["", "fast", "polls:0", "polls:x", "timed:speed=0", "timed:foo=1", "instant:1"])
def test_bad_policies_are_refused_with_a_message(spec: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_policy(spec)


def test_polls_show_each_phase_n_times() -> None:
    job = make_job("polls:2")
    phases = []
    for reads in range(1, 7):
        job.reads = reads
        phases.append(target(job, parse_policy("polls:2"), 0)[0])
    assert phases == [Phase.QUEUED, Phase.QUEUED, Phase.RUNNING, Phase.RUNNING, Phase.SUCCEEDED, Phase.SUCCEEDED]


def test_timed_uses_queue_delay_and_audio_duration() -> None:
    job = make_job("timed:queue=1,speed=10")   # 10 s audio → 1 s running
    policy = parse_policy(job.policy)
    assert target(job, policy, 1000.5)[0] is Phase.QUEUED
    assert target(job, policy, 1001.5) == (Phase.RUNNING, 1001.0)
    assert target(job, policy, 1002.5) == (Phase.SUCCEEDED, 1002.0)


def test_a_job_whose_items_all_failed_ends_failed() -> None:
    assert target(make_job("instant", ok=False), parse_policy("instant"), 0)[0] is Phase.FAILED


ACTIONS = st.sampled_from(["read", "tick", "advance", "complete", "pause", "resume", "cancel", "fail"])


@given(policy=st.sampled_from(["instant", "polls:1", "polls:3", "timed:queue=1,speed=5", "manual"]),
       actions=st.lists(ACTIONS, max_size=25))
def test_a_job_never_moves_back_a_phase(policy: str, actions: list[str]) -> None:
    engine = Engine(EngineConfig(lifecycle=policy))
    engine.clock.set_mode("manual", 1000.0)
    job = make_job(policy)
    job.created_at = engine.clock.now()
    engine.store.put_job(job)
    def progress() -> int:
        held = (job.paused_from or Phase.QUEUED) if job.phase is Phase.PAUSED else job.phase
        return held.rank

    ranks = [progress()]
    was_terminal = False
    for action in actions:
        try:
            if action == "read":
                engine.read(job.id)
            elif action == "tick":
                engine.clock.advance(0.7)
                engine.peek(job.id)
            elif action == "fail":
                engine.fail(job, "X")
            else:
                getattr(engine, action)(job)
        except JobStateError:
            pass
        ranks.append(progress())
        if was_terminal:
            assert job.phase.terminal
        was_terminal = job.phase.terminal
    assert ranks == sorted(ranks)


def test_pause_and_resume_keep_the_phase_and_shift_timed_jobs() -> None:
    engine = Engine(EngineConfig(lifecycle="timed:queue=1,speed=10"))
    engine.clock.set_mode("manual", 1000.0)
    job = make_job("timed:queue=1,speed=10")
    engine.store.put_job(job)
    engine.clock.advance(1.5)
    assert engine.peek("j") is job and job.phase is Phase.RUNNING
    engine.pause(job)
    engine.clock.advance(100)
    assert engine.peek("j") is job and job.phase is Phase.PAUSED
    engine.resume(job)
    assert job.phase is Phase.RUNNING
    engine.clock.advance(0.6)
    assert engine.peek("j") is job and job.phase is Phase.SUCCEEDED


def test_cancel_only_from_queued() -> None:
    engine = Engine(EngineConfig(lifecycle="manual"))
    queued, running = make_job("manual"), make_job("manual")
    running.id = "r"
    for job in (queued, running):
        engine.store.put_job(job)
    engine.advance(running)
    engine.cancel(queued)
    assert queued.phase is Phase.CANCELED
    with pytest.raises(JobStateError):
        engine.cancel(running)
    with pytest.raises(JobStateError):
        engine.advance(queued)
