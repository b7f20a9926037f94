"""Process ownership: the one-daemon-per-registry lock and claim owner tokens.

A claim on a delivery row names its owner (``host:pid:nonce``). When the owner is a process
on this host that no longer exists, its claim is dead at once, whatever its lease says: a
crashed run is reconciled on the next start instead of waiting for the lease to run out.

Portable: the daemon lock is :mod:`filelock` (``fcntl.flock`` on Linux and macOS, ``msvcrt``
locking on Windows) and liveness an OS call that works on each; no POSIX-only module here.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
import warnings
from pathlib import Path
from typing import Any

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


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this computer (Windows, macOS, Linux).

    Never ``os.kill(pid, 0)`` on Windows: there it terminates the process."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    query_limited_information, still_active = 0x1000, 259
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == 5  # type: ignore[attr-defined]  # denied: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


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
    return pid_alive(pid)


def _file_lock(path: Path) -> Any:
    """The platform's OS-level lock on ``path`` (a soft lock file where there is none)."""
    with warnings.catch_warnings():  # "only soft file lock is available": handled below
        warnings.simplefilter("ignore")
        import filelock
    return filelock.FileLock(str(path), timeout=0, thread_local=False)


def _is_soft(lock: Any) -> bool:
    import filelock

    return isinstance(lock, filelock.SoftFileLock)


class DaemonLock:
    """An exclusive lock on ``<state file>.lock``; the owner's pid is in ``<state file>.pid``.

    The OS drops the lock when the process dies, so a crash never leaves it stale. Where the
    system has no lock call (a soft lock file), a lock whose owner pid is gone is taken over.
    """

    def __init__(self, state_path: Path) -> None:
        self.path = Path(f"{state_path}.lock")
        self.pid_path = Path(f"{state_path}.pid")
        self._lock: Any = None

    def _owner(self) -> str:
        try:
            return self.pid_path.read_text(encoding="ascii").strip() or "unknown"
        except (OSError, UnicodeDecodeError):
            return "unknown"

    def acquire(self) -> DaemonLock:
        import filelock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = _file_lock(self.path)
        try:
            lock.acquire()
        except filelock.Timeout:
            other = self._owner()
            if _is_soft(lock) and other.isdigit() and not pid_alive(int(other)):
                with contextlib.suppress(OSError):  # a crashed owner's soft lock file
                    self.path.unlink()
                return self.acquire()
            raise StateError(
                f"another crosspost daemon is running on {self.path.with_suffix('')} "
                f"(pid {other})",
                "stop it first, or give this one another state file (settings.state_file)",
            ) from None
        self.pid_path.write_text(f"{os.getpid()}\n", encoding="ascii")
        with contextlib.suppress(OSError):
            os.chmod(self.pid_path, 0o600)
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self.pid_path.unlink()
            self._lock.release()
            self._lock = None

    def __enter__(self) -> DaemonLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
