"""The registry's SQLite schema and its ordered migrations.

``PRAGMA user_version`` holds the number of migrations applied. A migration is a function
run inside the upgrading transaction; append new ones, never edit old ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _v1(db: sqlite3.Connection) -> None:
    for stmt in (
        """CREATE TABLE stories(
            identity TEXT PRIMARY KEY,
            title TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL)""",
        """CREATE TABLE files(
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            raw_sha256 TEXT NOT NULL,
            identity TEXT,
            state TEXT NOT NULL,
            seen_at TEXT NOT NULL)""",
        """CREATE TABLE deliveries(
            id INTEGER PRIMARY KEY,
            identity TEXT NOT NULL,
            target TEXT NOT NULL,
            copy INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            op TEXT NOT NULL DEFAULT 'post',
            itemid INTEGER,
            anum INTEGER,
            url TEXT NOT NULL DEFAULT '',
            fingerprint TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL DEFAULT '',
            payload TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            transient INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            release_at TEXT,
            owner TEXT,
            lease_until TEXT,
            intent_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE(identity, target, copy))""",
        "CREATE INDEX deliveries_status ON deliveries(status)",
        "CREATE INDEX deliveries_release ON deliveries(release_at) WHERE status = 'scheduled'",
        """CREATE TABLE events(
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER,
            identity TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL)""",
        "CREATE INDEX events_identity ON events(identity, id)",
    ):
        db.execute(stmt)


def _v2(db: sqlite3.Connection) -> None:
    # when a request in flight can no longer take effect on the site (see plan.settle_seconds)
    db.execute("ALTER TABLE deliveries ADD COLUMN settle_at TEXT")
    # where the entry was posted (account name; community, '' = the account's own journal),
    # so edits and deletes reach it even after the target's config changes
    db.execute("ALTER TABLE deliveries ADD COLUMN account TEXT")
    db.execute("ALTER TABLE deliveries ADD COLUMN journal TEXT")


def _v3(db: sqlite3.Connection) -> None:
    # the story's header fields (JSON) as last published, for derived entries (prompt
    # tables): their text is a function of what the registry knows
    db.execute("ALTER TABLE stories ADD COLUMN fields TEXT NOT NULL DEFAULT '{}'")


#: Ordered migrations: index i upgrades a file from version i to version i+1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)
