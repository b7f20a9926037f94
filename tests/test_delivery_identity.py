"""Two different story files with one identity (same title and author, no `ID:`) must not
overwrite each other (QA Q0b): publishing the second is refused with the first one's file,
date and URL; `crosspost edit FILE` still replaces it; the same file changed is still
edited; an `ID:` line tells them apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main, titled
from storyfiles import write_story

from crosspost.config import load_config
from crosspost.delivery import IdentityClash, Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_file

BODY_A = "Alice's gift: a lighthouse keeper and a very patient cat."
BODY_B = "Bob's gift: two rival bakers and one oven between them."


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


def test_a_second_file_with_the_same_title_is_refused_not_turned_into_an_edit(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    gift1 = write_story(tmp_path, "gift1", BODY_A, title="Untitled", author=None)
    gift2 = write_story(tmp_path, "gift2", BODY_B, title="Untitled", author=None)
    code, out, _ = run(capsys, sandbox_config, "post", str(gift1), "--to", "journal")
    assert code == 0 and out.startswith("journal: posted http")
    url = out.split()[2]
    code, out, err = run(capsys, sandbox_config, "post", str(gift2), "--to", "journal")
    assert code == 2, out + err
    assert "edited" not in out
    assert err.count("error:") == 1
    assert f"{gift2} has the same title and author as the story posted from {gift1}" in err
    assert url in err and "`ID:`" in err and f"crosspost edit {gift2}" in err
    posted = titled(sandbox.url, "writer", "Untitled")
    assert len(posted) == 1 and "lighthouse" in posted[0].body


def test_edit_of_the_second_file_still_replaces_the_first(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    gift1 = write_story(tmp_path, "gift1", BODY_A, title="Untitled", author=None)
    gift2 = write_story(tmp_path, "gift2", BODY_B, title="Untitled", author=None)
    run(capsys, sandbox_config, "post", str(gift1), "--to", "journal")
    code, out, err = run(capsys, sandbox_config, "edit", str(gift2))
    assert code == 0 and out.startswith("journal: edited http"), out + err
    posted = titled(sandbox.url, "writer", "Untitled")
    assert len(posted) == 1 and "bakers" in posted[0].body


def test_the_same_file_changed_is_still_edited_by_post(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "drabble", BODY_A, title="Untitled")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    write_story(tmp_path, "drabble", BODY_A + " And a second cat.", title="Untitled")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 0 and out.startswith("journal: edited http"), out
    # the same file name in another folder (e.g. moved to posted/) is the same story
    moved = write_story(tmp_path / "posted", "drabble", BODY_A + " Three cats.",
                        title="Untitled")
    code, out, _ = run(capsys, sandbox_config, "post", str(moved), "--to", "journal")
    assert code == 0 and out.startswith("journal: edited http"), out


def test_an_id_line_tells_two_same_titled_stories_apart(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    gift1 = write_story(tmp_path, "gift1", BODY_A, title="Untitled", author=None)
    gift2 = write_story(tmp_path, "gift2", BODY_B, title="Untitled", author=None,
                        id="exchange-2026-bob")
    run(capsys, sandbox_config, "post", str(gift1), "--to", "journal")
    code, out, _ = run(capsys, sandbox_config, "post", str(gift2), "--to", "journal")
    assert code == 0 and out.startswith("journal: posted http"), out
    assert len(titled(sandbox.url, "writer", "Untitled")) == 2


def test_the_daemons_publish_gets_the_clash_as_a_failed_outcome_per_target(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    gift1 = write_story(tmp_path, "gift1", BODY_A, title="Untitled", author=None)
    gift2 = write_story(tmp_path, "gift2", BODY_B, title="Untitled", author=None)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        first = pub.publish(parse_file(gift1), ["journal", "fluffy"], explicit=False)
        assert [o.action for o in first] == ["posted", "posted"]
        second = pub.publish(parse_file(gift2), ["journal", "fluffy"], explicit=False)
        assert [o.action for o in second] == ["failed", "failed"]
        assert all(isinstance(o.error, IdentityClash) for o in second)
        assert all(o.error.exit_code == 2 for o in second if o.error)
        # nothing recorded for the refused file: the story row still names the first one
        known = reg.story(parse_file(gift2).identity)
        assert known is not None and Path(known.path).name == "gift1.txt"
        assert {r.status for r in reg.deliveries(known.identity)} == {"posted"}
