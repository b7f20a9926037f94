"""``common_event_validation`` (reference §3.2 step 8, §3.4, §3.7, §4).

Shared by ``postevent`` and ``editevent``; raises :class:`ProtocolError` in the order the real
server checks, and applies the silent behaviours (line endings, trimming, prop trimming).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .codes import ProtocolError
from .props import UNTRIMMED, char_limit, prop_table, system_props, valid_coords
from .tags import parse_taglist, taglist_text
from .textutil import byte_len, is_valid_utf8, perl_num, strip_perl, text, text_trim

_TZ_RE = re.compile(r"^[+-]\d\d\d\d$")
_DATE_KEYS = ("year", "mon", "day", "hour", "min")


@dataclass
class Limits:
    event_bytes: int
    event_chars: int
    subject_too_long_fault: bool

    @classmethod
    def for_dialect(cls, dialect: str) -> Limits:
        if dialect == "dw":
            return cls(450_000, 300_000, True)
        return cls(65_535, 65_535, False)


@dataclass
class Checked:
    """A request's text fields after validation."""

    subject: str
    event: str
    #: "YYYY-MM-DD HH:MM:SS", or None when no date field was sent (edit keeps the old one)
    eventtime: str | None
    #: props sent, trimmed; "" means "not stored" (post) / "delete" (edit)
    props: dict[str, str] = field(default_factory=dict)
    #: canonical tags, or None when no taglist was sent
    tags: list[str] | None = None


def normalise_event(req: dict[str, Any]) -> str:
    """Line endings then trimming (Protocol.pm:1008-1018)."""
    event = text(req.get("event"))
    event = strip_perl(event)
    if text(req.get("lineendings")) == "mac":
        return event.replace("\r", "\n")
    return event.replace("\r", "")


def apply_tz(req: dict[str, Any], now: datetime | None = None) -> None:
    """``tz``: validate; when no date field was sent, fill them from the clock (§3.1)."""
    tz = req.get("tz")
    if tz is None or tz == "":
        return
    tz = text(tz)
    if tz == "guess":
        offset = timedelta(0)
    elif _TZ_RE.match(tz):
        sign = -1 if tz[0] == "-" else 1
        offset = sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
    else:
        raise ProtocolError(203, "Invalid tz")
    if any(req.get(k) not in (None, "") for k in _DATE_KEYS):
        return
    local = (now or datetime.now(UTC)).astimezone(timezone(offset))
    req.update(year=local.year, mon=local.month, day=local.day, hour=local.hour,
               min=local.minute)


def _two_digits(value: Any) -> int:
    """DW: one or two digits, or the field is invalid (-1 fails every range check)."""
    return int(text(value)) if re.fullmatch(r"\d{1,2}", text(value)) else -1


def check_date(req: dict[str, Any]) -> str:
    """The five date fields → eventtime, with DW's 203 messages (Protocol.pm:1021-1053)."""
    year_s = text(req.get("year"))
    year = perl_num(year_s)
    if not re.fullmatch(r"\d\d\d\d", year_s) or year < 1970 or year > 2037:
        raise ProtocolError(203, "Invalid year value (must be in the range 1970-2037).")
    mon = _two_digits(req.get("mon"))
    if mon < 1 or mon > 12:
        raise ProtocolError(203, "Invalid month value.")
    day = _two_digits(req.get("day"))
    if day < 1 or day > calendar.monthrange(year, mon)[1]:
        raise ProtocolError(203, "Invalid day of month value.")
    hour = _two_digits(req.get("hour"))
    if hour < 0 or hour > 23:
        raise ProtocolError(203, "Invalid hour value.")
    minute = _two_digits(req.get("min"))
    if minute < 0 or minute > 59:
        raise ProtocolError(203, "Invalid minute value.")
    return f"{year:04d}-{mon:02d}-{day:02d} {hour:02d}:{minute:02d}:00"


def validate(req: dict[str, Any], dialect: str, community: bool, *,
             dates_optional: bool = False) -> Checked:
    """Run the checks of step 8 in order; ``req`` must already have been through ``apply_tz``."""
    limits = Limits.for_dialect(dialect)
    event = normalise_event(req)
    subject = text(req.get("subject"))
    ver = perl_num(req.get("ver"))

    if dates_optional and all(req.get(k) in (None, "") for k in _DATE_KEYS):
        eventtime = None
    else:
        eventtime = check_date(req)

    raw_props = req.get("props") or {}
    if not isinstance(raw_props, dict):
        raw_props = {}
    props = {str(k): (taglist_text(v) if k == "taglist" else text(v))
             for k, v in raw_props.items()}
    if "unknown8bit" in props:
        props["unknown8bit"] = "0"  # DW: always reset by the server before validation

    if event.startswith("\x1f\udc8b"):
        raise ProtocolError(208, "Cannot send gzipped data")
    texts = [event, subject, *props.values()]
    if any(not t.isascii() for t in texts):
        if ver < 1 and community:
            # DW/LJ: 8-bit text into a community needs a Unicode-capable client (§3.4)
            raise ProtocolError(207, "Posting in a community with international or special "
                                     "characters require a Unicode-capable LiveJournal client.  "
                                     "Download one at http://www.livejournal.com/download/.")
        if (dialect == "dw" or ver >= 1) and not all(is_valid_utf8(t) for t in texts):
            raise ProtocolError(208, "The text entered is not a valid UTF-8 stream")

    trims = dialect == "dw" or ver >= 1  # LJ14 trims only for ver>=1 (§3.4)
    if trims:
        trimmed = text_trim(event, limits.event_bytes, limits.event_chars)
        if trimmed != event:
            if dialect == "dw":
                raise ProtocolError(409)
            event = trimmed  # LJ: silently trimmed
        if len(subject) > 100 or byte_len(subject) > 255:
            if limits.subject_too_long_fault:
                raise ProtocolError(411)
            subject = text_trim(subject, 255, 100)  # LJ: silently truncated
        for name, value in list(props.items()):
            if name in ("syn_link", "syn_id"):
                props[name] = text_trim(value, 255, len(value))  # bytes only
            elif name not in UNTRIMMED:
                props[name] = text_trim(value, 255, char_limit(name, dialect))

    table = prop_table(dialect)
    system = system_props(dialect)
    for name, value in props.items():
        if name not in table or name in system:
            raise ProtocolError(205, re.sub(r"\W", "", name))
        if value in ("", "0"):
            continue
        kind = table[name]
        if kind == "bool" and value not in ("0", "1"):
            raise ProtocolError(204, f'Property "{name}" should be 0 or 1')
        if kind == "num" and not re.fullmatch(r"\d+", value):
            raise ProtocolError(204, f'Property "{name}" should be numeric')
        if name == "current_coords" and not valid_coords(value):
            raise ProtocolError(204, 'Property "current_coords" has invalid value')

    tags: list[str] | None = None
    if "taglist" in props:
        tag_text = props.pop("taglist")
        if tag_text.strip():
            tags = parse_taglist(tag_text, dialect)
            if tags is None:
                raise ProtocolError(211)
        else:
            tags = []
    return Checked(subject=subject, event=event, eventtime=eventtime, props=props, tags=tags)


def parse_html_problem(event: str) -> bool:
    """Markup DW's cleaner cannot parse (``<foo.bar>``, ``<a/b>``, ``<a b.c="1">``, §14)."""
    for match in re.finditer(r"<(/?)([A-Za-z][^\s>]*)([^>]*)>", event):
        name = match[2].rstrip("/")
        if not re.fullmatch(r"\w[\w\-:]*", name):
            return True
        for attr in re.finditer(r'\s([^\s=/"\']+)\s*=', match[3]):
            if not re.fullmatch(r"\w[\w\-:]*", attr[1]):
                return True
    return False
