"""What the daemon knows about the files in the stories folder, between events.

:class:`FolderState` keeps three maps: files seen changing and not yet complete (*pending*,
with when to look at each again), files handled and left in place (*known*, by size and
mtime, compared on every rescan), and names already explained to the user (*told*, so each
reason is logged once). It turns file-system events into pending entries and says which
pending files are complete; it never reads a file nor posts anything (the runner does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from crosspost.daemon import files
from crosspost.daemon.watcher import FileEvent
from crosspost.logs import get_logger

log = get_logger("daemon")


class FolderState:
    """Pending and known files of one watched folder (used by one thread)."""

    def __init__(self, root: Path, *, settle: float, close_events: Callable[[], bool]) -> None:
        self.root = root
        self.settle = settle
        self._close_events = close_events
        self.pending: dict[Path, files.Pending] = {}
        self.check_at: dict[Path, float] = {}
        #: files handled and left in the folder, by path string (compared on every rescan)
        self.known: dict[str, files.FileSig] = {}
        self.told: set[str] = set()

    # -- what to say about a file ----------------------------------------------------------
    def tell(self, name: str, why: str) -> None:
        """Say once why a file in the folder is left alone (temporaries: silently)."""
        if why == "temporary" or name in self.told:
            return
        self.told.add(name)
        if why == "bad name":
            log.warning("ignoring %s: its name is not valid UTF-8; rename it to take it",
                        ascii(name))
        elif why.startswith("error: "):
            log.error("cannot look at %s: %s", name, why.removeprefix("error: "))
        elif why == "empty":
            # a file manager's "new document": taken once it has content (said once)
            log.info("%s is empty, waiting for content (left in place)", name,
                     extra={"event": "empty", "story": name})
        elif why == "outside":
            log.info("ignoring %s: a link to outside the stories folder", name)
        else:
            log.info("ignoring %s: not a story file (%s)", name,
                     ", ".join(files.STORY_SUFFIXES))

    # -- events and scans ------------------------------------------------------------------
    def on_event(self, ev: FileEvent) -> None:
        """A file-system event: the file becomes (or stays) pending, or is forgotten."""
        name = ev.path.name
        why = files.ignore_reason(name)
        if why is not None:
            if ev.kind != "gone":
                self.tell(name, why)
            return
        if ev.kind == "gone":
            self.drop(ev.path)
            return
        if ev.path.is_symlink() and not files.inside(ev.path, self.root):
            self.tell(name, "outside")
            return
        try:
            st = ev.path.stat()
        except OSError:
            return
        sig, now = files.FileSig.of(st), time.monotonic()
        entry = self.pending.get(ev.path)
        if ev.kind == "written":
            if entry is None and self.known.get(str(ev.path)) == sig:
                return  # e.g. an attribute change on a file we already handled
            self.pending[ev.path] = files.mark_written(entry, sig, now)
        else:
            self.pending[ev.path] = files.mark_closed(entry, sig, now)
        self.check_at[ev.path] = now

    def found(self, path: Path, sig: files.FileSig, mtime: float) -> None:
        """A new or changed file found by a scan, without an event: stable since its mtime
        (copies keep old mtimes only once complete: cp -p, rsync, unzip set them last)."""
        mono, age = time.monotonic(), max(0.0, time.time() - mtime)
        self.pending[path] = files.Pending(sig, mono - age)
        self.check_at[path] = mono

    def later(self, path: Path, sig: files.FileSig, seconds: float) -> None:
        """Look at a complete file again in ``seconds`` (it could not be read while young);
        a change meanwhile is handled like any other."""
        now = time.monotonic()
        self.pending[path] = files.Pending(sig, now, closed=True)
        self.check_at[path] = now + max(0.05, seconds)

    def drop(self, path: Path) -> None:
        self.pending.pop(path, None)
        self.check_at.pop(path, None)

    def note(self, path: Path, stays: bool, sig: files.FileSig | None = None) -> None:
        """Remember a handled file that stays in the folder (or forget one that left)."""
        key = str(path)
        if not stays:
            self.known.pop(key, None)
            return
        if sig is not None:
            # kept even when the file is already gone (moved out while it was taken): the
            # next rescan then sees it leave and withdraws its releases
            self.known[key] = sig
            return
        try:
            self.known[key] = files.FileSig.of(path.stat())
        except OSError:
            self.known.pop(key, None)

    # -- which files are complete ----------------------------------------------------------
    def ready(self, stopping: Callable[[], bool]) -> Iterator[tuple[Path, files.FileSig]]:
        """Pending files now complete, in name order; each leaves *pending* as it is yielded.
        Files still changing get their next look-at time. Ends early once ``stopping()``."""
        now = time.monotonic()
        for path in sorted(p for p, t in self.check_at.items() if t <= now):
            if stopping():
                return
            entry = self.pending[path]
            try:
                sig = files.FileSig.of(path.stat())
            except OSError:
                self.drop(path)
                continue
            entry = entry.observe(sig, now)
            verdict = files.readiness(entry, sig, now, settle=self.settle,
                                      close_events=self._close_events())
            if not verdict.ready:
                if verdict.why == "empty":
                    self.tell(path.name, "empty")
                self.pending[path] = entry
                self.check_at[path] = now + max(0.05, verdict.wait)
                continue
            self.drop(path)
            yield path, sig

    def wait(self) -> float:
        """Seconds until a pending file should be looked at again (an hour when none)."""
        if not self.check_at:
            return 3600.0
        return max(0.0, min(min(self.check_at.values()) - time.monotonic(), 3600.0))

    def only_empty_pending(self) -> bool:
        return all(e.sig.size == 0 for e in self.pending.values())

    def still_writing(self) -> list[Path]:
        return sorted(p for p, e in self.pending.items() if e.sig.size)
