"""Taking a waiting story out of the watched folder withdraws it: its releases are held
(never posted) and listed by `crosspost queue`; putting the file back schedules them again.
Taken out while the daemon was down: the same at start-up, before any release."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from daemon_support import Site, Watch, drop, run_cli, story_text, wait_for, write_config

from crosspost.state.registry import Registry


def _statuses(tmp_path: Path) -> list[str]:
    with Registry(tmp_path / "state.sqlite3") as reg:
        return sorted(r.status for r in reg.scheduled())


def test_watch_story_taken_out_before_its_release_is_held_and_back_again_rescheduled(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    away = tmp_path / "withdrawn"
    away.mkdir()
    daemon = Watch(cfg).start()
    try:
        drop(folder, "pulled.txt", story_text("Pulled Entry", header={"Release": "+1h"}))
        assert wait_for(lambda: _statuses(tmp_path) == ["scheduled", "scheduled"]), \
            daemon.output()
        os.replace(folder / "pulled.txt", away / "pulled.txt")
        assert wait_for(lambda: _statuses(tmp_path) == ["held", "held"]), daemon.output()
        assert "pulled.txt left the stories folder: 2 release(s)" in daemon.output()
        queue = run_cli(cfg, "queue").stdout
        assert "held" in queue and "taken out of the stories folder" in queue
        os.replace(away / "pulled.txt", folder / "pulled.txt")
        assert wait_for(lambda: _statuses(tmp_path) == ["scheduled", "scheduled"]), \
            daemon.output()
        assert "pulled.txt is back: 2 release(s) scheduled again" in daemon.output()
        assert "Pulled Entry" not in site.subjects()
    finally:
        assert daemon.stop() == 0


def test_story_taken_out_while_the_daemon_was_down_is_not_released_at_start(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        drop(folder, "gone.txt", story_text("Gone Quiet", header={"Release": "+1h"}))
        assert wait_for(lambda: _statuses(tmp_path) == ["scheduled"]), daemon.output()
    finally:
        assert daemon.stop() == 0
    with Registry(tmp_path / "state.sqlite3") as reg:
        (row,) = reg.scheduled()
    # the release comes due while nothing runs, and the writer has pulled the file
    assert run_cli(cfg, "reschedule", str(row.id), "--at", "+2s").returncode == 0
    (folder / "gone.txt").unlink()
    time.sleep(2.5)
    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: _statuses(tmp_path) == ["held"]), daemon.output()
        assert "Gone Quiet" not in site.subjects()
    finally:
        assert daemon.stop() == 0


def test_watch_cancelled_release_stays_cancelled_when_the_file_is_saved_again(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        path = drop(folder, "called-off.txt",
                    story_text("Called Off", header={"Release": "+1h"}))
        assert wait_for(lambda: _statuses(tmp_path) == ["scheduled", "scheduled"]), \
            daemon.output()
        res = run_cli(cfg, "cancel", str(path), "--to", "fluffy")
        assert res.returncode == 0 and res.stdout.count("Cancelled #") == 1, res.stdout
        # the writer fixes a typo: the journal's release moves with the file, fluffy's stays
        # cancelled
        drop(folder, "called-off.txt", story_text("Called Off", "Typo fixed.",
                                                  header={"Release": "+1h"}))
        assert wait_for(lambda: "skipped Called Off for fluffy: release cancelled"
                        in daemon.output()), daemon.output()
        assert _statuses(tmp_path) == ["scheduled"]
        assert "Called Off" not in site.subjects("fluffyfics")
    finally:
        assert daemon.stop() == 0


def test_story_renamed_in_the_folder_while_the_daemon_was_down_is_not_withdrawn(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    folder = tmp_path / "stories"
    daemon = Watch(cfg).start()
    try:
        drop(folder, "draft-name.txt", story_text("Renamed Later", header={"Release": "+1h"}))
        assert wait_for(lambda: _statuses(tmp_path) == ["scheduled"]), daemon.output()
    finally:
        assert daemon.stop() == 0
    os.replace(folder / "draft-name.txt", folder / "final-name.txt")
    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: "picked up final-name.txt" in daemon.output()), daemon.output()
        assert _statuses(tmp_path) == ["scheduled"]
        assert "left the stories folder" not in daemon.output()
    finally:
        assert daemon.stop() == 0
