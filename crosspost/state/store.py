"""Opening crosspost's SQLite state file: the connection (WAL, ``synchronous=FULL``, mode
600), the check that refuses a damaged file, migrations, the rolling backup, and the one
short ``BEGIN IMMEDIATE`` transaction every change is made in. The connection is shared by
the fan-out threads behind a lock; SQLite's own locking (and a busy timeout) serialises
other processes.

A transaction is durable (its commit waits for the disk) unless the caller says the change
may be lost to a power cut: the result of a request that can be found out again from the
site (a post is looked up, an edit or delete sent again). Such a commit is still written
(a crash of crosspost itself loses nothing) and becomes durable with the next durable one;
WAL keeps the order, so an intent is never lost while a later result is kept."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from crosspost.errors import StateError
from crosspost.state import health
from crosspost.state.lock import DaemonLock
from crosspost.state.schema import MIGRATIONS, SCHEMA_VERSION

#: how long a connection waits for another process's lock (SQLite's busy timeout; also
#: while another process switches a new file to WAL)
BUSY_SECONDS = 30.0


def _wal(db: sqlite3.Connection) -> None:
    """Switch ``db`` to WAL. When two runs started together both switch a file made just
    now, SQLite answers one of them "locked" at once (it would deadlock waiting, so its
    busy timeout does not apply): that one tries again until the other is done."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Store:
    """The state file's connection: opened, checked, migrated, backed up; transactions
    and queries. :class:`~crosspost.state.registry.Registry` adds the tables' methods."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        new = not self.path.exists()
        self._db = self._connect()
        self._dirty = self._closed = False
        self._backed_up = time.monotonic()
        self._check()
        self._migrate()
        # a file made just now holds nothing to keep yet: its first change is backed up
        # when the run closes it
        if not new and not health.backup_path(self.path).exists():
            self._backup()

    # -- opening ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None,
                                 check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            _wal(db)
            # an intent must survive a power cut before the remote call is made
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            raise health.translate(self.path, exc, "open") from None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(f"{self.path}{suffix}", 0o600)
        return db

    def _check(self) -> None:
        """Refuse a damaged file (SQLite's quick_check) before anything reads or writes it."""
        problem = health.quick_check(self._db)
        if problem is not None:
            self._db.close()
            raise health.damaged(self.path, problem)

    def _backup(self) -> None:
        with self._lock:
            if health.write_backup(self._db, self.path):
                self._dirty = False
            self._backed_up = time.monotonic()

    def _migrate(self) -> None:
        try:
            with self._tx() as db:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StateError(
                        f"the state file {self.path} is from a newer crosspost "
                        f"(schema {version}; this version knows {SCHEMA_VERSION})",
                        "upgrade crosspost, or point settings.state_file at another file")
                for step in MIGRATIONS[version:]:
                    step(db)
                if version != SCHEMA_VERSION:
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise health.translate(self.path, exc, "update") from None

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the file; a run that changed it leaves a fresh backup beside it."""
        with self._lock:
            if self._closed:
                return
            if self._dirty:
                self._backup()
            self._closed = True
            self._db.close()

    def _require_open(self) -> None:
        if self._closed:  # a delivery thread still running after an interrupted command
            raise StateError(f"the state file {self.path} was closed (the command was "
                             "interrupted)", "run `crosspost retry` to finish what was left")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def acquire_daemon_lock(self) -> DaemonLock:
        """Take the one-daemon-per-registry lock; StateError if another daemon holds it."""
        return DaemonLock(self.path).acquire()

    @contextlib.contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT`` under the lock, rolled back on any error;
        ``durable=False``: the commit does not wait for the disk (see the module doc)."""
        with self._lock:
            self._require_open()
            if not durable:
                self._db.execute("PRAGMA synchronous = NORMAL")  # WAL: no fsync at commit
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                self._restore_sync(durable)
                raise StateError(f"the state file {self.path} is busy: {exc}",
                                 "another crosspost holds it too long; try again") from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError):
                    raise health.translate(self.path, exc, "write") from None
                raise
            finally:
                self._restore_sync(durable)
            self._dirty = True
            if time.monotonic() - self._backed_up > health.BACKUP_EVERY:
                self._backup()

    def _restore_sync(self, durable: bool) -> None:
        if not durable:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA synchronous = FULL")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            self._require_open()
            try:
                return self._db.execute(sql, args).fetchall()
            except sqlite3.DatabaseError as exc:
                raise health.translate(self.path, exc, "read") from None
