"""Logging setup: one human line per event on stderr, optional JSON lines, optional file.

Every command imports this module, so it stays light: ``json`` and ``logging.handlers``
(which pulls in socket, pickle and queue) are imported only when JSON lines or a log file
are asked for.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

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
        from logging.handlers import RotatingFileHandler

        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        fh.setLevel(in_file)
        fh.setFormatter(JsonLines() if json_lines else logging.Formatter(
            "%(asctime)s %(levelname)s %(message)s"))
        handlers.append(fh)
    for h in handlers:
        h._crosspost = True  # type: ignore[attr-defined]
        log.addHandler(h)
    log.propagate = False


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}" if name else LOGGER)
