"""`crosspost schedule / queue / cancel / reschedule`: what they record and what they say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from daemon_support import story_text, write_config

from crosspost.cli import main
from crosspost.state.registry import Registry


@pytest.fixture
def cfg(sandbox: Any, tmp_path: Path) -> Path:
    path = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy"),
                        settings={"timezone": "Europe/Paris"})
    (tmp_path / "fest.txt").write_text(story_text("Fest Reveal"), encoding="utf-8")
    return path


def run(cfg: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["--config", str(cfg), *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_schedule_records_the_release_and_shows_zone_local_and_relative_time(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(cfg, capsys, "schedule", str(cfg.parent / "fest.txt"),
                       "--at", "2031-06-01 09:00", "--to", "fluffy")
    assert code == 0
    assert "Time zone: Europe/Paris (settings.timezone)" in out
    assert "Fest Reveal → fluffy: 2031-06-01 09:00 CEST (in " in out
    assert "no `crosspost watch` is running" in out
    with Registry(cfg.parent / "state.sqlite3") as reg:
        (row,) = reg.scheduled()
    assert row.target == "fluffy" and row.status == "scheduled"
    assert row.release_at is not None and row.release_at.isoformat() == "2031-06-01T07:00:00+00:00"


def test_queue_lists_story_target_and_time_then_cancel_and_reschedule_change_it(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(cfg, capsys, "schedule", str(cfg.parent / "fest.txt"), "--at", "2031-06-01 09:00")
    code, out, _ = run(cfg, capsys, "queue")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("#")]
    assert len(lines) == 2
    assert all("scheduled" in ln and "2031-06-01 09:00 CEST" in ln and "Fest Reveal" in ln
               for ln in lines)
    assert {"journal", "fluffy"} == {t for ln in lines for t in ("journal", "fluffy") if t in ln}
    first_id = lines[0].split()[0].lstrip("#")

    code, out, _ = run(cfg, capsys, "cancel", first_id)
    assert code == 0 and f"Cancelled #{first_id}" in out
    code, out, _ = run(cfg, capsys, "reschedule", lines[1].split()[0].lstrip("#"),
                       "--at", "2031-07-01 18:30 UTC")
    assert code == 0 and "2031-07-01 20:30 CEST" in out
    code, out, _ = run(cfg, capsys, "queue")
    rows = [ln for ln in out.splitlines() if ln.startswith("#")]
    assert len(rows) == 1 and "2031-07-01 20:30 CEST" in rows[0]


def test_schedule_in_the_past_is_refused_with_a_fix(cfg: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(cfg, capsys, "schedule", str(cfg.parent / "fest.txt"), "--at",
                       "2020-01-01 09:00")
    assert code == 2 and "in the past" in err and "crosspost post FILE" in err
    assert "Nothing scheduled." in run(cfg, capsys, "queue")[1]


def test_schedule_unreadable_time_lists_the_accepted_forms(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(cfg, capsys, "schedule", str(cfg.parent / "fest.txt"), "--at",
                       "when the moon is full")
    assert code == 2 and "cannot understand the time" in err and "tomorrow 9am" in err
    assert "Traceback" not in err


def test_cancel_unknown_id_is_an_error_not_a_traceback(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(cfg, capsys, "cancel", "999")
    assert code != 0 and "999" in err and "crosspost queue" in err


def test_watch_without_a_stories_folder_says_how_to_set_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[settings]\nstate_file = "{(tmp_path / "s.sqlite3").as_posix()}"\n',
                   encoding="utf-8")
    code, _, err = run(cfg, capsys, "watch")
    assert code == 2 and "no stories folder" in err and "settings.stories_dir" in err
    (tmp_path / "afile.txt").write_text("x", encoding="utf-8")
    code, _, err = run(cfg, capsys, "watch", "--dir", str(tmp_path / "afile.txt"))
    assert code == 2 and "is a file" in err  # click checks --dir itself


@pytest.mark.parametrize(("text", "expected"), [("8", 8), ("#8", 8), (" #12 ", 12)])
def test_delivery_id_accepts_the_hash_that_queue_prints(text: str, expected: int) -> None:
    from crosspost.cli.lookup import DELIVERY_ID

    assert DELIVERY_ID.convert(text, None, None) == expected


@pytest.mark.parametrize("text", ["#", "eight", "-3", "#8a"])
def test_delivery_id_that_is_not_a_number_is_a_usage_error(text: str) -> None:
    import click

    from crosspost.cli.lookup import DELIVERY_ID

    with pytest.raises(click.BadParameter):
        DELIVERY_ID.convert(text, None, None)


def test_cancel_file_cancels_every_release_of_the_story_or_only_the_named_target(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = str(cfg.parent / "fest.txt")
    run(cfg, capsys, "schedule", story, "--at", "2031-06-01 09:00")
    code, out, _ = run(cfg, capsys, "cancel", story, "--to", "fluffy")
    assert code == 0 and out.count("Cancelled #") == 1 and "→ fluffy" in out
    code, out, _ = run(cfg, capsys, "cancel", story)
    assert code == 0 and out.count("Cancelled #") == 1 and "→ journal" in out
    assert "Nothing scheduled." in run(cfg, capsys, "queue")[1]
    code, out, _ = run(cfg, capsys, "cancel", story)
    assert code == 0 and out.strip() == "Nothing scheduled for Fest Reveal."


def test_cancel_file_with_a_misspelt_target_is_an_error_not_nothing_to_do(
        cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = str(cfg.parent / "fest.txt")
    run(cfg, capsys, "schedule", story, "--at", "2031-06-01 09:00", "--to", "fluffy")
    code, out, err = run(cfg, capsys, "cancel", story, "--to", "fluffyy")
    assert code == 2 and "did you mean 'fluffyy' → 'fluffy'?" in err, out + err
    assert "scheduled" in run(cfg, capsys, "queue")[1]
