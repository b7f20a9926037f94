"""File-system events for the watched folder (watchdog: inotify on Linux), as plain events.

The observer thread only translates watchdog's events into :class:`FileEvent` and hands them
to a sink (the runner's queue); all decisions happen in the runner's thread. Only the folder's
top level is watched. Our own reads never produce events (open/close-without-write events are
filtered out at the source), so reading a story does not wake the daemon.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from crosspost.logs import get_logger

log = get_logger("watch")

EventKind = Literal["written", "closed", "moved_in", "gone"]


@dataclass(frozen=True)
class FileEvent:
    """``written``: created or modified (may still be in progress); ``closed``: closed after
    writing; ``moved_in``: renamed into the folder (complete); ``gone``: deleted or moved out."""

    kind: EventKind
    path: Path


class FolderWatcher:
    """Watch ``root`` (not its subfolders) and call ``sink`` with each :class:`FileEvent`.

    ``close_events`` tells whether the observer reports close-after-write (inotify does;
    kqueue, FSEvents and polling do not); without it, completeness rests on stability alone.
    If no observer can be started (inotify limits reached, an exotic file system), the watcher
    says so and the periodic rescan alone finds new files.
    """

    def __init__(self, root: Path, sink: Callable[[FileEvent], None]) -> None:
        self.root = root
        self.sink = sink
        self.close_events = False
        self.active = False
        self._observer: Any = None

    def start(self) -> None:
        from watchdog.events import (
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEventHandler,
        )

        # watchdog logs a harmless race on stop ("queue_events() called when the thread is
        # inactive") through logging's last-resort handler: keep it off the user's terminal
        logging.getLogger("watchdog").addHandler(logging.NullHandler())
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if not event.is_directory:
                    watcher._translate(event)

        try:
            observer = _observer()
            observer.schedule(Handler(), str(self.root), recursive=False, event_filter=[
                FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileClosedEvent,
                FileDeletedEvent])
            observer.daemon = True
            observer.start()
        except OSError as exc:
            log.warning("file-system events unavailable for %s (%s); the periodic rescan "
                        "will find new files", self.root, exc)
            return
        self._observer = observer
        self.active = True
        self.close_events = type(observer).__name__ == "InotifyObserver"
        log.debug("watching %s with %s", self.root, type(observer).__name__)

    def _translate(self, event: Any) -> None:
        # inotify "full events": a move whose other end is outside the folder comes as a
        # move with an empty source or destination, not as a create/delete
        kind = event.event_type
        src = Path(os.fsdecode(event.src_path))
        if kind == "moved":
            dest = Path(os.fsdecode(event.dest_path)) if event.dest_path else None
            if src.parent == self.root:
                self.sink(FileEvent("gone", src))
            if dest is not None and dest.parent == self.root:
                self.sink(FileEvent("moved_in", dest))
            return
        if src.parent != self.root:
            return
        mapped: dict[str, EventKind] = {"created": "written", "modified": "written",
                                        "closed": "closed", "deleted": "gone"}
        if kind in mapped:
            self.sink(FileEvent(mapped[kind], src))

    def healthy(self) -> bool:
        """False when events stopped coming (the folder was deleted or replaced)."""
        obs = self._observer
        if obs is None:
            return not self.active
        return obs.is_alive() and any(e.is_alive() for e in obs.emitters)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
        self.active = False


#: where watchdog keeps the half-second wait for pairing a move-out with its move-in
#: (watchdog 7; older versions: its inotify buffer)
_PAIRING = (("watchdog.observers.inotify_move_event_grouper", "InotifyMoveEventGrouper"),
            ("watchdog.observers.inotify_buffer", "InotifyBuffer"))


def _no_move_pairing_delay() -> None:
    """inotify: watchdog holds each move-out event for half a second, waiting for a move-in
    to pair it with, and every event behind it waits too. The daemon's own move of a story
    to ``posted/`` (a folder not watched, so never paired) then delayed the next story
    dropped by 0.5 s. Pairing is not needed here: a move within the folder is a ``gone``
    and a ``moved_in`` either way (see :meth:`FolderWatcher._translate`). Where watchdog
    keeps the wait elsewhere, its default stays (slower, still correct)."""
    import importlib

    for module, name in _PAIRING:
        try:
            holder = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if isinstance(getattr(holder, "delay", None), int | float):
            holder.delay = 0.0


def _observer() -> Any:
    """The platform's best observer; on Linux, inotify reporting one-sided moves as moves
    (a file moved in from elsewhere is complete, unlike a created one)."""
    if sys.platform.startswith("linux"):
        from watchdog.observers.inotify import InotifyObserver

        _no_move_pairing_delay()
        return InotifyObserver(generate_full_events=True)
    from watchdog.observers import Observer

    return Observer()
