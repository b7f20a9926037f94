"""Finding out what an interrupted request did, before anything is sent again.

A post whose answer never arrived (crash, timeout, dropped connection) leaves its row
``pending`` (owner gone) or ``uncertain``. :func:`reconcile_row` asks the site for an entry
made from the very post recorded with the intent (``Adapter.find``, matched by subject and
body fingerprint after the intent time) and adopts it when found. Only a clear "not there"
makes the row safe to send again; when the site cannot be asked (no ``find``, or a
transient error) the row stays uncertain and nothing is re-sent.

Also here: the JSON form of a :class:`~crosspost.story.post.Post`, stored with each intent so that
a reconcile or a retry sends (or looks for) exactly what was meant.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from crosspost.delivery.plan import classify, lost_request_settles, next_attempt, settle_seconds
from crosspost.errors import CrosspostError, SiteError
from crosspost.logs import get_logger
from crosspost.state.records import now_utc
from crosspost.story.post import Post, PostOptions, RemoteRef

if TYPE_CHECKING:
    from crosspost.delivery.pool import AdapterPool
    from crosspost.state.registry import Delivery, Registry

log = get_logger("reconcile")

#: Clocks differ: look this far before the recorded intent time.
CLOCK_SLACK = timedelta(minutes=10)


def encode_post(post: Post) -> str:
    data: dict[str, Any] = asdict(post)
    data["when"] = post.when.isoformat() if post.when else None
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def decode_post(text: str | None) -> Post | None:
    if not text:
        return None
    data = json.loads(text)
    when = datetime.fromisoformat(data["when"]) if data.get("when") else None
    return Post(target=data["target"], subject=data["subject"], html=data["html"],
                tags=tuple(data.get("tags", ())), options=PostOptions(**data.get("options", {})),
                when=when, notes=tuple(data.get("notes", ())))


@dataclass(frozen=True)
class Reconciled:
    """``adopted``: the entry is on the site and now recorded as posted; ``safe``: it is not
    there, the row may be sent again; ``uncertain``: nobody can tell yet."""

    kind: Literal["adopted", "safe", "uncertain"]
    row: Delivery
    message: str = ""
    error: CrosspostError | None = None
    #: uncertain only because the request might still arrive: look again at this time
    settle_at: datetime | None = None


def reconcile_row(registry: Registry, pool: AdapterPool, row: Delivery, owner: str,
                  journal: str | None, account: str, *, base_delay: float = 2.0) -> Reconciled:
    """Settle one claimed row (the caller holds its claim as ``owner``). A row that stays
    uncertain gets a ``next_attempt_at`` (backoff from ``base_delay``)."""
    if row.op != "post":
        # DW/LJ: editevent and a delete are idempotent, so sending them again is safe
        done = registry.finish(row.id, "retry", owner=owner, action="reconciled",
                               detail=f"an interrupted {row.op} will be sent again")
        return Reconciled("safe", done)
    post = decode_post(row.payload)
    if post is None:
        return _uncertain(registry, row, owner, "no record of what was sent",
                          "check the site, then `crosspost retry --force ID`", base_delay)
    since = (row.intent_at - CLOCK_SLACK) if row.intent_at else None
    try:
        with pool.reach(account) as adapter:
            found = adapter.find(journal, post, since)
            fenced: bool | None = None  # not needed yet: the settle window runs
            if found is None and (row.settle_at is None or now_utc() >= row.settle_at):
                # about to be called "not there": first make sure the lost request cannot
                # land any more (DW: a request the server still holds lands when let go,
                # next to the copy sent again), then look once more
                fenced = adapter.fence()
                if fenced:
                    found = adapter.find(journal, post, since)
    except NotImplementedError:
        return _uncertain(registry, row, owner, "this site cannot be searched for the entry",
                          "look on the site; if it is not there, `crosspost retry --force ID`",
                          base_delay)
    except CrosspostError as exc:
        if isinstance(exc, SiteError) and classify(exc) == "auth":
            pool.block(account, exc)
        return _uncertain(registry, row, owner, f"could not look on the site: {exc.message}",
                          exc.fix or "it will be looked up again on the next retry",
                          base_delay, exc)
    if found is not None:
        ref = found.remote
        twins = twin_note(found.others)
        done = registry.finish(row.id, "posted", owner=owner, itemid=ref.itemid, anum=ref.anum,
                               url=ref.url, action="adopted", error=twins,
                               detail="found on the site after an interrupted attempt; "
                                      "not sent again" + (f"; {twins}" if twins else ""))
        log.info("%s → %s: found on the site after an interrupted attempt: %s",
                 row.identity, row.target, ref.url,
                 extra={"story": row.identity, "target": row.target, "url": ref.url})
        if twins:
            log.warning("%s → %s: %s", row.identity, row.target, twins,
                        extra={"story": row.identity, "target": row.target})
        return Reconciled("adopted", done, "found on the site after an interrupted attempt"
                          + (f"; {twins}" if twins else ""))
    # settle_at counts from when the request really went out (see Adapter contract)
    known = pool.account(account)
    sent = (row.settle_at - timedelta(seconds=settle_seconds(known.timeout))
            if row.settle_at is not None else row.intent_at)
    settle = (row.settle_at if fenced is None
              else lost_request_settles(sent, row.settle_at, fenced=fenced,
                                        challenge_auth=not known.use_sessions))
    if settle is not None and now_utc() < settle:
        # a request that timed out may still be waiting on the server: "not there yet"
        # only becomes "not there" once it can no longer arrive
        done = registry.finish(row.id, "uncertain", owner=owner, transient=True,
                               next_attempt_at=settle, error="not on the site yet",
                               action="uncertain",
                               detail="not on the site yet; the request may still arrive")
        return Reconciled("uncertain", done, "not on the site yet; will look again",
                          settle_at=settle)
    done = registry.finish(row.id, "retry", owner=owner, action="reconciled",
                           detail="not on the site; safe to send")
    return Reconciled("safe", done, "not on the site")


def twin_note(others: tuple[RemoteRef, ...]) -> str:
    """What to say about extra copies of an entry found on the site ("" when none)."""
    if not others:
        return ""
    where = ", ".join(r.url or f"item {r.itemid}" for r in others)
    many = len(others) > 1
    return (f"twin: {'extra copies' if many else 'an extra copy'} of this entry "
            f"{'are' if many else 'is'} on the site ({where}), from a request that landed "
            f"after all; delete {'them' if many else 'it'} on the site (open "
            f"{'each' if many else 'it'}, Edit Entry, Delete) — crosspost keeps the newest")


def _uncertain(registry: Registry, row: Delivery, owner: str, message: str, fix: str,
               base_delay: float, err: CrosspostError | None = None) -> Reconciled:
    nxt = next_attempt(now_utc(), max(1, row.attempts), err, base=base_delay)
    done = registry.finish(row.id, "uncertain", owner=owner, error=f"{message} ({fix})",
                           transient=True, next_attempt_at=nxt, action="uncertain",
                           detail=f"{message}; {fix}")
    log.warning("%s → %s: may or may not be posted: %s", row.identity, row.target, message,
                extra={"story": row.identity, "target": row.target})
    return Reconciled("uncertain", done, f"{message}; {fix}", err)
