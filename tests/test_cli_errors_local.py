"""User errors that need no site: every command answers a missing or broken config, a
missing or broken story file, an unknown target or account with a message and a fix and the
documented exit code, never a traceback.

Each command runs in-process through ``crosspost.cli.main``: an unexpected exception would
escape ``main`` and fail the test, so "no traceback" is checked for real.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from cli_support import run_main as run_cli
from storyfiles import write_sandbox_config, write_story

#: commands that read the config, with arguments; ``{story}`` is replaced by a story path.
CONFIG_COMMANDS: dict[str, list[str]] = {
    "preview": ["preview", "{story}"],
    "post": ["post", "{story}"],
    "edit": ["edit", "{story}"],
    "delete": ["delete", "{story}", "--yes"],
    "retry": ["retry"],
    "history": ["history", "{story}"],
    "status": ["status"],
    "login": ["login", "sandbox", "--stored"],
    "watch": ["watch", "--once"],
    "schedule": ["schedule", "{story}", "--at", "+1h"],
    "queue": ["queue"],
    "cancel": ["cancel", "1"],
    "reschedule": ["reschedule", "1", "--at", "+1h"],
}

#: commands that take a story FILE, with arguments (``{story}`` as above).
FILE_COMMANDS: dict[str, list[str]] = {
    "parse": ["parse", "{story}"],
    "preview": ["preview", "{story}"],
    "post": ["post", "{story}"],
    "edit": ["edit", "{story}"],
    "schedule": ["schedule", "{story}", "--at", "+1h"],
}

#: commands that accept ``--to TARGET``.
TARGET_COMMANDS: dict[str, list[str]] = {
    "preview": ["preview", "{story}"],
    "post": ["post", "{story}"],
    "schedule": ["schedule", "{story}", "--at", "+1h"],
}


def assert_user_error(code: int, out: str, err: str, *, expected_code: int,
                      mentions: str) -> None:
    """A message naming ``mentions``, a fix line, the exit code, and no traceback."""
    text = out + err
    assert "Traceback" not in text
    assert code == expected_code, text
    assert mentions.lower() in text.lower(), text
    assert "fix:" in text, text


def fill(args: list[str], story: Path) -> list[str]:
    return [a.replace("{story}", str(story)) for a in args]


@pytest.fixture
def story(tmp_path: Path) -> Path:
    return write_story(tmp_path / "drafts", "lanterns", title="Lanterns on the Bay")


@pytest.fixture
def local_config(tmp_path: Path) -> Path:
    """A valid config whose sandbox server is never contacted by these tests."""
    return write_sandbox_config(tmp_path / "config.toml", "http://127.0.0.1:9",
                                state_file=tmp_path / "state.sqlite3",
                                stories_dir=tmp_path / "stories")


@pytest.mark.parametrize("command", sorted(CONFIG_COMMANDS))
def test_missing_config_file_names_the_file_and_the_fix(
        command: str, tmp_path: Path, story: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    code, out, err = run_cli(capsys, "--config", str(missing),
                             *fill(CONFIG_COMMANDS[command], story))
    assert_user_error(code, out, err, expected_code=2, mentions="not found")
    assert "config.toml" in err


@pytest.mark.parametrize("command", sorted(CONFIG_COMMANDS))
def test_config_that_is_not_toml_gives_the_line_and_the_fix(
        command: str, tmp_path: Path, story: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[settings\ntimezone = 'UTC'\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "--config", str(broken),
                             *fill(CONFIG_COMMANDS[command], story))
    assert_user_error(code, out, err, expected_code=2, mentions="not valid TOML")
    assert "line 1" in err


@pytest.mark.parametrize("command", sorted(CONFIG_COMMANDS))
def test_config_with_misspelt_key_suggests_the_right_one(
        command: str, tmp_path: Path, story: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "typo.toml"
    cfg.write_text('[settings]\ntimezon = "UTC"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "--config", str(cfg),
                             *fill(CONFIG_COMMANDS[command], story))
    assert_user_error(code, out, err, expected_code=2, mentions="settings.timezon")
    assert "did you mean 'timezone'" in err


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_missing_story_file_is_named(command: str, tmp_path: Path, local_config: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "drafts" / "not-written-yet.txt"
    code, out, err = run_cli(capsys, "--config", str(local_config),
                             *fill(FILE_COMMANDS[command], missing))
    text = out + err
    assert "Traceback" not in text
    assert code == 2, text
    assert "not-written-yet.txt" in text


def test_check_of_a_missing_file_fails_that_file_with_a_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "check", str(tmp_path / "gone.txt"))
    assert_user_error(code, out, err, expected_code=1, mentions="gone.txt")


def test_delete_of_something_unknown_says_what_it_accepts(
        tmp_path: Path, local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(local_config), "delete",
                             str(tmp_path / "gone.txt"), "--yes")
    assert_user_error(code, out, err, expected_code=2, mentions="gone.txt")
    assert "crosspost status" in err


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_story_without_title_gives_line_and_fix(
        command: str, tmp_path: Path, local_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_story(tmp_path / "drafts", "untitled", title=None)
    code, out, err = run_cli(capsys, "--config", str(local_config),
                             *fill(FILE_COMMANDS[command], bad))
    assert_user_error(code, out, err, expected_code=2, mentions="missing Title")
    assert "untitled.txt, line 1" in err


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_binary_file_is_refused_with_a_fix(
        command: str, tmp_path: Path, local_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    blob = tmp_path / "drafts" / "picture.txt"
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(bytes(range(256)) * 8)
    code, out, err = run_cli(capsys, "--config", str(local_config),
                             *fill(FILE_COMMANDS[command], blob))
    assert_user_error(code, out, err, expected_code=2, mentions="binary")


def test_check_reports_each_bad_story_and_exits_1(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_story(tmp_path, "fine", title="A Fine Story")
    bad = write_story(tmp_path, "broken", title=None)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(good), str(bad), str(empty))
    assert_user_error(code, out, err, expected_code=1, mentions="missing Title")
    assert "ok    " in out and "fine.txt" in out
    assert "empty.txt" in out and "empty" in out.split("empty.txt", 1)[1]


def test_watch_once_sets_a_bad_story_aside_with_a_report(
        tmp_path: Path, local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stories = tmp_path / "stories"
    write_story(stories, "untitled", title=None)
    code, out, err = run_cli(capsys, "--config", str(local_config), "watch", "--once")
    assert "Traceback" not in out + err
    assert code == 0, out + err
    report = stories / "failed" / "untitled.txt.error.txt"
    assert (stories / "failed" / "untitled.txt").exists()
    text = report.read_text(encoding="utf-8")
    assert "missing Title" in text and "Fix:" in text


@pytest.mark.parametrize("command", sorted(TARGET_COMMANDS))
def test_unknown_target_lists_the_known_ones(
        command: str, story: Path, local_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(local_config),
                             *fill(TARGET_COMMANDS[command], story), "--to", "fluffyfix")
    assert_user_error(code, out, err, expected_code=2, mentions="fluffyfix")
    assert "journal" in err and "closed" in err


def test_unknown_account_for_login_lists_the_known_ones(
        local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(local_config), "login", "dreamwidth",
                             "--stored")
    assert_user_error(code, out, err, expected_code=2, mentions="accounts.dreamwidth")
    assert "sandbox" in err


def test_target_naming_an_unknown_account_is_a_config_error(
        tmp_path: Path, story: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_sandbox_config(tmp_path / "config.toml", "http://127.0.0.1:9",
                               state_file=tmp_path / "state.sqlite3",
                               stories_dir=tmp_path / "stories",
                               extra='[targets.elsewhere]\naccount = "lj_main"\n')
    code, out, err = run_cli(capsys, "--config", str(cfg), "preview", str(story))
    assert_user_error(code, out, err, expected_code=2, mentions="targets.elsewhere.account")
    assert "lj_main" in err


def test_unknown_delivery_id_for_cancel_is_reported(
        local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(local_config), "cancel", "4242")
    text = out + err
    assert "Traceback" not in text
    assert code != 0 and "4242" in err and "fix:" in err


def test_unreadable_release_time_lists_the_forms_it_understands(
        story: Path, local_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(local_config), "schedule", str(story),
                             "--at", "when the moon is full")
    assert_user_error(code, out, err, expected_code=2, mentions="when the moon is full")
    assert "tomorrow 9am" in err


def test_sandbox_on_a_port_in_use_says_which_and_how_to_pick_another(
        capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, out, err = run_cli(capsys, "sandbox", "--memory", "--port", str(port))
    assert_user_error(code, out, err, expected_code=2, mentions=str(port))
    assert "--port" in err


def test_demo_with_a_broken_story_reports_it_and_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # demo sets the sandbox key in os.environ; let monkeypatch undo it after the test
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # demo's work folder
    bad = write_story(tmp_path / "drafts", "untitled", title=None)
    code, out, err = run_cli(capsys, "demo", "--exit", "--port", "0", str(bad))
    assert_user_error(code, out, err, expected_code=2, mentions="missing Title")
    assert "posted" not in out


def test_a_crosspost_bug_prints_one_line_and_how_to_report_it_not_a_traceback(
        story: Path, local_config: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import crosspost.story.parse

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug planted by this test")

    monkeypatch.setattr(crosspost.story.parse, "parse_file", broken)
    code, _, err = run_cli(capsys, "--config", str(local_config), "parse", str(story))
    assert code == 70 and "Traceback" not in err
    assert err.startswith("internal error: RuntimeError: a bug planted by this test")
    assert "run the command again with -v" in err
    with pytest.raises(RuntimeError):  # -v: the traceback, for the report
        run_cli(capsys, "--config", str(local_config), "-v", "parse", str(story))
