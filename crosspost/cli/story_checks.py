"""What ``crosspost check`` and ``parse`` find beyond parsing: the problems for which the
watcher would set a story file aside, or ``post`` would refuse it, found offline.

Nothing here re-implements those rules: release times go through the watcher's own
:func:`crosspost.daemon.releases.resolve_releases` (the config's time zone, relative forms
counted from the file's modification time, unknown target names refused), and each target
the story would go to is rendered with :func:`crosspost.render.render_post`, the delivery
engine's renderer, which refuses a subject or an entry longer than the target's site allows.
No site is contacted and no secret is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crosspost.errors import ConfigError, CrosspostError, StoryError
from crosspost.story.model import ParseWarning

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.config import Config
    from crosspost.story.model import Story

__all__ = ["Checked", "Checker", "problem_reason", "problem_row", "problem_text"]


@dataclass
class Checked:
    """One story as the watcher would take it. ``releases``: each ``Release:`` entry (key
    None = every target) → its time, None for "now"; an entry missing here could not be
    used (its error is in ``problems``). ``problems``: what the watcher or ``post`` would
    refuse, in the order they would meet them; empty when the file is fine. ``notes``: what
    rendering changes for a target (a subject or a tag cut to the site's size), as
    warnings."""

    story: Story
    releases: dict[str | None, datetime | None] = field(default_factory=dict)
    release_errors: dict[str | None, CrosspostError] = field(default_factory=dict)
    problems: list[CrosspostError] = field(default_factory=list)
    notes: list[ParseWarning] = field(default_factory=list)


class Checker:
    """The checks for one command run. ``config`` None: none could be read (``parse``
    only): release times are still parsed, in this computer's zone."""

    def __init__(self, config: Config | None, targets: tuple[str, ...] = ()) -> None:
        from crosspost.delivery import select_targets
        from crosspost.story.when import zone_for

        self.config = config
        self.tz: tzinfo = zone_for(config.settings.timezone if config is not None else None)
        # `--to` names are checked once, up front (an unknown one is a usage error)
        self.named = (select_targets(config, list(targets))
                      if config is not None and targets else [])
        self.max_bytes = config.settings.max_file_bytes if config is not None else None

    @classmethod
    def for_app(cls, app: App, targets: tuple[str, ...] = (), *, need_config: bool
                ) -> Checker:
        """``need_config`` (``check``): a config that cannot be read is an error (exit 2),
        as it would stop the watcher; otherwise (``parse``) a note on stderr."""
        try:
            config: Config | None = app.config
        except ConfigError as exc:
            if need_config and not app.config_missing:
                raise
            where = f" {exc.source}" if exc.source else ""
            why = "; ".join(str(p) for p in exc.problems) or exc.message
            fix = f" ({exc.fix})" if app.config_missing else ""
            click.echo(f"note: the config{where} was not read ({why}), so release times use "
                       f"this computer's time zone and targets are not checked{fix}", err=True)
            config = None
        return cls(config, targets)

    @property
    def targets_known(self) -> bool:
        """False without a config or targets: target names and limits cannot be checked."""
        return self.config is not None and bool(self.config.targets)

    def parse(self, path: Path) -> Story:
        """Read a story file as the watcher does (its size limit included; a word-processor
        document is refused with the watcher's words)."""
        from crosspost.daemon import files, reports
        from crosspost.story.parse import parse_file

        if files.is_document(path.name) and path.is_file():
            raise reports.document_error(path)
        if self.max_bytes is None:
            return parse_file(path)
        return parse_file(path, max_bytes=self.max_bytes)

    def check(self, story: Story, *, late_is_problem: bool = True) -> Checked:
        """Every problem the watcher or ``post`` would find in ``story``; no network.
        ``late_is_problem``: a release time past the grace period (held, not posted) is a
        problem (``check``); ``parse`` shows the file as it is (its release "120 days ago")."""
        out = Checked(story)
        anchor = _anchor(story)
        for given, text in story.releases.items():  # keyed as the story spells them
            try:
                out.releases[given] = self._resolve(story, self._canon(given), text, anchor)
            except CrosspostError as exc:
                out.release_errors[given] = exc
                out.problems.append(exc)
                continue
            missed = self._missed(story, given, out.releases[given])
            if missed is not None and late_is_problem:
                out.problems.append(missed)
        for target in self._render_targets(story):
            self._render(out, target)
        if self.config is not None and self.config.tables:
            out.notes.extend(self._table_warnings(story))
        return out

    def _table_warnings(self, story: Story) -> list[ParseWarning]:
        """An unknown table or prompt, or a prompt already filled (from the state file,
        when there is one; nothing is created)."""
        from crosspost.config import default_state_path
        from crosspost.state.registry import Registry
        from crosspost.workflows.tables import table_warnings

        assert self.config is not None
        path = self.config.settings.state_file or default_state_path()
        try:
            if not path.exists():
                return table_warnings(story, self.config, None)
            with Registry(path) as registry:
                return table_warnings(story, self.config, registry)
        except CrosspostError as exc:
            return [ParseWarning(f"prompt tables not checked: {exc.message}", hint=exc.fix)]

    def _missed(self, story: Story, given: str | None, at: datetime | None
                ) -> StoryError | None:
        """A release time past by more than the grace period: `watch` and `post` hold the
        story instead of posting it (``Release: now`` is never late)."""
        from crosspost.story.when import describe

        grace = self.config.settings.grace_minutes if self.config is not None else 360.0
        now = datetime.now(UTC)
        if at is None or (now - at).total_seconds() <= grace * 60:
            return None
        label = "Release" if given is None else f"Release ({given})"
        when = describe(at.astimezone(self.tz), now.astimezone(self.tz))
        return StoryError(
            f"{label}: {when} is past by more than the {grace:g}-minute grace period, so "
            "`watch` and `post` hold the story instead of posting it", path=story.path,
            fix=f"change the {label}: time to a later one (or to 'now'), or post it anyway "
                f"with `crosspost post --now {story.path or 'FILE'}`")

    def _canon(self, target: str | None) -> str | None:
        """A ``Release (target)`` name as the config spells it (names match in any case)."""
        if target is None or self.config is None:
            return target
        return {n.lower(): n for n in self.config.targets}.get(target.lower(), target)

    def _resolve(self, story: Story, target: str | None, text: str, anchor: datetime
                 ) -> datetime | None:
        """One release entry through the watcher's resolve_releases. Without configured
        targets the name cannot be checked, so the time is read as a general one."""
        from crosspost.config import Config
        from crosspost.daemon.releases import resolve_releases

        # with key None resolve_releases never reads the config's targets
        config = self.config if self.config is not None else Config.model_construct()
        key = target if self.targets_known else None
        one = replace(story, releases={key: text})
        return resolve_releases(one, config, self.tz, anchor)[key]

    def _render_targets(self, story: Story) -> list[str]:
        """The targets ``post`` (with ``--to``: those) or the watcher would deliver to:
        the automatic ones and those named in ``Release (target):``."""
        from crosspost.daemon.releases import release_groups

        if not self.targets_known or self.config is None:
            return []
        if self.named:
            return self.named
        auto = [name for name, t in self.config.targets.items() if t.auto]
        named: dict[str | None, datetime | None] = {
            t: None for t in map(self._canon, story.releases)
            if t is None or t in self.config.targets}
        groups = release_groups(named, auto)
        return [name for group in groups.values() for name in group]

    def _render(self, out: Checked, target: str) -> None:
        from crosspost.render import render_post
        from crosspost.workflows import check_rules, split_for

        assert self.config is not None
        notes: list[str] = []
        try:
            pieces = split_for(out.story, self.config, target)  # too long: its parts
            for piece in pieces:
                post = render_post(piece, self.config, target)
                check_rules(piece, self.config, target, post)  # the community's rules
                notes.extend(post.notes)
        except CrosspostError as exc:
            out.problems.append(exc)
            return
        if len(pieces) > 1:
            notes.insert(0, f"too long for one entry: posted in {len(pieces)} parts "
                            "(`crosspost preview` shows them)")
        out.notes.extend(ParseWarning(f"target {target}: {note}", note=True)
                         if note.startswith("too long") else
                         ParseWarning(f"target {target}: {note}") for note in notes)


def _anchor(story: Story) -> datetime:
    """What relative release times count from: the file's modification time, as the
    watcher uses it (now for a story with no file)."""
    if story.path is not None:
        try:
            return datetime.fromtimestamp(story.path.stat().st_mtime, UTC)
        except OSError:
            pass
    return datetime.now(UTC)


def problem_text(path: Path, exc: CrosspostError) -> str:
    """One line: ``FILE, line N: what (fix: how)``; the file is named in every case."""
    fix = f" (fix: {exc.fix})" if exc.fix else ""
    where = "" if isinstance(exc, StoryError) and exc.path is not None else f"{path}: "
    return f"{where}{exc.message}{fix}"


def problem_row(exc: CrosspostError) -> dict[str, object]:
    """A problem for ``--json``: error (without the file name), line, fix."""
    if isinstance(exc, StoryError):
        return {"error": exc.reason, "line": exc.line, "fix": exc.fix}
    return {"error": exc.message, "line": None, "fix": exc.fix}


def problem_reason(exc: CrosspostError) -> str:
    """A problem for the ``parse`` view: without the file name and line."""
    return exc.reason if isinstance(exc, StoryError) else exc.message
