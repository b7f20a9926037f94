"""Taking one complete file from the watched folder: parse, publish, then put the file where
it belongs. The decisions are :func:`crosspost.daemon.rules.next_steps` (pure, from what is
known about the file); :meth:`Intake.take` carries them out, one step at a time.

What happens to the file (:func:`fate`, a pure decision over the story's delivery rows):

- everything is on the site (posted, queued for moderation, edited) or done → ``posted/``
  (``settings.posted_dir``; empty = the file stays where it is);
- something still waits (a release time, a transient retry, a release held for the user,
  an uncertain attempt) → the file **stays in the folder** until it is done. That keeps the
  path the registry recorded valid for the release, shows the writer what is still to come,
  and an edit saved before the release time is picked up like any other change;
- some targets took it, others refused it for good → ``posted/``, with a report beside it
  naming the refusals;
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.daemon import files, reports, rules
from crosspost.daemon.placing import Placement
from crosspost.daemon.reading import Reader
from crosspost.daemon.refresh import restore_withdrawn
from crosspost.daemon.releases import resolve_releases
from crosspost.daemon.rules import DONE, WAITING, Fate, fate
from crosspost.daemon.sending import Sending
from crosspost.delivery import IdentityClash
from crosspost.errors import StoryError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.model import Story

log = get_logger("daemon")

__all__ = ["DONE", "WAITING", "Fate", "Intake", "Taken", "fate"]


@dataclass(frozen=True)
class Taken:
    """What became of one file. ``look_again``: it could not be read yet (still young, see
    :data:`rules.YOUNG_SECONDS`; replaced while being read; its parse still running): look
    at it again in that many seconds at the latest."""

    fate: Fate
    identity: str = ""
    moved_to: Path | None = None
    look_again: float | None = None


class Intake:
    """Takes ready files: everything the daemon does to one story file. The decisions are
    :func:`crosspost.daemon.rules.next_steps`; :meth:`take` carries them out."""

    def __init__(self, config: Config, registry: Registry, publisher: Any, root: Path,
                 tz: tzinfo, *, young_seconds: float = rules.YOUNG_SECONDS,
                 reader: Reader | None = None) -> None:
        self.config = config
        self.registry = registry
        self.publisher = publisher
        self.root = root
        self.tz = tz
        self.young_seconds = young_seconds
        self.reader = reader or Reader()
        s = config.settings
        self.posted_dir = (root / s.posted_dir) if s.posted_dir else None
        self.failed_dir = root / (s.failed_dir or "failed")
        self.place = Placement(registry, root, self.failed_dir, s.max_file_bytes)
        self.send = Sending(config, registry, publisher, tz)

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
        any still missing (a target added since, one never tried) are sent — and settle it.

        The decisions are :func:`rules.next_steps`; this carries them out, one step at a
        time, adding what a step learnt to the facts and asking again."""
        try:
            st = path.stat()
        except OSError:
            st = None
        facts = rules.Facts(
            name=path.name, now=datetime.now(UTC),
            sig=files.FileSig.of(st) if st is not None else None,
            modified=datetime.fromtimestamp(st.st_mtime, UTC) if st is not None else None,
            known=None if again or st is None else self.registry.file_seen(path),
            again=again, resuming=path in self.reader.parked, auto=tuple(self._auto()),
            young_seconds=self.young_seconds)
        while True:
            for step in rules.next_steps(facts):
                learnt = self._do(step, path, facts)
                if isinstance(learnt, rules.Facts):
                    facts = learnt
                    break
                if learnt is not None or isinstance(step, rules.Finish):
                    return learnt
            else:  # pragma: no cover - every list ends with a step that ends or learns
                raise AssertionError("the intake rules gave no final step")

    def _do(self, step: rules.Step, path: Path, f: rules.Facts
            ) -> rules.Facts | Taken | None:
        """Carry out one step: new facts (a step that learns), the end (a Taken, or None
        for a Finish without fate), or None to go on with the next step."""
        story, identity = f.story, (f.story.identity if f.story else "")
        sig = f.sig or files.FileSig(0, 0)  # None only for a vanished file: Finish()
        match step:
            case rules.Announce(quiet=quiet):
                log.log(logging.DEBUG if quiet else logging.INFO, "picked up %s", path.name,
                        extra={"event": "picked_up", "story": str(path)})
            case rules.Parse():
                return self._parse(path, f)
            case rules.LogWarnings():
                for warning in story.warnings if story else ():
                    log.log(logging.INFO if warning.note else logging.WARNING, "%s: %s",
                            path.name, warning, extra={"event": warning.level,
                                                       "story": str(path)})
            case rules.Remember(state=state):
                self.remember(path, sig, story, state, identity)
            case rules.CancelReplaced(identity=old):
                assert story is not None
                self.send.drop_replaced(old, path, story)
            case rules.Look(restore=restore):
                rows = self._newest_rows(identity)
                if restore:  # taken out of the folder before its release, and now back
                    restore_withdrawn(self.registry, rows, path.name)
                    rows = self._newest_rows(identity)
                return dataclasses.replace(f, rows=tuple(rows))
            case rules.Publish():
                assert story is not None
                return self._publish_step(step, path, story, f)
            case rules.ClearReport():
                self._clear_report(path.name)
            case rules.WarnIdle(why=why):
                log.warning("%s: %s", path.name, why,
                            extra={"event": "idle", "story": str(path)})
            case rules.ReportRefusals(targets=targets):
                self._report_refusals(path, story, f, targets)
            case rules.Move():
                dest = self._move(path, self.posted_dir, identity)
                if dest is None:
                    self.remember(path, sig, story, "posted", identity)
                else:
                    self.place.move_report(path, dest)
                return Taken("posted", identity, dest)
            case rules.SetAside(kind=kind):
                return self._set_aside_for(kind, path, f)
            case rules.WaitForParser(seconds=seconds):
                log.info("%s is taking long to read; going on with other work meanwhile",
                         path.name, extra={"event": "parsing", "story": str(path)})
                return Taken("waiting", "", look_again=seconds)
            case rules.WaitForWriter(seconds=seconds):
                assert f.problem is not None
                log.info("%s cannot be read yet (%s); it changed moments ago, so it is "
                         "looked at again once it has settled", path.name, f.problem.reason,
                         extra={"event": "young", "story": str(path)})
                return Taken("waiting", "", look_again=seconds)
            case rules.Finish(fate=where):
                return None if where is None else Taken(where, identity)
        return None

    def _parse(self, path: Path, f: rules.Facts) -> rules.Facts:
        max_bytes = self.config.settings.max_file_bytes
        assert f.sig is not None and f.modified is not None
        try:
            job = self.reader.resume(path, f.sig)
            if job is None:
                job = self.reader.start(path, files.read_story(path, self.root, f.sig, max_bytes),
                                        f.sig, max_bytes)
            story = self.reader.result(path, job)
            while f.again and isinstance(story, float) and not self.reader.stopping():
                story = self.reader.result(path, self.reader.resume(path, f.sig) or job)
            if isinstance(story, float):  # still parsing: the loop goes on meanwhile
                return dataclasses.replace(f, parsed=True, parsing=story)
            releases = resolve_releases(story, self.config, self.tz, f.modified)
        except files.NotTheScannedFile as exc:
            return dataclasses.replace(f, parsed=True, refused=exc.kind, problem=StoryError(
                exc.reason, path=path, fix="put the story file itself into the stories "
                "folder (a copy, not a link)"))
        except StoryError as exc:
            return dataclasses.replace(f, parsed=True, problem=exc)
        except FileNotFoundError:
            return dataclasses.replace(f, sig=None)  # gone meanwhile: nothing to do
        except PermissionError:
            return dataclasses.replace(f, parsed=True, problem=StoryError(
                "the file cannot be read (permission denied)", path=path,
                fix="make the file readable by the user running crosspost"))
        except OSError as exc:
            return dataclasses.replace(f, parsed=True, problem=StoryError(
                f"the file cannot be read: {exc.strerror or exc}", path=path,
                fix="check that the file is a readable story file"))
        return dataclasses.replace(f, parsed=True, story=story, releases=releases)

    def _publish_step(self, step: rules.Publish, path: Path, story: Story, f: rules.Facts
                      ) -> rules.Facts:
        if step.explicit:
            log.info("trying %s again: every target refused it last time", path.name)
        if step.later:
            log.info("%s is scheduled by hand; %s will get it after its first release, not "
                     "now", path.name, ", ".join(step.later),
                     extra={"event": "waits_for_release", "story": str(path)})
        outcomes = self.send.publish(story, f.releases, self._auto(), explicit=step.explicit,
                                     skip=step.skip)
        return dataclasses.replace(f, published=True, outcomes=tuple(outcomes),
                                   rows=tuple(self._newest_rows(story.identity)))

    def _set_aside_for(self, kind: str, path: Path, f: rules.Facts) -> Taken:
        story = f.story
        if kind == "document":
            doc = reports.document_error(path)
            return self._set_aside(path, None, reports.document_report(doc),
                                   f"{doc.message}; {doc.fix}")
        if kind == "link":
            assert f.problem is not None
            report = reports.story_report(f.problem)
            self.place.report_beside(path, report, f.problem.reason)
            assert f.sig is not None
            self.remember(path, f.sig, None, "failed")
            return Taken("failed", "")
        if kind == "story":
            assert f.problem is not None
            return self._set_aside(path, None, reports.story_report(f.problem),
                                   f.problem.render())
        if kind == "clash":
            clash = next(o.error for o in f.outcomes if isinstance(o.error, IdentityClash))
            return self._set_aside(path, story, reports.clash_report(path, clash),
                                   clash.render())
        rows = list(f.rows or ())
        report = reports.refusal_report(path, story, rows, f.outcomes)
        why = reports.summary(reports.refusal_problems(rows, f.outcomes))
        return self._set_aside(path, story, report, why)

    def _report_refusals(self, path: Path, story: Story | None, f: rules.Facts,
                         targets: Sequence[str]) -> None:
        """Some targets took the story, ``targets`` refused it for good: a report beside
        the file (it goes with the file to ``posted/``) says so, not only a log line."""
        rows = [r for r in f.rows or () if r.target in targets]
        outcomes = [o for o in f.outcomes if o.target in targets]
        files.write_report(path, reports.partial_report(path, story, rows, outcomes))
        log.warning("%s: refused for good by %s (see %s)", path.name, ", ".join(targets),
                    files.report_path(path).name,
                    extra={"event": "refused", "story": str(path)})

    def _auto(self) -> list[str]:
        return [name for name, t in self.config.targets.items() if t.auto]

    def _newest_rows(self, identity: str) -> list[Delivery]:
        if not identity:
            return []
        newest: dict[str, Delivery] = {}
        for row in self.registry.deliveries(identity):
            if row.target not in newest or row.copy >= newest[row.target].copy:
                newest[row.target] = row
        return list(newest.values())

    def _clear_report(self, name: str) -> None:
        self.place.clear_report(name)

    def _move(self, path: Path, folder: Path | None, identity: str = "") -> Path | None:
        return self.place.move(path, folder, identity)

    def _set_aside(self, path: Path, story: Story | None, report: str, why: str) -> Taken:
        dest = self.place.set_aside(path, report, why)
        if dest is None:  # a link, left in place
            with contextlib.suppress(OSError):
                self.remember(path, files.FileSig.of(path.stat()), story, "failed")
        return Taken("failed", story.identity if story else "", dest)

    def log_outcome(self, o: Any, title: str) -> None:
        """See :meth:`Sending.log_outcome`."""
        self.send.log_outcome(o, title)
