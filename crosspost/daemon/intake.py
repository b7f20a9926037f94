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
  ``<name>.error.txt`` beside it.

Unchanged files are recognised from the registry's files table (path, size, mtime) without
being read.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import CrosspostError, FaultError, SiteError, StoryError, WhenError
from ..logs import get_logger
from ..when import describe, parse_when
from . import files

if TYPE_CHECKING:
    from ..config import Config
    from ..registry import Delivery, Registry
    from ..story import Story

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


def release_groups(releases: dict[str | None, datetime], targets: Sequence[str]
                   ) -> dict[datetime | None, list[str]]:
    """Targets grouped by release time: a target's own ``Release (target):`` wins over the
    story's ``Release:``; targets named only in a per-target release are included."""
    out: dict[datetime | None, list[str]] = {}
    wanted = list(targets) + [t for t in releases if t is not None and t not in targets]
    for target in wanted:
        at = releases.get(target, releases.get(None))
        out.setdefault(at, []).append(target)
    return out


def resolve_releases(story: Story, config: Config, tz: tzinfo, anchor: datetime
                     ) -> dict[str | None, datetime]:
    """The story's release times as aware datetimes. Relative forms (``tomorrow 9am``) count
    from ``anchor`` — the file's modification time, so a restart gives the same answer."""
    out: dict[str | None, datetime] = {}
    for target, text in story.releases.items():
        if target is not None and target not in config.targets:
            known = ", ".join(sorted(config.targets)) or "none configured"
            raise StoryError(f"the release time names an unknown target {target!r}",
                             path=story.path, line=_line_of(story, "release"),
                             fix=f"use one of the configured targets ({known})")
        try:
            out[target] = parse_when(text, tz, anchor)
        except WhenError as exc:
            raise StoryError(f"release time: {exc.message}", path=story.path,
                             line=_line_of(story, "release"), fix=exc.fix) from None
    return out


def _line_of(story: Story, key: str) -> int | None:
    label = story.labels.get(key)
    if story.path is None or not label:
        return None
    try:
        with open(story.path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if line.lower().startswith(label.lower()):
                    return n
                if n >= story.body_line:
                    break
    except OSError:
        pass
    return None


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

    # -- taking a file ---------------------------------------------------------------------
    def take(self, path: Path, *, again: bool = False) -> Taken | None:
        """Parse and publish one complete file; None when it vanished or is unchanged.
        ``again``: the file is known but its story moved on (a release or a retry went
        out): publish it once more to every target it belongs to — those done are skipped,
        any still missing (a target added since, one never tried) are sent — and settle it."""
        from ..parse import parse_file

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
        try:
            story = parse_file(path, max_bytes=self.config.settings.max_file_bytes)
            anchor = datetime.fromtimestamp(st.st_mtime, UTC)
            releases = resolve_releases(story, self.config, self.tz, anchor)
        except StoryError as exc:
            return self._set_aside(path, None, _story_report(exc), exc.render())
        if old is not None and old.state == "waiting" and old.raw_sha256 == story.raw_sha256:
            # touched, not changed: keep its schedule as it is (relative times would move)
            self.remember(path, sig, story, old.state)
            return Taken("waiting", story.identity)
        if old is not None and old.identity and old.identity != story.identity:
            self._drop_replaced(old.identity, path, story)
        # a file set aside because every target refused it, dropped back in: try again
        before = self._newest_rows(story.identity)
        retry_failed = not again and bool(before) and all(r.status == "failed" for r in before)
        if retry_failed:
            log.info("trying %s again: every target refused it last time", path.name)
        # looked at again after a release: only targets with no delivery yet are new; the
        # others keep their state (a schedule moved with `crosspost reschedule` stays moved)
        skip = {r.target for r in before} if again else set()
        outcomes = self._publish(story, releases, explicit=retry_failed, skip=skip)
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

    def _publish(self, story: Story, releases: dict[str | None, datetime], *,
                 explicit: bool, skip: set[str] | frozenset[str] = frozenset()) -> list[Any]:
        auto = [name for name, t in self.config.targets.items() if t.auto]
        outcomes: list[Any] = []
        for at, targets in release_groups(releases, auto).items():
            wanted = [t for t in targets if t not in skip]
            if wanted:
                outcomes.extend(self.publisher.publish(story, wanted, at=at,
                                                       explicit=explicit))
        for outcome in outcomes:
            self.log_outcome(outcome, story.title or story.identity)
        return outcomes

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
            if sig is not None:
                self.remember(path, sig, story, where, identity)
            return Taken(where, identity)
        if where == "failed":
            report = _refusal_report(path, story, rows, outcomes)
            return self._set_aside(path, story, report, "every target refused it")
        dest = self._move(path, self.posted_dir)
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

    def _move(self, path: Path, folder: Path | None) -> Path | None:
        if folder is None or not path.exists():
            return None
        if path.is_symlink():
            # a link stays where it is: moving it could break a relative target
            return None
        dest = files.move_aside(path, folder)
        self.registry.forget_file(path)
        log.debug("moved %s to %s", path.name, dest)
        return dest

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


def _story_report(exc: StoryError) -> str:
    lines = ["crosspost could not read this story, so it was not posted.", "",
             f"File:    {exc.path}" if exc.path else "File:    (unknown)"]
    if exc.line is not None:
        lines.append(f"Line:    {exc.line}")
    lines += [f"Problem: {exc.reason}"]
    if exc.fix:
        lines.append(f"Fix:     {exc.fix}")
    lines += ["", _AGAIN]
    return "\n".join(lines)


def _refusal_report(path: Path, story: Story | None, rows: Sequence[Delivery],
                    outcomes: Sequence[Any]) -> str:
    title = story.title if story and story.title else path.name
    lines = [f"crosspost could not post {title!r}: every target refused it.", "",
             f"File:    {path}", ""]
    errors = {o.target: o for o in outcomes if getattr(o, "action", "") == "failed"}
    by_target = {r.target: r for r in rows}
    for target in sorted(set(by_target) | set(errors)):
        o, row = errors.get(target), by_target.get(target)
        err = getattr(o, "error", None) if o is not None else None
        lines.append(f"Target {target}:")
        said = err.message if isinstance(err, CrosspostError) else (
            (o.message if o is not None else "") or (row.last_error or row.status if row
                                                     else "refused"))
        lines.append(f"  Problem: {said}")
        if isinstance(err, FaultError) and err.server_message:
            lines.append(f"  The site said: {err.server_message}")
        elif isinstance(err, SiteError) and err.site:
            lines.append(f"  Site: {err.site}")
        if isinstance(err, CrosspostError) and err.fix:
            lines.append(f"  Fix:     {err.fix}")
    lines += ["", _AGAIN]
    if rows:
        lines.append("To try again without changing the story: `crosspost retry`.")
    return "\n".join(lines)


_AGAIN = ("When it is fixed, move the file back into the stories folder: it will be tried "
          "again. (This file was set aside by crosspost; nothing was deleted or changed.)")
