"""Parsing story files off the daemon's loop, with a time bound.

A story is parsed on a worker thread of its own. The loop waits for it only briefly
(:data:`INLINE`, far more than a normal story needs); a file that takes longer is *parked*:
the loop goes on with other files, releases and signals, and comes back to it when the
parse is done (:class:`Reader` calls ``done(path)``) or when :data:`LIMIT` has passed,
whichever comes first. A parse still running at the limit is given up: the file is set
aside as too complex to read. Threads only (no fork, no process start-up), so this works
the same on Windows, macOS and Linux; a parse given up runs on in the background until it
ends (a thread cannot be killed), but never blocks the loop nor the exit (daemon threads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.errors import StoryError

if TYPE_CHECKING:
    from crosspost.daemon.files import FileSig
    from crosspost.story.model import Story

#: how long the loop waits for a parse before it parks the file and goes on
INLINE = 0.5
#: a parse still running after this many seconds is given up
LIMIT = 60.0


@dataclass
class Job:
    """One parse in progress: the file's signature when it was read, and when it began."""

    sig: FileSig
    started: float
    future: Future[Story] = field(default_factory=Future)

    def age(self, now: float) -> float:
        return now - self.started


class Reader:
    """Parses on worker threads; ``done(path)`` is called (on the worker) when a parked
    file's parse ends."""

    def __init__(self, done: Callable[[Path], None] | None = None, *, inline: float = INLINE,
                 limit: float = LIMIT, stopping: Callable[[], bool] = lambda: False) -> None:
        self.done = done
        self.inline = inline
        self.limit = limit
        self.stopping = stopping
        self.parked: dict[Path, Job] = {}

    def start(self, path: Path, data: bytes, sig: FileSig, max_bytes: int) -> Job:
        """Begin parsing ``data`` (the bytes of ``path`` at ``sig``) on a new thread."""
        from crosspost.story.parse import parse_bytes

        job = Job(sig, time.monotonic())

        def work() -> None:
            try:
                job.future.set_result(parse_bytes(data, path=path, max_bytes=max_bytes))
            except BaseException as exc:  # StoryError; anything else is re-raised by result
                job.future.set_exception(exc)
            if self.done is not None and self.parked.get(path) is job:
                self.done(path)

        threading.Thread(target=work, name=f"crosspost-parse-{path.name[:40]}",
                         daemon=True).start()
        return job

    def resume(self, path: Path, sig: FileSig) -> Job | None:
        """The parked parse of ``path``, if it read the file as it is now (``sig``); a parse
        of an older version is dropped (its result no longer matters)."""
        job = self.parked.pop(path, None)
        return job if job is not None and job.sig == sig else None

    def result(self, path: Path, job: Job, *, wait: bool = True) -> Story | float:
        """The story, or the seconds left before the limit when the file is parked. Raises
        StoryError (the parser's, or "too complex" once the limit has passed). ``wait``:
        wait up to :data:`INLINE` (or to the limit when ``inline`` is None)."""
        end = time.monotonic() + (self.inline if wait else 0.0)
        while True:
            try:
                return job.future.result(timeout=max(0.0, min(0.1, end - time.monotonic())))
            except FutureTimeout:
                pass
            now = time.monotonic()
            if job.age(now) >= self.limit:
                raise too_slow(path, self.limit)
            if now >= end or self.stopping():
                self.parked[path] = job
                if job.future.done():  # it ended as it was parked: the worker may have
                    del self.parked[path]  # looked before it was, and told no one
                    continue
                return self.limit - job.age(now)


def too_slow(path: Path, limit: float) -> StoryError:
    return StoryError(f"the file took too long to read (over {limit:g} seconds)", path=path,
                      fix="simplify the file (fewer nested tags or lists), or save it as "
                          "plain text (.txt)")
