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


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self.formatTime(record), "level": record.levelname.lower(),
                "logger": record.name, "message": record.getMessage()}
        for key in ("story", "target", "url", "event"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        import json

        return json.dumps(data, ensure_ascii=False)


def setup_logging(verbose: int = 0, json_lines: bool = False, log_file: Path | None = None) -> None:
    """Configure the ``crosspost`` logger. Safe to call more than once."""
    log = logging.getLogger(LOGGER)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    for h in list(log.handlers):
        if getattr(h, "_crosspost", False):
            log.removeHandler(h)
    human = logging.Formatter("%(asctime)s %(levelname).1s %(message)s", "%H:%M:%S")
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(JsonLines() if json_lines else human)
    handlers: list[logging.Handler] = [err]
    if log_file is not None:
        from logging.handlers import RotatingFileHandler

        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        fh.setFormatter(JsonLines() if json_lines else logging.Formatter(
            "%(asctime)s %(levelname)s %(message)s"))
        handlers.append(fh)
    for h in handlers:
        h._crosspost = True  # type: ignore[attr-defined]
        log.addHandler(h)
    log.propagate = False


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}" if name else LOGGER)
