"""`crosspost post` honours the story's `Release:` times (QA Q0): a future release is
scheduled (the watcher posts it then), `--now` posts at once, `--dry-run` says "would
schedule for …", and `Release (target):` lines apply per target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from reliability.harness import Entry, SandboxControl
from storyfiles import story_text


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


def titled(url: str, journal: str, title: str) -> list[Entry]:
    control = SandboxControl(url)
    try:
        return [e for e in control.entries(journal) if title in e.subject]
    finally:
        control.close()


def release_story(folder: Path, name: str, title: str, *releases: str) -> Path:
    """A story whose header carries these `Release…:` lines (the config's zone is UTC)."""
    text = story_text(title=title)
    head, sep, rest = text.partition("\n\n***")
    path = folder / f"{name}.txt"
    path.write_text(head + "\n" + "\n".join(releases) + sep + rest, encoding="utf-8")
    return path


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def test_post_schedules_a_future_release_header_instead_of_posting(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    when = later(3)
    story = release_story(tmp_path, "gift", "Reveal Day", f"Release: {when}")
    code, out, err = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 0, out + err
    assert out.startswith(f"journal: scheduled for {when}"), out
    assert "(in 2 days 23 h)" in out or "(in 3 days)" in out, out  # local and relative
    assert "crosspost watch" in out and "--now" in out
    assert "note: no `crosspost watch` is running on this state file" in out
    assert titled(sandbox.url, "writer", "Reveal Day") == []
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "scheduled" in out and "release at" in out


def test_post_now_overrides_a_future_release(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = release_story(tmp_path, "gift", "Early Bird", f"Release: {later(3)}")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert "scheduled for" in out
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal", "--now")
    assert code == 0 and out.startswith("journal: posted http"), out
    assert len(titled(sandbox.url, "writer", "Early Bird")) == 1


def test_post_dry_run_says_would_schedule_for_the_release(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    when = later(2)
    story = release_story(tmp_path, "gift", "Dry Reveal", f"Release: {when}")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--dry-run")
    assert code == 0
    assert out.startswith("journal: would schedule 'Dry Reveal") and f"for {when}" in out
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--dry-run", "--now")
    assert out.startswith("journal: would post 'Dry Reveal")
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "nothing posted yet" in out
    assert run(capsys, sandbox_config, "post", str(story), "--to", "journal")[0] == 0
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--dry-run")
    assert out.startswith(f"journal: already scheduled for {when}"), out


def test_post_honours_per_target_release_times(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    when = later(1)
    story = release_story(tmp_path, "split", "Two Doors", f"Release (fluffy): {when}")
    code, out, err = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                         "--to", "fluffy")
    assert code == 0, out + err
    assert "journal: posted http" in out
    assert f"fluffy: scheduled for {when}" in out
    assert len(titled(sandbox.url, "writer", "Two Doors")) == 1
    assert titled(sandbox.url, "fluffyfics", "Two Doors") == []
    # with --to naming only the journal, the community's release is not touched
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert "fluffy" not in out and "journal: skipped" in out


def test_post_of_a_release_time_already_past_posts_at_once(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    story = release_story(tmp_path, "old", "Bygone", f"Release: {past}")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 0 and out.startswith("journal: posted http"), out


def test_post_at_and_now_together_is_a_usage_error(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = release_story(tmp_path, "x", "Both Ways")
    code, _, err = run(capsys, sandbox_config, "post", str(story), "--now", "--at", "+1h")
    assert code == 2 and "--now" in err


def test_post_holds_a_release_time_months_past_as_watch_does(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    past = (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%d %H:%M")
    story = release_story(tmp_path, "stale", "Long Gone", f"Release: {past}")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 1, out
    assert out.startswith("journal: held [delivery "), out
    assert "grace period" in out and f"crosspost post --now {story}" in out
    assert titled(sandbox.url, "writer", "Long Gone") == []
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "held" in out
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal", "--now")
    assert code == 0 and out.startswith("journal: posted http"), out
    assert len(titled(sandbox.url, "writer", "Long Gone")) == 1


def test_check_reports_a_release_time_months_past_as_held(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    past = (datetime.now(UTC) - timedelta(days=120)).strftime("%Y-%m-%d %H:%M")
    story = release_story(tmp_path, "stale", "Long Gone", f"Release: {past}")
    code, out, _ = run(capsys, sandbox_config, "check", str(story))
    assert code == 1, out
    assert out.startswith("FAIL "), out
    assert "grace period" in out and "hold the story" in out and "--now" in out
    fresh = release_story(tmp_path, "fresh", "Just Now",
                          f"Release: {(datetime.now(UTC) - timedelta(minutes=10)):%Y-%m-%d %H:%M}")
    code, out, _ = run(capsys, sandbox_config, "check", str(fresh))
    assert code == 0 and out.startswith("ok "), out


def _eventtime(sandbox: Any, title: str) -> str:
    [entry] = [e for e in sandbox.world.list_entries("writer") if title in e.subject]
    return str(entry.eventtime)


def test_edit_redates_only_when_the_writer_changed_the_release_time(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    first = datetime.now(UTC) - timedelta(hours=2)
    moved = datetime.now(UTC) - timedelta(hours=3)
    story = release_story(tmp_path, "moved", "Moved Release",
                          f"Release: {first:%Y-%m-%d %H:%M}")
    assert run(capsys, sandbox_config, "post", str(story), "--to", "journal")[0] == 0
    assert _eventtime(sandbox, "Moved Release").startswith(f"{first:%Y-%m-%d %H:%M}")
    # the text changes, the release time does not: the entry keeps its date
    story.write_text(story.read_text(encoding="utf-8") + "\nA new last line.\n",
                     encoding="utf-8")
    code, out, _ = run(capsys, sandbox_config, "edit", str(story))
    assert code == 0 and "journal: edited" in out, out
    assert _eventtime(sandbox, "Moved Release").startswith(f"{first:%Y-%m-%d %H:%M}")
    # the writer moves the release time: the entry is re-dated to it
    story.write_text(story.read_text(encoding="utf-8").replace(
        f"Release: {first:%Y-%m-%d %H:%M}", f"Release: {moved:%Y-%m-%d %H:%M}"),
        encoding="utf-8")
    code, out, _ = run(capsys, sandbox_config, "edit", str(story))
    assert code == 0 and "journal: edited" in out, out
    assert _eventtime(sandbox, "Moved Release").startswith(f"{moved:%Y-%m-%d %H:%M}")
