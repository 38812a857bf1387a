"""The state directory's store: written through to SQLite, loaded back on start."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from emulator.engine import Blob, Engine, Item, Job
from emulator.engine.core import ID_BLOCK
from emulator.engine.sqlite_store import SqliteStore
from emulator.vendors.tencent.ci_common import Queue


def job(job_id: str, ready: bool = True) -> Job:
    return Job(id=job_id, vendor="dashscope", model="paraformer-v2", owner="k", items=[Item(0, "http://x/a.wav")],
               policy="instant", created_at=1.0, media_ready=ready)


def test_jobs_records_and_blobs_come_back(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    store.put_job(job("a"))
    store.put_job(job("b"))
    store.put_record("tencent_ci.queue", "q", Queue("q", "bucket", "speech-queue", 1.0, 1.0))
    store.put_blob("media", "small", Blob(b"tiny", "audio/wav", "a.wav", {"k": "v"}))
    store.put_blob("media", "gone", Blob(b"x"))
    store.delete_blob("media", "gone")
    store.close()
    again = SqliteStore(tmp_path)
    assert [j.id for j in again.jobs()] == ["a", "b"]
    assert isinstance(again.get_record("tencent_ci.queue", "q"), Queue)
    blob = again.get_blob("media", "small")
    assert blob is not None and (blob.data, blob.content_type, blob.name, blob.meta) == (b"tiny", "audio/wav",
                                                                                            "a.wav", {"k": "v"})
    assert again.get_blob("media", "gone") is None and len(list((tmp_path / "blobs").iterdir())) == 1


def test_ids_are_never_handed_out_twice_across_restarts_or_resets(tmp_path: Path) -> None:
    first = Engine(store=SqliteStore(tmp_path))
    seen = {first.new_id() for _ in range(10)}
    first.reset()                                   # a reset keeps the reservation: ids go on
    seen |= {first.new_id() for _ in range(10)}
    second = Engine(store=SqliteStore(tmp_path))    # a restart skips the rest of the reserved block
    later = {second.new_id() for _ in range(ID_BLOCK + 5)}
    assert len(seen) == 20 and not seen & later


def test_a_job_whose_media_were_being_fetched_fails_after_a_restart(tmp_path: Path) -> None:
    SqliteStore(tmp_path).put_job(job("pending", ready=False))
    engine = Engine(store=SqliteStore(tmp_path))
    found = engine.peek("pending")
    assert found is not None and found.phase.value == "failed"
    assert found.forced_failure is not None and "restarted" in (found.forced_failure.message or "")


def test_the_journal_is_kept_bounded_and_numbering_goes_on(tmp_path: Path) -> None:
    first = Engine(store=SqliteStore(tmp_path))
    for i in range(5):
        first.journal.record(time=float(i), method="GET", path=f"/{i}", status=200, latency_ms=1.0)
    first.store.close()                           # a server that stops as asked writes what is pending
    second = Engine(store=SqliteStore(tmp_path))
    assert [e.path for e in second.journal.entries()] == ["/0", "/1", "/2", "/3", "/4"]
    assert second.journal.record(time=9.0, method="GET", path="/new", status=200, latency_ms=1.0).seq == 6
    second.journal.clear()
    assert Engine(store=SqliteStore(tmp_path)).journal.entries() == []


def test_journal_entries_are_written_together_after_the_answers(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A task query does not wait on a commit of its journal entry: the entries are written together by a timer
    (or when the server stops) — so a process killed outright loses only that last moment of the journal."""
    import time

    from emulator.engine import sqlite_store

    def on_disk() -> list[str]:
        with sqlite3.connect(tmp_path / "state.sqlite3") as db:
            return [pickle.loads(data).path for (data,) in db.execute("SELECT data FROM journal ORDER BY seq")]

    monkeypatch.setattr(sqlite_store, "JOURNAL_FLUSH_S", 3600.0)
    stopping = Engine(store=SqliteStore(tmp_path))
    for i in range(3):
        stopping.journal.record(time=float(i), method="GET", path=f"/{i}", status=200, latency_ms=1.0)
    assert on_disk() == []                          # nothing written beside the answers
    assert [e.path for e in stopping.journal.entries()] == ["/0", "/1", "/2"]     # read from memory meanwhile
    stopping.store.close()
    assert on_disk() == ["/0", "/1", "/2"]

    monkeypatch.setattr(sqlite_store, "JOURNAL_FLUSH_S", 0.05)
    running = Engine(store=SqliteStore(tmp_path))
    running.journal.record(time=3.0, method="GET", path="/3", status=200, latency_ms=1.0)
    deadline = time.monotonic() + 10
    while len(on_disk()) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert on_disk() == ["/0", "/1", "/2", "/3"]     # the timer wrote it, no stop needed
    running.journal.clear()
    assert on_disk() == []


def test_two_workers_on_one_directory_share_every_read_and_never_share_an_id(tmp_path: Path) -> None:
    from emulator.engine import Phase
    from emulator.engine.sqlite_store import SharedSqliteStore

    one, other = Engine(store=SharedSqliteStore(tmp_path)), Engine(store=SharedSqliteStore(tmp_path))
    one.store.put_job(job("j", ready=False))
    seen = other.store.get_job("j")
    assert seen is not None and not seen.media_ready
    done = job("j")
    done.phase = Phase.SUCCEEDED
    one.store.put_job(done)
    other.store.put_job(seen)                     # a stale write: reconciled, the end and the media kept
    kept = one.store.get_job("j")
    assert kept is not None and kept.media_ready and kept.phase is Phase.SUCCEEDED
    ids = [e.new_id() for _ in range(ID_BLOCK + 3) for e in (one, other)]
    assert len(set(ids)) == len(ids)
    one.journal.record(time=1.0, method="GET", path="/a", status=200, latency_ms=1.0)
    other.journal.record(time=2.0, method="GET", path="/b", status=200, latency_ms=1.0)
    assert [(e.seq, e.path) for e in one.journal.entries()] == [(1, "/a"), (2, "/b")]


def test_racing_record_changes_across_workers_lose_nothing(tmp_path: Path) -> None:
    import threading

    from emulator.engine.sqlite_store import SharedSqliteStore

    stores = [SharedSqliteStore(tmp_path) for _ in range(4)]

    def bump(current: object | None) -> Queue:
        queue = current if isinstance(current, Queue) else Queue("q", "bucket", "speech-queue", 1.0, 0.0)
        queue.updated += 1
        return queue

    threads = [threading.Thread(target=lambda s=s: [s.update_record("k", "q", bump) for _ in range(50)])
               for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found = stores[0].get_record("k", "q")
    assert isinstance(found, Queue) and found.updated == 200


def listing_by_filters(store: Any) -> None:
    """A listing filtered by columns and by the making credential, paged, in insertion order (shared by the Redis
    store's test)."""
    for i in range(7):
        made = job(f"j{i}")
        made.vendor, made.account = ("nls" if i % 2 else "dashscope"), f"k{i % 3}"
        store.put_job(made)
    store.put_job(store.get_job("j0") or job("x"))            # written again: keeps its place
    page, total = store.page_jobs({"vendor": "dashscope"}, None, newest=True, offset=1, limit=2)
    assert ([j.id for j in page], total) == (["j4", "j2"], 4)
    page, total = store.page_jobs({}, frozenset({"k0", "k2"}), newest=False, offset=0, limit=None)
    assert ([j.id for j in page], total) == (["j0", "j2", "j3", "j5", "j6"], 5)


def test_a_shared_store_pages_a_listing_in_sql(tmp_path: Path) -> None:
    from emulator.engine.sqlite_store import SharedSqliteStore

    listing_by_filters(SharedSqliteStore(tmp_path))


def test_a_state_directory_made_before_the_listing_columns_gets_them(tmp_path: Path) -> None:
    import pickle
    import sqlite3

    from emulator.engine.sqlite_store import SharedSqliteStore

    old = sqlite3.connect(tmp_path / "state.sqlite3")
    old.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, data BLOB NOT NULL)")
    old.execute("INSERT INTO jobs VALUES (?, ?)", ("old", pickle.dumps(job("old"))))
    old.commit()
    old.close()
    page, total = SharedSqliteStore(tmp_path).page_jobs({"vendor": "dashscope"}, None, False, 0, None)
    assert ([j.id for j in page], total) == (["old"], 1)


def listing_with_a_phase(store: Any) -> None:
    """What a store with ``page_jobs`` must do for ``?phase=``: the jobs in that phase now — a job as its row says,
    one whose phase moves with the clock (timed) brought up to it by ``current`` — paged, counted, and without
    reading back the other jobs outside the page (shared by the Redis store's test)."""
    from emulator.engine import Phase

    for i in range(12):
        made = job(f"j{i:02d}")
        made.phase = Phase.SUCCEEDED if i % 3 else Phase.QUEUED          # j00, j03, j06, j09 still queued
        made.policy = "instant" if i % 3 else "timed"
        made.vendor = "nls" if i == 11 else "dashscope"
        store.put_job(made)
    held = job("j12")                                 # queued and staying so until told (manual): never read back
    held.policy = "manual"
    store.put_job(held)
    due = {"j03", "j09"}               # by the clock, these two have succeeded since they were written

    def current(found: Job) -> Job:             # (the engine would also write the move back)
        if found.id in due:
            found.phase = Phase.SUCCEEDED
        return found

    reads: list[str] = []
    loads = store._loads

    def counting(data: object, what: str) -> object:
        found = loads(data, what)
        reads.append(getattr(found, "id", "?"))
        return found

    store._loads = counting
    page, total = store.page_jobs({"vendor": "dashscope"}, None, False, 1, 3, "succeeded", current)
    assert ([j.id for j in page], total) == (["j02", "j03", "j04"], 9)
    assert all(j.phase is Phase.SUCCEEDED for j in page)
    assert sorted(reads) == ["j00", "j02", "j03", "j04", "j06", "j09"]     # the queued four and the page's two
    reads.clear()
    page, total = store.page_jobs({}, None, True, 0, None, "queued", current)
    assert ([j.id for j in page], total) == (["j12", "j06", "j00"], 3)
    reads.clear()
    due.clear()
    page, total = store.page_jobs({}, None, True, 0, 2, "succeeded", current)     # none moves now
    assert ([j.id for j in page], total) == (["j11", "j10"], 8)
    assert sorted(reads) == ["j00", "j03", "j06", "j09", "j10", "j11"]


def test_a_shared_store_lists_a_phase_without_reading_every_job_back(tmp_path: Path) -> None:
    from emulator.engine.sqlite_store import SharedSqliteStore

    listing_with_a_phase(SharedSqliteStore(tmp_path))
