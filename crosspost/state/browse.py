"""Read-only queries for browsing the registry a page at a time (the dashboard).

Every query here costs what the page shown costs, not what the registry holds: stories are
paged in SQL (newest first, by insertion order, which needs no extra index), and the rows of
the stories on a page are read with one indexed ``IN`` query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crosspost.state.filerows import file_row
from crosspost.state.records import Delivery, FileRow, StoryRow, delivery_row, story_row, ts
from crosspost.state.registry import Registry


@dataclass(frozen=True)
class StoryPage:
    """One page of stories: ``rows`` (at most ``limit``), and whether more follow."""

    rows: list[StoryRow]
    offset: int
    limit: int
    more: bool


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def story_page(registry: Registry, *, search: str = "", offset: int = 0,
               limit: int = 50) -> StoryPage:
    """Stories newest first, optionally those whose title, identity or file name contains
    ``search`` (case-insensitive); ``limit + 1`` rows are read to know whether more follow."""
    offset, limit = max(0, offset), max(1, limit)
    sql, args = "SELECT * FROM stories", []
    if search.strip():
        pattern = _like(search.strip())
        sql += (" WHERE title LIKE ? ESCAPE '\\' OR identity LIKE ? ESCAPE '\\'"
                " OR path LIKE ? ESCAPE '\\'")
        args = [pattern, pattern, pattern]
    rows = registry._query(sql + " ORDER BY rowid DESC LIMIT ? OFFSET ?",
                           (*args, limit + 1, offset))
    return StoryPage([story_row(r) for r in rows[:limit]], offset, limit, len(rows) > limit)


def deliveries_of(registry: Registry, identities: Sequence[str]) -> dict[str, list[Delivery]]:
    """Every delivery row of the given stories (one query), by identity, oldest first."""
    out: dict[str, list[Delivery]] = defaultdict(list)
    if not identities:
        return out
    marks = ",".join("?" * len(identities))
    for r in registry._query(f"SELECT * FROM deliveries WHERE identity IN ({marks})"
                             " ORDER BY id", tuple(identities)):
        row = delivery_row(r)
        out[row.identity].append(row)
    return out


def releases_between(registry: Registry, start: datetime, end: datetime) -> list[Delivery]:
    """Scheduled and held releases with ``start <= release_at < end``, soonest first."""
    return [delivery_row(r) for r in registry._query(
        "SELECT * FROM deliveries WHERE status IN ('scheduled', 'held')"
        " AND release_at >= ? AND release_at < ? ORDER BY release_at, id",
        (ts(start), ts(end)))]


def files_of(registry: Registry, identity: str) -> list[FileRow]:
    """The files the watcher has seen holding this story."""
    return [file_row(r) for r in registry._query(
        "SELECT * FROM files WHERE identity = ? ORDER BY seen_at", (identity,))]


def change_mark(registry: Registry) -> str:
    """A value that changes whenever the registry records something (every change of a
    delivery logs an event; a new story comes with its first event): cheap to poll."""
    rows = registry._query("SELECT MAX(id) FROM events")
    stories = registry._query("SELECT MAX(rowid) FROM stories")
    return f"{rows[0][0] or 0}.{stories[0][0] or 0}"
