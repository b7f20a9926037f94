"""What the daemon remembers about the files of the folder between rescans."""

from __future__ import annotations

import time
from pathlib import Path

from crosspost.daemon.files import FileSig
from crosspost.daemon.folder import FolderState


def test_file_moved_out_while_it_was_taken_is_still_seen_leaving(tmp_path: Path) -> None:
    state = FolderState(tmp_path, settle=0.5, close_events=lambda: True)
    pulled = tmp_path / "pulled.txt"  # taken, then moved out before the daemon noted it
    state.note(pulled, True, FileSig(10, 5))
    # the next rescan does not see it: it left the folder, and its releases are withdrawn
    assert state.known[str(pulled)] == FileSig(10, 5)


def test_file_that_left_the_folder_for_posted_is_forgotten(tmp_path: Path) -> None:
    state = FolderState(tmp_path, settle=0.5, close_events=lambda: True)
    path = tmp_path / "done.txt"
    state.note(path, True, FileSig(10, 5))
    state.note(path, False)
    assert str(path) not in state.known


def test_file_noted_without_a_signature_is_stat_ed_or_forgotten(tmp_path: Path) -> None:
    state = FolderState(tmp_path, settle=0.5, close_events=lambda: True)
    here = tmp_path / "here.txt"
    here.write_text("x", encoding="utf-8")
    state.note(here, True)
    assert state.known[str(here)] == FileSig.of(here.stat())
    state.note(tmp_path / "never.txt", True)
    assert str(tmp_path / "never.txt") not in state.known


def test_a_file_looked_at_again_later_is_pending_and_complete(tmp_path: Path) -> None:
    state = FolderState(tmp_path, settle=0.5, close_events=lambda: True)
    path = tmp_path / "young.txt"
    path.write_text("Title: T\n", encoding="utf-8")
    state.later(path, FileSig.of(path.stat()), 0.0)
    assert path in state.pending
    time.sleep(0.1)  # at least 50 ms later, never at once
    assert [p for p, _ in state.ready(lambda: False)] == [path]
