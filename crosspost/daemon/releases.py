"""A story file's release times: ``Release:`` / ``Release (target):`` headers → aware
datetimes, grouped by target.

Relative forms (``tomorrow 9am``, ``+2h``) count from the file's modification time, so a
restart gives the same answer. ``Release: now`` means at once, however old the file is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from crosspost.errors import StoryError, WhenError
from crosspost.story.when import parse_when

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery
    from crosspost.story.model import Story

__all__ = ["NOW_WORDS", "release_groups", "resolve_releases", "wait_for_first_release"]

#: release texts that mean "post it at once" however old the file is
NOW_WORDS = frozenset({"now", "immediately", "asap"})


def release_groups(releases: dict[str | None, datetime | None], targets: Sequence[str]
                   ) -> dict[datetime | None, list[str]]:
    """Targets grouped by release time: a target's own ``Release (target):`` wins over the
    story's ``Release:``; targets named only in a per-target release are included. A time
    of None means "now"."""
    out: dict[datetime | None, list[str]] = {}
    wanted = list(targets) + [t for t in releases if t is not None and t not in targets]
    for target in wanted:
        at = releases.get(target, releases.get(None))
        out.setdefault(at, []).append(target)
    return out


def wait_for_first_release(releases: dict[str | None, datetime | None],
                           rows: Iterable[Delivery], auto: Sequence[str]) -> list[str]:
    """Auto targets that must not get the story yet: it was scheduled by hand (``crosspost
    schedule``) for some targets, and its header gives no ``Release:`` for the others. They
    get it once its first scheduled release has gone out, never before (a fest entry must
    not go public ahead of its reveal)."""
    rows = list(rows)
    if None in releases or not any(r.status in ("scheduled", "held") for r in rows):
        return []
    tried = {r.target for r in rows}
    return [t for t in auto if t not in releases and t not in tried]


def resolve_releases(story: Story, config: Config, tz: tzinfo, anchor: datetime
                     ) -> dict[str | None, datetime | None]:
    """The story's release times as aware datetimes. Relative forms (``tomorrow 9am``) count
    from ``anchor`` — the file's modification time, so a restart gives the same answer.
    ``Release: now`` (:data:`NOW_WORDS`) gives None: post at once, however old the file."""
    out: dict[str | None, datetime | None] = {}
    by_lower = {name.lower(): name for name in config.targets}
    for given, text in story.releases.items():
        # `Release (DEN):` means target den: header names are not case-sensitive
        target = by_lower.get(given.lower(), given) if given is not None else None
        if target is not None and target not in config.targets:
            known = ", ".join(sorted(config.targets)) or "none configured"
            raise StoryError(f"the release time names an unknown target {target!r}",
                             path=story.path, line=_line_of(story, "release", target),
                             fix=f"use one of the configured targets ({known})")
        if " ".join(text.split()).lower() in NOW_WORDS:
            out[target] = None
            continue
        try:
            out[target] = parse_when(text, tz, anchor)
        except WhenError as exc:
            raise StoryError(f"release time: {exc.message}", path=story.path,
                             line=_line_of(story, "release", target), fix=exc.fix) from None
    return out


def _line_of(story: Story, key: str, target: str | None = None) -> int | None:
    """The header line of ``key`` (the ``Release (target):`` one when a target is given)."""
    label = story.labels.get(key) or ("release" if key == "release" and target else None)
    if story.path is None or not label:
        return None
    try:
        with open(story.path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                name = line.partition(":")[0].lower()
                if name.startswith(label.lower()) and (
                        "(" not in name if target is None
                        else f"({target.lower()})" in name.replace(" ", "")):
                    return n
                if n >= story.body_line:
                    break
    except OSError:
        pass
    return None
