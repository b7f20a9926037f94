"""What ``crosspost watch`` tells people: JSON lines in a rotating log file, one per event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Site, Watch, drop, story_text, wait_for, write_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def test_watch_writes_json_lines_to_the_configured_log_file(sandbox: Any, tmp_path: Path
                                                            ) -> None:
    log_file = tmp_path / "logs" / "crosspost.log"
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",),
                       settings={"log_file": str(log_file), "log_json": True})
    folder = tmp_path / "stories"
    daemon = Watch(cfg).start()
    try:
        drop(folder, "json.txt", story_text("Logged Story"))
        assert wait_for(lambda: (folder / "posted" / "json.txt").exists()), daemon.output()
    finally:
        assert daemon.stop() == 0
    records = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    events = {r.get("event") for r in records}
    assert {"start", "picked_up", "posted", "stop"} <= events
    posted = next(r for r in records if r.get("event") == "posted")
    assert posted["target"] == "journal" and posted["url"].startswith("http://127.0.0.1")
    assert all({"time", "level", "message"} <= r.keys() for r in records)
    assert "sandbox-key" not in log_file.read_text(encoding="utf-8")


def test_watch_changed_story_left_in_place_is_edited_not_posted_again(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",),
                       settings={"posted_dir": ""})
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        path = drop(folder, "kept.txt", story_text("Kept Here", body="Draft one."))
        assert wait_for(lambda: "Kept Here" in site.subjects()), daemon.output()
        assert wait_for(lambda: "Draft one." in site.body("writer", "Kept Here"))
        drop(folder, "kept.txt", story_text("Kept Here", body="Draft two, much better."))
        assert wait_for(lambda: "Draft two" in site.body("writer", "Kept Here")), \
            daemon.output()
        assert site.subjects().count("Kept Here") == 1
        assert path.exists() and not (folder / "posted").exists()
    finally:
        assert daemon.stop() == 0


def test_watch_logs_the_story_files_parse_warnings_with_their_line(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    folder = tmp_path / "stories"
    daemon = Watch(cfg).start()
    try:
        drop(folder, "warned.txt", story_text("Warned", header={"Pairng": "A/B"}))
        assert wait_for(lambda: (folder / "posted" / "warned.txt").exists()), daemon.output()
        out = daemon.output()
    finally:
        assert daemon.stop() == 0
    line = next(x for x in out.splitlines() if "Pairng" in x)
    assert " W warned.txt: line 4:" in line and "did you mean 'Pairing'" in line
