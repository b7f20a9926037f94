"""Recording a claim: what a decision from ``crosspost.delivery.plan`` writes to a delivery row.

Runs inside the registry's ``BEGIN IMMEDIATE`` transaction (see ``Registry.claim``): the
intent of a send (status, owner, lease, the rendered post), a schedule, a cancel, or the
take-over of a row to reconcile it. Every change also leaves a line in ``events``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crosspost.state.records import Delivery, Intent, ts

if TYPE_CHECKING:
    from crosspost.state.records import Decision


def record_claim(db: sqlite3.Connection, row: Delivery | None, d: Decision,
                 make_intent: Intent | Callable[[int], Intent], identity: str, target: str,
                 now: datetime) -> int | None:
    """Write what ``d`` decided for ``row`` (None: no row yet; a post or a schedule
    creates one, a new copy too). Returns the row's id, or None when nothing is recorded
    (skip, busy, wait…)."""
    status = {"post": "pending", "edit": "editing", "delete": "deleting",
              "schedule": "scheduled", "needs_edit": "needs_edit",
              "cancel": "cancelled", "reconcile": "pending", "held": "held"}.get(d.action)
    if status is None:
        return None
    if row is not None:
        identity, target = row.identity, row.target
    new_row = d.action in ("post", "schedule", "held") and (row is None or d.new_copy)
    copy = ((row.copy + 1) if new_row else row.copy) if row is not None else 0
    intent = make_intent if isinstance(make_intent, Intent) else make_intent(copy)
    if d.action == "reconcile":
        # take the row over without touching its intent time: find() looks from there
        assert row is not None
        status = row.status if row.status in ("editing", "deleting") else "pending"
        db.execute("UPDATE deliveries SET status = ?, owner = ?, lease_until = ?,"
                   " updated_at = ? WHERE id = ?",
                   (status, intent.owner,
                    ts(now + timedelta(seconds=intent.lease_seconds)), ts(now), row.id))
        insert_event(db, row.id, identity, target, "reconcile", d.reason, "", now)
        return row.id
    content = dict(payload=intent.payload, fingerprint=intent.fingerprint,
                   subject=intent.subject, content_hash=intent.content_hash)
    if new_row:
        cur = db.execute(
            "INSERT INTO deliveries(identity, target, copy, status, op, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            (identity, target, copy, status, "post", ts(now), ts(now)))
        assert cur.lastrowid is not None
        row_id: int = cur.lastrowid
        attempts = 0
        prev_status = ""
    else:
        assert row is not None
        row_id, attempts, prev_status = row.id, row.attempts, row.status
    sets: dict[str, Any] = {"status": status, "updated_at": ts(now)}
    if d.sends:
        continuing = prev_status in ("retry", "uncertain", "pending", "editing", "deleting")
        sets.update(op=d.action, owner=intent.owner, intent_at=ts(now),
                    settle_at=ts(now + timedelta(seconds=intent.settle_seconds)),
                    lease_until=ts(now + timedelta(seconds=intent.lease_seconds)),
                    attempts=(attempts + 1) if continuing else 1, next_attempt_at=None,
                    release_at=None)
        if d.action != "delete":
            sets.update(content)
        if d.action == "post":
            sets.update(itemid=None, anum=None, url="", account=intent.account or None,
                        journal=intent.journal or "")
    elif d.action == "schedule":
        sets.update(content, op="post", release_at=ts(d.at), owner=None, attempts=0,
                    last_error="")
    elif d.action == "held":  # a missed release (``grace``): waits for the user
        sets.update(content, op="post", release_at=ts(d.at), owner=None, attempts=0,
                    last_error=d.reason)
    elif d.action == "cancel":
        sets.update(release_at=None)
    cols = ", ".join(f"{k} = ?" for k in sets)
    db.execute(f"UPDATE deliveries SET {cols} WHERE id = ?", (*sets.values(), row_id))
    label = {"post": "intent: post", "edit": "intent: edit", "delete": "intent: delete"}
    detail = d.reason
    if d.action == "schedule" and d.at is not None:
        detail = f"release at {ts(d.at)}" + (f" ({d.reason})" if d.reason else "")
    insert_event(db, row_id, identity, target, label.get(d.action, d.action), detail, "",
                now)
    return row_id


def insert_event(db: sqlite3.Connection, delivery_id: int | None, identity: str,
           target: str, action: str, detail: str, url: str, at: datetime) -> None:
    db.execute("INSERT INTO events(delivery_id, identity, target, action, detail, url, at)"
               " VALUES (?,?,?,?,?,?,?)",
               (delivery_id, identity, target, action, detail, url, ts(at)))
