"""Taking one complete file from the watched folder: parse, publish, then put the file where
it belongs.

What happens to the file (:func:`fate`, a pure decision over the story's delivery rows):

- everything is on the site (posted, queued for moderation, edited) or done → ``posted/``
  (``settings.posted_dir``; empty = the file stays where it is);
- something still waits (a release time, a transient retry, a release held for the user,
  an uncertain attempt) → the file **stays in the folder** until it is done. That keeps the
  path the registry recorded valid for the release, shows the writer what is still to come,
  and an edit saved before the release time is picked up like any other change;
- every target refused it permanently, or it cannot be parsed → ``failed/`` with
  ``<name>.error.txt`` beside it (a Word/RTF/ODT/PDF file goes there too, with a report
  saying how to save it as text). When a story is later taken under the same name, the
  stale report is removed (see :mod:`.reports`).

Release times (``Release:`` headers) follow the same grace rule as scheduled releases the
daemon missed: a time less than ``settings.grace_minutes`` in the past is posted at once; an
older one (a file dropped while the watcher was not running, or a wrong year) is recorded as
a *held* release, listed by ``crosspost queue`` and posted with ``crosspost reschedule ID
--at now``. ``Release: now`` is always posted at once.

A changed version of a story already in ``posted/`` (dropped into the folder again) replaces
the one there once it is on the site; the older file is kept as ``<stem>.prev<ext>``. A
byte-identical copy of the file already in ``posted/`` takes its place (one copy of the same
bytes is kept: nothing is lost). Files in ``posted/`` themselves are not watched.

Unchanged files are recognised from the registry's files table (path, size, mtime) without
being read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from crosspost.daemon import files, reports
from crosspost.daemon.refresh import restore_withdrawn
from crosspost.daemon.releases import release_groups, resolve_releases, wait_for_first_release
from crosspost.delivery import IdentityClash
from crosspost.errors import StoryError
from crosspost.logs import get_logger
from crosspost.story.when import describe, relative

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.model import Story

log = get_logger("daemon")

Fate = Literal["posted", "waiting", "failed", "idle"]

#: a row in one of these needs the file to stay (or the daemon to come back to it)
WAITING = frozenset({"scheduled", "pending", "editing", "deleting", "uncertain", "retry",
                     "held"})
#: the story is on the site (or the row is settled for good)
DONE = frozenset({"posted", "queued", "needs_edit", "deleted", "gone", "cancelled"})
#: the row status an outcome stands for, when the engine made no row (refused up front)
_OUTCOME_STATUS = {"edited": "posted", "uncertain": "uncertain", "skipped": "skipped"}


def fate(statuses: Iterable[str]) -> Fate:
    """Where a story's file goes, from the statuses of its newest delivery row per target."""
    seen = set(statuses)
    if seen & WAITING:
        return "waiting"
    if seen & DONE:
        return "posted"
    if "failed" in seen:
        return "failed"
    return "idle"


@dataclass(frozen=True)
class Taken:
    """What became of one file."""

    fate: Fate
    identity: str = ""
    moved_to: Path | None = None


class Intake:
    """Takes ready files: everything the daemon does to one story file."""

    def __init__(self, config: Config, registry: Registry, publisher: Any, root: Path,
                 tz: tzinfo) -> None:
        self.config = config
        self.registry = registry
        self.publisher = publisher
        self.root = root
        self.tz = tz
        s = config.settings
        self.posted_dir = (root / s.posted_dir) if s.posted_dir else None
        self.failed_dir = root / (s.failed_dir or "failed")

    # -- the files table -------------------------------------------------------------------
    def unchanged(self, path: Path, sig: files.FileSig) -> bool:
        """True when the registry already knows this exact file (no need to read it)."""
        row = self.registry.file_seen(path)
        return row is not None and row.size == sig.size and row.mtime_ns == sig.mtime_ns

    def known_sigs(self) -> dict[str, tuple[int, int]]:
        """``{path: (size, mtime_ns)}`` of every file the registry knows (one query): a
        file whose stat matches is :meth:`unchanged`."""
        return {p: (size, mtime) for p, (size, mtime, _state) in
                self.registry.file_sigs().items()}

    def remember(self, path: Path, sig: files.FileSig, story: Story | None, state: str,
                 identity: str | None = None) -> None:
        """Record the file in the files table (keeping what an earlier parse learned when
        ``story`` is not given)."""
        raw, ident = (story.raw_sha256, story.identity) if story else ("", identity)
        if story is None:
            old = self.registry.file_seen(path)
            if old is not None:
                raw, ident = old.raw_sha256, ident or old.identity
        self.registry.record_file(path, size=sig.size, mtime_ns=sig.mtime_ns,
                                  raw_sha256=raw, identity=ident, state=state)

    def settled_elsewhere(self) -> list[Path]:
        """Files left waiting in the folder whose story no longer waits: a held release
        posted with `crosspost reschedule ID --at now` or `crosspost post` in another
        process, a concurrent run that finished it. They are to be taken again."""
        out = []
        for name, identity in self.registry.waiting_files():
            path = Path(name)
            if path.parent != self.root:
                continue
            rows = self._newest_rows(identity)
            if fate(r.status for r in rows) == "posted" and any(
                    r.status in ("posted", "queued", "needs_edit") for r in rows):
                out.append(path)
        return out

    # -- taking a file ---------------------------------------------------------------------
    def take(self, path: Path, *, again: bool = False) -> Taken | None:
        """Parse and publish one complete file; None when it vanished or is unchanged.
        ``again``: the file is known but its story moved on (a release or a retry went
        out): publish it once more to every target it belongs to — those done are skipped,
        any still missing (a target added since, one never tried) are sent — and settle it."""
        from crosspost.story.parse import parse_file

        try:
            st = path.stat()
        except OSError:
            return None
        sig = files.FileSig.of(st)
        old = self.registry.file_seen(path)
        if again:
            old = None
        elif old is not None and (old.size, old.mtime_ns) == (sig.size, sig.mtime_ns):
            return None
        log.log(logging.DEBUG if again else logging.INFO, "picked up %s", path.name,
                extra={"event": "picked_up", "story": str(path)})
        if files.is_document(path.name):
            doc = reports.document_error(path)
            return self._set_aside(path, None, reports.document_report(doc),
                                   f"{doc.message}; {doc.fix}")
        try:
            story = parse_file(path, max_bytes=self.config.settings.max_file_bytes)
            anchor = datetime.fromtimestamp(st.st_mtime, UTC)
            releases = resolve_releases(story, self.config, self.tz, anchor)
        except StoryError as exc:
            return self._set_aside(path, None, reports.story_report(exc), exc.render())
        # e.g. a misspelt field: the story still goes, but the writer hears of it
        for warning in () if again else story.warnings:
            log.log(logging.INFO if warning.note else logging.WARNING, "%s: %s", path.name,
                    warning, extra={"event": warning.level, "story": str(path)})
        if old is not None and old.state == "waiting" and old.raw_sha256 == story.raw_sha256:
            # touched, not changed: keep its schedule as it is (relative times would move)
            self.remember(path, sig, story, old.state)
            return Taken("waiting", story.identity)
        if old is not None and old.identity and old.identity != story.identity:
            self._drop_replaced(old.identity, path, story)
        # a file set aside because every target refused it, dropped back in: try again
        before = self._newest_rows(story.identity)
        if not again:  # taken out of the folder before its release, and now back
            restore_withdrawn(self.registry, before, path.name)
            before = self._newest_rows(story.identity)
        retry_failed = not again and bool(before) and all(r.status == "failed" for r in before)
        if retry_failed:
            log.info("trying %s again: every target refused it last time", path.name)
        # looked at again after a release: only targets with no delivery yet are new; the
        # others keep their state (a schedule moved with `crosspost reschedule` stays moved)
        skip = {r.target for r in before} if again else set()
        if not again and (later := wait_for_first_release(releases, before, self._auto())):
            skip.update(later)
            log.info("%s is scheduled by hand; %s will get it after its first release, not "
                     "now", path.name, ", ".join(later), extra={"event": "waits_for_release",
                                                              "story": str(path)})
        outcomes = self._publish(story, releases, explicit=retry_failed, skip=skip)
        clash = next((o.error for o in outcomes if isinstance(o.error, IdentityClash)), None)
        if clash is not None:  # another file's story has this identity: never overwrite it
            return self._set_aside(path, story, reports.clash_report(path, clash),
                                   clash.render())
        return self.settle(path, story.identity, story, sig, outcomes)

    def _drop_replaced(self, identity: str, path: Path, story: Story) -> None:
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

    def _publish(self, story: Story, releases: dict[str | None, datetime | None], *,
                 explicit: bool, skip: set[str] | frozenset[str] = frozenset()) -> list[Any]:
        auto = self._auto()
        grace = timedelta(minutes=self.config.settings.grace_minutes)
        outcomes: list[Any] = []
        for at, targets in release_groups(releases, auto).items():
            wanted = [t for t in targets if t not in skip]
            if not wanted:
                continue
            if at is not None and datetime.now(UTC) - at > grace:
                outcomes.extend(self._hold_late(story, wanted, at, explicit=explicit))
            else:
                self._unhold(story, wanted, at)
                outcomes.extend(self.publisher.publish(story, wanted, at=at,
                                                       explicit=explicit))
        for outcome in outcomes:
            self.log_outcome(outcome, story.title or story.identity)
        return outcomes

    def _auto(self) -> list[str]:
        return [name for name, t in self.config.targets.items() if t.auto]

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

    def settle(self, path: Path, identity: str, story: Story | None,
               sig: files.FileSig | None, outcomes: Sequence[Any] = ()) -> Taken:
        """Put the file of story ``identity`` where the story's state says (see :func:`fate`).
        ``story`` (when parsed) and ``sig`` go into the files table if the file stays."""
        rows = self._newest_rows(identity)
        statuses = {r.target: r.status for r in rows}
        for o in outcomes:  # a target refused before any row was made (e.g. too long)
            statuses.setdefault(o.target, _OUTCOME_STATUS.get(o.action, o.action))
        where = fate(statuses.values())
        if where == "waiting" or where == "idle":
            if where == "idle":
                why = ("nothing was sent" if outcomes else
                       "no target to post to (every target has auto = false)")
                log.warning("%s: %s", path.name, why,
                            extra={"event": "idle", "story": str(path)})
            if where == "waiting":
                self._clear_report(path.name)
            if sig is not None:
                self.remember(path, sig, story, where, identity)
            return Taken(where, identity)
        if where == "failed":
            report = reports.refusal_report(path, story, rows, outcomes)
            why = reports.summary(reports.refusal_problems(rows, outcomes))
            return self._set_aside(path, story, report, why)
        self._clear_report(path.name)
        dest = self._move(path, self.posted_dir, identity)
        if dest is None and sig is not None:
            self.remember(path, sig, story, "posted", identity)
        return Taken("posted", identity, dest)

    def _newest_rows(self, identity: str) -> list[Delivery]:
        if not identity:
            return []
        newest: dict[str, Delivery] = {}
        for row in self.registry.deliveries(identity):
            if row.target not in newest or row.copy >= newest[row.target].copy:
                newest[row.target] = row
        return list(newest.values())

    def _clear_report(self, name: str) -> None:
        gone = reports.clear_stale_report(self.failed_dir, name)
        if gone is not None:
            log.info("removed the old report %s: %s went through this time",
                     os.path.relpath(gone, self.root), name,
                     extra={"event": "report_removed", "story": name})

    def _move(self, path: Path, folder: Path | None, identity: str = "") -> Path | None:
        if folder is None or not path.exists():
            return None
        if path.is_symlink():
            # a link stays where it is: moving it could break a relative target
            return None
        dest = folder / path.name
        if identity and self._retire_previous(dest, identity, path):
            os.replace(path, dest)  # the very same bytes: one copy, nothing lost
        else:
            dest = files.move_aside(path, folder)
        self.registry.forget_file(path)
        log.debug("moved %s to %s", path.name, dest)
        return dest

    def _retire_previous(self, old: Path, identity: str, new: Path) -> bool:
        """``posted/<name>`` holds an earlier version of the same story: keep it as
        ``<stem>.prev<ext>`` so ``posted/<name>`` is what is on the site now. A file there
        holding another story keeps its name (the new one gets a ``-2`` suffix). True when
        it holds exactly the bytes of ``new`` (a copy dropped in again): ``new`` may then
        simply take its place."""
        from crosspost.story.parse import parse_file

        if old.is_symlink() or not old.is_file() or new.parent == old.parent:
            return False
        try:
            if old.stat().st_size == new.stat().st_size and \
                    old.read_bytes() == new.read_bytes():
                return old.parent.stat().st_dev == new.parent.stat().st_dev
            if parse_file(old, max_bytes=self.config.settings.max_file_bytes
                          ).identity != identity:
                return False
        except (StoryError, OSError):
            return False
        dest = files.move_aside(old, old.parent, name=f"{old.stem}.prev{old.suffix}")
        log.info("kept the earlier version of %s as %s", old.name,
                 os.path.relpath(dest, self.root))
        return False

    def _set_aside(self, path: Path, story: Story | None, report: str, why: str) -> Taken:
        if path.is_symlink():
            log.warning("set aside %s (a link, left in place): %s", path.name, why,
                        extra={"event": "set_aside", "story": str(path)})
            with contextlib.suppress(OSError):
                self.remember(path, files.FileSig.of(path.stat()), story, "failed")
            return Taken("failed", story.identity if story else "")
        dest = files.move_aside(path, self.failed_dir)
        files.write_report(dest, report)
        self.registry.forget_file(path)
        first = why.splitlines()[0] if why else ""
        log.warning("set aside %s → %s: %s", path.name,
                    os.path.relpath(dest, self.root), first,
                    extra={"event": "set_aside", "story": str(path)})
        return Taken("failed", story.identity if story else "", dest)

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
