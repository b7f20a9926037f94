"""Handing a story to the delivery engine for the intake: release times held when long
past, held releases freed when the writer changed their time, releases of a story a file no
longer holds cancelled, and one log line per outcome the engine does not log itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.daemon import rules
from crosspost.logs import get_logger
from crosspost.story.when import describe, relative

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.model import Story

log = get_logger("daemon")


class Sending:
    """Publishes stories for the intake (see the module docstring)."""

    def __init__(self, config: Config, registry: Registry, publisher: Any, tz: tzinfo) -> None:
        self.config = config
        self.registry = registry
        self.publisher = publisher
        self.tz = tz

    def _newest_rows(self, identity: str) -> list[Delivery]:
        newest: dict[str, Delivery] = {}
        for row in self.registry.deliveries(identity) if identity else ():
            if row.target not in newest or row.copy >= newest[row.target].copy:
                newest[row.target] = row
        return list(newest.values())

    def publish(self, story: Story, releases: dict[str | None, datetime | None],
                auto: list[str], *, explicit: bool,
                skip: set[str] | frozenset[str] = frozenset()) -> list[Any]:
        """Publish ``story`` to the ``auto`` targets not in ``skip`` at its release times
        (see :func:`rules.release_plan`); the outcomes, each logged."""
        grace = timedelta(minutes=self.config.settings.grace_minutes)
        outcomes: list[Any] = []
        for at, wanted, held in rules.release_plan(releases, auto, skip,
                                                   datetime.now(UTC), grace):
            if held:
                assert at is not None
                outcomes.extend(self._hold_late(story, wanted, at, explicit=explicit))
            else:
                self._unhold(story, wanted, at)
                outcomes.extend(self.publisher.publish(story, wanted, at=at,
                                                       explicit=explicit))
        for outcome in outcomes:
            self.log_outcome(outcome, story.title or story.identity)
        return outcomes

    def drop_replaced(self, identity: str, path: Path, story: Story) -> None:
        """The file now holds another story (its title or ID changed before its release):
        releases of the old identity that never went out are cancelled, not posted."""
        known = self.registry.story(identity)
        if known is None or known.path != str(path):
            return
        for row in self._newest_rows(identity):
            if row.status in ("scheduled", "held"):
                self.registry.cancel(row.id)
                log.info("cancelled the release of %s for %s [#%s]: the file now holds %s",
                         known.title or identity, row.target, row.id,
                         story.title or story.identity)

    def _unhold(self, story: Story, targets: list[str], at: datetime | None) -> None:
        """The writer changed a held story's ``Release:`` to now (or a time within the
        grace period): its held releases become due; the daemon posts them right after."""
        for row in self._newest_rows(story.identity):
            if row.target in targets and row.status == "held":
                self.registry.reschedule(row.id, at or datetime.now(UTC))
                log.info("released the held %s for %s [#%s]: its Release: time is now %s",
                         story.title or story.identity, row.target, row.id, "now" if at is None else
                         describe(at.astimezone(self.tz), datetime.now(self.tz)))

    def _hold_late(self, story: Story, targets: list[str], at: datetime, *,
                   explicit: bool) -> list[Any]:
        """A ``Release:`` time more than the grace period ago: record the release as held
        (like a scheduled release the daemon missed) instead of posting it now.

        The engine only schedules future times, so the rows are scheduled a year ahead,
        then moved back to the real time and held: a crash in between leaves a scheduled
        release that the next start holds (missed) or that waits a year, never a post."""
        now = datetime.now(UTC)
        placeholder = now + timedelta(days=366)
        reason = (f"release {at.astimezone(self.tz):%Y-%m-%d %H:%M %Z} was "
                  f"{relative(at, now)}, beyond the {self.config.settings.grace_minutes:g}"
                  "-minute grace period (settings.grace_minutes)")
        out: list[Any] = []
        for o in self.publisher.publish(story, targets, at=placeholder, explicit=explicit):
            if o.action != "scheduled":
                out.append(o)  # already on the site (an edit), refused, busy…
                continue
            self.registry.reschedule(o.delivery_id, at)
            self.registry.hold(o.delivery_id, reason)
            out.append(dataclasses.replace(o, action="held", message=reason))
        return out

    # -- logging ---------------------------------------------------------------------------
    def log_outcome(self, o: Any, title: str) -> None:
        """One line for what the delivery engine does not log itself (it logs each post,
        edit, queueing, failure and retry as it happens)."""
        extra = {"event": o.action, "story": title, "target": o.target, "url": o.url}
        msg = f": {o.message}" if o.message else ""
        if o.action == "scheduled":
            row = self.registry.delivery(o.delivery_id)
            at = row.release_at if row is not None else None
            when = describe(at.astimezone(self.tz), datetime.now(self.tz)) if at else "?"
            log.info("scheduled %s for %s: %s [#%s]", title, o.target, when, o.delivery_id,
                     extra=extra)
        elif o.action == "held":
            log.warning("held %s for %s%s — post it with `crosspost reschedule %s --at now`, "
                        "or drop it with `crosspost cancel %s`", title, o.target, msg,
                        o.delivery_id, o.delivery_id, extra=extra)
        elif o.action in ("skipped", "needs_edit", "cancelled"):
            log.info("%s %s for %s%s", o.action, title, o.target, msg, extra=extra)
        else:
            log.debug("%s %s for %s%s", o.action, title, o.target, msg, extra=extra)
