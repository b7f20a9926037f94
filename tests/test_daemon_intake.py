"""What the daemon does with a story file: where it goes, and its release times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosspost.config import Config
from crosspost.daemon.intake import fate
from crosspost.daemon.releases import release_groups, resolve_releases
from crosspost.errors import StoryError
from crosspost.story.model import Story

T1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("statuses", "expected"), [
    (["posted", "posted"], "posted"),
    (["posted", "queued"], "posted"),
    (["posted", "failed"], "posted"),          # it went out somewhere: not set aside
    (["failed", "failed"], "failed"),          # every target refused it
    (["posted", "scheduled"], "waiting"),      # one target later: the file waits
    (["retry", "posted"], "waiting"),
    (["held"], "waiting"),
    (["pending"], "waiting"),
    (["failed", "uncertain"], "waiting"),
    ([], "idle"),
])
def test_fate_follows_the_storys_deliveries(statuses: list[str], expected: str) -> None:
    assert fate(statuses) == expected


def test_release_groups_per_target_time_wins_and_names_extra_targets() -> None:
    groups = release_groups({None: T1, "fluffy": T2, "den": T2}, ["journal", "fluffy"])
    assert groups == {T1: ["journal"], T2: ["fluffy", "den"]}


def test_release_groups_without_times_is_one_group_for_now() -> None:
    assert release_groups({}, ["journal", "fluffy"]) == {None: ["journal", "fluffy"]}
    assert release_groups({"fluffy": T2}, ["journal", "fluffy"]) == {None: ["journal"],
                                                                     T2: ["fluffy"]}


CONFIG = Config.model_validate({
    "accounts": {"a": {"site": "sandbox", "username": "writer"}},
    "targets": {"journal": {"account": "a"}, "fluffy": {"account": "a"}}})


def _story(tmp_path: Path, releases: dict[str | None, str]) -> Story:
    path = tmp_path / "s.txt"
    path.write_text("Title: T\nRelease: x\n\n***\n\nbody\n")
    return Story(fields={"title": "T"}, body="body", path=path, releases=releases,
                 labels={"release": "Release"}, body_line=5)


def test_resolve_releases_relative_times_count_from_the_anchor(tmp_path: Path) -> None:
    story = _story(tmp_path, {None: "+2h", "fluffy": "2026-12-08 09:00 UTC"})
    out = resolve_releases(story, CONFIG, UTC, T1)
    assert out == {None: datetime(2026, 12, 1, 11, 0, tzinfo=UTC), "fluffy": T2}


def test_resolve_releases_bad_time_is_a_story_error_with_the_line(tmp_path: Path) -> None:
    story = _story(tmp_path, {None: "next blursday"})
    with pytest.raises(StoryError) as err:
        resolve_releases(story, CONFIG, UTC, T1)
    assert err.value.line == 2 and "tomorrow 9am" in err.value.fix


def test_resolve_releases_unknown_target_is_refused_not_posted_now(tmp_path: Path) -> None:
    story = _story(tmp_path, {"flufy": "+2h"})
    with pytest.raises(StoryError) as err:
        resolve_releases(story, CONFIG, UTC, T1)
    assert "flufy" in err.value.message and "fluffy" in err.value.fix


def test_resolve_releases_unknown_target_names_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Title: T\nRelease: +1h\nRelease (flufy): +2h\n\n***\n\nbody\n")
    story = Story(fields={"title": "T"}, body="body", path=path,
                  releases={None: "+1h", "flufy": "+2h"}, labels={"release": "Release"},
                  body_line=7)
    with pytest.raises(StoryError) as err:
        resolve_releases(story, CONFIG, UTC, T1)
    assert err.value.line == 3


def test_resolve_releases_target_names_are_not_case_sensitive(tmp_path: Path) -> None:
    story = _story(tmp_path, {"Fluffy": "2026-12-08 09:00 UTC"})
    assert resolve_releases(story, CONFIG, UTC, T1) == {"fluffy": T2}


def test_resolve_releases_now_means_at_once_however_old_the_file(tmp_path: Path) -> None:
    story = _story(tmp_path, {None: "tomorrow 9am", "fluffy": " Now "})
    out = resolve_releases(story, CONFIG, UTC, T1)
    assert out == {None: datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "fluffy": None}
    assert release_groups(out, ["journal", "fluffy"]) == {
        datetime(2026, 12, 2, 9, 0, tzinfo=UTC): ["journal"], None: ["fluffy"]}
