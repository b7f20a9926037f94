"""Finding our own entry after a lost answer (§6.2): the journal's latest entries read cut
short, the few that could be ours read in full and matched by fingerprint."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from crosspost.adapter import FoundEntry, Post, SiteLimits
from crosspost.errors import FaultError

from . import reading

if TYPE_CHECKING:
    from .client import Client

#: getevents lastn maximum (§6.2)
LASTN = 50
#: syncitems look-ups per find() when the site answers 406 (lastsync repeated)
SYNC_TRIES = 4
#: characters of each entry's text read when looking for a lost entry (getevents truncate)
PEEK = 80


class LastSyncs:
    """The ``lastsync`` values this adapter used (DW/LJ refuse one asked 3 times within an
    hour with 406, §6.2), shared by its threads."""

    def __init__(self) -> None:
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def next(self, since: datetime) -> str:
        with self._lock:
            return reading.lastsync_time(since, self._used)


def find_entry(client: Client, journal: str | None, post: Post, since: datetime | None, *,
           timezone: str | None, limits: SiteLimits, lastsyncs: LastSyncs
           ) -> FoundEntry | None:
    """Our entry among the journal's latest 50 (``getevents lastn``), or among those
    changed since ``since`` (``syncitems``) when the journal is busier than that.

    The look-up reads only what identifies an entry (subject, dates, poster, the
    event cut to :data:`PEEK` characters, no props: §6.2 ``truncate``/``noprops``);
    the few entries that could be ours are then read in full (``multiple``) and
    matched by fingerprint."""
    base = {"lineendings": "unix", "noprops": 1, "truncate": PEEK}
    res = client.call("getevents", {**base, "selecttype": "lastn", "howmany": LASTN},
                      journal=journal)
    events = list(res.get("events") or [])
    found = _match(client, events, post, journal, since, timezone=timezone, limits=limits)
    if found is not None or len(events) < LASTN or since is None:
        return found
    # DW/LJ: the same lastsync asked 3 times within an hour → 406 (§6.2): each look-up
    # from this adapter steps back one more second (still before `since`); another
    # process may have used it too, so a 406 tries the next values (a few at most)
    for attempt in range(SYNC_TRIES):
        lastsync = lastsyncs.next(since)
        try:
            res = client.call("getevents", {**base, "selecttype": "syncitems",
                                            "lastsync": lastsync}, journal=journal)
        except FaultError as exc:
            if exc.code != 406 or attempt == SYNC_TRIES - 1:
                raise  # transient: the row stays uncertain, nothing is sent again
            continue
        return _match(client, list(res.get("events") or []), post, journal, since,
                      timezone=timezone, limits=limits)
    return None  # not reached


def _match(client: Client, events: list[dict[str, Any]], post: Post, journal: str | None,
           since: datetime | None, *, timezone: str | None, limits: SiteLimits
           ) -> FoundEntry | None:
    """The newest of ``events`` (read cut short) that is ``post``: candidates by
    subject, date and poster, then read in full and matched by fingerprint."""
    ids = reading.candidates(events, post, username=client.username,
                             in_community=journal is not None, since=since,
                             timezone=timezone, limits=limits)
    if not ids:
        return None
    base = {"lineendings": "unix", "noprops": 1}
    try:
        res = client.call("getevents", {
            **base, "selecttype": "multiple",
            "itemids": ",".join(str(i) for i in ids[:LASTN])}, journal=journal)
        events = list(res.get("events") or [])
    except FaultError as exc:
        if exc.code != 200:
            raise
        # old LJ forks: no selecttype "multiple" (200): one by one (few candidates)
        events = [ev for i in ids[:SYNC_TRIES] for ev in client.call(
            "getevents", {**base, "selecttype": "one", "itemid": i},
            journal=journal).get("events") or []]
    return reading.match_entry(events, post,
                               username=client.username,
                               in_community=journal is not None, since=since,
                               timezone=timezone, limits=limits)
