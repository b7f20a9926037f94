"""Following entries that a moderated community took into its queue.

A queued post has no itemid: the site keeps the request and, when a maintainer approves
it, replays it as an ordinary entry of the community, posted by its author (reference
§3.5); crosspost never hears about it. :func:`follow_queued` looks for that entry
(``Adapter.find``, with the post recorded when it was queued) and, once it is there,
records the delivery as posted with its URL, so ``status`` shows it and ``edit`` and
``delete`` reach it. Not found: it is still in the queue (or was rejected); nothing is
written. No claim is taken and nothing is sent, so a crash in between loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crosspost.delivery.reconcile import CLOCK_SLACK, decode_post
from crosspost.errors import CrosspostError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from crosspost.delivery.pool import AdapterPool
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.post import Post

log = get_logger("delivery")

APPROVED = "approved in the community's moderation queue; now posted"


@dataclass(frozen=True)
class Followed:
    """A queued delivery looked for: ``row`` as recorded now; ``approved`` when found."""

    row: Delivery
    approved: bool
    message: str = ""


def follow_queued(registry: Registry, pool: AdapterPool, rows: list[Delivery],
                  fallback: Callable[[Delivery], Post | None]) -> list[Followed]:
    """Look on the site for each queued row's entry; record the approved ones as posted.
    ``fallback`` renders a row whose post was not recorded (queued by an older crosspost)."""
    out = []
    for row in rows:
        if row.status != "queued" or row.itemid is not None:
            continue
        post = decode_post(row.payload) or fallback(row)
        account = row.account or ""
        if post is None or not account:
            continue
        since = (row.intent_at - CLOCK_SLACK) if row.intent_at else None
        try:
            with pool.reach(account) as adapter:
                found = adapter.find(row.journal or None, post, since)
        except NotImplementedError:
            continue
        except CrosspostError as exc:
            out.append(Followed(row, False, f"could not look for it: {exc.message}"))
            continue
        if found is None:
            out.append(Followed(row, False, "still in the moderation queue (or rejected)"))
            continue
        ref = found.remote
        done = registry.finish(row.id, "posted", itemid=ref.itemid, anum=ref.anum,
                               url=ref.url, action="approved", detail=APPROVED)
        log.info("%s → %s: %s: %s", row.identity, row.target, APPROVED, ref.url,
                 extra={"story": row.identity, "target": row.target, "url": ref.url,
                        "event": "approved"})
        out.append(Followed(done, True, APPROVED))
    return out
