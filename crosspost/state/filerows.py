"""The watcher's memory in the state file: each file seen in the stories folder (size,
mtime, hash, the story it holds, its state), so unchanged files are recognised without
being read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crosspost.state.records import FileRow, now_utc, parse_ts, ts
from crosspost.state.store import Store


class FileRows(Store):
    """The ``files`` table."""

    def file_seen(self, path: Path | str) -> FileRow | None:
        rows = self._query("SELECT * FROM files WHERE path = ?", (str(path),))
        if not rows:
            return None
        return file_row(rows[0])

    def record_file(self, path: Path | str, *, size: int, mtime_ns: int, raw_sha256: str,
                    identity: str | None, state: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO files(path, size, mtime_ns, raw_sha256, identity, state, seen_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET size=excluded.size,"
                " mtime_ns=excluded.mtime_ns, raw_sha256=excluded.raw_sha256,"
                " identity=excluded.identity, state=excluded.state, seen_at=excluded.seen_at",
                (str(path), size, mtime_ns, raw_sha256, identity, state, ts(now_utc())))

    def record_files(self, rows: list[FileRow]) -> None:
        """Many :meth:`record_file` at once, in one transaction (a start-up scan)."""
        seen = ts(now_utc())
        with self._tx() as db:
            db.executemany(
                "INSERT INTO files(path, size, mtime_ns, raw_sha256, identity, state, seen_at)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE SET size=excluded.size,"
                " mtime_ns=excluded.mtime_ns, raw_sha256=excluded.raw_sha256,"
                " identity=excluded.identity, state=excluded.state, seen_at=excluded.seen_at",
                [(str(r.path), r.size, r.mtime_ns, r.raw_sha256, r.identity, r.state, seen)
                 for r in rows])

    def files(self) -> dict[str, FileRow]:
        """Every file the watcher remembers, by path (one query for a start-up scan)."""
        return {r["path"]: file_row(r) for r in self._query("SELECT * FROM files")}

    def file_sigs(self) -> dict[str, tuple[int, int, str]]:
        """``{path: (size, mtime_ns, state)}`` for every remembered file: one query, no
        timestamps parsed (the daemon's start-up scan)."""
        rows = self._query("SELECT path, size, mtime_ns, state FROM files")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def waiting_files(self) -> list[tuple[str, str]]:
        """``(path, identity)`` of the remembered files left waiting for their story."""
        rows = self._query("SELECT path, identity FROM files WHERE state = 'waiting'"
                           " AND identity IS NOT NULL AND identity != ''")
        return [(r[0], r[1]) for r in rows]

    def forget_file(self, path: Path | str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM files WHERE path = ?", (str(path),))


def file_row(r: sqlite3.Row) -> FileRow:
    """A ``files`` row as a value."""
    return FileRow(r["path"], r["size"], r["mtime_ns"], r["raw_sha256"], r["identity"],
                   r["state"], parse_ts(r["seen_at"]))
