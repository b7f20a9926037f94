"""What the dashboard's pages show, decided from registry rows: pure functions, no I/O.

A delivery's status becomes a label and a tone for people; a month or a week becomes the
days of a calendar in the writer's time zone, with the releases falling on each day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

#: status → (words for people, tone for the page's colours)
STATES: dict[str, tuple[str, str]] = {
    "scheduled": ("scheduled", "wait"),
    "pending": ("posting…", "wait"),
    "editing": ("updating…", "wait"),
    "deleting": ("deleting…", "wait"),
    "uncertain": ("uncertain: checking with the site", "warn"),
    "posted": ("posted", "ok"),
    "queued": ("queued for moderation", "ok"),
    "retry": ("will retry", "warn"),
    "failed": ("failed", "bad"),
    "held": ("held: waits for you", "warn"),
    "needs_edit": ("changed: edit waits for you", "warn"),
    "deleted": ("deleted", "off"),
    "gone": ("gone from the site", "off"),
    "cancelled": ("cancelled", "off"),
}

#: statuses whose release can be moved, posted now or cancelled
MOVABLE = frozenset({"scheduled", "held"})
#: statuses a "retry" applies to (as `crosspost retry ID`)
RETRYABLE = frozenset({"failed", "retry", "uncertain"})


def state_of(status: str) -> tuple[str, str]:
    return STATES.get(status, (status, "off"))


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def web_url(url: str) -> str:
    """A link to show: only http(s) addresses (a site's answer could hold anything)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def newest_per_target(rows: Iterable[Any]) -> list[Any]:
    """The newest copy's row per target, in target order of first appearance."""
    out: dict[str, Any] = {}
    for row in rows:
        if row.target not in out or row.copy >= out[row.target].copy:
            out[row.target] = row
    return list(out.values())


# -- the calendar ------------------------------------------------------------------------------

@dataclass
class Day:
    day: date
    in_range: bool
    today: bool
    items: list[Any] = field(default_factory=list)


@dataclass
class Span:
    """A calendar page: its first day, the day after its last, the rows of days (weeks),
    and the neighbouring pages' parameters."""

    kind: str              # "month" | "week"
    title: str
    start: datetime        # aware, the writer's zone, midnight
    end: datetime
    weeks: list[list[Day]]
    prev: str
    next: str


def month_span(year: int, month: int, tz: tzinfo, today: date) -> Span:
    """The month's weeks (Monday first), whole weeks shown; ``start``/``end`` cover them."""
    weeks_of = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    weeks = [[Day(d, d.month == month, d == today) for d in week] for week in weeks_of]
    first, last = weeks_of[0][0], weeks_of[-1][-1] + timedelta(days=1)
    prev_m = date(year, month, 1) - timedelta(days=1)
    next_m = date(year, month, 28) + timedelta(days=7)
    return Span("month", date(year, month, 1).strftime("%B %Y"), _midnight(first, tz),
                _midnight(last, tz), weeks, f"month={prev_m:%Y-%m}",
                f"month={next_m:%Y-%m}")


def week_span(any_day: date, tz: tzinfo, today: date) -> Span:
    monday = any_day - timedelta(days=any_day.weekday())
    days = [Day(monday + timedelta(days=i), True, monday + timedelta(days=i) == today)
            for i in range(7)]
    sunday = monday + timedelta(days=6)
    return Span("week", f"Week of {monday:%d %B %Y}", _midnight(monday, tz),
                _midnight(monday + timedelta(days=7), tz), [days],
                f"week={monday - timedelta(days=7):%Y-%m-%d}",
                f"week={sunday + timedelta(days=1):%Y-%m-%d}")


def _midnight(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0, 0), tz)


def place(span: Span, rows: Sequence[Any], tz: tzinfo) -> Span:
    """Put each row (with a ``release_at``) on its day in the writer's zone."""
    by_day = {d.day: d for week in span.weeks for d in week}
    for row in rows:
        if row.release_at is None:
            continue
        local = row.release_at.astimezone(tz)
        if local.date() in by_day:
            by_day[local.date()].items.append(row)
    return span


def parse_month(text: str | None, today: date) -> tuple[int, int]:
    """``2026-12`` → (2026, 12); anything else → this month."""
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        if 1 <= month <= 12 and 1900 < year < 3000:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def parse_day(text: str | None, today: date) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return today
