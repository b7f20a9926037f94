"""Pure delivery decisions: what to do for one (story, target) given its registry row.

Nothing here does I/O. The delivery engine reads a row inside a ``BEGIN IMMEDIATE``
transaction, asks :func:`decide_publish` (or :func:`decide_edit`, :func:`decide_delete`,
:func:`decide_retry`) what to do, writes the intent and commits, and only then talks to the
site. :func:`classify` says what a :class:`~crosspost.errors.SiteError` means for the row;
:func:`backoff` how long to wait before the next try.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal, Protocol

from crosspost.errors import (
    AuthError,
    EntryGoneError,
    LoginBanned,
    SiteError,
)
from crosspost.state.records import Decision

#: Every status a delivery row can have (see docs/ARCHITECTURE.md, "The registry").
STATUSES = ("scheduled", "pending", "editing", "deleting", "uncertain", "posted", "queued",
            "retry", "failed", "held", "needs_edit", "deleted", "gone", "cancelled")
#: An intent is recorded and a request may be in flight.
IN_FLIGHT = frozenset({"pending", "editing", "deleting"})
#: The entry exists on the site (``queued``: in a moderation queue, no itemid yet).
ON_SITE = frozenset({"posted", "queued", "needs_edit"})

BUSY = "another crosspost run is sending it right now; run again later to see the result"



class RowView(Protocol):
    """What the decisions read from a delivery row (``crosspost.state.registry.Delivery``)."""

    @property
    def status(self) -> str: ...
    @property
    def op(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def itemid(self) -> int | None: ...
    @property
    def next_attempt_at(self) -> datetime | None: ...


def _posted_reason(row: RowView) -> str:
    where = f" at {row.url}" if row.url else ""
    return f"already posted{where} (use --again for another copy)"


def decide_publish(row: RowView | None, *, content_hash: str, now: datetime, live: bool,
                   again: bool = False, at: datetime | None = None,
                   edit_mode: str = "auto", explicit: bool = True,
                   grace: timedelta | None = None) -> Decision:
    """What to do when a story is published to one target.

    ``row`` is the newest copy's row (None: never seen). ``live``: an in-flight row's claim
    is held by a running process. ``explicit``: a person asked for this now (``crosspost
    post``) rather than the daemon noticing a file: retries are then not held back by their
    backoff, and failed or deleted deliveries are sent again. ``grace``: a release time
    ``at`` more than this long ago is not posted but recorded as held for the user (a
    missed release); None posts it at once.
    """
    missed = at is not None and grace is not None and at < now - grace
    if row is None:
        if missed:
            return _held(at, now)
        if at is not None and at > now:
            return Decision("schedule", at=at)
        return Decision("post")
    status = row.status
    if status in IN_FLIGHT:
        if live:
            return Decision("busy", BUSY)
        return Decision("reconcile", "an earlier attempt may have reached the site")
    if status == "uncertain":
        return Decision("reconcile", "an earlier attempt may have reached the site")
    changed = content_hash != row.content_hash
    if status in ON_SITE:
        if again:
            if at is not None and at > now:
                return Decision("schedule", at=at, new_copy=True)
            return Decision("post", "another copy (--again)", new_copy=True)
        if status == "queued":
            return Decision("skip", "in the moderation queue; not sent again")
        if not changed and status == "posted":
            return Decision("skip", _posted_reason(row))
        if edit_mode == "auto" or (explicit and status == "needs_edit"):
            return Decision("edit", "the story changed")
        if edit_mode == "ask":
            return Decision("needs_edit", "the story changed; run `crosspost edit FILE`")
        return Decision("skip", "the story changed but edits are off (settings.edit_mode)")
    if status in ("scheduled", "held") and missed:
        return _held(at, now)
    if status == "scheduled":
        if at is not None:
            return Decision("schedule", "moved", at=at)
        if explicit:
            return Decision("post", "posted now instead of at its release time")
        return Decision("wait", "scheduled")
    if status == "cancelled" and not explicit:
        # a person cancelled it: a later save of the file (its Release: line) must not
        # bring the release back; `crosspost schedule` or `reschedule` does
        return Decision("skip", "release cancelled; `crosspost schedule FILE` or "
                                "`crosspost reschedule ID` schedules it again")
    if missed and status != "retry":
        return _held(at, now)
    if at is not None and at > now:
        return Decision("schedule", at=at)
    if status == "retry":
        if row.op == "edit" and row.itemid is not None:
            return Decision("edit", "retrying an edit")
        if explicit or changed or _due(row.next_attempt_at, now):
            return Decision("post")
        return Decision("wait", "next attempt not due yet")
    if status in ("failed", "held", "deleted", "gone", "cancelled"):
        if row.op == "edit" and row.itemid is not None and status == "failed":
            return Decision("edit") if explicit or changed else Decision("skip", "edit failed")
        if explicit or (changed and status == "failed"):
            return Decision("post")
        return Decision("skip", f"{status}; use `crosspost post` or `crosspost retry`")
    return Decision("skip", f"unknown status {status!r}")


def _held(at: datetime | None, now: datetime) -> Decision:
    minutes = int((now - at).total_seconds() // 60) if at is not None else 0
    return Decision("held", f"its release time was {minutes} min ago, more than the grace "
                    "period (settings.grace_minutes)", at=at)


def decide_edit(row: RowView, *, live: bool) -> Decision:
    """``crosspost edit``: edit every copy that exists on the site."""
    if row.status in IN_FLIGHT and live:
        return Decision("busy", BUSY)
    if (row.status in IN_FLIGHT or row.status == "uncertain") and row.op == "post":
        return Decision("reconcile", "an earlier post may have reached the site")
    if row.itemid is None:
        if row.status == "queued":
            return Decision("skip", "still in the moderation queue: once a maintainer "
                                    "approves it, crosspost finds it and edits reach it")
        return Decision("skip", f"not on the site ({row.status})")
    if row.status in ("deleted", "gone", "cancelled"):
        return Decision("skip", f"{row.status}")
    return Decision("edit")


def decide_delete(row: RowView, *, live: bool) -> Decision:
    """``crosspost delete``: delete every copy that exists on the site."""
    if row.status in IN_FLIGHT and live:
        return Decision("busy", BUSY)
    if row.status == "scheduled":
        return Decision("cancel", "scheduled release cancelled")
    if (row.status in IN_FLIGHT or row.status == "uncertain") and row.op == "post":
        return Decision("reconcile", "an earlier post may have reached the site")
    if row.status in ("deleted", "gone", "cancelled"):
        return Decision("skip", f"already {row.status}")
    if row.itemid is None:
        if row.status == "queued":
            return Decision("skip", "still in the moderation queue: a maintainer can reject "
                                    "it there; once approved, crosspost finds it and deletes it")
        return Decision("skip", f"not on the site ({row.status})")
    return Decision("delete")


def decide_retry(row: RowView, *, live: bool, now: datetime, force: bool) -> Decision:
    """``crosspost retry`` / the daemon's retry pass: only what failed or waits.
    ``force`` ignores the backoff (a person asked)."""
    if row.status in IN_FLIGHT:
        if live:
            return Decision("busy", BUSY)
        return Decision("reconcile", "an earlier attempt may have reached the site")
    if row.status == "uncertain":
        if not force and not _due(row.next_attempt_at, now):
            return Decision("wait", "the site will be asked again later")
        return Decision("reconcile", "an earlier attempt may have reached the site")
    if row.status not in ("retry", "failed"):
        return Decision("skip", f"nothing to retry ({row.status})")
    if row.status == "retry" and not force and not _due(row.next_attempt_at, now):
        return Decision("wait", "next attempt not due yet")
    if row.op == "edit" and row.itemid is not None:
        return Decision("edit")
    if row.op == "delete" and row.itemid is not None:
        return Decision("delete")
    return Decision("post")


def _due(when: datetime | None, now: datetime) -> bool:
    return when is None or when <= now


Verdict = Literal["retry", "failed", "uncertain", "gone", "auth"]


def classify(err: BaseException, op: str = "post") -> Verdict:
    """What a failed remote call means for the row.

    ``uncertain``: the request may have taken effect (a new post must be reconciled before it
    is sent again; edits and deletes are idempotent, so for them this is a plain retry).
    ``gone``: the entry no longer exists (edit/delete). ``auth``: the account's login failed;
    stop calling that account for the rest of the run. ``retry``: transient. ``failed``:
    permanent, needs the user.
    """
    if isinstance(err, EntryGoneError) and op in ("edit", "delete"):
        return "gone"
    if isinstance(err, (AuthError, LoginBanned)):
        return "auth"
    if isinstance(err, SiteError):
        if err.maybe_committed:
            return "uncertain" if op == "post" else "retry"
        return "retry" if err.transient else "failed"
    return "failed"


#: The site's lockout period after failed logins (reference §2.4: DW example 300 s).
LOGIN_BAN_SECONDS = 300.0


def backoff(attempt: int, retry_after: float | None = None, *, base: float = 2.0,
            cap: float = 3600.0, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (``attempt`` counts from 1).

    Exponential (``base * 2**(attempt-1)``, capped at ``cap``) with jitter in [50%, 100%]
    so that many targets failing together do not come back together; never less than the
    site's ``retry_after``.
    """
    exp = min(cap, base * (2 ** max(0, min(attempt - 1, 30))))
    delay = exp * (0.5 + 0.5 * rand())
    if retry_after is not None and retry_after > delay:
        delay = float(retry_after)
    return delay


def next_attempt(now: datetime, attempt: int, err: BaseException | None, *, base: float = 2.0,
                 cap: float = 3600.0, rand: Callable[[], float] = random.random) -> datetime:
    """When the daemon may try again after ``err`` on attempt ``attempt``."""
    retry_after = getattr(err, "retry_after", None)
    if isinstance(err, LoginBanned):
        retry_after = max(retry_after or 0.0, LOGIN_BAN_SECONDS)
    return now + timedelta(seconds=backoff(attempt, retry_after, base=base, cap=cap, rand=rand))


def keep_trying_seconds(attempt: int, tries: int, retry_limit: int, *, base: float,
                        max_wait: float, connect: float, cap: float = 3600.0) -> float:
    """The longest the in-run retries after failed attempt ``attempt`` (try ``tries`` of
    this run) can take on an unreachable site: each wait (the backoff without jitter, as
    long as it fits ``max_wait``) plus a connect timeout per attempt."""
    total = 0.0
    while tries < retry_limit:
        wait = min(base * 2 ** (attempt - 1), cap)
        if wait > max_wait:
            break
        total += wait + connect
        attempt += 1
        tries += 1
    return total


def short_duration(value: float) -> str:
    """Seconds as a person reads them: ``40 s``, ``3 min``."""
    if value < 90:
        return f"{max(1, round(value))} s"
    return f"{round(value / 60)} min"


#: Grace after the client's timeout for a request the server still holds to take effect.
SETTLE_GRACE = 2.0


def settle_seconds(timeout: float) -> float:
    """How long after it was sent a request may still take effect on the server.

    A client gives up after ``timeout`` seconds, but the server may still be working on the
    request (a killed client's connection does not stop it either): until the timeout plus
    :data:`SETTLE_GRACE` has passed, not finding the entry does not prove it will not appear.
    A server slower than that can still make a duplicate; the window keeps the usual case
    safe without holding a crashed delivery back for long.
    """
    return timeout + SETTLE_GRACE


#: A claim's settle window also covers a request sent up to this long after the claim, so a
#: delivery sent soon after it is claimed (a fan-out waiting for a free slot) needs no second
#: write before it goes out; a later send moves the window (see :func:`settle_after_send`).
SEND_MARGIN = 1.0


def claim_settle_seconds(timeout: float) -> float:
    """The settle window recorded with a claim: :func:`settle_seconds` plus the margin."""
    return settle_seconds(timeout) + SEND_MARGIN


def settle_after_send(recorded: datetime | None, sent: datetime, timeout: float
                      ) -> datetime | None:
    """When a request sent at ``sent`` can no longer take effect, if the recorded settle
    time (``recorded``) comes before that and must be moved; None when it already covers
    the send (nothing to write)."""
    until = sent + timedelta(seconds=settle_seconds(timeout))
    return None if recorded is not None and recorded >= until else until


def answered_early(sent: datetime | None, failed: datetime, timeout: float) -> bool:
    """Did the failure come before the client's timeout? Then the server answered or closed
    the connection itself, and the request can no longer take effect later."""
    return sent is not None and (failed - sent).total_seconds() < 0.9 * timeout


#: How long after it was sent a lost request authenticated by a challenge may still land:
#: the server checks the challenge when it gets to the request, and DW's last 60 s
#: (reference §2.2), plus grace.
CHALLENGE_WINDOW = 60.0 + SETTLE_GRACE


def lost_request_settles(sent: datetime | None, settle_at: datetime | None, *,
                         fenced: bool, challenge_auth: bool) -> datetime | None:
    """When a lost post can no longer take effect on the site, so that not finding it
    means it is not there. ``fenced``: the session that carried it was ended on the site
    (it fails if the server still holds it), so the client's settle window is enough. A
    request authenticated by a challenge (``challenge_auth``: the account uses no
    sessions) may still land until its challenge expires (DW: its duplicate guard does
    not stop it once another entry was posted in between). A session request of another
    run (killed) cannot be fenced: the settle window is all there is."""
    if fenced or sent is None or not challenge_auth:
        return settle_at
    late = sent + timedelta(seconds=CHALLENGE_WINDOW)
    return late if settle_at is None or late > settle_at else settle_at
