"""The folder watcher's events on a real folder (inotify on Linux): without watchdog's
pairing wait, a rename inside the folder is still a ``gone`` and a ``moved_in``, a move to
``posted/`` is a ``gone``, and a file written right after such a move is reported too."""

from __future__ import annotations

import os
import queue
import sys
from pathlib import Path

import pytest

from crosspost.daemon.watcher import FileEvent, FolderWatcher

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="the pairing wait is inotify's")]


def _until(events: queue.Queue[FileEvent], wanted: FileEvent) -> list[FileEvent]:
    seen: list[FileEvent] = []
    while wanted not in seen:
        seen.append(events.get(timeout=20))
    return seen


def test_watcher_rename_and_move_out_without_the_pairing_wait(tmp_path: Path) -> None:
    events: queue.Queue[FileEvent] = queue.Queue()
    (tmp_path / "posted").mkdir()
    watcher = FolderWatcher(tmp_path, events.put)
    watcher.start()
    try:
        assert watcher.active and watcher.close_events
        (tmp_path / "a.txt").write_text("Title: A\n\n***\n\nbody\n", encoding="utf-8")
        _until(events, FileEvent("closed", tmp_path / "a.txt"))
        os.rename(tmp_path / "a.txt", tmp_path / "b.txt")
        seen = _until(events, FileEvent("moved_in", tmp_path / "b.txt"))
        assert FileEvent("gone", tmp_path / "a.txt") in seen + _drain(events)
        os.rename(tmp_path / "b.txt", tmp_path / "posted" / "b.txt")
        (tmp_path / "c.txt").write_text("Title: C\n\n***\n\nbody\n", encoding="utf-8")
        seen = _until(events, FileEvent("closed", tmp_path / "c.txt"))
        assert FileEvent("gone", tmp_path / "b.txt") in seen
        assert not any(e.path.parent != tmp_path for e in seen)
    finally:
        watcher.stop()


def _drain(events: queue.Queue[FileEvent]) -> list[FileEvent]:
    out = []
    while True:
        try:
            out.append(events.get(timeout=0.5))
        except queue.Empty:
            return out
