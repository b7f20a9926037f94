"""A scheduled story whose file changed before its release goes out as saved at release time
(`crosspost schedule`, then the writer keeps polishing the file); a file that now holds
another story releases the text recorded when it was scheduled, and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from daemon_support import Site, Watch, run_cli, story_text, wait_for, write_config

from crosspost.state.registry import Registry


def _scheduled_draft(sandbox: Any, tmp_path: Path, name: str, title: str, body: str
                     ) -> tuple[Path, Site, Path, int]:
    """(config, site, story file outside the folder, its delivery id) for a story scheduled
    an hour ahead to the journal."""
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",))
    story = tmp_path / "drafts" / name
    story.parent.mkdir()
    story.write_text(story_text(title, body), encoding="utf-8")
    res = run_cli(cfg, "schedule", str(story), "--at", "+1h", "--to", "journal")
    assert res.returncode == 0, res.stdout + res.stderr
    with Registry(cfg.parent / "state.sqlite3") as reg:
        (row,) = reg.scheduled()
    return cfg, Site(sandbox.url), story, row.id


def test_release_now_without_a_daemon_posts_the_file_as_saved_since(
        sandbox: Any, tmp_path: Path) -> None:
    cfg, site, story, row_id = _scheduled_draft(sandbox, tmp_path, "polished.txt", "Polished",
                                                "A first draft with a tpyo.")
    story.write_text(story_text("Polished", "The final text, typo fixed."), encoding="utf-8")
    res = run_cli(cfg, "reschedule", str(row_id), "--at", "now")
    assert res.returncode == 0, res.stdout + res.stderr
    body = site.body("writer", "Polished")
    assert "typo fixed" in body and "tpyo" not in body
    assert site.subjects().count("Polished") == 1


def test_watch_releases_the_saved_version_of_a_scheduled_file_outside_the_folder(
        sandbox: Any, tmp_path: Path) -> None:
    cfg, site, story, row_id = _scheduled_draft(sandbox, tmp_path, "later.txt",
                                                "Kept Polishing", "Draft one.")
    daemon = Watch(cfg).start()
    try:
        story.write_text(story_text("Kept Polishing", "Draft two, the one to publish."),
                         encoding="utf-8")
        assert run_cli(cfg, "reschedule", str(row_id), "--at", "now").returncode == 0
        assert wait_for(lambda: "Kept Polishing" in site.subjects()), daemon.output()
        assert "Draft two" in site.body("writer", "Kept Polishing")
        assert wait_for(lambda: "changed since it was scheduled" in daemon.output())
    finally:
        assert daemon.stop() == 0


def test_release_of_a_file_now_holding_another_story_posts_the_scheduled_text(
        sandbox: Any, tmp_path: Path) -> None:
    cfg, site, story, row_id = _scheduled_draft(sandbox, tmp_path, "reused.txt",
                                                "First Story", "What was scheduled.")
    story.write_text(story_text("Second Story", "Something else entirely."), encoding="utf-8")
    daemon = Watch(cfg).start()
    try:
        assert run_cli(cfg, "reschedule", str(row_id), "--at", "now").returncode == 0
        assert wait_for(lambda: "First Story" in site.subjects()), daemon.output()
        assert "What was scheduled." in site.body("writer", "First Story")
        assert "Second Story" not in site.subjects()
        assert wait_for(lambda: "now holds another story" in daemon.output())
    finally:
        assert daemon.stop() == 0
