"""What a newcomer runs into with ``crosspost watch`` (the QA findings Q1, Q8–Q11, Q21, Q23,
Q29), with the real ``crosspost watch`` in a subprocess against the sandbox."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Site, Watch, drop, env_for, run_cli, story_text, wait_for, write_config

from crosspost.state.registry import Registry

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


@pytest.fixture
def watched(sandbox: Any, tmp_path: Path) -> tuple[Path, Path, Site]:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    return cfg, tmp_path / "stories", Site(sandbox.url)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_watch_once_with_only_an_empty_file_says_so_once_exits_and_frees_the_lock(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, _ = watched
    (folder / "empty.txt").write_bytes(b"")
    res = run_cli(cfg, "watch", "--once", timeout=30)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("empty.txt is empty, waiting for content") == 1
    assert (folder / "empty.txt").exists() and not (folder / "failed").exists()
    # the lock is free: the next cron run works too, and says it again
    again = run_cli(cfg, "watch", "--once", timeout=30)
    assert again.returncode == 0, again.stderr
    assert "empty, waiting for content" in again.stderr


def test_watch_empty_file_is_reported_once_then_posted_when_it_gets_content(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    daemon = Watch(cfg).start()
    try:
        (folder / "new.txt").write_bytes(b"")
        assert wait_for(lambda: "new.txt is empty" in daemon.output()), daemon.output()
        drop(folder, "new.txt", story_text("Filled In Later"))
        assert wait_for(lambda: (folder / "posted" / "new.txt").exists()), daemon.output()
        assert site.subjects() == ["Filled In Later"]
        assert daemon.output().count("new.txt is empty") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_release_header_long_past_is_held_then_posted_with_reschedule_now(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    past = datetime.now(UTC) - timedelta(days=3)
    drop(folder, "old.txt", story_text("Monday Batch", header={"Release": _iso(past)}))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert site.subjects() == []
    assert re.search(r"held Monday Batch for journal: release \S+ \S+ UTC was 3 days ago",
                     res.stderr), res.stderr
    assert "crosspost reschedule" in res.stderr and "--at now" in res.stderr
    assert (folder / "old.txt").exists()  # waits in the folder, like any release to come
    queue = run_cli(cfg, "queue").stdout
    (line,) = [ln for ln in queue.splitlines() if ln.startswith("#")]
    assert "held" in line and "Monday Batch" in line and "3 days ago" in line
    # copied from the queue as shown, with its '#'
    done = run_cli(cfg, "reschedule", line.split()[0], "--at", "now")
    assert done.returncode == 0, done.stderr
    assert site.subjects() == ["Monday Batch"]
    # the next run sees the story is on the site and files the story away
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert (folder / "posted" / "old.txt").exists() and not (folder / "old.txt").exists()
    assert site.subjects() == ["Monday Batch"]


def test_watch_release_header_late_by_less_than_the_grace_is_posted_at_once(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    late = datetime.now(UTC) - timedelta(minutes=20)  # grace_minutes defaults to 360
    drop(folder, "late.txt", story_text("A Bit Late", header={"Release": _iso(late)}))
    # and `Release: now` is now, however old the file is
    path = drop(folder, "now.txt", story_text("Right Now", header={"Release": "now"}))
    week_ago = (datetime.now(UTC) - timedelta(days=7)).timestamp()
    os.utime(path, (week_ago, week_ago))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert sorted(site.subjects()) == ["A Bit Late", "Right Now"]
    assert "held" not in res.stderr
    assert (folder / "posted" / "late.txt").exists() and (folder / "posted" / "now.txt").exists()


def test_cancel_and_reschedule_accept_the_id_as_queue_prints_it(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, _, _ = watched
    story = drop(cfg.parent, "fest.txt", story_text("Hash Ids"))
    assert run_cli(cfg, "schedule", str(story), "--at", "+2h").returncode == 0
    with Registry(cfg.parent / "state.sqlite3") as reg:
        (row,) = reg.scheduled()
    moved = run_cli(cfg, "reschedule", f"#{row.id}", "--at", "+3h")
    assert moved.returncode == 0, moved.stderr
    gone = run_cli(cfg, "cancel", f"#{row.id}")
    assert gone.returncode == 0 and f"Cancelled #{row.id}" in gone.stdout
    bad = run_cli(cfg, "cancel", "#x")
    assert bad.returncode == 2 and "not a delivery id" in bad.stderr


def test_watch_dir_that_does_not_exist_is_refused_not_created(
        watched: tuple[Path, Path, Site], tmp_path: Path) -> None:
    cfg, _, _ = watched
    typo = tmp_path / "storeis"
    res = run_cli(cfg, "watch", "--once", "--dir", str(typo))
    assert res.returncode == 2 and f"no folder {typo}" in res.stderr and "--dir" in res.stderr
    assert not typo.exists()


def test_watch_configured_stories_dir_is_created_on_first_run_and_said_so(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, settings={
        "stories_dir": (tmp_path / "fresh" / "stories").as_posix()})
    res = run_cli(cfg, "watch", "--once")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "fresh" / "stories").is_dir()
    assert "created the stories folder" in res.stderr


def test_watch_stale_report_is_removed_when_the_fixed_story_is_posted(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    drop(folder, "notitle.txt", "By: writer\n\n***\n\nA story with no title line.\n")
    assert run_cli(cfg, "watch", "--once", "--settle", "0").returncode == 0
    report = folder / "failed" / "notitle.txt.error.txt"
    assert report.exists() and (folder / "failed" / "notitle.txt").exists()
    # a report of the writer's own beside another story is never touched
    (folder / "failed" / "mine.txt.error.txt").write_text("my notes\n", encoding="utf-8")
    (folder / "failed" / "notitle.txt").unlink()
    drop(folder, "notitle.txt", story_text("Has A Title Now"))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert site.subjects() == ["Has A Title Now"]
    assert not report.exists() and "removed the old report" in res.stderr
    assert (folder / "failed" / "mine.txt.error.txt").read_text(encoding="utf-8") == "my notes\n"


def test_watch_changed_story_dropped_again_replaces_the_one_in_posted_and_keeps_the_old(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    first = story_text("Second Draft", body="The first version.")
    drop(folder, "draft.txt", first)
    assert run_cli(cfg, "watch", "--once", "--settle", "0").returncode == 0
    second = story_text("Second Draft", body="The better version.")
    drop(folder, "draft.txt", second)
    # and another story in the same run
    drop(folder, "other.txt", story_text("Other One"))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert site.subjects().count("Second Draft") == 1
    assert "The better version." in site.body("writer", "Second Draft")
    posted = folder / "posted"
    assert (posted / "draft.txt").read_text(encoding="utf-8") == second
    assert (posted / "draft.prev.txt").read_text(encoding="utf-8") == first
    assert not (posted / "draft-2.txt").exists()
    # the posted file copied back unchanged: skipped, and no second copy piles up
    drop(folder, "draft.txt", second)
    assert run_cli(cfg, "watch", "--once", "--settle", "0").returncode == 0
    assert sorted(p.name for p in posted.iterdir()) == ["draft.prev.txt", "draft.txt",
                                                        "other.txt"]
    assert (posted / "draft.txt").read_text(encoding="utf-8") == second
    assert not (folder / "draft.txt").exists()
    drop(folder, "draft.txt", story_text("Unrelated Story"))
    assert run_cli(cfg, "watch", "--once", "--settle", "0").returncode == 0
    assert (posted / "draft.txt").read_text(encoding="utf-8") == second
    assert "Unrelated Story" in (posted / "draft-2.txt").read_text(encoding="utf-8")
    assert site.subjects().count("Second Draft") == 1


def test_watch_missing_secret_report_says_not_posted_to_any_target_and_why_once(
        sandbox: Any, tmp_path: Path) -> None:
    import subprocess
    import sys

    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    drop(folder, "harbour.txt", story_text("Harbour"))
    env = env_for(cfg.parent)
    env.pop("CROSSPOST_SECRET_SANDBOX")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    res = subprocess.run([sys.executable, "-m", "crosspost", "--config", str(cfg), "watch",
                          "--once", "--settle", "0"], env=env, cwd=cfg.parent, text=True,
                         capture_output=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    report = (folder / "failed" / "harbour.txt.error.txt").read_text(encoding="utf-8")
    assert report.startswith("crosspost could not post 'Harbour' to any target.")
    assert "secret" in report.lower() and "CROSSPOST_SECRET_SANDBOX" in report
    assert "Targets fluffy, journal (the same for each):" in report
    assert report.count("Problem:") == 1
    assert "could not be posted to any target" in res.stderr and "secret" in res.stderr
    assert "sandbox-key" not in report + res.stderr
    assert site.subjects() == []


def test_watch_word_rtf_and_pdf_files_are_set_aside_with_how_to_save_as_text(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    docs = {"story.docx": b"PK\x03\x04 word", "story.rtf": b"{\\rtf1 hello}",
            "notes.odt": b"PK\x03\x04 odt", "final.pdf": b"%PDF-1.4 x"}
    for name, data in docs.items():
        (folder / name).write_bytes(data)
    (folder / "~$story.docx").write_bytes(b"lock")  # Word's lock file: left alone, silently
    (folder / "cover.png").write_bytes(b"\x89PNG")  # not a document: left alone, said once
    drop(folder, "real.txt", story_text("The Text One"))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert site.subjects() == ["The Text One"]
    for name, data in docs.items():
        assert (folder / "failed" / name).read_bytes() == data
        report = (folder / "failed" / f"{name}.error.txt").read_text(encoding="utf-8")
        assert ".txt" in report and ".md" in report and ".html" in report
    assert "Save As" in (folder / "failed" / "story.docx.error.txt").read_text("utf-8")
    assert (folder / "~$story.docx").exists() and (folder / "cover.png").exists()
    assert "ignoring cover.png" in res.stderr and "~$story" not in res.stderr


def test_watch_held_release_is_posted_when_the_writer_changes_release_to_now(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    past = datetime.now(UTC) - timedelta(days=2)
    drop(folder, "gift.txt", story_text("Wrong Year Gift", header={"Release": _iso(past)}))
    assert run_cli(cfg, "watch", "--once", "--settle", "0").returncode == 0
    assert site.subjects() == []
    (line,) = [ln for ln in run_cli(cfg, "queue").stdout.splitlines() if ln.startswith("#")]
    assert "held" in line and "Wrong Year Gift" in line
    drop(folder, "gift.txt", story_text("Wrong Year Gift", header={"Release": "now"}))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert "released the held" in res.stderr
    assert site.subjects() == ["Wrong Year Gift"]
    assert (folder / "posted" / "gift.txt").exists()
    assert "Nothing scheduled." in run_cli(cfg, "queue").stdout


def test_watch_once_gives_up_on_a_file_still_being_written_and_leaves_it_for_next_run(
        watched: tuple[Path, Path, Site]) -> None:
    import logging
    import threading
    import time

    from crosspost.config import load_config
    from crosspost.daemon import run_daemon

    cfg, folder, site = watched
    path = folder / "growing.txt"
    path.write_text(story_text("Still Growing"), encoding="utf-8")
    done = threading.Event()

    def keep_writing() -> None:  # a writer (or a sync tool) that never stops for long
        while not done.wait(0.15):
            with open(path, "a", encoding="utf-8") as fh:
                fh.write("One more line.\n")

    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("crosspost")
    logger.addHandler(handler)
    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    started = time.monotonic()
    try:
        code = run_daemon(load_config(cfg), once=True, settle_seconds=0.5, once_patience=1.5)
    finally:
        done.set()
        writer.join()
        logger.removeHandler(handler)
    assert code == 0
    assert time.monotonic() - started < 15
    assert "growing.txt is still being written; left for the next run" in seen
    assert path.exists() and site.subjects() == []


def test_watch_second_untitled_story_with_the_same_identity_is_set_aside_not_an_edit(
        watched: tuple[Path, Path, Site]) -> None:
    cfg, folder, site = watched
    drop(folder, "gift-for-alice.txt", story_text("Untitled", body="A story for Alice."))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    assert (folder / "posted" / "gift-for-alice.txt").exists()
    drop(folder, "gift-for-bob.txt", story_text("Untitled", body="Another story, for Bob."))
    res = run_cli(cfg, "watch", "--once", "--settle", "0")
    assert res.returncode == 0, res.stderr
    # Alice's entry was not overwritten, and Bob's file waits in failed/ with the reason
    assert site.subjects() == ["Untitled"]
    report = (folder / "failed" / "gift-for-bob.txt.error.txt").read_text()
    assert "same title and author" in report and "ID:" in report
    assert "Another story, for Bob." in (folder / "failed" / "gift-for-bob.txt").read_text()
