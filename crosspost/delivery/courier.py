"""One delivery, start to finish: claim → (reconcile) → remote call → outcome, with the
in-run retries. The :class:`~crosspost.delivery.Publisher` decides which deliveries to run
and runs a :class:`Courier` for each, concurrently; what a site's answer records is in
:mod:`crosspost.delivery.outcome`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from crosspost.adapter import on_send
from crosspost.delivery.outcome import Outcome, record_answer
from crosspost.delivery.plan import (
    Decision,
    answered_early,
    claim_settle_seconds,
    classify,
    keep_trying_seconds,
    next_attempt,
    settle_after_send,
    settle_seconds,
    short_duration,
)
from crosspost.delivery.reconcile import encode_post, reconcile_row
from crosspost.errors import (
    ConfigError,
    ConfigProblem,
    CrosspostError,
    FaultError,
    SecretError,
    SiteError,
    TransportError,
)
from crosspost.logs import get_logger
from crosspost.state.registry import Delivery, Intent, Registry, now_utc
from crosspost.story.post import Post, RemoteRef

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery.pool import AdapterPool

log = get_logger("delivery")

#: Longest backoff between attempts, however many failed.
BACKOFF_CAP = 3600.0


Decide = Callable[[Delivery | None, bool, bool], Decision]


def _decide_forced(decide: Decide, forced: bool, row: Delivery | None, live: bool) -> Decision:
    return decide(row, live, forced)


@dataclass
class Job:
    """One delivery to run: which row (by identity + target, or ``delivery_id``), how to
    decide about it, and the rendered post (None for deletes and reconciles)."""

    kind: str  # publish | edit | delete | retry | reconcile | release
    identity: str
    target: str
    decide: Decide  # (row, live, forced) -> Decision
    post: Post | None = None
    content_hash: str = ""
    delivery_id: int | None = None
    error: CrosspostError | None = None


def copy_of(post: Post | None, copy: int) -> Post | None:
    """The post for copy ``copy`` of a delivery. Copies after the first carry a marker:
    the servers' duplicate guard (same subject + event) would otherwise hand back the
    first entry instead of making a new one (reference §3.3)."""
    if post is None or copy == 0:
        return post
    return replace(post, html=f"{post.html}\n<!-- crosspost: copy {copy + 1} -->")


class _Sending:
    """The hook run as an attempt's request goes out (``about_to_send``): notes when, and
    moves the row's settle time when the claim's margin does not cover the send (a send
    after a long wait: pacing, a 429, a login), before the request leaves."""

    def __init__(self, registry: Registry, row: Delivery, owner: str, timeout: float) -> None:
        self.registry, self.row_id, self.owner, self.timeout = registry, row.id, owner, timeout
        self.recorded = row.settle_at
        self.sent_at: datetime | None = None

    def __call__(self) -> None:
        self.sent_at = now_utc()
        until = settle_after_send(self.recorded, self.sent_at, self.timeout)
        if until is not None:
            self.registry.restamp_settle(self.row_id, self.owner, until)
            self.recorded = until


class Courier:
    """Runs jobs against the registry and the adapters. Thread-safe: one per Publisher."""

    def __init__(self, config: Config, registry: Registry, pool: AdapterPool, owner: str, *,
                 sleep: Callable[[float], None] = time.sleep,
                 lease_seconds: float = 900.0) -> None:
        self.config = config
        self.registry = registry
        self.pool = pool
        self.owner = owner
        self.lease_seconds = lease_seconds
        self._sleep = sleep
        s = config.settings
        self.retry_limit = max(1, s.retry_limit)
        self.base_delay = s.retry_base_seconds
        self.max_wait = s.retry_max_wait_seconds
        #: set by Ctrl-C during :meth:`run_all`: what is not sent yet is not sent
        self._stopping = threading.Event()

    def run(self, job: Job) -> Outcome:
        try:
            return self._drive_unsafe(job)
        except CrosspostError as exc:
            log.error("%s → %s: %s", job.identity, job.target, exc.message)
            return Outcome(job.delivery_id or 0, job.identity, job.target, "failed",
                           message=exc.render(), error=exc)
        except Exception as exc:  # one target's bug must not stop the others
            log.debug("unexpected error", exc_info=True)
            log.error("%s → %s: unexpected error: %r", job.identity, job.target, exc)
            err = CrosspostError(f"unexpected error: {exc!r}",
                                 "report this as a bug (run with -v for details)")
            return Outcome(job.delivery_id or 0, job.identity, job.target, "failed",
                           message=err.render(), error=err)

    def run_all(self, jobs: list[Job], max_workers: int) -> list[Outcome]:
        """Run ``jobs`` at once (in order, one outcome each).

        Twice as many threads run as requests can be in flight (:meth:`AdapterPool.width`;
        at most ``max_workers``): while one wave of requests is out, the next wave's intents
        are recorded, so each goes out the moment a slot is free."""
        if len(jobs) <= 1:
            return [self.run(j) for j in jobs]
        self._stopping.clear()
        width = self.pool.width(self.pool.accounts_of(j.target for j in jobs))
        ex = ThreadPoolExecutor(max_workers=min(len(jobs), max_workers, 2 * width),
                                thread_name_prefix="crosspost-deliver")
        futures = [ex.submit(self.run, job) for job in jobs]
        try:
            return [f.result() for f in futures]
        except KeyboardInterrupt:
            # Ctrl-C: start nothing new; what is already sent finishes and is recorded, what
            # waits for its turn is released unsent (a second Ctrl-C stops waiting: those
            # rows stay pending for `crosspost retry`)
            self._stopping.set()
            ex.shutdown(wait=False, cancel_futures=True)
            running = sum(1 for f in futures if not f.done())
            if running:
                log.warning("interrupted: waiting for the %d request(s) already sent "
                            "(Ctrl-C again to stop at once)", running)
                wait(futures)
            raise
        finally:
            ex.shutdown(wait=False)

    def _drive_unsafe(self, job: Job) -> Outcome:
        tgt = self.config.targets.get(job.target)
        if tgt is None and job.kind == "publish":
            raise ConfigError([ConfigProblem(f"targets.{job.target}", "no such target")])
        if job.error is not None:
            self.registry.log_event(job.identity, "failed", target=job.target,
                                    detail=job.error.message, delivery_id=job.delivery_id)
            log.error("%s → %s: %s", job.identity, job.target, job.error.message)
            return Outcome(job.delivery_id or 0, job.identity, job.target, "failed",
                           message=job.error.render(), error=job.error)
        # a new post goes where the target points now; an existing entry stays where it is
        account, journal = (tgt.account, tgt.community) if tgt else ("", None)
        known = self.config.accounts.get(account)
        settle = claim_settle_seconds(known.timeout if known else 30.0)

        def intent(copy: int) -> Intent:
            post = copy_of(job.post, copy)
            return Intent(self.owner, self.lease_seconds,
                          payload=encode_post(post) if post else None,
                          fingerprint=post.fingerprint if post else "",
                          subject=post.subject if post else "", content_hash=job.content_hash,
                          settle_seconds=settle, account=account, journal=journal)

        forced, tries, looks = False, 0, 0
        adopted: Delivery | None = None
        while True:
            claim = self.registry.claim(partial(_decide_forced, job.decide, forced), intent,
                                        identity=job.identity, target=job.target,
                                        delivery_id=job.delivery_id)
            d, row = claim.decision, claim.row
            if row is None or not d.claims:
                return self._settled(job, d, row, adopted)
            at_account, at_journal = self._where(row, d, account, journal)
            if d.action == "reconcile":
                looks += 1
                res = reconcile_row(self.registry, self.pool, row, self.owner, at_journal,
                                    at_account, base_delay=self.base_delay)
                if res.kind == "adopted":
                    adopted = res.row
                wait = (res.settle_at - now_utc()).total_seconds() if res.settle_at else None
                if (wait is not None and job.kind != "reconcile" and wait <= self.max_wait
                        and looks <= self.retry_limit):
                    self._sleep(max(0.0, wait))  # the request may still arrive: look again
                    forced = True
                elif res.kind == "uncertain" or job.kind == "reconcile":
                    action = {"adopted": "posted", "safe": "retry"}.get(res.kind, "uncertain")
                    msg = res.message + ("; ready to send again" if res.kind == "safe" else "")
                    return Outcome(row.id, row.identity, row.target, action, res.row.url, msg,
                                   res.error)
                continue
            post = copy_of(job.post, row.copy)
            job.delivery_id = row.id
            tries += 1
            if d.action in ("post", "edit") and post is None:
                err = CrosspostError("nothing to send: the rendered post was not recorded",
                                     "run `crosspost post FILE` with the story file")
                return self._failed(job, row, d.action, err, tries, at_account)[0]
            out, wait = self._attempt(job, post, d.action, row, at_account, at_journal, tries)
            if wait is None:
                return out
            self._sleep(wait)
            forced = True

    def _where(self, row: Delivery, d: Decision, account: str, journal: str | None
               ) -> tuple[str, str | None]:
        """(account, journal) of a claimed row's entry: as recorded when it was posted, else
        the target's current ones. When that is unknown the claim is released and a
        ConfigError raised."""
        if row.account:
            account, journal = row.account, (row.journal or None)
        problem = None
        if not account:
            problem = ConfigProblem(f"targets.{row.target}", "no longer in the configuration")
        elif account not in self.config.accounts:
            problem = ConfigProblem(f"accounts.{account}", "no longer in the configuration")
        if problem is None:
            return account, journal
        err = ConfigError([problem], fix="add it back to retry, edit or delete these copies")
        keep = "uncertain" if d.action == "reconcile" else "failed"
        self.registry.finish(row.id, keep, owner=self.owner, error=err.render())
        raise err

    def _settled(self, job: Job, d: Decision, row: Delivery | None,
                 adopted: Delivery | None) -> Outcome:
        rid = row.id if row else 0
        if adopted is not None and d.action in ("skip", "busy"):
            return Outcome(rid, job.identity, job.target, "posted", adopted.url,
                           "found on the site after an interrupted attempt; not sent again")
        url = row.url if row else ""
        if d.action == "schedule":
            when = f"{d.at:%Y-%m-%d %H:%M %Z}" if d.at else "later"
            return Outcome(rid, job.identity, job.target, "scheduled", "", f"release at {when}",
                           release_at=d.at)
        if d.action == "wait":
            action = "scheduled" if row and row.status == "scheduled" else "retry"
            return Outcome(rid, job.identity, job.target, action, url, d.reason,
                           release_at=row.release_at if row else None)
        action = {"cancel": "cancelled", "needs_edit": "needs_edit", "held": "held",
                  "busy": "busy"}.get(d.action, "skipped")
        return Outcome(rid, job.identity, job.target, action, url, d.reason,
                       release_at=d.at if d.action == "held" else None)

    def _attempt(self, job: Job, post: Post | None, op: str, row: Delivery, account: str,
                 journal: str | None, tries: int) -> tuple[Outcome, float | None]:
        ref = RemoteRef(row.itemid, row.anum, row.url) if row.itemid is not None else None
        sending = _Sending(self.registry, row, self.owner, self.pool.account(account).timeout)
        try:
            blocked = self.pool.blocked(account)
            if blocked is not None:
                raise blocked
            try:
                adapter = self.pool.adapter(account)
            except CrosspostError as exc:  # no secret, unknown site: same for every target
                self.pool.block(account, exc)
                raise
            with self.pool.slot(account), on_send(sending):
                if self._stopping.is_set():
                    return self._unsent(job, row), None
                if op == "post":
                    assert post is not None
                    try:
                        receipt = adapter.post(post, journal)
                    except FaultError as exc:
                        if exc.code != 153 or post.when is None:
                            raise
                        # LJ/IJ: a release dated before a newer entry in one's own journal
                        # is refused before anything is stored (153): date it now instead
                        post = replace(post, when=None, notes=(*post.notes, (
                            "dated now: the site refuses an entry dated before a newer "
                            f"one ({exc.message})")))
                        receipt = adapter.post(post, journal)
                elif op == "edit":
                    assert post is not None and ref is not None
                    receipt = adapter.edit(post, journal, ref)
                else:
                    assert ref is not None
                    receipt = adapter.delete(journal, ref)
        except CrosspostError as exc:
            return self._failed(job, row, op, exc, tries, account, sending.sent_at)
        except Exception as exc:  # an adapter bug must not lose what may have been sent
            log.debug("unexpected error from the adapter", exc_info=True)
            bug = SiteError(f"unexpected error from the {account} adapter: {exc!r}",
                            "report this as a bug; the delivery will be checked and retried",
                            transient=True, maybe_committed=True)
            return self._failed(job, row, op, bug, tries, account, sending.sent_at)
        return record_answer(self.registry, self.owner, row, op, receipt, post,
                             identity=job.identity, target=job.target), None

    def _unsent(self, job: Job, row: Delivery) -> Outcome:
        """Interrupted before its request went out: the claim is released, nothing to look
        for on the site; ``crosspost retry`` sends it."""
        done = self.registry.finish(row.id, "retry", owner=self.owner, transient=True,
                                    settled=True, action="retry",
                                    detail="interrupted before it was sent")
        return Outcome(done.id, job.identity, job.target, "retry", done.url,
                       "interrupted before it was sent; `crosspost retry` sends it")

    def _failed(self, job: Job, row: Delivery, op: str, exc: CrosspostError, tries: int,
                account: str, sent_at: datetime | None = None
                ) -> tuple[Outcome, float | None]:
        verdict = classify(exc, op)
        now = now_utc()
        extra = {"story": job.identity, "target": job.target, "event": verdict}
        if verdict == "gone":
            done = self.registry.finish(row.id, "gone", owner=self.owner, action="gone",
                                        detail=exc.message)
            log.info("%s → %s: already gone from the site", job.identity, job.target,
                     extra=extra)
            return Outcome(done.id, done.identity, done.target, "gone", done.url,
                           "the entry was already deleted on the site"), None
        in_run = True
        if isinstance(exc, SecretError):
            self.pool.block(account, exc)  # no secret: the same for every target
        if verdict == "auth":
            from crosspost.config.secrets import shadowed_hint

            if hint := shadowed_hint(account):  # a stale `crosspost login` hides the variable
                exc.fix = hint
            # servers ban an IP after a few failed logins: no more calls for this account
            self.pool.block(account, exc)
            verdict = "retry" if isinstance(exc, SiteError) and exc.transient else "failed"
            in_run = False
        if verdict == "failed":
            done = self.registry.finish(row.id, "failed", owner=self.owner, error=exc.render(),
                                        action="failed", detail=exc.render())
            log.error("%s → %s: failed: %s", job.identity, job.target, exc.message, extra=extra)
            return Outcome(done.id, done.identity, done.target, "failed", done.url,
                           exc.render(), exc), None
        unreachable = isinstance(exc, TransportError) and not exc.maybe_committed
        site = exc.site if isinstance(exc, SiteError) and exc.site else account
        if unreachable and self.pool.is_down(account):
            in_run = False  # the site is down for this run: leave it to `retry`/the daemon
        status = "uncertain" if verdict == "uncertain" else "retry"
        nxt = next_attempt(now, max(1, row.attempts), exc, base=self.base_delay,
                           cap=BACKOFF_CAP)
        timeout = self.pool.account(account).timeout
        settled = status != "uncertain" or answered_early(sent_at or row.intent_at, now,
                                                          timeout)
        # a lost request: the window counts from when it went out (not the claim's margin)
        settle_at = sent_at + timedelta(seconds=settle_seconds(timeout)) if sent_at else None
        done = self.registry.finish(row.id, status, owner=self.owner, error=exc.render(),
                                    transient=True, next_attempt_at=nxt, action=status,
                                    detail=exc.message, settled=settled, settle_at=settle_at)
        wait = max(0.0, (nxt - now).total_seconds())
        if unreachable and in_run and self.pool.first_unreachable(account):
            # say it at once: the in-run retries can take a while without a word
            budget = keep_trying_seconds(max(1, row.attempts), tries, self.retry_limit,
                                         base=self.base_delay, max_wait=self.max_wait,
                                         connect=min(self.pool.account(account).timeout, 10.0),
                                         cap=BACKOFF_CAP)
            log.warning("%s cannot be reached (%s); crosspost keeps trying for up to about "
                        "%s, then leaves it for later (`crosspost retry`, or `crosspost watch`)",
                        site, exc.message, short_duration(budget), extra=extra)
        if in_run and tries < self.retry_limit and wait <= self.max_wait:
            log.info("%s → %s: %s; trying again in %.1fs", job.identity, job.target,
                     exc.message, wait, extra=extra)
            return Outcome(done.id, done.identity, done.target, status), wait
        if unreachable and not self.pool.is_down(account):
            self.pool.mark_down(account)
            log.warning("%s stays unreachable: its other deliveries in this run are tried "
                        "once each, then left for later", site, extra=extra)
        when = nxt.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        # the site's own refusal (a full moderation queue, say) comes with what to do
        fix = f" — {exc.fix}" if isinstance(exc, FaultError) and exc.fix else ""
        log.warning("%s → %s: %s; will retry after %s%s", job.identity, job.target,
                    exc.message, when, fix, extra=extra)
        return Outcome(done.id, done.identity, done.target, status, done.url,
                       f"{exc.message}; will retry after {when} (the daemon, or `crosspost "
                       f"retry {done.id}`)", exc), None
