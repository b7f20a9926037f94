"""Recognising our own entry among entries read back with ``getevents`` (reconcile).

Pure functions. An entry matches a post when its subject and event, as the server stored
them, give the post's :func:`crosspost.story.post.body_fingerprint`; when the post has a date, the
entry's ``eventtime`` must be that minute; when a ``since`` time is known, the entry must
have been logged after it (with slack for clock skew); in a community the entry must be
ours (``poster``). The newest match wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from crosspost.adapter import FoundEntry, Post, RemoteRef, SiteLimits, body_fingerprint

from . import wire
from .props import journal_time

#: entries logged this long before ``since`` still count (client/server clock skew)
CLOCK_SLACK = timedelta(minutes=10)


def parse_server_time(value: Any) -> datetime | None:
    """``YYYY-MM-DD hh:mm:ss`` (server time, UTC on DW) → an aware datetime."""
    raw = wire.text(value).strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _cut_subject(subject: str, limits: SiteLimits) -> str:
    """The subject as a site that truncates (LJ) stores it."""
    out = subject[:limits.subject_chars]
    while len(out.encode()) > limits.subject_bytes:
        out = out[:-1]
    return out


def fingerprints(post: Post, limits: SiteLimits) -> set[str]:
    """Every fingerprint the stored copy of ``post`` may have on this site."""
    found = {post.fingerprint}
    if limits.subject_overflow == "truncate":
        found.add(body_fingerprint(_cut_subject(post.subject.strip(), limits), post.html))
    return found


def candidates(events: Iterable[dict[str, Any]], post: Post, *, username: str,
               in_community: bool, since: datetime | None, timezone: str | None,
               limits: SiteLimits) -> list[int]:
    """Itemids in ``events`` (read with the text cut short) that may be ``post``: the
    subject as stored, the date, the poster and the log time fit; newest first."""
    subjects = {post.subject.strip()}
    if limits.subject_overflow == "truncate":
        subjects.add(_cut_subject(post.subject.strip(), limits))
    minute, floor = _minute(post, timezone), _floor(since)
    found = [itemid for ev in events
             if (itemid := wire.integer(ev.get("itemid"))) is not None
             and wire.text(ev.get("subject")).strip() in subjects
             and _fits(ev, username, in_community, minute, floor)]
    return sorted(set(found), reverse=True)


def _minute(post: Post, timezone: str | None) -> str | None:
    if post.when is None:
        return None
    return journal_time(post.when, timezone).strftime("%Y-%m-%d %H:%M")


def _floor(since: datetime | None) -> datetime | None:
    if since is None:
        return None
    return (since if since.tzinfo else since.replace(tzinfo=UTC)) - CLOCK_SLACK


def _fits(ev: dict[str, Any], username: str, in_community: bool, minute: str | None,
          floor: datetime | None) -> bool:
    """Poster (in a community), entry minute and log time fit the post."""
    poster = wire.name(ev.get("poster")).lower()
    if in_community and poster and poster != username:
        return False
    if minute is not None and not wire.text(ev.get("eventtime")).startswith(minute):
        return False
    logged = parse_server_time(ev.get("logtime"))
    return floor is None or logged is None or logged >= floor


def match_entry(events: Iterable[dict[str, Any]], post: Post, *, username: str,
                in_community: bool, since: datetime | None, timezone: str | None,
                limits: SiteLimits) -> FoundEntry | None:
    """The newest entry in ``events`` (decoded ``getevents`` items) made from ``post``."""
    wanted = fingerprints(post, limits)
    minute, floor = _minute(post, timezone), _floor(since)
    best: FoundEntry | None = None
    twins: tuple[RemoteRef, ...] = ()
    for ev in events:
        itemid = wire.integer(ev.get("itemid"))
        if itemid is None:
            continue
        subject, event = wire.text(ev.get("subject")), wire.text(ev.get("event"))
        fp = body_fingerprint(subject, event)
        if fp not in wanted or not _fits(ev, username, in_community, minute, floor):
            continue
        logged = parse_server_time(ev.get("logtime"))
        found = FoundEntry(remote=RemoteRef(itemid, wire.integer(ev.get("anum")),
                                            wire.text(ev.get("url"))),
                           subject=subject, fingerprint=fp, posted_at=logged)
        if best is None or found.remote.itemid > best.remote.itemid:
            twins = (*twins, best.remote) if best is not None else twins
            best = found
        else:
            twins = (*twins, found.remote)
    if best is not None and twins:
        best = replace(best, others=tuple(sorted(twins, key=lambda r: r.itemid)))
    return best


def lastsync_time(since: datetime, used: dict[str, int] | None = None) -> str:
    """``since`` minus the clock slack, as ``getevents``/``syncitems`` wants it (UTC).

    With ``used`` (the lastsync values already sent, counted), a value not sent before:
    each repeat steps back one more second, since the servers refuse the same ``lastsync``
    asked three times within an hour (406, reference §6.2)."""
    aware = since if since.tzinfo else since.replace(tzinfo=UTC)
    first = aware.astimezone(UTC) - CLOCK_SLACK
    text = first.strftime("%Y-%m-%d %H:%M:%S")
    if used is None:
        return text
    step = 0
    while text in used:
        step += 1
        text = (first - timedelta(seconds=step)).strftime("%Y-%m-%d %H:%M:%S")
    used[text] = used.get(text, 0) + 1
    return text
