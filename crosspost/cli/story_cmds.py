"""``crosspost parse FILE`` and ``crosspost check FILE...``: read story files as the watcher
would take them.

``parse`` shows what crosspost understood from one file (fields with the writer's labels,
body format, word count, identity, release times, warnings, problems); ``--json`` prints the
same as one JSON object. A story that cannot be parsed is a StoryError: ``crosspost.cli.main``
prints its message and fix and exits 2; a parsed story with a problem (below) also exits 2.

``check`` reads many files (folders are expanded to the story files directly inside them)
and prints one line per file: ``ok`` with a short summary, or ``FAIL`` with the error, its
line and the fix (any further problem of that file goes to stderr as ``also  …``); each
warning of a valid file goes to stderr as ``warn  FILE, line N: …``. It exits 1 when any
file is invalid. Both commands warn about a story with no author (its identity is then its
title alone) and, in a .txt story, about HTML tags that will be removed.

Beyond parsing, both find offline what the watcher would set aside or ``post`` refuse
(:mod:`crosspost.cli.story_checks`): a release time that cannot be read, a ``Release
(target):`` naming no configured target, a subject or entry longer than a target's site
allows. ``check`` needs a readable config for that (an unreadable one is an error); ``parse``
does without one (a note on stderr), still reading release times.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crosspost.cli.complete import complete_targets
from crosspost.cli.story_checks import Checked, Checker, problem_reason, problem_row, problem_text
from crosspost.errors import ConfigError, ConfigProblem, CrosspostError, StoryError
from crosspost.story.model import ParseWarning, Story, field_key

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from crosspost.cli import App


def _story_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The files directly inside ``folder`` the watcher would take (stories, and documents
    it sets aside), and those it leaves alone as not stories; temporaries (dotfiles, editor
    and error files) are skipped silently, as the watcher does."""
    from crosspost.daemon.files import ignore_reason

    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        raise StoryError(f"the folder cannot be read: {exc.strerror or exc}", path=folder,
                         fix="check the folder name and its permissions") from None
    why = {p: ignore_reason(p.name) for p in entries}
    return ([p for p in entries if why[p] is None],
            [p for p in entries if why[p] not in (None, "temporary")])


def story_warnings(story: Story) -> list[ParseWarning]:
    """The parser's warnings, plus one when the story has no author and no ID: its identity
    is then the title alone, so another story with that title would be taken for it."""
    out = list(story.warnings)
    if not story.author.strip() and not story.get("id").strip():
        out.append(ParseWarning(
            "no author: the story is known by its title alone, so another story with the "
            "same title would be taken for this one (and its posts edited)",
            hint="add a 'By: name' line, or an 'ID: something-unique' line"))
    return out


def _all_warnings(story: Story, checked: Checked | None) -> list[ParseWarning]:
    """The story's warnings, then what rendering changes for a target (``checked``)."""
    return story_warnings(story) + (checked.notes if checked is not None else [])


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def story_json(story: Story, checked: Checked | None = None) -> dict[str, Any]:
    """The machine-readable view of a parsed story (``crosspost parse --json``).

    ``releases`` maps a target name to its release time as written; ``"*"`` is the time
    for every target. With ``checked``: ``release_times`` maps the same keys to the time
    as ISO 8601 (null: at once) for each entry that can be used, and ``problems`` lists
    what would stop the story (error, line, fix).
    """
    extra: dict[str, Any] = {}
    if checked is not None:
        extra["release_times"] = {("*" if k is None else k): (v.isoformat() if v else None)
                                  for k, v in checked.releases.items()}
        extra["problems"] = [problem_row(p) for p in checked.problems]
    return {
        "path": str(story.path) if story.path is not None else None,
        "identity": story.identity,
        "title": story.title,
        "author": story.author,
        "fields": dict(story.fields),
        "labels": dict(story.labels),
        "body_format": story.body_format,
        "body_line": story.body_line,
        "word_count": story.word_count,
        "releases": {("*" if k is None else k): v for k, v in story.releases.items()},
        "warnings": [{"message": w.message, "line": w.line, "hint": w.hint}
                     for w in _all_warnings(story, checked)],
        "raw_sha256": story.raw_sha256,
        "content_hash": story.content_hash,
        "body": story.body,
        **extra,
    }


def _indent(value: str, width: int) -> str:
    first, *rest = value.split("\n")
    return first + "".join("\n" + (" " * width + ln if ln else "") for ln in rest)


def story_text(story: Story, checked: Checked | None = None, tz: tzinfo | None = None) -> str:
    """The readable view of a parsed story (``crosspost parse``); with ``checked``, each
    release time as crosspost reads it (in ``tz``), and the story's problems."""
    from crosspost.story.fields import BY_KEY

    labels = {}
    for key in story.fields:
        label = story.labels.get(key) or (BY_KEY[key].display if key in BY_KEY else key)
        # show the template key when the label does not spell it: "By {author}:"
        labels[key] = label if field_key(label) == key else f"{label} {{{key}}}"
    width = min(max([len(label) + 1 for label in labels.values()] + [10]) + 1, 32)
    out = [f"{'file':<{width}}{story.path if story.path is not None else '<story>'}"]
    for key, value in story.fields.items():
        shown = f"{labels[key]}:"
        pad = width if len(shown) < width else len(shown) + 1
        out.append(f"{shown:<{pad}}{_indent(value, width)}")
    out.append("")
    out.append(f"{'body':<{width}}{story.body_format}, from line {story.body_line}, "
               f"{_plural(story.word_count, 'word')}")
    out.append(f"{'identity':<{width}}{story.identity}")
    if story.releases:
        for target, when in story.releases.items():
            who = "every target" if target is None else f"target {target}"
            out.append(f"{'release':<{width}}{when} ({who}){_release_note(checked, target, tz)}")
    else:
        out.append(f"{'release':<{width}}none (posts as soon as it is picked up)")
    warnings = _all_warnings(story, checked)
    for level, word in (("note", "note(s)"), ("warning", "warning(s)")):
        these = [w for w in warnings if w.level == level]
        if these:
            out.append("")
            out.append(f"{len(these)} {word}:")
            out.extend(f"  - {w}" for w in these)
    if checked is not None and checked.problems:
        out.append("")
        out.append(f"{len(checked.problems)} problem(s): crosspost would not post this file "
                   "as it is")
        for p in checked.problems:
            line = f"line {p.line}: " if isinstance(p, StoryError) and p.line else ""
            out.append(f"  - {line}{problem_reason(p)}")
            if p.fix:
                out.append(f"    fix: {p.fix}")
    return "\n".join(out)


def _release_note(checked: Checked | None, target: str | None, tz: tzinfo | None) -> str:
    """`` → 2026-12-01 09:00 UTC (in 3 days)``, `` → at once``, or the entry's error."""
    from datetime import datetime

    from crosspost.story.when import describe

    if checked is None:
        return ""
    if target in checked.release_errors:
        why = problem_reason(checked.release_errors[target]).removeprefix("release time: ")
        return f" → error: {why}"
    at = checked.releases.get(target)
    if at is None:
        return " → at once"
    return f" → {describe(at.astimezone(tz), datetime.now(tz))}"


@click.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (with the body).")
@click.pass_obj
def parse_cmd(app: App, file: Path, as_json: bool) -> None:
    """Show a story's parsed fields, identity, release times, warnings and problems.

    Exit status 2 when the story cannot be parsed, or has a problem that would stop it
    being posted (the error names the line and the fix).
    """
    checker = Checker.for_app(app, need_config=False)
    story = checker.parse(file)
    checked = checker.check(story, late_is_problem=False)
    if as_json:
        click.echo(json.dumps(story_json(story, checked), ensure_ascii=False, indent=2))
    else:
        click.echo(story_text(story, checked, checker.tz))
    if checked.problems:
        raise SystemExit(2)


def _summary(checked: Checked, tz: tzinfo) -> str:
    story = checked.story
    by = f" by {story.author}" if story.author else ""
    notes = [_plural(story.word_count, "word")]
    if checked.releases:
        notes.append("release " + ", ".join(
            (_when(at, tz) if target is None else f"{target} {_when(at, tz)}")
            for target, at in checked.releases.items()))
    if warnings := [w for w in _all_warnings(story, checked) if not w.note]:
        notes.append(f"{len(warnings)} warning(s): see crosspost parse")
    return f'"{story.title}"{by} ({"; ".join(notes)})'


def _when(at: datetime | None, tz: tzinfo) -> str:
    from datetime import datetime

    from crosspost.story.when import describe

    return "now" if at is None else describe(at.astimezone(tz), datetime.now(tz))


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--to", "to", multiple=True, metavar="TARGET",
              shell_complete=complete_targets,
              help="Check for these targets (repeatable); default: those the story goes to.")
@click.option("--online", is_flag=True,
              help="Also log in and check each target (posting access, moderation, tag "
                   "rights, mapped tags the community lacks). Nothing is posted.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.pass_obj
def check_cmd(app: App, files: tuple[Path, ...], to: tuple[str, ...], online: bool,
              as_json: bool) -> None:
    """Check story files (or folders of them): one line per file, exit 1 if any is invalid.

    Besides parsing, checks what the watcher or `post` would refuse: release times, the
    targets named in `Release (target):`, and the subject and entry length each target's
    site allows (offline: no site is contacted). With --online (files optional), logs in
    and checks each target too, without posting: exit 1 when a target would fail."""
    from crosspost.daemon.files import STORY_SUFFIXES

    if not files and not online:
        raise click.UsageError("give story files or folders to check (or --online to check "
                               "the targets)")
    checker = Checker.for_app(app, to, need_config=True)
    stories: list[Story] = []
    if not checker.targets_known and not as_json:
        click.echo("note  no targets are configured, so target names and subject lengths are "
                   "not checked (see --config)", err=True)
    bad = 0
    for arg in files:
        try:
            targets, ignored = _story_files(arg) if arg.is_dir() else ([arg], [])
        except StoryError as exc:
            (targets, ignored), bad = ([], []), bad + 1
            _report(arg, None, [exc], as_json, checker.tz)
        if not as_json:
            for path in ignored:
                click.echo(f"note  {path}: not a story file, the watcher leaves it alone "
                           f"(it reads {', '.join(STORY_SUFFIXES)})", err=True)
        if arg.is_dir() and not targets and not as_json:
            click.echo(f"note  {arg}: no story files in this folder", err=True)
        for path in targets:
            try:
                checked = checker.check(checker.parse(path))
            except StoryError as exc:
                bad += 1
                _report(path, None, [exc], as_json, checker.tz)
            else:
                bad += bool(checked.problems)
                stories.append(checked.story)
                _report(path, checked, checked.problems, as_json, checker.tz)
    failing = _check_online(app, checker, stories, as_json) if online else []
    if bad and not as_json:
        click.echo(f"{bad} invalid story file(s)", err=True)
    if bad or failing:
        raise SystemExit(1)


def _check_online(app: App, checker: Checker, stories: list[Story], as_json: bool
                  ) -> list[str]:
    """Print the online findings (one line each); the targets that would fail."""
    from crosspost.delivery.checkup import check_targets, failing_targets, queued_targets

    config = app.config
    if not config.targets:
        raise ConfigError([ConfigProblem("targets", "no targets to check")],
                          fix="add a target (`crosspost init` writes a config with them)")
    names = checker.named or list(config.targets)
    findings = check_targets(config, names, stories, queued_before=queued_targets(config))
    for f in findings:
        if as_json:
            click.echo(json.dumps({"online": True, **f.as_dict()}, ensure_ascii=False))
            continue
        fix = f" (fix: {f.fix})" if f.fix else ""
        click.echo(f"{f.level.upper() if f.level == 'fail' else f.level:<5} "
                   f"{f.target}: {f.message}{fix}")
    failing = failing_targets(findings)
    if failing and not as_json:
        click.echo(f"{len(failing)} target(s) would fail: {', '.join(failing)}", err=True)
    return failing


def _report(path: Path, checked: Checked | None, problems: list[CrosspostError],
            as_json: bool, tz: tzinfo) -> None:
    if as_json:
        row: dict[str, Any] = {"path": str(path), "ok": not problems}
        if problems:
            row.update(problem_row(problems[0]))
            row["problems"] = [problem_row(p) for p in problems]
        elif checked is not None:
            story = checked.story
            row.update(identity=story.identity, title=story.title,
                       releases={("*" if k is None else k): (v.isoformat() if v else None)
                                 for k, v in checked.releases.items()},
                       warnings=[str(w) for w in _all_warnings(story, checked)])
        click.echo(json.dumps(row, ensure_ascii=False))
    elif problems:
        click.echo(f"FAIL  {problem_text(path, problems[0])}")
        for more in problems[1:]:  # stdout stays one line a file
            click.echo(f"also  {problem_text(path, more)}", err=True)
    elif checked is not None:
        click.echo(f"ok    {path}: {_summary(checked, tz)}")
        for w in _all_warnings(checked.story, checked):  # details on stderr: one line a file
            click.echo(f"{'note' if w.note else 'warn'}  {path}, {w}", err=True)
