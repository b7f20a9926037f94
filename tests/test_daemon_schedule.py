"""Scheduled releases with the real ``crosspost watch`` in a subprocess: a release fires at
its time, survives a restart, a missed one within the grace period goes out at start-up and
one beyond it is held (and released with ``reschedule --at now``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from daemon_support import Site, Watch, drop, run_cli, story_text, wait_for, write_config

from crosspost.state.registry import Registry

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_watch_header_release_waits_in_the_folder_and_fires_at_its_time(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        # 8 s: the journal copy must be out, and the checks below done, before the release,
        # also on a slow, loaded machine
        release = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
        # the journal copy at once, the community copy at its reveal time
        text = story_text("Reveal Day", header={"Release (fluffy)": _iso(release)})
        drop(folder, "reveal.txt", text)
        assert wait_for(lambda: "Reveal Day" in site.subjects("writer")), daemon.output()
        # logged just after the journal copy went out
        assert wait_for(lambda: "scheduled Reveal Day for fluffy" in daemon.output()), \
            daemon.output()
        assert (folder / "reveal.txt").exists()  # waits in the folder for its release
        assert "Reveal Day" not in site.subjects("fluffyfics")
        assert wait_for(lambda: "Reveal Day" in site.subjects("fluffyfics"))
        assert datetime.now(UTC) >= release
        # the site's own record: the community copy was made at (not before) its release
        (entry,) = [e for e in site.entries("fluffyfics") if e.get("subject") == "Reveal Day"]
        assert float(entry["created"]) >= release.timestamp()
        assert wait_for(lambda: (folder / "posted" / "reveal.txt").exists()), daemon.output()
        assert site.subjects("writer").count("Reveal Day") == 1
        assert site.subjects("fluffyfics").count("Reveal Day") == 1
    finally:
        assert daemon.stop() == 0


def test_schedule_from_the_cli_survives_a_daemon_restart(sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    site = Site(sandbox.url)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    story = drafts / "later.txt"
    story.write_text(story_text("Posted Later"), encoding="utf-8")

    daemon = Watch(cfg).start()
    try:
        res = run_cli(cfg, "schedule", str(story), "--at", "+8s")
    finally:
        # stopped at once, well before the release even on a slow machine
        assert daemon.stop() == 0
    assert res.returncode == 0, res.stderr
    assert "Time zone: UTC" in res.stdout and "Posted Later → journal" in res.stdout
    assert "(in 8 s)" in res.stdout or "(in 7 s)" in res.stdout
    queue = run_cli(cfg, "queue")
    assert "Posted Later" in queue.stdout and "journal" in queue.stdout
    assert "scheduled" in queue.stdout and "(in " in queue.stdout
    assert "Posted Later" not in site.subjects()

    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: "Posted Later" in site.subjects()), daemon.output()
        assert site.subjects().count("Posted Later") == 1
        assert story.exists()  # a file outside the folder is never moved
        assert "Nothing scheduled." in run_cli(cfg, "queue").stdout
    finally:
        assert daemon.stop() == 0


def test_watch_missed_release_within_grace_goes_out_at_start_and_beyond_grace_is_held(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",),
                       settings={"grace_minutes": 30})
    site = Site(sandbox.url)
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    for name, title in (("late.txt", "A Little Late"), ("stale.txt", "Far Too Late")):
        (drafts / name).write_text(story_text(title), encoding="utf-8")
        res = run_cli(cfg, "schedule", str(drafts / name), "--at", "+1h")
        assert res.returncode == 0, res.stderr
    # the daemon was down while both came due: one 10 minutes ago, one 2 hours ago
    with Registry(tmp_path / "state.sqlite3") as reg:
        rows = {reg.story(r.identity).title: r for r in reg.scheduled()}  # type: ignore[union-attr]
        now = datetime.now(UTC)
        reg.reschedule(rows["A Little Late"].id, now - timedelta(minutes=10))
        reg.reschedule(rows["Far Too Late"].id, now - timedelta(hours=2))
    stale_id = rows["Far Too Late"].id

    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: "A Little Late" in site.subjects()), daemon.output()
        assert wait_for(lambda: "held Far Too Late" in daemon.output()), daemon.output()
        time.sleep(1.5)  # a rescan tick: still held, not posted
        assert "Far Too Late" not in site.subjects()
        queue = run_cli(cfg, "queue").stdout
        assert "held" in queue and "Far Too Late" in queue and f"#{stale_id}" in queue

        res = run_cli(cfg, "reschedule", str(stale_id), "--at", "now")
        assert res.returncode == 0, res.stderr
        assert wait_for(lambda: "Far Too Late" in site.subjects()), daemon.output()
        assert site.subjects().count("A Little Late") == 1
        assert site.subjects().count("Far Too Late") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_schedule_cancelled_from_another_process_does_not_fire(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    site = Site(sandbox.url)
    story = tmp_path / "cancel-me.txt"
    story.write_text(story_text("Never Mind"), encoding="utf-8")
    daemon = Watch(cfg).start()
    try:
        # 6 s: the cancel (another Python process starting up) lands before the release
        # also on a slow, loaded machine
        res = run_cli(cfg, "schedule", str(story), "--at", "+6s")
        assert res.returncode == 0, res.stderr
        with Registry(tmp_path / "state.sqlite3") as reg:
            (row,) = reg.scheduled()
        assert row.release_at is not None
        res = run_cli(cfg, "cancel", str(row.id))
        assert res.returncode == 0 and "Cancelled" in res.stdout, res.stderr
        # past the cancelled time, and a rescan tick or more
        time.sleep(max(0.0, (row.release_at - datetime.now(UTC)).total_seconds()) + 1.5)
        assert "Never Mind" not in site.subjects()
    finally:
        assert daemon.stop() == 0


def test_dropped_file_with_future_release_survives_restart_in_the_folder(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        # 8 s: picked up, scheduled and the daemon stopped before the release, also on a
        # slow, loaded machine
        release = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
        drop(folder, "soon.txt", story_text("Soon Enough", header={"Release": _iso(release)}))
        assert wait_for(lambda: "scheduled Soon Enough" in daemon.output()), daemon.output()
    finally:
        assert daemon.stop() == 0
    assert (folder / "soon.txt").exists()
    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: (folder / "posted" / "soon.txt").exists()), daemon.output()
        assert datetime.now(UTC) >= release
        assert site.subjects().count("Soon Enough") == 1
    finally:
        assert daemon.stop() == 0


def test_watch_retitled_story_before_its_release_replaces_the_old_schedule(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    folder = tmp_path / "stories"
    release = _iso(datetime.now(UTC) + timedelta(hours=2))
    daemon = Watch(cfg).start()
    try:
        drop(folder, "fest.txt", story_text("Working Title", header={"Release": release}))
        assert wait_for(lambda: "scheduled Working Title" in daemon.output()), daemon.output()
        drop(folder, "fest.txt", story_text("Final Title", header={"Release": release}))
        assert wait_for(lambda: "scheduled Final Title" in daemon.output()), daemon.output()
        assert "cancelled the release of Working Title" in daemon.output()
        queue = run_cli(cfg, "queue").stdout
        assert "Final Title" in queue and "Working Title" not in queue
        assert (folder / "fest.txt").exists()
    finally:
        assert daemon.stop() == 0


def test_watch_release_of_one_target_keeps_a_cli_rescheduled_other_target(
        sandbox: Any, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    daemon = Watch(cfg).start()
    try:
        drop(folder, "fest.txt", story_text("Two Reveals", header={
            "Release": "+1h", "Release (fluffy)": "+3s"}))
        assert wait_for(lambda: "scheduled Two Reveals for journal" in daemon.output())
        with Registry(tmp_path / "state.sqlite3") as reg:
            (journal,) = [r for r in reg.scheduled() if r.target == "journal"]
        assert run_cli(cfg, "reschedule", str(journal.id), "--at", "+3h").returncode == 0
        with Registry(tmp_path / "state.sqlite3") as reg:
            moved = reg.delivery(journal.id)
        assert wait_for(lambda: "Two Reveals" in site.subjects("fluffyfics")), daemon.output()
        time.sleep(1.5)  # the daemon looks at the file again after the release
        with Registry(tmp_path / "state.sqlite3") as reg:
            after = reg.delivery(journal.id)
        assert moved is not None and after is not None
        assert after.status == "scheduled" and after.release_at == moved.release_at
        assert (folder / "fest.txt").exists()  # the journal copy still to come
        assert "Two Reveals" not in site.subjects("writer")
    finally:
        assert daemon.stop() == 0


def test_watch_story_scheduled_by_hand_for_one_target_waits_for_it_everywhere(
        sandbox: Any, tmp_path: Path) -> None:
    """`crosspost schedule FILE --to fluffy` on a file in the watched folder: the watcher does
    not post it to the other auto targets before that release (a fest reveal), and posts it
    to them right after."""
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy", "den"))
    folder, site = tmp_path / "stories", Site(sandbox.url)
    story = folder / "reveal.txt"
    story.write_text(story_text("Hand Scheduled"), encoding="utf-8")
    res = run_cli(cfg, "schedule", str(story), "--at", "+1h", "--to", "fluffy")
    assert res.returncode == 0, res.stdout + res.stderr
    daemon = Watch(cfg).start()
    try:
        assert wait_for(lambda: "will get it after its first release" in daemon.output()), \
            daemon.output()
        assert "journal, den" in daemon.output()
        assert "Hand Scheduled" not in site.subjects("writer")
        assert "Hand Scheduled" not in site.subjects("writersden")
        with Registry(tmp_path / "state.sqlite3") as reg:
            (row,) = reg.scheduled()
        # the reveal comes: moved to now from another process, seen at the next rescan
        assert run_cli(cfg, "reschedule", str(row.id), "--at", "now").returncode == 0
        assert wait_for(lambda: "Hand Scheduled" in site.subjects("fluffyfics")), \
            daemon.output()
        assert wait_for(lambda: "Hand Scheduled" in site.subjects("writer")
                        and "Hand Scheduled" in site.subjects("writersden")), daemon.output()
        for journal in ("fluffyfics", "writer", "writersden"):
            assert site.subjects(journal).count("Hand Scheduled") == 1, journal
        assert wait_for(lambda: (folder / "posted" / "reveal.txt").exists()), daemon.output()
    finally:
        assert daemon.stop() == 0
