"""The delivery engine: every story on every target exactly once.

For each (story, target) the :class:`Publisher` claims the registry row (``BEGIN
IMMEDIATE``: read, decide with ``crosspost.plan``, record the intent, commit), makes the one
remote call, and records the outcome. A row left ``pending`` by a run that died, or
``uncertain`` after a request whose answer never came, is reconciled with the site
(``crosspost.reconcile``) before anything is sent again. Transient failures are retried
within the run while the wait is short, then left with ``next_attempt_at`` for the daemon
or ``crosspost retry``. Targets are independent and run concurrently, bounded per site.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from .errors import ConfigError, ConfigProblem, CrosspostError, SiteError
from .lock import owner_token
from .logs import get_logger
from .plan import (
    IN_FLIGHT,
    Decision,
    classify,
    decide_delete,
    decide_edit,
    decide_publish,
    decide_retry,
    next_attempt,
)
from .pool import AdapterPool
from .post import Post, Receipt, RemoteRef
from .reconcile import decode_post, encode_post, reconcile_row
from .registry import Delivery, Intent, Registry, now_utc

if TYPE_CHECKING:
    from .config import Config
    from .story import Story

log = get_logger("delivery")

#: Outcome actions that mean "not delivered" (the CLI exits 1).
NOT_DONE = frozenset({"failed", "retry", "uncertain", "held"})
#: Longest backoff between attempts, however many failed.
BACKOFF_CAP = 3600.0


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery in this run.

    ``action``: posted | queued | edited | deleted | gone | skipped | scheduled | cancelled |
    needs_edit | retry | uncertain | failed | held. ``notes``: the site's own messages and the
    tags left out.
    """

    delivery_id: int
    identity: str
    target: str
    action: str
    url: str = ""
    message: str = ""
    error: CrosspostError | None = None
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.action not in NOT_DONE


Decide = Callable[[Delivery | None, bool, bool], Decision]


def _decide_forced(decide: Decide, forced: bool, row: Delivery | None, live: bool) -> Decision:
    return decide(row, live, forced)


@dataclass
class _Job:
    kind: str  # publish | edit | delete | retry | reconcile | release
    identity: str
    target: str
    decide: Decide  # (row, live, forced) -> Decision
    post: Post | None = None
    content_hash: str = ""
    delivery_id: int | None = None
    error: CrosspostError | None = None


def select_targets(config: Config, names: list[str] | None) -> list[str]:
    """The named targets (checked), else every target with ``auto = true``."""
    if not names:
        return [n for n, t in config.targets.items() if t.auto]
    unknown = [n for n in names if n not in config.targets]
    if unknown:
        known = ", ".join(sorted(config.targets)) or "none defined"
        raise ConfigError([ConfigProblem(f"targets.{n}", f"no such target (targets: {known})")
                           for n in unknown], fix="use a target name from [targets.*]")
    return list(dict.fromkeys(names))


class Publisher:
    """Publishes, edits and deletes stories through the registry and the adapters."""

    def __init__(self, config: Config, registry: Registry, pool: AdapterPool | None = None, *,
                 sleep: Callable[[float], None] = time.sleep, lease_seconds: float = 900.0,
                 max_workers: int = 16) -> None:
        self.config = config
        self.registry = registry
        self.pool = pool or AdapterPool(config)
        self._own_pool = pool is None
        self.owner = owner_token()
        self.lease_seconds = lease_seconds
        self.max_workers = max_workers
        self._sleep = sleep
        s = config.settings
        self.retry_limit = max(1, s.retry_limit)
        self.base_delay = s.retry_base_seconds
        self.max_wait = s.retry_max_wait_seconds

    def close(self) -> None:
        if self._own_pool:
            self.pool.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what to deliver -------------------------------------------------------------------
    def targets_for(self, names: list[str] | None) -> list[str]:
        return select_targets(self.config, names)

    def _render(self, story: Story, target: str) -> tuple[Post | None, CrosspostError | None]:
        from .render import render_post

        try:
            return render_post(story, self.config, target), None
        except CrosspostError as exc:
            return None, exc

    def publish(self, story: Story, targets: list[str] | None = None, *, again: bool = False,
                at: datetime | None = None, explicit: bool = True) -> list[Outcome]:
        """Post (or edit, when it changed; or schedule, with ``at``) ``story`` to each target.

        ``explicit`` is False for the daemon: it then respects retry backoff and does not
        resend failed or deleted deliveries of an unchanged story.
        """
        names = self.targets_for(targets)
        self.registry.upsert_story(story.identity, title=story.title,
                                   path=str(story.path or ""), content_hash=story.content_hash)
        edit_mode = self.config.settings.edit_mode
        chash = story.content_hash

        def decide(row: Delivery | None, live: bool, forced: bool) -> Decision:
            return decide_publish(row, content_hash=chash, now=now_utc(), live=live,
                                  again=again, at=at, edit_mode=edit_mode,
                                  explicit=explicit or forced)

        jobs = []
        for name in names:
            post, err = self._render(story, name)
            jobs.append(_Job("publish", story.identity, name, decide, post, chash, error=err))
        return self._fan_out(jobs)

    def edit(self, story: Story, targets: list[str] | None = None) -> list[Outcome]:
        """Replace the content of every copy of ``story`` on the site (all its targets, or
        the named ones)."""
        wanted = set(self.targets_for(targets)) if targets else None
        self.registry.upsert_story(story.identity, title=story.title,
                                   path=str(story.path or ""), content_hash=story.content_hash)
        rows = [r for r in self.registry.deliveries(story.identity)
                if wanted is None or r.target in wanted]
        posts: dict[str, tuple[Post | None, CrosspostError | None]] = {}
        jobs = []
        for row in rows:
            if row.target not in posts:
                posts[row.target] = (self._render(story, row.target)
                                     if row.target in self.config.targets else (None, None))
            post, err = posts[row.target]
            jobs.append(_Job("edit", story.identity, row.target,
                             lambda r, live, forced: decide_edit(r, live=live) if r else
                             Decision("skip", "no such delivery"),
                             post, story.content_hash, row.id, err))
        return self._fan_out(jobs)

    def delete(self, identity: str, targets: list[str] | None = None, *,
               delivery_id: int | None = None) -> list[Outcome]:
        """Delete the copies of a story (all, the named targets', or one delivery)."""
        if delivery_id is not None:
            one = self.registry.delivery(delivery_id)
            rows = [one] if one is not None else []
        else:
            wanted = set(targets) if targets else None
            rows = [r for r in self.registry.deliveries(identity)
                    if wanted is None or r.target in wanted]
        jobs = [_Job("delete", r.identity, r.target,
                     lambda r, live, forced: decide_delete(r, live=live) if r else
                     Decision("skip", "no such delivery"), delivery_id=r.id)
                for r in rows]
        return self._fan_out(jobs)

    def retry(self, delivery_id: int | None = None, *, force: bool = True,
              assume_not_posted: bool = False) -> list[Outcome]:
        """Retry what failed or waits (one delivery, or all). ``force`` ignores the backoff;
        ``assume_not_posted`` (one uncertain delivery the user checked on the site) lets it
        be sent again without asking the site."""
        if delivery_id is not None:
            if assume_not_posted:
                self.registry.mark_safe_to_send(delivery_id, "the user checked the site")
            one = self.registry.delivery(delivery_id)
            rows = [one] if one is not None else []
        else:
            rows = self.registry.deliveries(statuses=("retry", "failed", "uncertain",
                                                      *sorted(IN_FLIGHT)))
        return self._fan_out([self._retry_job(r, force) for r in rows])

    def retry_due(self, now: datetime | None = None) -> list[Outcome]:
        """The daemon's pass: retries whose time came, and interrupted requests."""
        now = now or now_utc()
        rows = self.registry.retries_due(now) + [
            r for r in self.registry.deliveries(statuses=tuple(sorted(IN_FLIGHT)))
            if not self.registry.is_live(r, now)]
        return self._fan_out([self._retry_job(r, False) for r in rows])

    def _retry_job(self, row: Delivery, force: bool) -> _Job:
        post = decode_post(row.payload)
        err: CrosspostError | None = None
        if post is None and row.op != "delete":
            post, err = self._rerender(row)

        def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
            if r is None:
                return Decision("skip", "no such delivery")
            return decide_retry(r, live=live, now=now_utc(), force=force or forced)

        return _Job("retry", row.identity, row.target, decide, post, row.content_hash, row.id,
                    err)

    def _rerender(self, row: Delivery) -> tuple[Post | None, CrosspostError | None]:
        from .parse import parse_file  # type: ignore[attr-defined]

        known = self.registry.story(row.identity)
        if known is None or not known.path or row.target not in self.config.targets:
            return None, None
        try:
            return self._render(parse_file(known.path), row.target)
        except (CrosspostError, OSError):
            return None, None

    def reconcile(self) -> list[Outcome]:
        """Start-up: settle every pending or uncertain delivery with the site (adopt what is
        there, mark the rest ready to send). Sends nothing new."""
        def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
            if r is None:
                return Decision("skip", "no such delivery")
            if r.status in IN_FLIGHT and live:
                return Decision("busy", "already in progress (another crosspost run holds it)")
            if r.status in IN_FLIGHT or r.status == "uncertain":
                return Decision("reconcile", "start-up check")
            return Decision("skip", "settled")

        rows = self.registry.deliveries(statuses=("uncertain", *sorted(IN_FLIGHT)))
        return self._fan_out([_Job("reconcile", r.identity, r.target, decide,
                                   delivery_id=r.id) for r in rows])

    def release_due(self, now: datetime | None = None) -> list[Outcome]:
        """Post the scheduled deliveries whose release time came; a release missed by more
        than ``settings.grace_minutes`` is held for the user instead."""
        now = now or now_utc()
        grace = timedelta(minutes=self.config.settings.grace_minutes)
        out, jobs = [], []
        for row in self.registry.due(now):
            if row.release_at is not None and now - row.release_at > grace:
                late = self.registry.hold(row.id, f"release time {row.release_at:%Y-%m-%d %H:%M}"
                                          " UTC was missed by more than the grace period")
                out.append(Outcome(late.id, late.identity, late.target, "held",
                                   message=late.last_error + "; `crosspost post FILE` to post"))
                continue

            def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
                if r is None:
                    return Decision("skip", "no such delivery")
                if r.status == "scheduled":
                    return Decision("post", "release time")
                return decide_retry(r, live=live, now=now_utc(), force=forced)

            job = self._retry_job(row, False)
            job.kind, job.decide = "release", decide
            jobs.append(job)
        return out + self._fan_out(jobs)

    # -- running ---------------------------------------------------------------------------
    def _fan_out(self, jobs: list[_Job]) -> list[Outcome]:
        if len(jobs) <= 1:
            return [self._drive(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=min(len(jobs), self.max_workers),
                                thread_name_prefix="crosspost-deliver") as ex:
            return list(ex.map(self._drive, jobs))

    def _drive(self, job: _Job) -> Outcome:
        try:
            return self._drive_unsafe(job)
        except CrosspostError as exc:
            log.error("%s → %s: %s", job.identity, job.target, exc.message)
            return Outcome(job.delivery_id or 0, job.identity, job.target, "failed",
                           message=exc.render(), error=exc)

    def _drive_unsafe(self, job: _Job) -> Outcome:
        tgt = self.config.targets.get(job.target)
        if tgt is None:
            raise ConfigError([ConfigProblem(f"targets.{job.target}",
                                             "no longer in the configuration")],
                              fix="add the target back to retry, edit or delete its copies")
        account, journal = tgt.account, tgt.community
        post = job.post
        intent = Intent(self.owner, self.lease_seconds,
                        payload=encode_post(post) if post else None,
                        fingerprint=post.fingerprint if post else "",
                        subject=post.subject if post else "", content_hash=job.content_hash)
        if job.error is not None:
            self.registry.log_event(job.identity, "failed", target=job.target,
                                    detail=job.error.message, delivery_id=job.delivery_id)
            log.error("%s → %s: %s", job.identity, job.target, job.error.message)
            return Outcome(job.delivery_id or 0, job.identity, job.target, "failed",
                           message=job.error.render(), error=job.error)
        forced, tries, reconciles = False, 0, 0
        adopted: Delivery | None = None
        while True:
            claim = self.registry.claim(partial(_decide_forced, job.decide, forced), intent,
                                        identity=job.identity, target=job.target,
                                        delivery_id=job.delivery_id)
            d, row = claim.decision, claim.row
            if d.action == "reconcile" and row is not None and reconciles < 3:
                reconciles += 1
                res = reconcile_row(self.registry, self.pool, row, self.owner, journal, account)
                if res.kind == "uncertain" or job.kind == "reconcile":
                    action = {"adopted": "posted", "safe": "retry"}.get(res.kind, "uncertain")
                    msg = res.message + ("; ready to send again" if res.kind == "safe" else "")
                    return Outcome(row.id, row.identity, row.target, action, res.row.url, msg,
                                   res.error)
                if res.kind == "adopted":
                    adopted = res.row
                continue
            if not d.sends:
                return self._settled(job, d, row, adopted)
            assert row is not None
            if d.action in ("post", "edit") and post is None:
                err = CrosspostError(
                    "nothing to send: the rendered post was not recorded",
                    "run `crosspost post FILE` with the story file")
                return self._failed(job, row, d.action, err, tries, account)[0]
            job.delivery_id = row.id
            tries += 1
            out, wait = self._attempt(job, d.action, row, account, journal, tries)
            if wait is None:
                return out
            self._sleep(wait)
            forced = True

    def _settled(self, job: _Job, d: Decision, row: Delivery | None,
                 adopted: Delivery | None) -> Outcome:
        rid = row.id if row else 0
        if adopted is not None and d.action in ("skip", "busy"):
            return Outcome(rid, job.identity, job.target, "posted", adopted.url,
                           "found on the site after an interrupted attempt; not sent again")
        url = row.url if row else ""
        if d.action == "schedule":
            when = f"{d.at:%Y-%m-%d %H:%M %Z}" if d.at else "later"
            return Outcome(rid, job.identity, job.target, "scheduled", "", f"release at {when}")
        if d.action == "wait":
            action = "scheduled" if row and row.status == "scheduled" else "retry"
            return Outcome(rid, job.identity, job.target, action, url, d.reason)
        action = {"cancel": "cancelled", "needs_edit": "needs_edit", "held": "held"}.get(
            d.action, "skipped")
        return Outcome(rid, job.identity, job.target, action, url, d.reason)

    def _attempt(self, job: _Job, op: str, row: Delivery, account: str, journal: str | None,
                 tries: int) -> tuple[Outcome, float | None]:
        ref = RemoteRef(row.itemid, row.anum, row.url) if row.itemid is not None else None
        try:
            blocked = self.pool.blocked(account)
            if blocked is not None:
                raise blocked
            try:
                adapter = self.pool.adapter(account)
            except CrosspostError as exc:  # no secret, unknown site: same for every target
                self.pool.block(account, exc)
                raise
            with self.pool.slot(account):
                if op == "post":
                    assert job.post is not None
                    receipt = adapter.post(job.post, journal)
                elif op == "edit":
                    assert job.post is not None and ref is not None
                    receipt = adapter.edit(job.post, journal, ref)
                else:
                    assert ref is not None
                    receipt = adapter.delete(journal, ref)
        except CrosspostError as exc:
            return self._failed(job, row, op, exc, tries, account)
        except Exception as exc:  # an adapter bug must not lose what may have been sent
            log.exception("%s → %s: unexpected error", job.identity, job.target)
            bug = SiteError(f"unexpected error from the {account} adapter: {exc!r}",
                            "report this as a bug; the delivery will be checked and retried",
                            transient=True, maybe_committed=True)
            return self._failed(job, row, op, bug, tries, account)
        return self._succeeded(job, row, op, receipt), None

    def _succeeded(self, job: _Job, row: Delivery, op: str, receipt: Receipt) -> Outcome:
        notes = list(receipt.messages)
        if receipt.dropped_tags:
            notes.append("tags left out (not allowed in this community): "
                         + ", ".join(receipt.dropped_tags))
        if op == "delete":
            status = action = "deleted"
        elif receipt.status == "queued":
            status = action = "queued"
        else:
            status, action = "posted", ("edited" if op == "edit" else "posted")
        ref = receipt.remote
        done = self.registry.finish(
            row.id, status, owner=self.owner, itemid=ref.itemid if ref else None,
            anum=ref.anum if ref else None, url=(ref.url or None) if ref else None,
            action=action, detail="; ".join(notes))
        url = done.url if action != "queued" else ""
        log.info("%s → %s: %s %s", job.identity, job.target, action, url or "",
                 extra={"story": job.identity, "target": job.target, "url": url,
                        "event": action})
        return Outcome(done.id, done.identity, done.target, action, url,
                       "; ".join(receipt.messages), notes=tuple(notes))

    def _failed(self, job: _Job, row: Delivery, op: str, exc: CrosspostError, tries: int,
                account: str) -> tuple[Outcome, float | None]:
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
        if verdict == "auth":
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
        status = "uncertain" if verdict == "uncertain" else "retry"
        nxt = next_attempt(now, max(1, row.attempts), exc, base=self.base_delay,
                           cap=BACKOFF_CAP)
        done = self.registry.finish(row.id, status, owner=self.owner, error=exc.render(),
                                    transient=True, next_attempt_at=nxt, action=status,
                                    detail=exc.message)
        wait = max(0.0, (nxt - now).total_seconds())
        if in_run and tries < self.retry_limit and wait <= self.max_wait:
            log.info("%s → %s: %s; trying again in %.1fs", job.identity, job.target,
                     exc.message, wait, extra=extra)
            return Outcome(done.id, done.identity, done.target, status), wait
        when = nxt.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        log.warning("%s → %s: %s; will retry after %s", job.identity, job.target, exc.message,
                    when, extra=extra)
        return Outcome(done.id, done.identity, done.target, status, done.url,
                       f"{exc.message}; will retry after {when} (the daemon, or `crosspost "
                       f"retry {done.id}`)", exc), None
