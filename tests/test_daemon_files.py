"""The watcher's file decisions: ignore rules, completeness, symlinks, setting files aside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosspost.daemon.files import (
    FileSig,
    Pending,
    ignore_reason,
    inside,
    mark_closed,
    mark_written,
    move_aside,
    readiness,
    report_path,
    scan,
    unique_destination,
    write_report,
)


@pytest.mark.parametrize("name", [
    ".hidden.txt", ".story.txt.swp", "story.txt.swp", "story.txt~", "story.txt.tmp",
    "story.txt.part", "story.txt.crdownload", "#story.txt#", ".#story.txt", "story.bak",
    "~$story.txt", "4913", "story.txt.error.txt", "Thumbs.db", ".DS_Store", "story.md.orig",
])
def test_ignore_reason_skips_editor_temporaries_backups_and_partial_downloads(name: str) -> None:
    assert ignore_reason(name) == "temporary"


@pytest.mark.parametrize("name", ["story.txt", "Story.TXT", "fic.md", "fic.markdown",
                                  "saved post.html", "old.htm", "notes.text"])
def test_ignore_reason_takes_story_files(name: str) -> None:
    assert ignore_reason(name) is None


@pytest.mark.parametrize("name", ["cover.png", "story", "archive.zip", "notes.xlsx"])
def test_ignore_reason_leaves_other_file_types_alone_but_says_so(name: str) -> None:
    assert ignore_reason(name) == "not a story"


SIG = FileSig(120, 1_000)


def test_readiness_close_after_write_is_ready_at_once() -> None:
    entry = mark_closed(None, SIG, now=10.0)
    assert readiness(entry, SIG, 10.0, settle=2.0, close_events=True).ready


def test_readiness_rename_into_folder_is_ready_even_after_earlier_writes() -> None:
    entry = mark_written(None, FileSig(10, 500), now=1.0)
    entry = mark_closed(entry, SIG, now=2.0)
    assert readiness(entry, SIG, 2.0, settle=2.0, close_events=True).ready


def test_readiness_written_file_still_open_waits_for_close_not_just_a_pause() -> None:
    # a writer that paused for 5 s with the file open: with close events available, a pause
    # longer than settle is not enough
    entry = mark_written(None, SIG, now=0.0)
    verdict = readiness(entry, SIG, 5.0, settle=2.0, close_events=True, patience=30.0)
    assert not verdict.ready and verdict.wait == pytest.approx(25.0)
    assert readiness(entry, SIG, 30.0, settle=2.0, close_events=True, patience=30.0).ready


def test_readiness_without_close_events_waits_for_size_and_mtime_to_settle() -> None:
    entry = mark_written(None, SIG, now=0.0)
    early = readiness(entry, SIG, 1.5, settle=2.0, close_events=False)
    assert not early.ready and early.wait == pytest.approx(0.5)
    assert readiness(entry, SIG, 2.0, settle=2.0, close_events=False).ready


def test_readiness_a_change_restarts_the_clock() -> None:
    entry = Pending(SIG, since=0.0)
    grown = FileSig(200, 2_000)
    assert not readiness(entry, grown, 10.0, settle=2.0, close_events=False).ready
    entry = entry.observe(grown, 10.0)
    assert not readiness(entry, grown, 11.0, settle=2.0, close_events=False).ready
    assert readiness(entry, grown, 12.0, settle=2.0, close_events=False).ready


def test_readiness_a_close_for_an_older_content_does_not_count() -> None:
    entry = mark_closed(None, SIG, now=0.0)
    grown = FileSig(200, 2_000)
    entry = mark_written(entry, grown, now=1.0)
    assert not entry.closed
    assert not readiness(entry, grown, 1.0, settle=2.0, close_events=True).ready


def test_readiness_empty_file_is_never_taken() -> None:
    empty = FileSig(0, 1_000)
    entry = mark_closed(None, empty, now=0.0)
    assert not readiness(entry, empty, 1000.0, settle=2.0, close_events=True).ready


def test_scan_lists_top_level_stories_only(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.md").write_text("x")
    (tmp_path / ".a.txt.swp").write_text("x")
    (tmp_path / "posted").mkdir()
    (tmp_path / "posted" / "c.txt").write_text("x")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "d.txt").write_text("x")
    assert sorted(p.name for p, _ in scan(tmp_path)) == ["a.txt", "b.md"]


def test_scan_follows_symlinks_inside_the_folder_only(tmp_path: Path) -> None:
    root = tmp_path / "stories"
    (root / "drafts").mkdir(parents=True)
    (root / "drafts" / "inside.txt").write_text("inside")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (root / "linked.txt").symlink_to(root / "drafts" / "inside.txt")
    (root / "escape.txt").symlink_to(outside)
    (root / "dangling.txt").symlink_to(tmp_path / "nothing.txt")
    found = {p.name: st for p, st in scan(root)}
    assert sorted(found) == ["linked.txt"]
    assert found["linked.txt"].st_size == len("inside")
    assert inside(root / "linked.txt", root) and not inside(root / "escape.txt", root)


def test_unique_destination_never_reuses_a_taken_name(tmp_path: Path) -> None:
    assert unique_destination(tmp_path, "story.txt") == tmp_path / "story.txt"
    (tmp_path / "story.txt").write_text("one")
    assert unique_destination(tmp_path, "story.txt") == tmp_path / "story-2.txt"
    (tmp_path / "story-2.txt").write_text("two")
    assert unique_destination(tmp_path, "story.txt") == tmp_path / "story-3.txt"
    # a report left behind by an earlier attempt does not block the name: it is replaced
    (tmp_path / "draft.txt.error.txt").write_text("old report")
    assert unique_destination(tmp_path, "draft.txt") == tmp_path / "draft.txt"
    assert unique_destination(tmp_path, "README") == tmp_path / "README"


def test_move_aside_renames_without_touching_content_and_keeps_clashes(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    first = inbox / "story.txt"
    first.write_bytes(b"first\r\nversion")
    moved = move_aside(first, inbox / "posted")
    assert moved == inbox / "posted" / "story.txt" and not first.exists()
    second = inbox / "story.txt"
    second.write_bytes(b"second")
    moved2 = move_aside(second, inbox / "posted")
    assert moved2 == inbox / "posted" / "story-2.txt"
    assert moved.read_bytes() == b"first\r\nversion" and moved2.read_bytes() == b"second"


def test_write_report_goes_beside_the_story(tmp_path: Path) -> None:
    story = tmp_path / "bad.txt"
    story.write_text("x")
    report = write_report(story, "Problem: no title")
    assert report == report_path(story) == tmp_path / "bad.txt.error.txt"
    assert report.read_text() == "Problem: no title\n"
    assert story.read_text() == "x"


def test_file_sig_equal_for_unchanged_file(tmp_path: Path) -> None:
    p = tmp_path / "s.txt"
    p.write_text("abc")
    a = FileSig.of(p.stat())
    assert a == FileSig.of(p.stat())
    os.utime(p, ns=(a.mtime_ns + 10**9, a.mtime_ns + 10**9))
    assert FileSig.of(p.stat()) != a


def test_ignore_reason_file_name_not_valid_utf8_asks_for_a_rename() -> None:
    assert ignore_reason(os.fsdecode(b"caf\xe9.txt")) == "bad name"
    assert ignore_reason("café.txt") is None


@pytest.mark.parametrize("name", ["story.docx", "Story.DOC", "fic.rtf", "notes.odt",
                                  "final.pdf"])
def test_ignore_reason_takes_word_processor_files_so_they_are_set_aside_with_a_report(
        name: str) -> None:
    from crosspost.daemon.files import is_document

    assert ignore_reason(name) is None and is_document(name)


def test_ignore_reason_word_lock_files_stay_silent() -> None:
    assert ignore_reason("~$story.docx") == "temporary"
    assert ignore_reason(".~lock.notes.odt#") == "temporary"


def test_clear_stale_report_removes_only_our_report_whose_story_left_failed(
        tmp_path: Path) -> None:
    from crosspost.daemon.reports import HEAD, clear_stale_report

    failed = tmp_path / "failed"
    failed.mkdir()
    (failed / "a.txt.error.txt").write_text(f"{HEAD} read this story\n", encoding="utf-8")
    (failed / "b.txt.error.txt").write_text(f"{HEAD} read this story\n", encoding="utf-8")
    (failed / "b.txt").write_text("still here, still broken\n", encoding="utf-8")
    (failed / "c.txt.error.txt").write_text("the writer's own notes\n", encoding="utf-8")
    assert clear_stale_report(failed, "a.txt") == failed / "a.txt.error.txt"
    assert not (failed / "a.txt.error.txt").exists()
    assert clear_stale_report(failed, "b.txt") is None  # its story is still set aside
    assert clear_stale_report(failed, "c.txt") is None  # not ours
    assert clear_stale_report(failed, "d.txt") is None  # no report at all
    assert (failed / "b.txt.error.txt").exists() and (failed / "c.txt.error.txt").exists()
