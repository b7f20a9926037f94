"""The ``--json`` documents of ``status``, ``queue`` and ``history``: a stable schema,
documented in docs/JSON.md (a test keeps the two in step). Pure functions.

Keys are only ever added, never renamed or removed; ``schema`` changes when a key's meaning
changes. Times are ISO 8601 in UTC (``2026-12-24T18:00:00+00:00``) or null.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crosspost.state.records import Delivery, Event

SCHEMA = 1


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat(timespec="seconds") if dt is not None else None


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def delivery_json(row: Delivery, title: str) -> dict[str, Any]:
    """One copy of a story on a target (``status``)."""
    return {
        "id": row.id,
        "story": row.identity,
        "title": title,
        "target": row.target,
        "copy": row.copy + 1,
        "status": row.status,
        "url": row.url or None,
        "release_at": iso(row.release_at),
        "next_attempt_at": iso(row.next_attempt_at),
        "error": _first_line(row.last_error) or None,
        "updated_at": iso(row.updated_at),
    }


def release_json(row: Delivery, title: str) -> dict[str, Any]:
    """One scheduled or held release (``queue``)."""
    return {
        "id": row.id,
        "story": row.identity,
        "title": title,
        "target": row.target,
        "status": row.status,
        "release_at": iso(row.release_at),
        "reason": (_first_line(row.last_error).split("; `crosspost")[0] or None)
        if row.status == "held" else None,
    }


def event_json(ev: Event) -> dict[str, Any]:
    """One action taken for a story (``history``)."""
    return {
        "at": iso(ev.at),
        "delivery_id": ev.delivery_id,
        "target": ev.target or None,
        "action": ev.action,
        "url": ev.url or None,
        "detail": ev.detail or None,
    }


def status_doc(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": SCHEMA, "deliveries": rows}


def queue_doc(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": SCHEMA, "releases": rows}


def history_doc(identity: str, title: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": SCHEMA, "story": identity, "title": title, "events": events}
