"""Release-time parsing: the text a writer types (``tomorrow 9am``) → an aware datetime.

:func:`parse_when` is pure: it takes the user's zone and "now" as arguments. Accepted forms:

- ``now``;
- ISO 8601 and close cousins: ``2026-12-01 09:00``, ``2026-12-01T09:00+02:00``, ``2026-12-01``
  (midnight);
- written dates: ``Dec 1 9:00``, ``1 December 2026 9am``, ``December 1, 2026 18:30`` — without
  a year, the next such day (today counts);
- a day word and a time: ``today 18:30``, ``tomorrow 9am``, ``tomorrow at noon``;
- a weekday: ``friday 9am`` (the next Friday at 9, today if still ahead), ``next friday 9am``
  (a Friday after today);
- a time alone: ``9am``, ``18:30`` (its next occurrence);
- relative: ``+2h``, ``+30m``, ``+1h30m``, ``+3d``, ``in 2 hours``, ``in 1 day and 2 hours``,
  ``2 hours from now``.

A time is in the user's zone unless the text names one: an offset (``+02:00``), ``UTC``/``Z``,
or an IANA name (``2026-12-01 09:00 Europe/Paris``). Numeric dates with slashes are refused
when day and month could be swapped (``01/12/2026``): write them as ISO.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crosspost.errors import WhenError

ACCEPTED = ("now, 2026-12-01 09:00, 2026-12-01T09:00+02:00, Dec 1 9:00, today 18:30, "
            "tomorrow 9am, friday 9am, next friday 9am, 9am, +2h, +30m, in 2 hours "
            "(add UTC, +02:00 or a zone name such as Europe/Paris to use another zone)")

_UNITS = {
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "d": "days", "day": "days", "days": "days",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "hours": "hours",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "minutes": "minutes",
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "seconds": "seconds",
}
_REL_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_REL_GLUE = re.compile(r"^(?:\s|,|and)*$")
_TIME = re.compile(
    r"^(?:at\s+)?(?:(noon|midday|midnight)|(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?)$")
_DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = re.compile(
    r"^(next\s+|this\s+|on\s+)?(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)"
    r"(?:day|nesday|sday|rsday|urday)?\b\s*(.*)$")
_OFFSET = re.compile(r"^(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE)
_ABBREV = re.compile(
    r"^(?!(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC|MON|TUE|WED|THU|FRI|SAT|SUN)$)"
    r"[A-Z]{3,5}$")
_SLASHED = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")


def parse_when(text: str, tz: tzinfo, now: datetime) -> datetime:
    """Parse a release time. ``tz`` is the user's zone (used unless the text names one);
    ``now`` anchors relative forms (naive = wall-clock in ``tz``). Returns an aware
    datetime in ``tz`` (the same instant when the text named another zone).
    Raises :class:`WhenError` with the accepted forms as the fix."""
    raw = " ".join(text.split())
    if not raw:
        raise _error(text, "the time is empty")
    try:
        return _parse(raw, text, tz, now)
    except (OverflowError, ValueError):  # past year 9999, or no such day
        raise _error(text, "no such date, or too far away") from None


def _parse(raw: str, text: str, tz: tzinfo, now: datetime) -> datetime:
    now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
    low = raw.lower()
    if low in ("now", "immediately", "asap"):
        return now
    rel = _relative(low)
    if rel is not None:
        return (now.astimezone(UTC) + rel).astimezone(tz)
    zone, rest = _split_zone(raw)
    zone = zone or tz
    local_now = now.astimezone(zone)
    result = _day_word(rest.lower(), local_now, zone)
    if result is None:
        result = _weekday(rest.lower(), local_now, zone)
    if result is None and _TIME.match(rest.lower()):
        clock = _clock(rest.lower())
        if clock is None:
            raise _error(text, "not a time of day (try 9am or 18:30)")
        result = _at(local_now.date(), clock, zone)
        if result <= local_now:
            result = _at(local_now.date() + timedelta(days=1), clock, zone)
    if result is None:
        result = _absolute(rest, text, local_now, zone)
    return result.astimezone(tz)


def describe(when: datetime, now: datetime) -> str:
    """``2026-12-01 09:00 CET (in 3 days)``: a time for people, local and relative."""
    stamp = when.strftime("%Y-%m-%d %H:%M %Z").strip()
    return f"{stamp} ({relative(when, now)})"


def relative(when: datetime, now: datetime) -> str:
    """``in 2 h 5 min`` / ``3 days ago`` / ``now``."""
    secs = (when - now).total_seconds()
    amount = abs(secs)
    if amount < 1:
        return "now"
    if amount < 60:
        return f"in {int(amount)} s" if secs > 0 else f"{int(amount)} s ago"
    days, rem = divmod(int(amount + 30), 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        text = f"{days} day{'s' if days != 1 else ''}"
        text += f" {hours} h" if hours and days < 3 else ""
    elif hours:
        text = f"{hours} h" + (f" {minutes} min" if minutes else "")
    else:
        text = f"{minutes} min"
    return f"in {text}" if secs > 0 else f"{text} ago"


def zone_for(name: str | None) -> tzinfo:
    """The zone named in the config, else the machine's local zone."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise WhenError(f"unknown time zone {name!r}",
                            "use an IANA name such as Europe/London or America/New_York"
                            ) from None
    try:
        from tzlocal import get_localzone

        return get_localzone()
    except Exception:  # tzlocal missing or the machine's zone unreadable
        return datetime.now().astimezone().tzinfo or UTC


def _error(text: str, why: str = "") -> WhenError:
    reason = f": {why}" if why else ""
    return WhenError(f"cannot understand the time {text!r}{reason}", f"write one of: {ACCEPTED}")


def _relative(low: str) -> timedelta | None:
    body = None
    if low.startswith("+"):
        body = low[1:]
    elif low.startswith("in "):
        body = low[3:]
    elif low.endswith(" from now"):
        body = low[: -len(" from now")]
    if body is None:
        return None
    parts = list(_REL_PART.finditer(body))
    if not parts:
        raise _error(low, "no amount and unit (such as 2h or 30 minutes)")
    pos, delta = 0, timedelta()
    for m in parts:
        if not _REL_GLUE.match(body[pos:m.start()]):
            raise _error(low)
        unit = _UNITS.get(m.group(2))
        if unit is None:
            raise _error(low, f"unknown unit {m.group(2)!r}")
        delta += timedelta(**{unit: float(m.group(1))})
        pos = m.end()
    if not _REL_GLUE.match(body[pos:]):
        raise _error(low)
    return delta


def _split_zone(raw: str) -> tuple[tzinfo | None, str]:
    head, _, last = raw.rpartition(" ")
    if not head:
        return None, raw
    if last.upper() in ("UTC", "Z", "GMT"):
        return UTC, head
    m = _OFFSET.match(last)
    if m and (last[0] in "+-" or last[:3].upper() in ("UTC", "GMT")):
        sign = 1 if m.group(1) == "+" else -1
        offset = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        return timezone(sign * offset), head
    if ("/" in last and not last[0].isdigit()) or _ABBREV.match(last):
        try:
            return ZoneInfo(last), head
        except (ZoneInfoNotFoundError, ValueError):
            raise WhenError(f"unknown time zone {last!r} in {raw!r}",
                            "use an IANA name such as Europe/London, or an offset like +02:00"
                            ) from None
    return None, raw


def _clock(text: str) -> time | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    if m.group(1):
        return time(0, 0) if m.group(1) == "midnight" else time(12, 0)
    hour, minute = int(m.group(2)), int(m.group(3) or 0)
    meridiem = (m.group(4) or "").replace(".", "")
    if minute > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif m.group(3) is None:
        return None  # a bare number is not a time on its own
    elif hour > 23:
        return None
    return time(hour, minute)


def _clock_or_midnight(rest: str, original: str) -> time:
    rest = rest.strip()
    if not rest:
        return time(0, 0)
    clock = _clock(rest) or _clock(rest + ":00" if rest.isdigit() else rest)
    if clock is None:
        raise _error(original, f"{rest!r} is not a time of day (try 9am or 18:30)")
    return clock


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    # zoneinfo picks the first of two ambiguous wall times; a round trip through UTC moves a
    # time in a spring-forward gap to a real one
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _day_word(low: str, local_now: datetime, zone: tzinfo) -> datetime | None:
    word, _, rest = low.partition(" ")
    if word not in _DAY_WORDS:
        return None
    day = local_now.date() + timedelta(days=_DAY_WORDS[word])
    if word == "tonight" and not rest.strip():
        raise WhenError(f"at what time tonight? ({low!r})", "say the time: tonight 9pm")
    return _at(day, _clock_or_midnight(rest, low), zone)


def _weekday(low: str, local_now: datetime, zone: tzinfo) -> datetime | None:
    m = _WEEKDAY.match(low)
    if not m:
        return None
    target = _WEEKDAYS.index(m.group(2)[:3])
    clock = _clock_or_midnight(m.group(3), low)
    ahead = (target - local_now.weekday()) % 7
    if (m.group(1) or "").strip() == "next":
        ahead = ahead or 7
    result = _at(local_now.date() + timedelta(days=ahead), clock, zone)
    if result <= local_now:
        result = _at(local_now.date() + timedelta(days=ahead + 7), clock, zone)
    return result


def _absolute(rest: str, original: str, local_now: datetime, zone: tzinfo) -> datetime:
    from dateutil import parser as dateparser

    m = _SLASHED.search(rest)
    if m and int(m.group(1)) <= 12 and int(m.group(2)) <= 12 and m.group(1) != m.group(2):
        raise WhenError(f"the date in {original!r} is ambiguous (day/month or month/day?)",
                        "write the date as year-month-day, e.g. 2026-12-01 09:00")
    if not re.search(r"[a-z]", rest, re.IGNORECASE) and not re.search(r"\d[-/.:]\d", rest):
        raise _error(original)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    try:
        parsed = dateparser.parse(rest, default=midnight)
    except (ValueError, OverflowError) as exc:
        why = str(exc).split(":")[0]
        # dateutil's "Unknown string format" says nothing a writer can use
        raise _error(original, "" if why.startswith("Unknown string") else why) from None
    if parsed is None:
        raise _error(original)
    has_year = bool(re.search(r"\b\d{4}\b", rest))
    if parsed.tzinfo is not None:
        return parsed
    result = _at(parsed.date(), parsed.time(), zone)
    if not has_year and result.date() < local_now.date():
        try:
            result = _at(parsed.date().replace(year=parsed.year + 1), parsed.time(), zone)
        except ValueError:  # 29 February
            result = _at(parsed.date().replace(year=parsed.year + 4), parsed.time(), zone)
    return result


def journal_time(at: datetime, zone_name: str | None) -> datetime:
    """The entry date for a release at ``at`` in a journal whose zone is ``zone_name``
    (``Config.timezone_for(target)``; None: this machine's): naive wall-clock time, since the
    protocol's date fields carry no zone. Give it to ``render_post(..., when=)``."""
    return at.astimezone(zone_for(zone_name)).replace(tzinfo=None)
