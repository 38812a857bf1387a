"""The Redis store: what the shared state directory does, in Redis — order kept, records changed in one step by
racing writers, counters, a reset that keeps the engine's own, the journal numbered across instances."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from emulator.engine import Blob, Engine, Item, Job, Phase
from emulator.engine.redis_store import RedisStore


@pytest.fixture
def store(redis_url: str) -> Iterator[RedisStore]:
    made = RedisStore(redis_url)
    made.r.flushdb()
    yield made
    made.close()


@dataclass
class Count:
    n: int


def job(job_id: str, ready: bool = True) -> Job:
    return Job(id=job_id, vendor="dashscope", model="paraformer-v2", owner="k", items=[Item(0, "http://x/a.wav")],
               policy="instant", created_at=1.0, media_ready=ready)


def test_jobs_records_and_blobs_in_their_order(store: RedisStore) -> None:
    for name in ("b", "a", "c"):
        store.put_job(job(name))
        store.put_record("kind", name, Count(1))
        store.put_blob("media", name, Blob(name.encode(), "audio/wav", f"{name}.wav", {"k": name}))
    store.put_job(job("a"))                      # written again: keeps its place
    assert [j.id for j in store.jobs()] == ["b", "a", "c"] and store.count_jobs() == 3
    assert [k for k, _ in store.records("kind")] == ["b", "a", "c"]
    assert store.blob_keys("media") == ["b", "a", "c"]
    blob = store.get_blob("media", "a")
    assert blob is not None and (blob.data, blob.content_type, blob.name, blob.meta) == (b"a", "audio/wav", "a.wav",
                                                                                            {"k": "a"})
    assert store.delete_blob("media", "a") and store.get_blob("media", "a") is None
    assert store.delete_job("a") and [j.id for j in store.jobs()] == ["b", "c"]


def test_racing_read_change_writes_lose_nothing(store: RedisStore) -> None:
    def bump(current: object | None) -> Count:
        return Count(current.n + 1 if isinstance(current, Count) else 1)

    threads = [threading.Thread(target=lambda: [store.update_record("kind", "n", bump) for _ in range(50)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found = store.get_record("kind", "n")
    assert isinstance(found, Count) and found.n == 200


def test_a_stale_write_does_not_undo_processed_media_or_an_end(store: RedisStore) -> None:
    stale = job("j", ready=False)
    store.put_job(stale)
    done = job("j")
    done.phase = Phase.SUCCEEDED
    store.put_job(done)
    store.put_job(stale)                          # read before the other wrote: reconciled, not lost
    kept = store.get_job("j")
    assert kept is not None and kept.media_ready and kept.phase is Phase.SUCCEEDED


def test_a_reset_keeps_the_engines_counters_and_ids_go_on(store: RedisStore) -> None:
    first = Engine(store=store)
    ids = {first.new_id() for _ in range(3)}
    store.put_job(job("x"))
    first.reset()
    assert store.count_jobs() == 0 and store.counter("ids") > 0
    second = Engine(store=store)                  # another instance on the same Redis
    assert not ids & {second.new_id() for _ in range(3)}


def test_the_journal_is_one_numbered_across_instances(store: RedisStore) -> None:
    one, other = Engine(store=store), Engine(store=RedisStore(store.url))
    one.journal.record(time=1.0, method="GET", path="/a", status=200, latency_ms=1.0)
    other.journal.record(time=2.0, method="GET", path="/b", status=200, latency_ms=1.0)
    assert [(e.seq, e.path) for e in one.journal.entries()] == [(1, "/a"), (2, "/b")]
    assert [e.path for e in other.journal.entries()] == ["/a", "/b"]


def test_a_listing_with_a_phase_reads_back_only_the_page_and_the_moving_jobs(store: RedisStore) -> None:
    from tests.engine.test_sqlite_store import listing_with_a_phase

    listing_with_a_phase(store)


def test_a_listing_pages_from_the_indexes_and_a_deleted_job_leaves_them(store: RedisStore) -> None:
    from tests.engine.test_sqlite_store import listing_by_filters

    listing_by_filters(store)
    assert store.delete_job("j2")
    page, total = store.page_jobs({"vendor": "dashscope"}, frozenset({"k2"}), newest=False, offset=0, limit=None)
    assert ([j.id for j in page], total) == ([], 0)


def test_jobs_a_version_without_indexes_wrote_are_indexed_once(store: RedisStore, redis_url: str) -> None:
    store.put_job(job("old"))
    for key in store.r.smembers("asr-emulator:job-indexes"):
        store.r.delete(key)
    store.r.delete("asr-emulator:counter:job-indexes")
    page, total = RedisStore(redis_url).page_jobs({"vendor": "dashscope"}, None, False, 0, None)
    assert ([j.id for j in page], total) == (["old"], 1)
