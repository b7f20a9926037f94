"""The watched folder under odd and hostile input (a real ``crosspost watch`` against the
sandbox): files saved in two goes, hard links to files outside the folder, very long and
control-character file names, some targets refusing for good, a stop right after start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Site, Watch, drop, env_for, story_text, wait_for, write_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

FULL = story_text("Two Goes", body="The first line.\n\nThe last line.")


def test_watch_story_saved_in_two_goes_waits_for_its_rest_instead_of_failing(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        path = folder / "halves.txt"
        with open(path, "w", encoding="utf-8") as fh:  # the first open: half a header
            fh.write(FULL[:30])
        assert wait_for(lambda: "cannot be read yet" in daemon.output()), daemon.output()
        time.sleep(1.5)
        with open(path, "a", encoding="utf-8") as fh:  # a few seconds later: the rest
            fh.write(FULL[30:])
        assert wait_for(lambda: (folder / "posted" / "halves.txt").exists()), daemon.output()
        assert site.subjects() == ["Two Goes"]
        assert "The last line." in site.body("writer", "Two Goes")
        assert not (folder / "failed").exists(), daemon.output()
    finally:
        assert daemon.stop() == 0


def test_watch_broken_file_still_set_aside_once_it_has_settled(sandbox: Any,
                                                                tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    folder = tmp_path / "stories"
    daemon = Watch(cfg).start()
    try:
        (folder / "broken.txt").write_text(FULL[:30], encoding="utf-8")
        report = folder / "failed" / "broken.txt.error.txt"
        assert wait_for(report.exists), daemon.output()
        assert "not a 'Name: value' line" in report.read_text(encoding="utf-8")
    finally:
        assert daemon.stop() == 0


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links here")
def test_watch_hard_link_to_a_file_outside_the_folder_is_not_read(sandbox: Any,
                                                                  tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    folder, site = tmp_path / "stories", Site(sandbox.url)
    outside = tmp_path / "private.txt"
    outside.write_text(story_text("Private Diary"), encoding="utf-8")
    daemon = Watch(cfg).start()
    try:
        os.link(outside, folder / "linked.txt")
        report = folder / "failed" / "linked.txt.error.txt"
        assert wait_for(report.exists), daemon.output()
        assert "hard link to a file outside the stories folder" in report.read_text(
            encoding="utf-8")
        drop(folder, "own.txt", story_text("Own Story"))  # the folder goes on working
        assert wait_for(lambda: "Own Story" in site.subjects()), daemon.output()
        assert "Private Diary" not in site.subjects()
        assert (folder / "linked.txt").exists() and outside.exists()  # left in place
    finally:
        assert daemon.stop() == 0


def test_watch_very_long_file_name_still_gets_its_report(sandbox: Any, tmp_path: Path
                                                        ) -> None:
    cfg = write_config(tmp_path, sandbox.url, settings={"posted_dir": "posted"})
    folder = tmp_path / "stories"
    name = "a" * 240 + ".txt"  # 244 characters: one more suffix would not fit
    daemon = Watch(cfg, "--rescan", "1", "--settle", "0").start()
    try:
        drop(folder, name, "By: writer\n\n***\n\nNo title line.\n")
        failed = folder / "failed"
        assert wait_for(lambda: (failed / name).exists()), daemon.output()
        reports = wait_for(lambda: [p for p in failed.iterdir()
                                    if p.name.endswith(".error.txt")])
        assert len(reports) == 1, daemon.output()
        assert reports[0].name.startswith("a" * 100)
        assert "File name too long" not in daemon.output()
        assert "Title" in reports[0].read_text(encoding="utf-8")
    finally:
        assert daemon.stop() == 0


@pytest.mark.skipif(sys.platform == "win32", reason="newlines in file names: POSIX only")
def test_watch_file_name_with_a_newline_cannot_forge_a_log_line(sandbox: Any,
                                                                tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "crosspost.log"
    cfg = write_config(tmp_path, sandbox.url, settings={"log_file": str(log_file)})
    folder = tmp_path / "stories"
    daemon = Watch(cfg).start()
    forged = "12:00:00 I posted Forged to journal"
    try:
        drop(folder, f"evil\n{forged}\x1b[2K.txt", story_text("Evil Name"))
        assert wait_for(lambda: "posted" in log_file.read_text(encoding="utf-8")
                        and "Evil Name" in Site(sandbox.url).subjects()), daemon.output()
    finally:
        assert daemon.stop() == 0
    for text in (daemon.output(), log_file.read_text(encoding="utf-8")):
        assert not any(line.startswith(forged) for line in text.splitlines()), text
        assert "\x1b" not in text
        assert "evil\\n12:00:00" in text
    if os.name == "posix":
        assert log_file.stat().st_mode & 0o777 == 0o600


def test_watch_some_targets_refuse_for_good_leaves_a_report_beside_the_posted_file(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "closed"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        drop(folder, "members.txt", story_text("Members Only"))
        report = folder / "posted" / "members.txt.error.txt"
        assert wait_for(report.exists), daemon.output()
        assert (folder / "posted" / "members.txt").exists()
        assert "Members Only" in site.subjects()
        words = report.read_text(encoding="utf-8")
        assert "Target closed:" in words and "the other targets took it" in words
        assert "Target journal" not in words
    finally:
        assert daemon.stop() == 0


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                    reason="SIGTERM from another process: POSIX")
def test_watch_sigterm_right_after_start_exits_0(sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    # -X importtime: a line on stderr as each module is loaded, so the signal can be sent
    # at a known moment of the start (right after the daemon's code is loaded)
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "crosspost", "--config", str(cfg),
         "watch"], env=env_for(tmp_path), cwd=tmp_path, stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.rstrip().endswith("crosspost.daemon.runner"):
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == 0, "".join(seen[-5:]) + rest
    assert "Traceback" not in rest


#: a large HTML story (about 4 MB, under the size limit): far slower to parse than a
#: normal story
SLOW_HTML = ("Title: Slow To Read\nBy: writer\n\n***\n\n"
             + "<p><b>word</b> <i>more</i> <a href='x'>link</a> text &amp; stuff</p>\n"
             * 58000)


def test_watch_slow_file_holds_up_neither_other_files_nor_a_stop(sandbox: Any,
                                                                   tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        drop(folder, "slow.html", SLOW_HTML)
        assert wait_for(lambda: "picked up slow.html" in daemon.output()), daemon.output()
        drop(folder, "quick.txt", story_text("Quick One"))
        assert wait_for(lambda: "Quick One" in site.subjects()), daemon.output()
    finally:
        started = time.monotonic()
        assert daemon.stop(timeout=15) == 0
    assert time.monotonic() - started < 15


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links here")
def test_release_never_reads_a_hard_link_to_outside_the_stories_folder(
        sandbox: Any, tmp_path: Path) -> None:
    from daemon_support import run_cli

    from crosspost.state.registry import Registry

    cfg = write_config(tmp_path, sandbox.url)
    folder, site = tmp_path / "stories", Site(sandbox.url)
    story = drop(folder, "later.txt", story_text("Later", "The scheduled text."))
    res = run_cli(cfg, "schedule", str(story), "--at", "+1h", "--to", "journal")
    assert res.returncode == 0, res.stdout + res.stderr
    outside = tmp_path / "private.txt"
    outside.write_text(story_text("Later", "PRIVATE words."), encoding="utf-8")
    swap = folder / ".swap"
    os.link(outside, swap)
    os.replace(swap, story)  # the story file is now a hard link to a file outside
    with Registry(tmp_path / "state.sqlite3") as reg:
        (row,) = reg.scheduled()
    res = run_cli(cfg, "reschedule", str(row.id), "--at", "now")
    assert res.returncode == 0, res.stdout + res.stderr
    body = site.body("writer", "Later")
    assert "The scheduled text." in body and "PRIVATE" not in body
