"""The ``<name>.error.txt`` reports the daemon writes beside a story it set aside in
``failed/``, and clearing a report once its story went through.

A report is crosspost's own file (its first line always starts with :data:`HEAD`); a story
file is the writer's and is never deleted. So a report left in ``failed/`` after the writer
fixed the story, moved it back and it was taken is removed (:func:`clear_stale_report`):
it described a problem that no longer exists. A report whose story is still in ``failed/``,
or a file that does not look like one of ours, is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.daemon import files
from crosspost.errors import CrosspostError, FaultError, SiteError, StoryError

if TYPE_CHECKING:
    from crosspost.state.registry import Delivery
    from crosspost.story.model import Story

#: every report starts with this
HEAD = "crosspost could not"

AGAIN = ("When it is fixed, move the file back into the stories folder: it will be tried "
         "again. (This file was set aside by crosspost; nothing was deleted or changed.)")

def document_error(path: Path) -> StoryError:
    """The problem with a word-processor file dropped into the folder."""
    what = files.DOCUMENTS.get(path.suffix.lower(), "a document")
    if path.suffix.lower() == ".pdf":
        fix = ("export the story from where you wrote it as plain text (.txt), Markdown (.md) "
               "or a web page (.html) and put that file in the stories folder")
    else:
        fix = ("open it in your word processor and save it as plain text "
               "(File → Save As → Plain Text, .txt, UTF-8), or as Markdown (.md) or a web page "
               "(.html), in the stories folder")
    return StoryError(f"this is {what}; crosspost reads only .txt, .md and .html story files",
                      path=path, fix=fix)


def story_report(exc: StoryError) -> str:
    """The report for a file that could not be read as a story."""
    lines = [f"{HEAD} read this story, so it was not posted.", "",
             f"File:    {exc.path}" if exc.path else "File:    (unknown)"]
    if exc.line is not None:
        lines.append(f"Line:    {exc.line}")
    lines += [f"Problem: {exc.reason}"]
    if exc.fix:
        lines.append(f"Fix:     {exc.fix}")
    lines += ["", AGAIN]
    return "\n".join(lines)


def clash_report(path: Path, exc: CrosspostError) -> str:
    """The report for a file whose story has the identity of another story's file
    (same title and author, no ``ID:``): posting it would overwrite that story's entries."""
    lines = [f"{HEAD} post this story: it would replace another story's entries.", "",
             f"File:    {path}", f"Problem: {exc.message}"]
    if exc.fix:
        lines.append(f"Fix:     {exc.fix}")
    lines += ["", AGAIN]
    return "\n".join(lines)


def document_report(exc: StoryError) -> str:
    """The report for a word-processor or PDF file dropped into the folder."""
    return "\n".join([
        f"{HEAD} read this file: it is not a text story file, so it was not posted.", "",
        f"File:    {exc.path}", f"Problem: {exc.reason}", f"Fix:     {exc.fix}", "",
        "Put the saved text file into the stories folder: it is posted like any other story. "
        "This file can stay here or be removed; crosspost will not read it. (It was set "
        "aside by crosspost; nothing was deleted or changed.)"])


def refusal_problems(rows: Sequence[Delivery], outcomes: Sequence[Any]
                     ) -> dict[str, tuple[str, CrosspostError | None]]:
    """Target → (what went wrong, the error when there is one), for every target tried."""
    errors = {o.target: o for o in outcomes if getattr(o, "action", "") == "failed"}
    by_target = {r.target: r for r in rows}
    out: dict[str, tuple[str, CrosspostError | None]] = {}
    for target in sorted(set(by_target) | set(errors)):
        o, row = errors.get(target), by_target.get(target)
        err = getattr(o, "error", None) if o is not None else None
        said = err.message if isinstance(err, CrosspostError) else (
            (o.message if o is not None else "") or (row.last_error or row.status if row
                                                     else "refused"))
        out[target] = (said, err if isinstance(err, CrosspostError) else None)
    return out


def summary(problems: dict[str, tuple[str, CrosspostError | None]]) -> str:
    """One line for the log: the shared problem, or the first target's."""
    said = {p for p, _ in problems.values()}
    if len(said) == 1:
        return f"could not be posted to any target: {said.pop()}"
    if problems:
        target, (first, _) = next(iter(problems.items()))
        return f"could not be posted to any target ({target}: {first})"
    return "could not be posted to any target"


def refusal_report(path: Path, story: Story | None, rows: Sequence[Delivery],
                   outcomes: Sequence[Any]) -> str:
    """The report for a story no target took (a site refused it, or something local — a
    missing secret, a story too long — stopped it before it was sent)."""
    title = story.title if story and story.title else path.name
    problems = refusal_problems(rows, outcomes)
    lines = [f"{HEAD} post {title!r} to any target.", "", f"File:    {path}", ""]
    shared = {(said, err.fix if err else "") for said, err in problems.values()}
    if len(problems) > 1 and len(shared) == 1:
        # the same local cause for all (a missing secret, say): said once
        said, err = next(iter(problems.values()))
        lines.append(f"Targets {', '.join(problems)} (the same for each):")
        problems = {"": (said, err)}
    for target, (said, err) in problems.items():
        if target:
            lines.append(f"Target {target}:")
        lines.append(f"  Problem: {said}")
        if isinstance(err, FaultError) and err.server_message:
            lines.append(f"  The site said: {err.server_message}")
        elif isinstance(err, SiteError) and err.site:
            lines.append(f"  Site: {err.site}")
        if err is not None and err.fix:
            lines.append(f"  Fix:     {err.fix}")
    lines += ["", AGAIN]
    if rows:
        lines.append("To try again without changing the story: `crosspost retry`.")
    return "\n".join(lines)


def partial_report(path: Path, story: Story | None, rows: Sequence[Delivery],
                   outcomes: Sequence[Any]) -> str:
    """The report beside a story that some targets took and others refused for good."""
    title = story.title if story and story.title else path.name
    problems = refusal_problems(rows, outcomes)
    lines = [f"{HEAD} post {title!r} to {', '.join(problems)}; the other targets took it.",
             "", f"File:    {path.name}", ""]
    for target, (said, err) in problems.items():
        lines += [f"Target {target}:", f"  Problem: {said}"]
        if isinstance(err, FaultError) and err.server_message:
            lines.append(f"  The site said: {err.server_message}")
        if err is not None and err.fix:
            lines.append(f"  Fix:     {err.fix}")
    lines += ["", "When it is fixed: `crosspost retry` sends it to these targets again. "
              "(This report was written by crosspost; the story itself is unchanged.)"]
    return "\n".join(lines)


def is_ours(report: Path) -> bool:
    """True when ``report`` is a regular file that crosspost wrote (it starts with HEAD)."""
    try:
        if report.is_symlink() or not report.is_file():
            return False
        with open(report, "rb") as fh:
            return fh.read(len(HEAD)).decode("utf-8", "replace") == HEAD
    except OSError:
        return False


def clear_stale_report(failed_dir: Path, name: str) -> Path | None:
    """Remove ``failed_dir/<name>.error.txt`` once the story called ``name`` was taken from
    the folder: only when it is our report and no story of that name is still in
    ``failed_dir``. Returns the removed path, or None."""
    story = failed_dir / name
    report = files.report_path(story)
    if story.exists() or story.is_symlink() or not is_ours(report):
        return None
    try:
        os.unlink(report)
    except OSError:
        return None
    return report
