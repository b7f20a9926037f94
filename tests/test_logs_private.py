"""The log file is private (mode 600, also after a rotation) and a file name cannot forge a
log line (control characters are escaped)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from crosspost.logs import escape, get_logger, setup_logging


@pytest.fixture
def restore_logging() -> object:
    yield None
    setup_logging()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_log_file_is_created_mode_600_and_stays_so_after_rotation(
        tmp_path: Path, restore_logging: object) -> None:
    log_file = tmp_path / "logs" / "crosspost.log"
    old = os.umask(0o022)
    try:
        setup_logging(log_file=log_file)
        get_logger("daemon").info("hello")
        assert log_file.stat().st_mode & 0o777 == 0o600
        handler = next(h for h in logging.getLogger("crosspost").handlers
                       if hasattr(h, "doRollover"))
        handler.doRollover()
        get_logger("daemon").info("after the rotation")
    finally:
        os.umask(old)
    assert log_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "logs" / "crosspost.log.1").stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_log_file_left_readable_by_an_older_version_is_made_private(
        tmp_path: Path, restore_logging: object) -> None:
    log_file = tmp_path / "crosspost.log"
    log_file.write_text("old line\n", encoding="utf-8")
    log_file.chmod(0o644)
    setup_logging(log_file=log_file)
    assert log_file.stat().st_mode & 0o777 == 0o600
    assert log_file.read_text(encoding="utf-8").startswith("old line\n")


@pytest.mark.parametrize(("name", "shown"), [
    ("plain.txt", "plain.txt"),
    ("a\nb.txt", "a\\nb.txt"),
    ("a\rb.txt", "a\\rb.txt"),
    ("bell\x07.txt", "bell\\x07.txt"),
    ("clear\x1b[2K.txt", "clear\\x1b[2K.txt"),
    ("sep\u2028x.txt", "sep\\u2028x.txt"),
    ("tab\t.txt", "tab\\t.txt"),
    ("café ✓.txt", "café ✓.txt"),
    ("message\n  fix: the indented fix line stays", "message\n  fix: the indented fix line stays"),
])
def test_escape_shows_control_characters(name: str, shown: str) -> None:
    assert escape(name) == shown


def test_log_line_with_a_forged_name_stays_one_line(tmp_path: Path,
                                                    restore_logging: object) -> None:
    log_file = tmp_path / "crosspost.log"
    setup_logging(log_file=log_file)
    get_logger("daemon").info("picked up %s", "x\n12:00:00 I posted Forged.txt",
                              extra={"story": "x\nforged"})
    lines = log_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and lines[0].endswith("picked up x\\n12:00:00 I posted Forged.txt")
