"""The registry's records: what a row of each table reads as, and the stored time format."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Literal

#: What a decision asks for (``crosspost.delivery.plan`` decides; a claim records it).
Action = Literal[
    "post",        # create an entry (on this row, or on a new copy row when ``new_copy``)
    "edit",        # replace the entry's content (row has a remote itemid)
    "delete",      # delete the entry
    "schedule",    # record a release time, send nothing now
    "cancel",      # drop a scheduled release
    "reconcile",   # ask the site whether an uncertain request took effect, then decide again
    "skip",        # nothing to do (already posted, queued, deleted…); ``reason`` says why
    "busy",        # another run holds a live claim on this row
    "wait",        # retry or release not due yet
    "held",        # a missed release that needs the user
    "needs_edit",  # content changed, edit_mode "ask": record and report, send nothing
]


@dataclass(frozen=True)
class Decision:
    """What a pure decision chose for one delivery row; the registry records it with the claim."""

    action: Action
    reason: str = ""
    #: post a new copy next to the existing one(s) (``--again``)
    new_copy: bool = False
    #: for "schedule": when to release
    at: datetime | None = None

    @property
    def sends(self) -> bool:
        """True when this decision makes a remote call that needs a recorded intent."""
        return self.action in ("post", "edit", "delete")

    @property
    def claims(self) -> bool:
        """True when the registry records the caller as the row's owner (a send, or a
        reconcile, which must not run twice at once either)."""
        return self.sends or self.action == "reconcile"


def now_utc() -> datetime:
    return datetime.now(UTC)


def ts(dt: datetime | None) -> str | None:
    """Stored time format: UTC, fixed width, so text order is time order."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the registry")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_ts(text: str | None) -> datetime | None:
    if not text:
        return None
    if len(text) == 27 and text[-1] == "Z":
        # what ts() writes: fromisoformat reads it to the same aware UTC value, ~25× faster
        return datetime.fromisoformat(text)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@dataclass(frozen=True)
class Delivery:
    """One copy of one story on one target. ``op`` is the operation ``status`` refers to
    (post, edit or delete); ``payload`` the rendered post of the last intent (JSON)."""

    id: int
    identity: str
    target: str
    copy: int
    status: str
    op: str
    itemid: int | None
    anum: int | None
    url: str
    fingerprint: str
    subject: str
    content_hash: str
    payload: str | None
    attempts: int
    last_error: str
    transient: bool
    next_attempt_at: datetime | None
    release_at: datetime | None
    owner: str | None
    lease_until: datetime | None
    intent_at: datetime | None
    settle_at: datetime | None
    #: where the entry was posted (None: not recorded; journal "" = own journal)
    account: str | None
    journal: str | None
    created_at: datetime | None
    updated_at: datetime | None


_TIME_COLS = {"next_attempt_at", "release_at", "lease_until", "intent_at", "settle_at",
              "created_at",
              "updated_at"}


def delivery_row(row: sqlite3.Row) -> Delivery:
    vals = {f.name: row[f.name] for f in fields(Delivery)}
    for col in _TIME_COLS:
        vals[col] = parse_ts(vals[col])
    vals["transient"] = bool(vals["transient"])
    return Delivery(**vals)


@dataclass(frozen=True)
class FileRow:
    """What the watcher knew about a file when it last looked (``state``: the watcher's own
    word, e.g. posted, invalid, scheduled)."""

    path: str
    size: int
    mtime_ns: int
    raw_sha256: str
    identity: str | None
    state: str
    seen_at: datetime | None


@dataclass(frozen=True)
class StoryRow:
    identity: str
    title: str
    path: str
    content_hash: str
    updated_at: datetime | None


@dataclass(frozen=True)
class Event:
    """One line of a story's history."""

    id: int
    delivery_id: int | None
    identity: str
    target: str
    action: str
    detail: str
    url: str
    at: datetime | None


@dataclass(frozen=True)
class Intent:
    """What a claim records before the remote call."""

    owner: str
    lease_seconds: float = 900.0
    payload: str | None = None
    fingerprint: str = ""
    subject: str = ""
    content_hash: str = ""
    #: how long after sending the request could still take effect (``plan.settle_seconds``)
    settle_seconds: float = 0.0
    #: where a new post goes: account name and community (None: own journal)
    account: str = ""
    journal: str | None = None


@dataclass(frozen=True)
class Claim:
    decision: Decision
    #: the row after the claim was recorded (None when there is no row at all)
    row: Delivery | None


def story_row(r: sqlite3.Row) -> StoryRow:
    return StoryRow(r["identity"], r["title"], r["path"], r["content_hash"],
                    parse_ts(r["updated_at"]))
