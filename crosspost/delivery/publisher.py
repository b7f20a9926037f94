"""The delivery engine: every story on every target exactly once.

The :class:`Publisher` turns a request (publish, edit, delete, retry, reconcile, release)
into one job per delivery and runs them concurrently; for each, a
:class:`~crosspost.delivery.courier.Courier` claims the registry row (``BEGIN IMMEDIATE``: read,
decide with ``crosspost.delivery.plan``, record the intent, commit), makes the one remote call, and
records the outcome (:class:`~crosspost.delivery.drafts.Drafts` renders what it sends). A
row left ``pending`` by a run that died, or ``uncertain`` after a request whose answer never
came, is reconciled with the site (``crosspost.delivery.reconcile``) before anything is sent
again. Transient failures are retried within the run while the wait is short, then left
with ``next_attempt_at`` for the daemon or ``crosspost retry``. Targets are independent and
run concurrently, bounded per site.
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.delivery.courier import Courier, Job, copy_of
from crosspost.delivery.drafts import Drafts
from crosspost.delivery.hooks import Expand, Vet
from crosspost.delivery.outcome import NOT_DONE, Outcome
from crosspost.delivery.plan import (
    BUSY,
    IN_FLIGHT,
    Decision,
    decide_delete,
    decide_edit,
    decide_publish,
    decide_retry,
)
from crosspost.delivery.pool import AdapterPool
from crosspost.errors import CrosspostError, UserError
from crosspost.logs import get_logger
from crosspost.state.lock import owner_token
from crosspost.state.registry import Delivery, Registry, now_utc
from crosspost.story.post import Post

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.story.model import Story

__all__ = ["NOT_DONE", "AdapterPool", "IdentityClash", "Outcome", "Publisher",
           "select_targets"]

log = get_logger("delivery")


class IdentityClash(UserError):
    """Two different story files share one identity (title + author, no ``ID:``)."""


#: a story in one of these is on the site (or will be): another file must not replace it
CLASH_STATUSES = frozenset({"posted", "queued", "needs_edit", "scheduled", "held",
                            "pending", "editing", "uncertain", "retry"})


def select_targets(config: Config, names: list[str] | None) -> list[str]:
    """The named targets (checked), else every target with ``auto = true``."""
    if not names:
        return [n for n, t in config.targets.items() if t.auto]
    unknown = [n for n in names if n not in config.targets]
    if unknown:
        raise unknown_targets(config, unknown)
    return list(dict.fromkeys(names))


def unknown_targets(config: Config, unknown: list[str]) -> UserError:
    """The error for ``--to`` names the config does not have, with a "did you mean"."""
    known = sorted(config.targets)
    hints = [f"{n!r} → {hit[0]!r}" for n in unknown
             if (hit := difflib.get_close_matches(n, known, n=1, cutoff=0.6))]
    fix = f"use one of the configured targets: {', '.join(known) or 'none defined'}"
    if hints:
        fix = f"did you mean {', '.join(hints)}? Otherwise {fix}"
    return UserError(f"no target named {', '.join(map(repr, unknown))} in the config", fix)


def _on_row(decide: Callable[..., Decision]) -> Callable[[Delivery | None, bool, bool],
                                                         Decision]:
    """A job's decision for an existing row: ``decide(row, live=...)``."""
    def on_row(row: Delivery | None, live: bool, forced: bool) -> Decision:
        return decide(row, live=live) if row else Decision("skip", "no such delivery")
    return on_row


#: why an edit of a copy that already shows the story's current version sends nothing
UNCHANGED = "unchanged since it was last sent; nothing sent"


def _edit_unless_unchanged(post: Post | None, content_hash: str
                           ) -> Callable[[Delivery | None, bool, bool], Decision]:
    """``crosspost edit``'s decision: :func:`decide_edit`, except that a posted copy whose
    recorded content (story hash and the fingerprint of what was sent) equals ``post``, and
    that is not re-dated, is left alone: an edit would send the same text again for
    nothing."""
    def on_row(row: Delivery | None, live: bool, forced: bool) -> Decision:
        if row is None:
            return Decision("skip", "no such delivery")
        sent = copy_of(post, row.copy)
        if (row.status == "posted" and sent is not None and row.content_hash == content_hash
                and row.fingerprint == sent.fingerprint and sent.when is None):
            return Decision("skip", UNCHANGED)
        return decide_edit(row, live=live)
    return on_row


class Publisher:
    """Publishes, edits and deletes stories through the registry and the adapters."""

    def __init__(self, config: Config, registry: Registry, pool: AdapterPool | None = None, *,
                 sleep: Callable[[float], None] = time.sleep, lease_seconds: float = 900.0,
                 max_workers: int = 16, max_wait: float | None = None,
                 vet: Vet | None = None, expand: Expand | None = None) -> None:
        self.config = config
        self.registry = registry
        #: renders what each job sends (``vet``: the community rules; ``expand``: parts)
        self.drafts = Drafts(config, registry, vet=vet, expand=expand)
        self.pool = pool or AdapterPool(config)
        self._own_pool = pool is None
        self.owner = owner_token()
        self.max_workers = max_workers
        self.courier = Courier(config, registry, self.pool, self.owner, sleep=sleep,
                               lease_seconds=lease_seconds)
        if max_wait is not None:  # e.g. the daemon: park retries instead of waiting in line
            self.courier.max_wait = min(self.courier.max_wait, max_wait)

    @property
    def retry_limit(self) -> int:
        """Attempts per delivery within one run (``settings.retry_limit``)."""
        return self.courier.retry_limit

    @retry_limit.setter
    def retry_limit(self, value: int) -> None:
        self.courier.retry_limit = max(1, value)

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

    def publish(self, story: Story, targets: list[str] | None = None, *, again: bool = False,
                at: datetime | None = None, explicit: bool = True,
                grace: timedelta | None = None) -> list[Outcome]:
        """Post (or edit, when it changed; or schedule, with ``at``) ``story`` to each target.

        ``explicit`` is False for the daemon: it then respects retry backoff and does not
        resend failed or deleted deliveries of an unchanged story. ``grace``: an ``at``
        more than this long ago is recorded as ``held`` (a missed release, outcome "held")
        instead of being posted; None (the default) posts it at once.
        """
        names = self.targets_for(targets)
        clash = self.identity_clash(story)
        if clash is not None:  # another file's story: never turn this one into its edit
            log.error("%s", clash.message)
            return [Outcome(0, story.identity, name, "failed", message=clash.render(),
                            error=clash) for name in names]
        known = self.registry.deliveries(story.identity)
        # a release time already come: the entry is dated at it, in the journal's zone
        dated = at is not None and at <= now_utc()
        if not known and (at is None or dated) and len(names) > 1:
            # a new story goes out now: the accounts log in while it is rendered
            self.pool.prepare(self.pool.accounts_of(names))
        self.drafts.record(story)  # the fields too: derived entries (prompt tables…) read them
        edit_mode = self.config.settings.edit_mode
        chash = story.content_hash
        if any(r.status == "queued" and r.content_hash != chash for r in known):
            self.follow_queued(story.identity)  # changed: an approved copy gets the edit
        edit_hint = f"`crosspost edit {story.path}`" if story.path else ""

        def decider(chash: str) -> Callable[[Delivery | None, bool, bool], Decision]:
            def decide(row: Delivery | None, live: bool, forced: bool) -> Decision:
                d = decide_publish(row, content_hash=chash, now=now_utc(), live=live,
                                   again=again, at=at, edit_mode=edit_mode,
                                   explicit=explicit or forced, grace=grace)
                if d.action == "needs_edit" and edit_hint:
                    d = replace(d, reason=d.reason.replace("`crosspost edit FILE`", edit_hint))
                return d
            return decide

        decide = decider(chash)
        jobs, posts, parts = [], {}, []
        for name in names:
            pieces, split_err = self.drafts.pieces(story, name)
            if len(pieces) > 1:  # too long for this site: its parts, in order, one by one
                for piece in pieces:
                    self.drafts.record(piece)
                    post, err = self.drafts.render(piece, name)
                    parts.append(Job("publish", piece.identity, name,
                                     decider(piece.content_hash),
                                     self.drafts.dated(post, at if dated else None, name),
                                     piece.content_hash, error=err))
                continue
            post, err = self.drafts.render(story, name)
            err = split_err or err
            post = self.drafts.dated(post, at if dated else None, name)
            posts[name] = post
            jobs.append(Job("publish", story.identity, name, decide, post, chash, error=err))
        if edit_mode == "auto":  # older copies (--again) of a changed story: edit them too
            rows = [r for r in self.registry.deliveries(story.identity) if r.target in posts]
            newest = {r.target: r.copy for r in rows}
            jobs += [Job("edit", story.identity, r.target, _on_row(decide_edit),
                         posts[r.target], chash, r.id)
                     for r in rows if r.copy < newest[r.target] and r.status == "posted"
                     and r.content_hash != chash and posts[r.target] is not None]
        return self._fan_out(jobs) + [self.courier.run(job) for job in parts]

    def identity_clash(self, story: Story) -> IdentityClash | None:
        """A different story already posted under this story's identity (same title and
        author, no ``ID:``) from another file, with other content: publishing must not
        silently edit it. ``crosspost edit FILE`` still may."""
        known = self.registry.story(story.identity)
        if (known is None or not known.path or story.path is None
                or Path(known.path).name == Path(story.path).name
                or known.content_hash == story.content_hash):
            return None
        rows = [r for r in self.registry.deliveries(story.identity)
                if r.status in CLASH_STATUSES]
        if not rows:
            return None
        first = rows[0]
        when = first.created_at.astimezone().strftime("%Y-%m-%d") if first.created_at else "?"
        where = f" ({first.url})" if first.url else ""
        return IdentityClash(
            f"{story.path} has the same title and author as the story posted from "
            f"{known.path} on {when}{where}",
            "add an `ID:` line to tell them apart, or run `crosspost edit "
            f"{story.path}` if it is a new version of that story")

    def follow_queued(self, identity: str | None = None) -> list[Outcome]:
        """Look for queued entries (of one story, or all) that a maintainer approved since;
        those are recorded as posted with their URL (see :mod:`.queued`)."""
        from crosspost.delivery.queued import follow_queued

        rows = [r for r in self.registry.deliveries(identity, statuses=("queued",))
                if r.itemid is None]
        found = follow_queued(self.registry, self.pool, rows,
                              lambda r: copy_of(self.drafts.rerender(r)[0], r.copy))
        return [Outcome(f.row.id, f.row.identity, f.row.target,
                        "posted" if f.approved else "queued", f.row.url, f.message)
                for f in found]

    def edit(self, story: Story, targets: list[str] | None = None, *,
             releases: Mapping[str, datetime] | None = None) -> list[Outcome]:
        """Replace the content of every copy of ``story`` on the site (all its targets, or
        the named ones); queued copies approved since are followed first. ``releases``:
        the story's release time per target; a copy is re-dated only where it changed."""
        wanted = set(self.targets_for(targets)) if targets else None
        self.follow_queued(story.identity)
        self.drafts.record(story)
        rows = [r for r in self.registry.deliveries(story.identity) + self.drafts.part_rows(
            story.identity) if wanted is None or r.target in wanted]
        posts: dict[tuple[str, str], tuple[Post | None, CrosspostError | None, str]] = {}
        jobs = []
        for row in rows:
            key = (row.identity, row.target)
            if key not in posts:
                posts[key] = self.drafts.for_edit(story, row,
                                                  (releases or {}).get(row.target))
            post, err, chash = posts[key]
            jobs.append(Job("edit", row.identity, row.target,
                            _edit_unless_unchanged(post, chash), post, chash, row.id, err))
        return self._fan_out(jobs)

    def edit_posts(self, edits: list[tuple[Delivery, Post]]) -> list[Outcome]:
        """Edit existing entries to exactly these posts, keeping each row's content hash:
        a derived change (a series' navigation links), not a new version of the story."""
        return self._fan_out([Job("edit", row.identity, row.target, _on_row(decide_edit),
                                  post, row.content_hash, row.id) for row, post in edits])

    def delete(self, identity: str, targets: list[str] | None = None, *,
               delivery_id: int | None = None) -> list[Outcome]:
        """Delete the copies of a story (all, the named targets', or one delivery); queued
        copies approved since are followed first."""
        self.follow_queued(identity)
        if delivery_id is not None:
            one = self.registry.delivery(delivery_id)
            rows = [one] if one is not None else []
        else:
            wanted = set(targets) if targets else None
            rows = [r for r in self.registry.deliveries(identity) + self.drafts.part_rows(identity)
                    if wanted is None or r.target in wanted]
        jobs = [Job("delete", r.identity, r.target, _on_row(decide_delete), delivery_id=r.id)
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

    def _retry_job(self, row: Delivery, force: bool) -> Job:
        post, err, content_hash = self.drafts.for_retry(row)

        def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
            if r is None:
                return Decision("skip", "no such delivery")
            return decide_retry(r, live=live, now=now_utc(), force=force or forced)

        return Job("retry", row.identity, row.target, decide, post, content_hash, row.id,
                    err)

    def reconcile(self) -> list[Outcome]:
        """Start-up: settle every pending or uncertain delivery with the site (adopt what is
        there, mark the rest ready to send). Sends nothing new."""
        def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
            if r is None:
                return Decision("skip", "no such delivery")
            if r.status in IN_FLIGHT and live:
                return Decision("busy", BUSY)
            if r.status in IN_FLIGHT or r.status == "uncertain":
                return Decision("reconcile", "start-up check")
            return Decision("skip", "settled")

        rows = self.registry.deliveries(statuses=("uncertain", *sorted(IN_FLIGHT)))
        return self._fan_out([Job("reconcile", r.identity, r.target, decide,
                                   delivery_id=r.id) for r in rows])

    def release_due(self, now: datetime | None = None) -> list[Outcome]:
        """Post the scheduled deliveries whose release time came; a release missed by more
        than ``settings.grace_minutes`` is held for the user instead."""
        now = now or now_utc()
        grace = timedelta(minutes=self.config.settings.grace_minutes)

        def decide(r: Delivery | None, live: bool, forced: bool) -> Decision:
            if r is None:
                return Decision("skip", "no such delivery")
            if r.status == "scheduled":
                return Decision("post", "release time")
            return decide_retry(r, live=live, now=now_utc(), force=forced)

        out, jobs = [], []
        for row in self.registry.due(now):
            if row.release_at is not None and now - row.release_at > grace:
                late = self.registry.hold(row.id, f"release time {row.release_at:%Y-%m-%d %H:%M}"
                                          " UTC was missed by more than the grace period")
                out.append(Outcome(late.id, late.identity, late.target, "held",
                                   message=late.last_error))
                continue
            job = self._retry_job(row, False)
            job.kind, job.decide = "release", decide
            # the entry is dated at its release time in the journal's zone, even when it
            # goes out a little late
            job.post = self.drafts.dated(job.post, row.release_at, row.target)
            jobs.append(job)
        if len(jobs) > 1:  # each goes out now: the accounts log in while intents are recorded
            self.pool.prepare(self.pool.accounts_of(j.target for j in jobs))
        return out + self._fan_out(jobs)

    # -- running ---------------------------------------------------------------------------
    def _fan_out(self, jobs: list[Job]) -> list[Outcome]:
        return self.courier.run_all(jobs, self.max_workers)
