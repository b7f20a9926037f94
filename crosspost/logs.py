"""Logging setup: one human line per event on stderr, optional JSON lines, optional file.

Every command imports this module, so it stays light: ``json`` and ``logging.handlers``
(which pulls in socket, pickle and queue) are imported only when JSON lines or a log file
are asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

LOGGER = "crosspost"


def iso_time(created: float) -> str:
    """A record's time in ISO 8601 with its UTC offset (local time, milliseconds)."""
    from datetime import datetime

    return datetime.fromtimestamp(created).astimezone().isoformat(timespec="milliseconds")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": iso_time(record.created), "level": record.levelname.lower(),
                "logger": record.name, "message": record.getMessage()}
        for key in ("story", "target", "url", "event"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        import json

        return json.dumps(data, ensure_ascii=False)


#: ``event`` values of INFO records that announce a wait (a transient failure retried in
#: the same run, a site asking us to slow down): shown on stderr even when the console level
#: is WARNING, so a long pause in ``crosspost post`` is never silent.
WAIT_EVENTS = frozenset({"retry", "uncertain", "wait"})


class _ConsoleFilter(logging.Filter):
    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level or (
            record.levelno >= logging.INFO and getattr(record, "event", None) in WAIT_EVENTS)


#: control characters (C0, DEL, C1, the Unicode line separators); a newline only when it does
#: not start an indented continuation line (a fix under its message)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]|\n(?! )")


def escape(text: str) -> str:
    """``text`` with control characters shown as escapes (``\\n``, ``\\x1b``): a file name
    cannot forge a log line nor move the terminal's cursor. A newline followed by a space
    (the indented ``fix:`` line of an error) is kept: no record can start a line with it."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class _Escape(logging.Filter):
    """Escapes control characters in a record's arguments and its ``story`` (file names come
    from the writer's folder and may hold newlines or terminal escapes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(escape(os.fspath(a)) if isinstance(a, str | os.PathLike)
                                else a for a in record.args)
        story = getattr(record, "story", None)
        if isinstance(story, str):
            record.story = escape(story)
        return True


def _private_file(path: Path) -> logging.Handler:
    """A rotating log file created mode 600 (and each new file after a rotation): a log
    names stories and journals, which is nobody else's business."""
    from logging.handlers import RotatingFileHandler

    class PrivateFile(RotatingFileHandler):
        def _open(self) -> Any:
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with contextlib.suppress(OSError):
                os.chmod(self.baseFilename, 0o600)  # a file made by an older crosspost
            return open(fd, self.mode, encoding=self.encoding, errors=self.errors)

    return PrivateFile(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")


def setup_logging(verbose: int = 0, json_lines: bool = False, log_file: Path | None = None,
                  *, base: int = logging.INFO) -> None:
    """Configure the ``crosspost`` logger. Safe to call more than once (handlers are
    replaced).

    The console (stderr) shows ``base`` and up; each ``-v`` lowers that one step (INFO,
    then DEBUG). One-shot commands pass ``base=WARNING`` (they print their results on
    stdout); ``watch`` keeps the default INFO. A log file gets INFO and up (DEBUG with
    ``-v``) whatever the console shows: it is the audit trail.
    """
    log = logging.getLogger(LOGGER)
    console = max(logging.DEBUG, base - 10 * verbose)
    in_file = logging.DEBUG if verbose else min(logging.INFO, console)
    log.setLevel(min(console, in_file) if log_file is not None else
                 min(console, logging.INFO))
    for h in list(log.handlers):
        if getattr(h, "_crosspost", False):
            log.removeHandler(h)
            h.close()  # a log file is closed; stderr itself stays open
    human = logging.Formatter("%(asctime)s %(levelname).1s %(message)s", "%H:%M:%S")
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(JsonLines() if json_lines else human)
    err.addFilter(_ConsoleFilter(console))
    handlers: list[logging.Handler] = [err]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = _private_file(log_file)
        fh.setLevel(in_file)
        fh.setFormatter(JsonLines() if json_lines else logging.Formatter(
            "%(asctime)s %(levelname)s %(message)s"))
        handlers.append(fh)
    for h in handlers:
        h._crosspost = True  # type: ignore[attr-defined]
        h.addFilter(_Escape())
        log.addHandler(h)
    log.propagate = False


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}" if name else LOGGER)
