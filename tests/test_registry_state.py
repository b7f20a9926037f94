"""The registry file: permissions, WAL, migrations, the watcher's file memory, schedules,
history and the daemon lock."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crosspost.delivery.plan import Decision
from crosspost.errors import StateError, UserError
from crosspost.state.registry import Intent, Registry
from crosspost.state.schema import SCHEMA_VERSION


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_file_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.sqlite3"
    with Registry(path) as reg:
        reg.record_file("/x/a.txt", size=1, mtime_ns=2, raw_sha256="ab", identity="id:a",
                        state="posted")
        assert mode(path) == 0o600
        for suffix in ("-wal", "-shm"):
            extra = Path(f"{path}{suffix}")
            if extra.exists():
                assert mode(extra) == 0o600


def test_existing_state_file_with_loose_mode_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Registry(path).close()
    assert mode(path) == 0o600


def test_state_file_uses_wal(tmp_path: Path) -> None:
    with Registry(tmp_path / "s.db") as reg:
        reg.log_event("id:x", "note")
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def _open_new_files(folder: str, count: int, barrier: Any, errors: Any) -> None:
    """One process of the test below: open ``count`` new state files, each at the same
    moment as the other process."""
    for i in range(count):
        barrier.wait()
        try:
            Registry(Path(folder) / f"state-{i}.sqlite3").close()
        except StateError as exc:
            errors.put(exc.message)


def test_two_runs_creating_the_same_state_file_at_once_both_open_it(tmp_path: Path) -> None:
    # two `crosspost post` started together on a first run both make the new file WAL, and
    # SQLite answers one of them "locked" at once (no busy wait): that run must wait instead
    count = 40
    ctx = multiprocessing.get_context("spawn")  # as on Windows and macOS
    barrier, errors = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_open_new_files, args=(str(tmp_path), count, barrier, errors))
             for _ in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    failed = []
    while not errors.empty():
        failed.append(errors.get())
    assert failed == [] and [proc.exitcode for proc in procs] == [0, 0]
    for i in range(count):
        with Registry(tmp_path / f"state-{i}.sqlite3") as reg:
            assert reg.schema_version == SCHEMA_VERSION


def test_migrations_bring_an_empty_file_to_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    path.write_bytes(b"")
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close()
    assert {"stories", "files", "deliveries", "events"} <= tables


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Registry(path) as reg:
        reg.upsert_story("id:a", title="A", path="/a.txt", content_hash="h")
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION
        story = reg.story("id:a")
        assert story is not None and story.title == "A"


def test_newer_schema_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Registry(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    with pytest.raises(StateError) as info:
        Registry(path)
    assert "newer crosspost" in info.value.message
    assert "upgrade" in info.value.fix


def test_a_file_that_is_not_a_database_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError) as info:
        Registry(path)
    assert info.value.exit_code == 4 and info.value.fix


def test_file_memory_round_trip(tmp_path: Path) -> None:
    with Registry(tmp_path / "s.db") as reg:
        assert reg.file_seen("/stories/a.txt") is None
        reg.record_file("/stories/a.txt", size=10, mtime_ns=123, raw_sha256="abc",
                        identity="id:a", state="posted")
        reg.record_file("/stories/a.txt", size=11, mtime_ns=456, raw_sha256="def",
                        identity="id:a", state="scheduled")
        row = reg.file_seen("/stories/a.txt")
        assert row is not None
        assert (row.size, row.mtime_ns, row.raw_sha256, row.state) == (11, 456, "def",
                                                                      "scheduled")
        assert reg.identity_for_path("/stories/a.txt") == "id:a"
        reg.forget_file("/stories/a.txt")
        assert reg.file_seen("/stories/a.txt") is None


def test_start_up_scan_records_and_reads_many_files_at_once(tmp_path: Path) -> None:
    from crosspost.state.registry import FileRow
    rows = [FileRow(f"/s/{i}.txt", i, i * 10, f"h{i}", f"id:{i}", "posted", None)
            for i in range(300)]
    with Registry(tmp_path / "s.db") as reg:
        reg.record_files(rows)
        known = reg.files()
    assert len(known) == 300
    assert (known["/s/7.txt"].size, known["/s/7.txt"].identity) == (7, "id:7")


def _schedule(reg: Registry, identity: str, target: str, at: datetime) -> int:
    claim = reg.claim(lambda row, live: Decision("schedule", at=at), Intent("me"),
                      identity=identity, target=target)
    assert claim.row is not None
    return claim.row.id


def test_schedule_due_cancel_reschedule_and_hold(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with Registry(tmp_path / "s.db") as reg:
        early = _schedule(reg, "id:a", "journal", now + timedelta(minutes=5))
        late = _schedule(reg, "id:b", "journal", now + timedelta(hours=2))
        assert reg.next_release() == now + timedelta(minutes=5)
        assert [r.id for r in reg.scheduled()] == [early, late]
        assert reg.due(now) == []
        assert [r.id for r in reg.due(now + timedelta(minutes=6))] == [early]
        reg.cancel(early)
        assert [r.id for r in reg.scheduled()] == [late]
        with pytest.raises(UserError) as info:  # a user error (exit 2), with the fix
            reg.cancel(early)
        assert info.value.exit_code == 2 and "crosspost queue" in info.value.fix
        with pytest.raises(UserError):
            reg.reschedule(9999, now)
        reg.reschedule(early, now + timedelta(hours=3))
        assert reg.next_release() == now + timedelta(hours=2)
        held = reg.hold(late, "missed")
        assert held.status == "held" and held.last_error == "missed"
        actions = [e.action for e in reg.history("id:a")]
        assert actions == ["schedule", "cancelled", "rescheduled"]


def test_daemon_lock_admits_one_daemon_and_names_the_other(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Registry(path) as reg:
        lock = reg.acquire_daemon_lock()
        try:
            probe = ("import sys\nfrom crosspost.state.registry import Registry\n"
                     "from crosspost.errors import StateError\n"
                     "try:\n    Registry(sys.argv[1]).acquire_daemon_lock()\n"
                     "except StateError as e:\n    print(e.message); sys.exit(3)\n")
            res = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                                 text=True, timeout=60, check=False)
            assert res.returncode == 3
            assert "another crosspost daemon is running" in res.stdout
            import os
            assert f"pid {os.getpid()}" in res.stdout
        finally:
            lock.release()
        reg.acquire_daemon_lock().release()


def test_a_version_one_file_is_migrated_and_keeps_its_deliveries(tmp_path: Path) -> None:
    from crosspost.state.schema import MIGRATIONS
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO deliveries(identity, target, status, url, created_at, updated_at)"
               " VALUES ('id:old', 'journal', 'posted', 'http://x/1.html',"
               " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')")
    db.close()
    with Registry(path) as reg:
        assert reg.schema_version == SCHEMA_VERSION > 1
        row = reg.latest("id:old", "journal")
        assert row is not None and (row.status, row.url, row.settle_at) == (
            "posted", "http://x/1.html", None)
