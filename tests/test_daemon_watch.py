"""The real ``crosspost watch`` in a subprocess, against the sandbox: dropped files are
posted and moved, half-written files wait, bad files are set aside with a report, and
SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from daemon_support import Site, Watch, drop, run_cli, story_text, wait_for, write_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


@pytest.fixture
def watched(sandbox: Any, tmp_path: Path) -> tuple[Path, Path, Site]:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    return cfg, tmp_path / "stories", Site(sandbox.url)


def test_watch_dropped_file_is_posted_and_moved_and_a_second_drop_is_not_reposted(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    try:
        text = story_text("Lanterns on the Quay")
        drop(folder, "lanterns.txt", text)
        moved = folder / "posted" / "lanterns.txt"
        assert wait_for(moved.exists), daemon.output()
        assert moved.read_text(encoding="utf-8") == text  # never rewritten
        assert not (folder / "lanterns.txt").exists()
        assert site.subjects().count("Lanterns on the Quay") == 1
        assert "The last line of Lanterns on the Quay." in site.body("writer",
                                                                     "Lanterns on the Quay")
        out = daemon.output()
        assert "picked up lanterns.txt" in out and "→ journal: posted http" in out

        # the same story again, under another name: not posted twice, moved aside
        drop(folder, "lanterns copy.txt", text)
        again = folder / "posted" / "lanterns copy.txt"
        assert wait_for(again.exists), daemon.output()
        assert site.subjects().count("Lanterns on the Quay") == 1
        assert "skipped Lanterns on the Quay for journal: already posted" in daemon.output()
    finally:
        code = daemon.stop()
    assert code == 0
    assert "Traceback" not in daemon.output()


def test_watch_half_written_file_is_not_posted_until_complete(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    try:
        head = story_text("Slow Ink", body="The first half, written in a hurry.")
        path = folder / "slow.txt"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(head)
            fh.flush()
            os.fsync(fh.fileno())
            # longer than --settle 0.5 and a rescan tick: still open, so not complete
            time.sleep(3.0)
            assert path.exists() and "Slow Ink" not in site.subjects(), daemon.output()
            fh.write("\nThe second half, after a long think.\n")
        posted = folder / "posted" / "slow.txt"
        assert wait_for(posted.exists), daemon.output()
        assert "The second half, after a long think." in site.body("writer", "Slow Ink")
        assert site.subjects().count("Slow Ink") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_bad_file_is_set_aside_with_a_report_and_the_next_good_file_is_posted(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    try:
        bad = story_text("Never Sent", header={"Release": "next blursday at teatime"})
        drop(folder, "bad.txt", bad)
        junk = b"\x00\xff\xfe\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        (folder / "junk.txt").write_bytes(junk)
        drop(folder, "good.txt", story_text("Sent After All"))

        assert wait_for(lambda: (folder / "posted" / "good.txt").exists()), daemon.output()
        failed = folder / "failed"
        assert wait_for(lambda: (failed / "bad.txt.error.txt").exists()
                        and (failed / "junk.txt.error.txt").exists()), daemon.output()
        assert (failed / "bad.txt").read_text(encoding="utf-8") == bad
        assert (failed / "junk.txt").read_bytes() == junk
        report = (failed / "bad.txt.error.txt").read_text(encoding="utf-8")
        assert "bad.txt" in report and "Line:    4" in report
        assert "blursday" in report and "tomorrow 9am" in report  # the accepted forms
        assert "junk.txt" in (failed / "junk.txt.error.txt").read_text(encoding="utf-8")
        assert "Never Sent" not in site.subjects()
        assert site.subjects().count("Sent After All") == 1
        assert "set aside bad.txt" in daemon.output()

        # fixed and dropped back in: tried again
        fixed = story_text("Never Sent", header={"Release": "now"})
        (failed / "bad.txt").write_text(fixed, encoding="utf-8")
        os.replace(failed / "bad.txt", folder / "bad.txt")
        assert wait_for(lambda: (folder / "posted" / "bad.txt").exists()), daemon.output()
        assert site.subjects().count("Never Sent") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_ignores_temporaries_and_links_to_outside_the_folder(
        watched: tuple[Path, Path, Site], tmp_path: Path) -> None:
    cfg, folder, site = watched
    outside = tmp_path / "private.txt"
    outside.write_text(story_text("Private Draft"), encoding="utf-8")
    (folder / "link.txt").symlink_to(outside)
    temporaries = {".story.txt.swp": "x", "story.txt~": story_text("Backup"),
                   "story.txt.part": story_text("Partial"), "#story.txt#": "x",
                   "story.txt.crdownload": story_text("Download"), ".hidden.txt": "x"}
    for name, text in temporaries.items():
        (folder / name).write_text(text, encoding="utf-8")
    daemon = Watch(cfg).start()
    try:
        drop(folder, "real.txt", story_text("The Real One"))
        assert wait_for(lambda: (folder / "posted" / "real.txt").exists()), daemon.output()
        time.sleep(1.5)  # a rescan tick
        assert site.subjects() == ["The Real One"]
        for name, text in temporaries.items():
            assert (folder / name).read_text(encoding="utf-8") == text
        assert (folder / "link.txt").is_symlink() and outside.exists()
        assert not (folder / "failed").exists()
    finally:
        assert daemon.stop() == 0


def test_watch_sigterm_stops_cleanly_with_exit_code_zero(watched: tuple[Path, Path, Site]
                                                         ) -> None:
    cfg, _, _ = watched
    daemon = Watch(cfg).start()
    started = time.monotonic()
    assert daemon.stop(timeout=10) == 0
    assert time.monotonic() - started < 10
    assert "stopped" in daemon.output()
    # the lock is free again: a second daemon can start at once
    again = Watch(cfg).start()
    assert again.stop() == 0


def test_watch_second_daemon_on_the_same_state_file_is_refused(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, _, _ = watched
    first = Watch(cfg).start()
    try:
        second = Watch(cfg)
        with pytest.raises(AssertionError):
            second.start(ready_timeout=10)
        assert second.proc is not None and second.proc.wait(timeout=10) == 4
        assert "another crosspost daemon is running" in second.output()
    finally:
        assert first.stop() == 0


def test_watch_story_every_target_refuses_goes_to_failed_with_the_sites_words(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("closed",))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        text = story_text("Members Only")
        drop(folder, "members.txt", text)
        report = folder / "failed" / "members.txt.error.txt"
        assert wait_for(report.exists), daemon.output()
        assert (folder / "failed" / "members.txt").read_text(encoding="utf-8") == text
        words = report.read_text(encoding="utf-8")
        assert "could not post 'Members Only' to any target" in words
        assert "Target closed:" in words
        assert "The site said:" in words and "access" in words.lower()
        assert "Fix:" in words and "members.txt" in words
        assert "Members Only" not in site.subjects("closedfics")

        # dropped back in unchanged: tried again (and set aside again, with a fresh report)
        os.replace(folder / "failed" / "members.txt", folder / "members.txt")
        assert wait_for(lambda: "trying members.txt again" in daemon.output()), daemon.output()
        assert wait_for(lambda: (folder / "failed" / "members.txt").exists()), daemon.output()
        assert not (folder / "members.txt").exists()
    finally:
        assert daemon.stop() == 0


def test_watch_restart_recognises_unchanged_files_without_reading_them(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",),
                       settings={"posted_dir": ""})
    folder, site = tmp_path / "stories", Site(sandbox.url)
    for i in range(5):
        drop(folder, f"kept-{i}.txt", story_text(f"Kept {i}"))
    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: all(f"Kept {i}" in site.subjects() for i in range(5))), \
            daemon.output()
        assert wait_for(lambda: daemon.output().count("picked up") == 5)
    finally:
        assert daemon.stop() == 0
    daemon = Watch(cfg).start()
    try:
        assert "5 file(s) already known, 0 to look at" in daemon.output()
        time.sleep(1.5)  # a rescan tick
        assert "picked up" not in daemon.output()
        assert len(site.subjects()) == 5
    finally:
        assert daemon.stop() == 0


def test_watch_sigterm_during_a_post_finishes_it_then_exits_zero(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    httpx.post(f"{site.url}/_sandbox/faults", json={"rules": [
        {"kind": "delay", "method": "postevent", "count": 1, "delay_ms": 2500}]},
        timeout=10).raise_for_status()
    drop(folder, "slow-site.txt", story_text("Slow Site"))
    assert wait_for(lambda: "picked up slow-site.txt" in daemon.output()), daemon.output()
    # the post is in flight, held up by the site (polled: a fixed sleep races a slow machine)
    assert wait_for(lambda: site.calls("postevent") >= 1, step=0.02), daemon.output()
    assert daemon.stop(timeout=15) == 0
    out = daemon.output()
    assert "stopping" in out and "stopped" in out
    assert site.subjects().count("Slow Site") == 1
    assert (folder / "posted" / "slow-site.txt").exists()  # finished, moved, then stopped


def test_watch_folder_removed_and_made_again_is_watched_again(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    try:
        folder.rmdir()
        folder.mkdir()
        assert wait_for(lambda: "watching" in daemon.output() and "again" in daemon.output()), \
            daemon.output()
        drop(folder, "after.txt", story_text("After The Move"))
        assert wait_for(lambda: (folder / "posted" / "after.txt").exists()), daemon.output()
        assert site.subjects().count("After The Move") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_once_posts_what_is_there_and_exits(watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    drop(folder, "cron.txt", story_text("From Cron"))
    (folder / "new file.txt").write_bytes(b"")  # just created, no content yet
    res = run_cli(cfg, "watch", "--once", "--settle", "0.2")
    assert res.returncode == 0, res.stderr
    assert (folder / "posted" / "cron.txt").exists()
    assert (folder / "new file.txt").exists()  # left alone, not set aside
    assert site.subjects() == ["From Cron"]
    assert "stopped" in res.stderr


def test_watch_file_name_that_is_not_utf8_is_reported_and_the_rest_still_posted(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    odd = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(odd, "w", encoding="utf-8") as fh:
        fh.write(story_text("Odd Name"))
    drop(folder, "plain.txt", story_text("Plain Name"))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert "not valid UTF-8" in res.stderr and "internal error" not in res.stderr
    assert site.subjects() == ["Plain Name"]
    assert os.path.exists(odd)  # left alone, untouched
