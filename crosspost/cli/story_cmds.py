"""``crosspost parse FILE`` and ``crosspost check FILE...``: read story files, no config.

``parse`` shows what crosspost understood from one file (fields with the writer's labels,
body format, word count, identity, release times, warnings); ``--json`` prints the same as
one JSON object. A story that cannot be parsed is a StoryError: ``crosspost.cli.main``
prints its message and fix and exits 2.

``check`` reads many files (folders are expanded to the story files directly inside them)
and prints one line per file: ``ok`` with a short summary, or ``FAIL`` with the error, its
line and the fix; each warning of a valid file goes to stderr as ``warn  FILE, line N: …``.
It exits 1 when any file is invalid. Both commands warn about a story with no author (its
identity is then its title alone) and, in a .txt story, about HTML tags that will be
removed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import StoryError
from ..story import ParseWarning, Story, field_key

_SKIP_SUFFIXES = (".swp", ".tmp", ".part", ".crdownload", ".error.txt", "~")


def _story_files(folder: Path) -> list[Path]:
    """Story files directly inside ``folder`` (no dotfiles, editor or error files)."""
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise StoryError(f"the folder cannot be read: {exc.strerror or exc}", path=folder,
                         fix="check the folder name and its permissions") from None
    return [p for p in entries if p.is_file() and not p.name.startswith(".")
            and not p.name.endswith(_SKIP_SUFFIXES)]


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


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def story_json(story: Story) -> dict[str, Any]:
    """The machine-readable view of a parsed story (``crosspost parse --json``).

    ``releases`` maps a target name to its release time as written; ``"*"`` is the time
    for every target.
    """
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
                     for w in story_warnings(story)],
        "raw_sha256": story.raw_sha256,
        "content_hash": story.content_hash,
        "body": story.body,
    }


def _indent(value: str, width: int) -> str:
    first, *rest = value.split("\n")
    return first + "".join("\n" + (" " * width + ln if ln else "") for ln in rest)


def story_text(story: Story) -> str:
    """The readable view of a parsed story (``crosspost parse``)."""
    from ..fields import BY_KEY

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
            out.append(f"{'release':<{width}}{when} ({who})")
    else:
        out.append(f"{'release':<{width}}none (posts as soon as it is picked up)")
    warnings = story_warnings(story)
    if warnings:
        out.append("")
        out.append(f"{len(warnings)} warning(s):")
        out.extend(f"  - {w}" for w in warnings)
    return "\n".join(out)


@click.command("parse")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (with the body).")
def parse_cmd(file: Path, as_json: bool) -> None:
    """Show a story's parsed fields, identity, release times and warnings.

    Exit status 2 when the story cannot be parsed (the error names the line and the fix).
    """
    from ..parse import parse_file

    story = parse_file(file)
    if as_json:
        click.echo(json.dumps(story_json(story), ensure_ascii=False, indent=2))
    else:
        click.echo(story_text(story))


def _summary(story: Story) -> str:
    by = f" by {story.author}" if story.author else ""
    notes = [_plural(story.word_count, "word")]
    if story.releases:
        notes.append("release " + ", ".join(
            (when if target is None else f"{target} {when}")
            for target, when in story.releases.items()))
    if warnings := story_warnings(story):
        notes.append(f"{len(warnings)} warning(s): see crosspost parse")
    return f'"{story.title}"{by} ({"; ".join(notes)})'


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
def check_cmd(files: tuple[Path, ...], as_json: bool) -> None:
    """Check story files (or folders of them): one line per file, exit 1 if any is invalid."""
    from ..parse import parse_file

    bad = 0
    for arg in files:
        try:
            targets = _story_files(arg) if arg.is_dir() else [arg]
        except StoryError as exc:
            targets, bad = [], bad + 1
            _report(arg, None, exc, as_json)
        if arg.is_dir() and not targets and not as_json:
            click.echo(f"note  {arg}: no story files in this folder", err=True)
        for path in targets:
            try:
                story = parse_file(path)
            except StoryError as exc:
                bad += 1
                _report(path, None, exc, as_json)
            else:
                _report(path, story, None, as_json)
    if bad:
        if not as_json:
            click.echo(f"{bad} invalid story file(s)", err=True)
        raise SystemExit(1)


def _report(path: Path, story: Story | None, error: StoryError | None, as_json: bool) -> None:
    if as_json:
        row: dict[str, Any] = {"path": str(path), "ok": error is None}
        if error is not None:
            row.update(error=error.reason, line=error.line, fix=error.fix)
        elif story is not None:
            row.update(identity=story.identity, title=story.title,
                       warnings=[str(w) for w in story_warnings(story)])
        click.echo(json.dumps(row, ensure_ascii=False))
    elif error is not None:
        fix = f" (fix: {error.fix})" if error.fix else ""
        click.echo(f"FAIL  {error.message}{fix}")
    elif story is not None:
        click.echo(f"ok    {path}: {_summary(story)}")
        for w in story_warnings(story):  # details on stderr: stdout stays one line a file
            click.echo(f"warn  {path}, {w}", err=True)
