"""The registry: crosspost's SQLite state file.

One file (WAL mode, file mode 600) records every story, every delivery of a story to a
target, the files the watcher has seen, and the history of every action. Every change is one
short committed transaction. A claim (:meth:`Registry.claim`) reads a row, asks a pure
decision function (``crosspost.delivery.plan``) what to do and records the intent in the same
``BEGIN IMMEDIATE`` transaction, so two processes sharing the file never both send the same
delivery.

The connection is shared by the fan-out threads behind a lock; SQLite's own locking (and a
busy timeout) serialises other processes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.errors import StateError, UserError
from crosspost.state.claims import insert_event, record_claim
from crosspost.state.filerows import FileRows
from crosspost.state.lock import owner_alive
from crosspost.state.records import (
    Claim,
    Delivery,
    Event,
    FileRow,
    Intent,
    StoryRow,
    delivery_row,
    now_utc,
    parse_ts,
    story_row,
    ts,
)

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.records import Decision

__all__ = ["Claim", "Delivery", "Event", "FileRow", "Intent", "Registry", "StoryRow", "now_utc"]


@dataclass
class _ClaimRequest:
    """One thread's claim, waiting to be recorded with the others made at the same time."""

    decide: Callable[[Delivery | None, bool], Decision]
    intent: Intent | Callable[[int], Intent]
    identity: str
    target: str
    delivery_id: int | None
    done: bool = False
    result: Claim | None = None
    error: BaseException | None = None


class Registry(FileRows):
    """The state file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        self._claims_lock = threading.Lock()  # guards _pending
        self._claims_leader = threading.Lock()  # held while a batch of claims is recorded
        self._pending: list[_ClaimRequest] = []

    @classmethod
    def for_config(cls, config: Config) -> Registry:
        """The registry at ``settings.state_file``, else in the user data dir."""
        from crosspost.config import default_state_path

        return cls(config.settings.state_file or default_state_path())

    # -- stories ---------------------------------------------------------------------------
    def upsert_story(self, identity: str, *, title: str, path: str, content_hash: str,
                     fields: dict[str, str] | None = None) -> None:
        """Record a story (and, given ``fields``, its header fields). Not waited for on disk:
        it is recorded again from the file on each run, and the next durable change (the
        intent of a post) makes it durable too."""
        with self._tx(durable=False) as db:
            db.execute(
                "INSERT INTO stories(identity, title, path, content_hash, updated_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT(identity) DO UPDATE SET title=excluded.title,"
                " path=excluded.path, content_hash=excluded.content_hash,"
                " updated_at=excluded.updated_at",
                (identity, title, path, content_hash, ts(now_utc())))
            if fields is not None:
                db.execute("UPDATE stories SET fields = ? WHERE identity = ?",
                           (json.dumps(fields, ensure_ascii=False, sort_keys=True), identity))

    def story_fields(self) -> dict[str, dict[str, str]]:
        """Every story's recorded header fields, by identity."""
        out: dict[str, dict[str, str]] = {}
        for r in self._query("SELECT identity, fields FROM stories"):
            try:
                value = json.loads(r[1] or "{}")
            except ValueError:
                value = {}
            out[str(r[0])] = value if isinstance(value, dict) else {}
        return out

    def story(self, identity: str) -> StoryRow | None:
        rows = self._query("SELECT * FROM stories WHERE identity = ?", (identity,))
        return story_row(rows[0]) if rows else None

    def stories(self) -> list[StoryRow]:
        return [story_row(r) for r in self._query("SELECT * FROM stories ORDER BY updated_at")]

    def identity_for_path(self, path: Path | str) -> str | None:
        """The identity last seen at ``path`` (stories, then the watcher's files)."""
        for sql in ("SELECT identity FROM stories WHERE path = ? ORDER BY updated_at DESC",
                    "SELECT identity FROM files WHERE path = ?"):
            rows = self._query(sql, (str(path),))
            if rows and rows[0][0]:
                return str(rows[0][0])
        return None

    # -- deliveries ------------------------------------------------------------------------
    def delivery(self, delivery_id: int) -> Delivery | None:
        rows = self._query("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
        return delivery_row(rows[0]) if rows else None

    def deliveries(self, identity: str | None = None, *, target: str | None = None,
                   statuses: tuple[str, ...] | None = None) -> list[Delivery]:
        sql, args = "SELECT * FROM deliveries WHERE 1=1", []
        if identity is not None:
            sql += " AND identity = ?"
            args.append(identity)
        if target is not None:
            sql += " AND target = ?"
            args.append(target)
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args.extend(statuses)
        return [delivery_row(r) for r in self._query(sql + " ORDER BY id", tuple(args))]

    def latest(self, identity: str, target: str) -> Delivery | None:
        """The newest copy's row for (identity, target)."""
        rows = self._query("SELECT * FROM deliveries WHERE identity = ? AND target = ?"
                           " ORDER BY copy DESC LIMIT 1", (identity, target))
        return delivery_row(rows[0]) if rows else None

    def is_live(self, row: Delivery, now: datetime | None = None) -> bool:
        """Is the claim on an in-flight row held by a running process?"""
        if row.owner is None or row.lease_until is None:
            return False
        alive = owner_alive(row.owner)
        if alive is False:
            return False
        return row.lease_until > (now or now_utc())

    def claim(self, decide: Callable[[Delivery | None, bool], Decision],
              intent: Intent | Callable[[int], Intent], *,
              identity: str = "", target: str = "", delivery_id: int | None = None) -> Claim:
        """Read the row (by id, or the newest copy of identity+target), let ``decide(row,
        live)`` choose, and record what it chose (the intent of a post, edit or delete; a
        schedule; …) in the same transaction. Only a decision that ``sends`` gets the
        caller's owner token and lease. ``intent`` may be a function of the row's copy
        number (a second copy's content differs, see ``Publisher``).

        Claims made at the same moment by several threads (a fan-out) are recorded in one
        transaction, each in its own savepoint: one wait for the disk instead of one each,
        and every claim is on disk before its caller goes on to send."""
        req = _ClaimRequest(decide, intent, identity, target, delivery_id)
        with self._claims_lock:
            self._pending.append(req)
        with self._claims_leader:  # one batch at a time; a later one takes what came since
            if not req.done:
                with self._claims_lock:
                    batch, self._pending = self._pending, []
                self._record_claims(batch)
        if req.error is not None:
            raise req.error
        assert req.result is not None
        return req.result

    def _record_claims(self, batch: list[_ClaimRequest]) -> None:
        now = now_utc()
        try:
            with self._tx() as db:
                for req in batch:
                    db.execute("SAVEPOINT claim")
                    try:
                        req.result = self._claim_in(db, req, now)
                    except Exception as exc:  # this claim only: the others are kept
                        db.execute("ROLLBACK TO claim")
                        req.error = exc
                    db.execute("RELEASE claim")
        except Exception as exc:  # the transaction failed: no claim of the batch holds
            for req in batch:
                req.result, req.error = None, exc
        finally:
            for req in batch:
                if req.result is None and req.error is None:  # interrupted mid-batch
                    req.error = StateError("the claim was not recorded (interrupted)",
                                           "run `crosspost retry` to finish what was left")
                req.done = True

    def _claim_in(self, db: sqlite3.Connection, req: _ClaimRequest, now: datetime) -> Claim:
        if req.delivery_id is not None:
            r = db.execute("SELECT * FROM deliveries WHERE id = ?",
                           (req.delivery_id,)).fetchone()
        else:
            r = db.execute("SELECT * FROM deliveries WHERE identity = ? AND target = ?"
                           " ORDER BY copy DESC LIMIT 1", (req.identity, req.target)).fetchone()
        row = delivery_row(r) if r else None
        decision = req.decide(row, self.is_live(row, now) if row else False)
        new_id = record_claim(db, row, decision, req.intent, req.identity, req.target, now)
        if new_id is None:
            return Claim(decision, row)
        fresh = db.execute("SELECT * FROM deliveries WHERE id = ?", (new_id,)).fetchone()
        return Claim(decision, delivery_row(fresh))

    def restamp_settle(self, delivery_id: int, owner: str, settle_at: datetime) -> None:
        """The claimed request is sent now: if lost, it may land until ``settle_at``."""
        with self._tx() as db:
            db.execute("UPDATE deliveries SET settle_at = ? WHERE id = ? AND owner = ?",
                       (ts(settle_at), delivery_id, owner))

    def finish(self, delivery_id: int, status: str, *, owner: str | None = None,
               itemid: int | None = None,
               anum: int | None = None, url: str | None = None, error: str = "",
               transient: bool = False, next_attempt_at: datetime | None = None,
               action: str = "", detail: str = "", keep_payload: bool = False,
               settled: bool = False, durable: bool = True,
               settle_at: datetime | None = None) -> Delivery:
        """Record the outcome of a remote call (or of a reconcile) and release the claim.

        With ``owner``, the row must still be claimed by that owner (else StateError: the
        claim was lost to another run and nothing is written). ``settled``: the site answered
        (or closed the connection), so the request can no longer take effect later;
        ``settle_at``: else, when a lost request can no longer take effect (known exactly
        once it was sent). ``durable=False``: only for a result the site can tell again
        (see ``Store``): the commit does not wait for the disk."""
        now = now_utc()
        sets: dict[str, Any] = {"status": status, "owner": None, "lease_until": None,
                                "last_error": error, "transient": int(transient),
                                "next_attempt_at": ts(next_attempt_at), "updated_at": ts(now)}
        if settled:
            sets["settle_at"] = ts(now)
        elif settle_at is not None:
            sets["settle_at"] = ts(settle_at)
        if itemid is not None:
            sets.update(itemid=itemid, anum=anum)
        if url is not None:
            sets["url"] = url
        if status in ("posted", "queued", "deleted", "gone") and not keep_payload:
            sets["payload"] = None
        if status in ("posted", "queued", "deleted", "gone"):
            sets["attempts"] = 0
        with self._tx(durable=durable) as db:
            if owner is not None:
                cur = db.execute("SELECT owner FROM deliveries WHERE id = ?", (delivery_id,))
                held = cur.fetchone()
                if held is None or held[0] != owner:
                    raise StateError(f"delivery {delivery_id} was taken over by another run",
                                     "see `crosspost history` for what happened")
            cols = ", ".join(f"{k} = ?" for k in sets)
            db.execute(f"UPDATE deliveries SET {cols} WHERE id = ?", (*sets.values(), delivery_id))
            r = db.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
            if r is None:
                raise StateError(f"delivery {delivery_id} vanished from {self.path}")
            row = delivery_row(r)
            insert_event(db, delivery_id, row.identity, row.target, action or status,
                        detail or error,
                        row.url if status in ("posted", "deleted", "gone") else "", now)
        return row

    # -- schedule (used by the daemon) -----------------------------------------------------
    def due(self, now: datetime) -> list[Delivery]:
        """Scheduled rows whose release time has come."""
        return [delivery_row(r) for r in self._query(
            "SELECT * FROM deliveries WHERE status = 'scheduled' AND release_at <= ?"
            " ORDER BY release_at, id", (ts(now),))]

    def retries_due(self, now: datetime) -> list[Delivery]:
        """Rows waiting to be retried (or to be reconciled) whose next attempt is due."""
        return [delivery_row(r) for r in self._query(
            "SELECT * FROM deliveries WHERE status IN ('retry', 'uncertain') AND"
            " (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id", (ts(now),))]

    def next_release(self) -> datetime | None:
        rows = self._query("SELECT MIN(release_at) FROM deliveries WHERE status = 'scheduled'")
        return parse_ts(rows[0][0]) if rows else None

    def next_retry(self) -> datetime | None:
        rows = self._query("SELECT MIN(next_attempt_at) FROM deliveries"
                           " WHERE status IN ('retry', 'uncertain')")
        return parse_ts(rows[0][0]) if rows else None

    def scheduled(self) -> list[Delivery]:
        """Scheduled and held releases, soonest first."""
        return [delivery_row(r) for r in self._query(
            "SELECT * FROM deliveries WHERE status IN ('scheduled', 'held')"
            " ORDER BY release_at, id")]

    def _set_status(self, delivery_id: int, allowed: tuple[str, ...], sets: dict[str, Any],
                    action: str, detail: str) -> Delivery:
        now = now_utc()
        with self._tx() as db:
            r = db.execute("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
            if r is None:
                raise UserError(f"no delivery {delivery_id}",
                                "`crosspost queue` lists the scheduled and held ids "
                                "(`crosspost status` every id)")
            row = delivery_row(r)
            if row.status not in allowed:
                raise UserError(f"delivery {delivery_id} is {row.status}, not "
                                f"{' or '.join(allowed)}",
                                "`crosspost queue` lists the scheduled and held ids")
            sets = {**sets, "updated_at": ts(now)}
            cols = ", ".join(f"{k} = ?" for k in sets)
            db.execute(f"UPDATE deliveries SET {cols} WHERE id = ?", (*sets.values(), delivery_id))
            insert_event(db, delivery_id, row.identity, row.target, action, detail, "", now)
            return delivery_row(db.execute("SELECT * FROM deliveries WHERE id = ?",
                                        (delivery_id,)).fetchone())

    def cancel(self, delivery_id: int) -> Delivery:
        """Cancel a scheduled (or held) release."""
        return self._set_status(delivery_id, ("scheduled", "held"),
                                {"status": "cancelled", "release_at": None}, "cancelled", "")

    def reschedule(self, delivery_id: int, at: datetime) -> Delivery:
        """Move a scheduled, held or cancelled release to ``at``."""
        return self._set_status(delivery_id, ("scheduled", "held", "cancelled"),
                                {"status": "scheduled", "release_at": ts(at)},
                                "rescheduled", f"release at {ts(at)}")

    def hold(self, delivery_id: int, reason: str) -> Delivery:
        """A release missed by more than the grace period waits for the user."""
        return self._set_status(delivery_id, ("scheduled",), {"status": "held",
                                "last_error": reason}, "held", reason)

    def mark_safe_to_send(self, delivery_id: int, reason: str) -> Delivery:
        """An uncertain post the user checked on the site: it may be sent again."""
        return self._set_status(delivery_id, ("uncertain", "pending"),
                                {"status": "retry", "owner": None, "lease_until": None,
                                 "next_attempt_at": None}, "marked safe", reason)

    # -- history ---------------------------------------------------------------------------
    def log_event(self, identity: str, action: str, *, target: str = "", detail: str = "",
                  url: str = "", delivery_id: int | None = None) -> None:
        with self._tx() as db:
            insert_event(db, delivery_id, identity, target, action, detail, url, now_utc())

    def history(self, identity: str) -> list[Event]:
        return [Event(r["id"], r["delivery_id"], r["identity"], r["target"], r["action"],
                      r["detail"], r["url"], parse_ts(r["at"]))
                for r in self._query("SELECT * FROM events WHERE identity = ? ORDER BY id",
                                     (identity,))]
