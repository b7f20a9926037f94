"""A damaged state file is refused (exit 4, with the fix) by every command; a rolling
backup beside it restores what was posted where; a full disk is called a full disk.

The damage is real: bytes of the SQLite file on disk are overwritten."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.errors import StateError
from crosspost.state import health
from crosspost.state.registry import Registry


def damage(path: Path) -> None:
    """Overwrite the file's second and third pages (table b-trees) with junk."""
    data = bytearray(path.read_bytes())
    assert len(data) >= 3 * 4096
    data[4096:3 * 4096] = b"\xa5" * (2 * 4096)
    path.write_bytes(bytes(data))


def filled(path: Path, stories: int = 40) -> None:
    with Registry(path) as reg:
        for i in range(stories):
            reg.upsert_story(f"story:a/{i}", title=f"Story {i} " + "x" * 200, path="",
                             content_hash=f"h{i}")
    for suffix in ("-wal", "-shm"):  # checkpointed into the main file at close
        assert not Path(f"{path}{suffix}").exists()


def test_a_damaged_state_file_is_refused_when_opened_with_the_restore_fix(
        tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    filled(path)
    damage(path)
    with pytest.raises(StateError) as err:
        Registry(path)
    assert err.value.exit_code == 4
    assert "damaged" in err.value.message and str(path) in err.value.message
    assert "crosspost state restore" in err.value.fix


def test_closing_after_a_change_leaves_a_sound_backup_with_every_row(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    filled(path, stories=3)
    backup = health.backup_path(path)
    assert backup.exists() and backup.stat().st_mode & 0o777 == 0o600
    db = sqlite3.connect(backup)
    assert db.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 3
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    db.close()


def test_a_damaged_file_never_replaces_a_good_backup(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    filled(path)
    good = health.backup_path(path).read_bytes()
    other = tmp_path / "other.sqlite3"
    filled(other)
    damage(other)
    db = sqlite3.connect(other)
    assert health.write_backup(db, path) is False
    db.close()
    assert health.backup_path(path).read_bytes() == good


def test_two_stores_of_one_process_backing_up_together_both_succeed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the daemon and the dashboard each hold the file open in one process: their backups
    # at the end of a run overlap, and neither may pull the other's half-made copy away
    path = tmp_path / "state.sqlite3"
    filled(path, stories=3)
    checking, go_on = threading.Event(), threading.Event()
    real_check = health.quick_check

    def slow_first_check(db: sqlite3.Connection) -> str | None:
        if threading.current_thread().name == "first":
            checking.set()
            go_on.wait(10)
        return real_check(db)

    monkeypatch.setattr(health, "quick_check", slow_first_check)
    results: dict[str, bool] = {}
    dbs = [sqlite3.connect(path, check_same_thread=False) for _ in range(2)]

    def backup(name: str, db: sqlite3.Connection) -> None:
        results[name] = health.write_backup(db, path)

    first = threading.Thread(target=backup, args=("first", dbs[0]), name="first")
    first.start()
    assert checking.wait(10)
    backup("second", dbs[1])  # the whole second backup while the first one is being checked
    go_on.set()
    first.join(10)
    for db in dbs:
        db.close()
    assert results == {"first": True, "second": True}
    db = sqlite3.connect(health.backup_path(path))
    assert db.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 3
    db.close()
    assert not list(tmp_path.glob("*.tmp"))


def test_a_full_disk_is_reported_as_a_full_disk(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with Registry(path) as reg:
        pages = reg._query("PRAGMA page_count")[0][0]
        # SQLite's own page limit fails writes with SQLITE_FULL, as ENOSPC does
        reg._query(f"PRAGMA max_page_count = {pages + 1}")
        with pytest.raises(StateError) as err:
            for i in range(200):
                reg.upsert_story(f"story:a/{i}", title="y" * 2000, path="", content_hash="h")
    assert err.value.message.startswith("the disk is full")
    assert "permissions" not in err.value.fix and "free some space" in err.value.fix


@pytest.mark.parametrize("argv", [["status"], ["watch", "--once"], ["retry"],
                                  ["history", "x"], ["state", "check"]])
def test_every_command_refuses_a_damaged_state_file_with_exit_4(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    state = tmp_path / "state.sqlite3"
    filled(state)
    damage(state)
    code, out, err = run_main(capsys, "--config", str(sandbox_config), *argv)
    assert code == 4, (out, err)
    assert "damaged" in err and "crosspost state restore" in err
    assert "Traceback" not in err and "internal error" not in err


def test_post_on_a_damaged_file_exits_4_and_restore_brings_back_what_was_posted(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state.sqlite3"
    story = write_story(tmp_path, "kettle", title="Kettle Song")
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "post", str(story),
                            "--to", "journal")
    assert code == 0
    url = re.search(r"^journal: posted (\S+)$", out, re.M)
    assert url is not None
    filled(state)  # more rows, so the damage hits real pages
    damage(state)
    other = write_story(tmp_path, "other", title="Other Song")
    code, out, err = run_main(capsys, "--config", str(sandbox_config), "post", str(other),
                              "--to", "journal")
    assert code == 4 and "damaged" in err and "posted" not in out

    code, out, err = run_main(capsys, "--config", str(sandbox_config), "state", "restore",
                              "--yes")
    assert code == 0, err
    assert "restored" in out and "kept as" in out
    assert list(tmp_path.glob("state.sqlite3.damaged-*"))
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "status")
    assert code == 0 and url.group(1) in out
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "post", str(story),
                            "--to", "journal")
    assert code == 0 and "skipped: already posted" in out
