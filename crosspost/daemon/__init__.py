"""The daemon: a watched stories folder and scheduled releases (``crosspost watch``).

- :mod:`.files` — which files to take, when a file is complete, setting files aside;
- :mod:`.watcher` — watchdog (inotify) events for the folder;
- :mod:`.scheduler` — APScheduler wake-ups for releases, retries and the rescan;
- :mod:`.rules` — what to do with one file, decided from what is known about it (pure);
- :mod:`.intake` — carries those steps out: parse (:mod:`.reading`, on a worker with a time
  bound), publish (:mod:`.sending`), and where the file goes (:mod:`.placing`, which also
  places a story handed over: :func:`~crosspost.daemon.placing.place_dropped`);
- :mod:`.releases` — a file's `Release:` times; :mod:`.reports` — the failed/ reports;
- :mod:`.runner` — :func:`run_daemon`, the main loop and start-up; :mod:`.stopping` — the
  stop signals (SIGTERM, SIGHUP, Ctrl-C, Ctrl-Break: those the system has).
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_daemon"]


def __getattr__(name: str) -> Any:
    # imported on first use: `crosspost watch` installs its stop handler
    # (:mod:`.stopping`) before the heavy modules load
    if name == "run_daemon":
        from crosspost.daemon.runner import run_daemon

        return run_daemon
    raise AttributeError(name)
