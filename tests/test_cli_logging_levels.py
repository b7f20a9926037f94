"""Console log levels and the log file: one-shot commands print their results on stdout and
log only problems on stderr (``-v`` → INFO, ``-vv`` → DEBUG); ``watch`` logs INFO;
``settings.log_file`` is written by every command that reads the config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.logs import get_logger, setup_logging


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run_main(capsys, *args)


@pytest.fixture(autouse=True)
def _restore_logging() -> Any:
    yield
    setup_logging()


def test_post_prints_results_once_without_info_lines_on_stderr(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "quiet", title="Quiet Post")
    code, out, err = run(capsys, "--config", str(sandbox_config), "post", str(story),
                         "--to", "journal")
    assert code == 0 and "journal: posted " in out
    assert "posted" not in err and " I " not in err


def test_verbose_flag_shows_info_then_debug(tmp_path: Path, sandbox: Any,
                                            sandbox_config: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "loud", title="Loud Post")
    code, out, err = run(capsys, "--config", str(sandbox_config), "-v", "post", str(story),
                         "--to", "journal")
    assert code == 0 and "journal: posted " in out
    assert " I " in err and "journal: posted" in err
    assert get_logger().getEffectiveLevel() == logging.INFO
    run(capsys, "-vv", "parse", str(story))
    assert get_logger().getEffectiveLevel() == logging.DEBUG


def test_watch_level_default_is_info_and_wait_notices_pass_a_warning_console(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging()  # what `watch` calls
    get_logger("t").info("watching")
    assert " I watching" in capsys.readouterr().err
    setup_logging(base=logging.WARNING)  # a one-shot command
    log = get_logger("t")
    log.info("routine")
    log.info("trying again in 2s", extra={"event": "retry"})
    log.warning("a problem")
    err = capsys.readouterr().err
    assert "routine" not in err and "trying again in 2s" in err and "a problem" in err


def test_settings_log_file_is_written_by_one_shot_commands(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__LOG_FILE", "xp.log")  # relative: config folder
    story = write_story(tmp_path, "audit", title="Audit Trail")
    code, out, err = run(capsys, "--config", str(sandbox_config), "post", str(story),
                         "--to", "journal")
    assert code == 0 and "journal: posted " in out and "posted" not in err
    log_file = sandbox_config.parent / "xp.log"
    setup_logging()  # close the file handler before reading
    text = log_file.read_text(encoding="utf-8")
    assert "INFO" in text and "journal: posted" in text
