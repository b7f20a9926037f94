"""Stopping ``crosspost watch`` cleanly on SIGTERM, SIGHUP and Ctrl-C (SIGINT), and on
Ctrl-Break (SIGBREAK) on Windows: only the signals this system has are handled. Light on
purpose (no crosspost import): the watch command installs :func:`catch_early` before it
loads anything, so a stop asked for while it starts still ends with exit code 0."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

#: the signals that stop the daemon the clean way, where the system has them
STOP_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    if hasattr(signal, name))


def catch_early(stop: threading.Event) -> Callable[[], None]:
    """Until the daemon installs its own handlers: a stop signal only sets ``stop`` (the
    daemon looks at it before each step of its start). Returns a function that puts the
    previous handlers back. Does nothing outside the main thread (signals go there)."""
    return install(lambda signum: stop.set(), signals=tuple(
        s for s in STOP_SIGNALS if s != signal.SIGINT))


def install(handler: Callable[[int], None], signals: tuple[int, ...] = STOP_SIGNALS
            ) -> Callable[[], None]:
    """Call ``handler(signum)`` on each of ``signals``; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    old = {sig: signal.getsignal(sig) for sig in signals}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        handler(signum)

    for sig in old:
        signal.signal(sig, on_signal)

    def restore() -> None:
        for sig, h in old.items():
            signal.signal(sig, h)
    return restore
