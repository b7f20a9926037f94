"""The state file's health: the check made when it is opened, the rolling backup, restoring
it, and SQLite errors turned into words (a full disk, a damaged file).

The state file is what keeps crosspost from posting a story twice, so a damaged one is
refused (exit 4) rather than used as if nothing were wrong. A backup is written with SQLite's
backup API beside it (``<state file>.backup``): when a run that changed something closes
the file, and at most every :data:`BACKUP_EVERY` seconds while a long run (``watch``) goes
on. A new backup replaces the old one only after it passed the same check, so a damaged
file never overwrites a good backup. ``crosspost state restore`` puts the backup back and
keeps the damaged file aside.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crosspost.errors import StateError

#: seconds between two backups while the file stays open (a backup is also made at close)
BACKUP_EVERY = 60.0
#: the page cache (KiB) of the connection that writes and checks a backup
BACKUP_CACHE_KIB = 256
_FULL = ("database or disk is full", "no space left")
_DAMAGED = ("malformed", "not a database", "file is encrypted", "disk i/o error",
            "database corrupt")


def backup_path(path: Path) -> Path:
    """Where the rolling backup of the state file ``path`` is kept."""
    return path.with_name(path.name + ".backup")


def restore_fix(path: Path) -> str:
    """What to do about a damaged state file at ``path``."""
    if backup_path(path).exists():
        return ("run `crosspost state restore` to put back the last backup (the damaged file "
                "is kept aside); then `crosspost status` shows what was posted where")
    return (f"no backup was found beside it; move {path.name} away to start afresh "
            "(crosspost will then not know what it posted: check your journals before "
            "posting again)")


def damaged(path: Path, detail: str) -> StateError:
    return StateError(f"the state file {path} is damaged ({detail}); crosspost will not use "
                      "it, so that nothing is posted twice", restore_fix(path))


def disk_full(path: Path) -> StateError:
    return StateError(f"the disk is full: cannot write the state file {path}",
                      f"free some space on the disk that holds {path.parent}, then run the "
                      "command again (what was recorded so far is kept)")


def is_disk_full(exc: BaseException) -> bool:
    """An error that means no space is left (SQLite's SQLITE_FULL, or ENOSPC)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return True
    return isinstance(exc, sqlite3.Error) and any(s in str(exc).lower() for s in _FULL)


def translate(path: Path, exc: sqlite3.Error | OSError, doing: str) -> StateError:
    """A SQLite or OS error met while ``doing`` something with the state file, in words."""
    if is_disk_full(exc):
        return disk_full(path)
    text = str(exc).lower()
    code = getattr(exc, "sqlite_errorcode", None)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or any(
            s in text for s in _DAMAGED):
        return damaged(path, str(exc))
    return StateError(f"cannot {doing} the state file {path}: {exc}",
                      "check the path and its permissions (settings.state_file)")


def quick_check(db: sqlite3.Connection) -> str | None:
    """None when SQLite's ``quick_check`` finds the file sound, else its first complaint."""
    try:
        rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def write_backup(db: sqlite3.Connection, path: Path) -> bool:
    """Copy the open state file ``db`` to its backup (via a temporary file, checked before it
    replaces the last backup). False when the copy was not sound or could not be written."""
    final = backup_path(path)
    # two processes, or two stores of one process (daemon and dashboard), never share it
    tmp = final.with_name(f"{final.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.close(os.open(tmp, os.O_RDWR | os.O_CREAT, 0o600))
        out = sqlite3.connect(tmp)
        try:
            # a small page cache for the copy and its check: left at SQLite's 2 MiB, each
            # backup leaves a long-running process ~2 MiB bigger (memory not given back)
            out.execute(f"PRAGMA cache_size = -{BACKUP_CACHE_KIB}")
            # a half-made copy is thrown away, never used: no journal, and one flush to
            # disk below instead of SQLite's several
            out.execute("PRAGMA journal_mode = OFF")
            out.execute("PRAGMA synchronous = OFF")
            db.backup(out)
            problem = quick_check(out)
        finally:
            out.close()
        if problem is not None:
            tmp.unlink()
            return False
        fd = os.open(tmp, os.O_RDWR)  # Windows flushes only a file open for writing
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        return True
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: where the damaged file went, and what the backup holds."""

    kept_aside: Path | None
    stories: int
    posted: int
    backup_time: datetime


def restore(path: Path) -> Restored:
    """Put the backup of the state file ``path`` back in its place; the current file (and
    its ``-wal``/``-shm``) is renamed ``<name>.damaged-<time>``, never deleted. StateError
    when there is no sound backup."""
    src = backup_path(path)
    if not src.exists():
        raise StateError(f"there is no backup of the state file {path} ({src.name} is missing)",
                         restore_fix(path))
    db = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        problem = quick_check(db)
        if problem is not None:
            raise StateError(f"the backup {src} is damaged too ({problem})",
                             f"move {path.name} away to start afresh (check your journals "
                             "before posting again)")
        stories = db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        posted = db.execute("SELECT COUNT(*) FROM deliveries WHERE itemid IS NOT NULL"
                            ).fetchone()[0]
    except sqlite3.Error as exc:
        raise StateError(f"the backup {src} cannot be read ({exc})",
                         f"move {path.name} away to start afresh") from None
    finally:
        db.close()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    kept: Path | None = None
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{path}{suffix}")
        if old.exists():
            aside = path.with_name(f"{path.name}.damaged-{stamp}{suffix}")
            os.replace(old, aside)
            kept = kept or aside
    tmp = path.with_name(path.name + ".restoring")
    os.close(os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600))
    source, out = sqlite3.connect(f"file:{src}?mode=ro", uri=True), sqlite3.connect(tmp)
    try:
        source.backup(out)
    finally:
        source.close()
        out.close()
    os.replace(tmp, path)
    when = datetime.fromtimestamp(src.stat().st_mtime, UTC)
    return Restored(kept, int(stories), int(posted), when)
