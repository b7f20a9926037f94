"""Process ownership: the one-daemon-per-registry lock and claim owner tokens.

A claim on a delivery row names its owner (``host:pid:nonce``). When the owner is a process
on this host that no longer exists, its claim is dead at once, whatever its lease says: a
crashed run is reconciled on the next start instead of waiting for the lease to run out.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import uuid
from pathlib import Path

from crosspost.errors import StateError

_HOST = socket.gethostname()
#: tokens handed out in this process: a token naming our pid but not in here belongs to a
#: dead process whose pid was reused by us
_MINE: set[str] = set()


def owner_token() -> str:
    """A fresh owner token for this process (one per Publisher)."""
    token = f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _MINE.add(token)
    return token


def owner_alive(token: str) -> bool | None:
    """True/False when the owner is a process on this host that runs / is gone; None when
    it cannot be told (another host: trust the lease)."""
    try:
        host, pid_s, _ = token.rsplit(":", 2)
        pid = int(pid_s)
    except ValueError:
        return None
    if host != _HOST:
        return None
    if pid == os.getpid():
        return token in _MINE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DaemonLock:
    """An exclusive ``fcntl.flock`` on ``<state file>.lock`` holding the owner's pid.

    The kernel drops the lock when the process dies, so a crash never leaves it stale.
    """

    def __init__(self, state_path: Path) -> None:
        self.path = Path(f"{state_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> DaemonLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                other = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise StateError(
                f"another crosspost daemon is running on {self.path.with_suffix('')} "
                f"(pid {other})",
                "stop it first, or give this one another state file (settings.state_file)",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DaemonLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
