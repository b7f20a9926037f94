"""How a delivery's outcome reads on the command line: one line per target
(``TARGET: what happened``, then notes), a batch's one-line summary, and the way out
added to a missed release's outcome. Used by ``post``, ``edit``, ``delete``, ``retry`` and
the demo.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from crosspost.delivery import Outcome
    from crosspost.story.model import Story

__all__ = ["SUMMARY_OF", "describe", "held_fix", "report", "summary"]


def describe(out: Outcome, zone: tzinfo | None = None) -> list[str]:
    """The line(s) shown for one outcome: ``TARGET: what happened``, then notes."""
    msg = out.message
    ref = f" [delivery {out.delivery_id}]" if out.delivery_id else ""
    if out.action == "scheduled" and out.release_at is not None:
        from crosspost.story.when import describe as describe_time

        local = out.release_at.astimezone(zone) if zone else out.release_at.astimezone()
        return [f"{out.target}: scheduled for {describe_time(local, datetime.now(local.tzinfo))}"
                f"{ref}; `crosspost watch` posts it then (`crosspost post --now` posts it "
                "at once)"]
    if out.action in ("posted", "edited"):
        text = f"{out.action} {out.url}".rstrip() + (f" ({msg})" if msg and msg not in
                                                     out.notes else "")
    elif out.action == "queued":
        text = "queued for moderation" + (f": {msg}" if msg else "")
    elif out.action == "deleted":
        text = f"deleted {out.url}".rstrip()
    elif out.action == "gone":
        text = f"gone: {msg}" + (f" ({out.url})" if out.url else "")
    elif out.action in ("failed", "uncertain", "retry", "held", "needs_edit"):
        label = {"retry": "not posted yet", "needs_edit": "changed, not edited"}.get(
            out.action, out.action)
        text = f"{label}{ref}: {msg}"
    else:
        text = f"{out.action}: {msg}" if msg else out.action
    lines = [f"{out.target}: {text}"]
    fix = out.error.fix if out.error is not None else ""
    if out.action in ("retry", "uncertain") and fix and "fix:" not in msg:
        lines.append(f"  fix: {fix}")  # e.g. a full moderation queue: ask the maintainers
    lines += [f"  {note}" for note in dict.fromkeys(out.notes) if note and note != msg]
    return lines


def report(outcomes: list[Outcome], zone: tzinfo | None = None) -> bool:
    """Print the outcomes (the first line of each in its status colour on a terminal);
    True when all are done."""
    from crosspost.cli.output import paint

    for out in outcomes:
        for i, line in enumerate(describe(out, zone)):
            click.echo(paint(line, out.action) if i == 0 else line)
    return all(o.ok for o in outcomes)


#: outcome action → the summary's count it adds to
SUMMARY_OF = {"posted": "posted", "edited": "posted", "queued": "queued",
              "scheduled": "waiting", "retry": "waiting", "uncertain": "waiting",
              "held": "waiting", "busy": "waiting", "needs_edit": "waiting",
              "failed": "failed", "skipped": "skipped"}


def summary(stories: int, outcomes: list[Outcome]) -> str:
    """One line for a batch: ``3 stories: 4 posted, 1 queued, 0 waiting, 1 failed``. Pure."""
    counts = dict.fromkeys(("posted", "queued", "waiting", "failed", "skipped"), 0)
    for out in outcomes:
        key = SUMMARY_OF.get(out.action)
        if key:
            counts[key] += 1
    text = (f"{stories} stor{'y' if stories == 1 else 'ies'}: {counts['posted']} posted, "
            f"{counts['queued']} queued, {counts['waiting']} waiting, "
            f"{counts['failed']} failed")
    return text + (f", {counts['skipped']} skipped" if counts["skipped"] else "")


def held_fix(outcomes: list[Outcome], story: Story) -> list[Outcome]:
    """Held outcomes (a ``Release:`` time past by more than the grace period) with the
    way out: post it now, or give it another time."""
    from dataclasses import replace

    where = f" {story.path}" if story.path is not None else " FILE"
    fix = (f"`crosspost post --now{where}` posts it at once; or change its Release: time "
           "(or raise settings.grace_minutes)")
    return [replace(o, notes=(*o.notes, f"fix: {fix}")) if o.action == "held" else o
            for o in outcomes]
