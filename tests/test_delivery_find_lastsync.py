"""Reconciling in a busy journal (more entries than ``getevents lastn`` returns) asks
``syncitems`` with a ``lastsync``; the servers answer 406 "repeated requests" to the same
lastsync asked three times within an hour (reference §6.2). Several look-ups for the same
row, in the same second, must each send a different lastsync — still before the intent
time, so the entry is found — and never trip that guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from crosspost_adapters.lj.sites import Sandbox
from ljclient import LJ

from crosspost.config import Account
from crosspost.story.post import Post


def test_repeated_lookups_in_a_busy_journal_vary_lastsync_and_find_the_entry(
        sandbox: Any) -> None:
    client = LJ(sandbox.url)
    def stamp(at: datetime) -> dict[str, int]:
        return {"year": at.year, "mon": at.month, "day": at.day, "hour": at.hour,
                "min": at.minute}

    since = datetime.now(UTC)
    mine = "<p>The one we are looking for.</p>"
    # dated a little earlier than the others: lastn (newest 50 by date) misses it
    client.post(mine, "Needle", **stamp(since - timedelta(minutes=5)))
    for n in range(55):  # busier than one lastn page, so syncitems is needed
        client.post(f"<p>Filler {n}.</p>", f"Hay {n}", **stamp(since))
    account = Account(site="sandbox", username="writer", server=sandbox.url)
    post = Post(target="journal", subject="Needle", html=mine)
    with Sandbox(account, lambda: "sandbox-key") as adapter:
        found = [adapter.find(None, post, since) for _ in range(5)]
    # separate runs (processes) start from the same lastsync: a 406 moves to the next one
    for _ in range(3):
        with Sandbox(account, lambda: "sandbox-key") as adapter:
            found.append(adapter.find(None, post, since))
    assert all(f is not None and f.subject == "Needle" for f in found)
    assert len({f.remote.itemid for f in found if f is not None}) == 1
