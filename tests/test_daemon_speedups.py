"""The daemon's fast paths give the same answers as the slow ones they replace: stored times
read back exactly, the files table's bulk reads, path strings from a scan, and the warm-up
that prepares the first post without sending anything."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from crosspost.config import load_config
from crosspost.daemon.files import scan, scan_names
from crosspost.daemon.warmup import Warmup, accounts_to_warm
from crosspost.delivery.pool import AdapterPool, default_factory
from crosspost.state.records import parse_ts, ts
from crosspost.state.registry import Registry


def test_stored_times_read_back_exactly_as_aware_utc() -> None:
    start = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)
    for step in range(0, 10_000_000, 99_991):
        when = start + timedelta(seconds=step * 7.3, microseconds=step % 1_000_000)
        text = ts(when)
        assert text is not None
        back = parse_ts(text)
        slow = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
        assert back == when == slow
        assert back is not None and back.utcoffset() == timedelta(0)
        assert ts(back) == text


def test_stored_times_in_other_iso_forms_still_read() -> None:
    assert parse_ts("2026-01-02T03:04:05.000006+00:00") == datetime(
        2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert parse_ts("2026-01-02T03:04:05.000006+0200") == datetime(
        2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert parse_ts("") is None and parse_ts(None) is None


def test_file_sigs_and_waiting_files_match_the_rows(tmp_path: Path) -> None:
    with Registry(tmp_path / "s.db") as reg:
        reg.record_file("/s/a.txt", size=3, mtime_ns=30, raw_sha256="r", identity="id:a",
                        state="posted")
        reg.record_file("/s/b.txt", size=4, mtime_ns=40, raw_sha256="r", identity="id:b",
                        state="waiting")
        reg.record_file("/s/c.txt", size=5, mtime_ns=50, raw_sha256="", identity=None,
                        state="waiting")
        sigs = reg.file_sigs()
        rows = reg.files()
        assert sigs == {p: (r.size, r.mtime_ns, r.state) for p, r in rows.items()}
        assert reg.waiting_files() == [("/s/b.txt", "id:b")]


def test_scan_names_are_the_paths_scan_gives(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c é.html", ".hidden.txt", "notes.pdf~"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub").mkdir()
    by_path = {str(p): st.st_size for p, st in scan(tmp_path)}
    by_name = {n: st.st_size for n, st in scan_names(tmp_path)}
    assert by_name == by_path
    assert sorted(by_name) == sorted(str(tmp_path / n) for n in ("a.txt", "b.md", "c é.html"))


def test_warmup_creates_the_adapter_without_any_request(sandbox: Any,
                                                        sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    made: list[str] = []

    def factory(name: str, account: Any) -> Any:
        made.append(name)
        return default_factory(name, account)

    before = sandbox.stats.snapshot()
    pool = AdapterPool(config, factory=factory)
    warm = Warmup(config, pool, threading.Event()).start()
    warm.join(30)
    assert not warm.thread.is_alive()
    assert made == accounts_to_warm(config) == ["sandbox"]
    assert pool.adapter("sandbox") is pool.adapter("sandbox") and made == ["sandbox"]
    pool.close()
    after = sandbox.stats.snapshot()
    assert (after["requests"], after["connections"]) == (before["requests"],
                                                         before["connections"])


def test_warmup_after_stop_creates_nothing(sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    made: list[str] = []

    def factory(name: str, account: Any) -> Any:
        made.append(name)
        return default_factory(name, account)

    stop = threading.Event()
    stop.set()
    warm = Warmup(config, AdapterPool(config, factory=factory), stop).start()
    warm.join(30)
    assert not warm.thread.is_alive() and made == []
