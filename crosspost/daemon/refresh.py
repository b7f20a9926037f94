"""Before a scheduled release goes out: the story as its file is saved now.

A writer schedules a story days ahead (``crosspost schedule``, or ``crosspost post`` with a
future ``Release:``) and keeps polishing the file. When the release time comes, the file
is read again; if it still holds the same story and its text changed, the saved version
is what goes out (at the same release time). A file that is gone, unreadable or now holds
another story leaves the text recorded when it was scheduled, and the log says so.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoryError
from ..logs import get_logger

if TYPE_CHECKING:
    from ..config import Config
    from ..registry import Delivery, Registry

log = get_logger("daemon")


def refresh_due(config: Config, registry: Registry, publisher: Any, now: datetime) -> None:
    """Re-render the scheduled releases due at ``now`` whose story file changed since."""
    from ..parse import parse_file

    due: dict[str, list[Delivery]] = defaultdict(list)
    for row in registry.scheduled():
        if row.status == "scheduled" and row.release_at is not None and row.release_at <= now:
            due[row.identity].append(row)
    for identity, rows in due.items():
        known = registry.story(identity)
        if known is None or not known.path:
            continue
        path = Path(known.path)
        if not path.exists():
            log.info("%s is gone; releasing the text recorded when it was scheduled",
                     path.name, extra={"event": "release_snapshot", "story": str(path)})
            continue
        try:
            story = parse_file(path, max_bytes=config.settings.max_file_bytes)
        except (OSError, StoryError) as exc:
            why = exc.render() if isinstance(exc, StoryError) else str(exc)
            log.warning("cannot read %s now (%s); releasing the text recorded when it was "
                        "scheduled", path.name, why, extra={"event": "release_snapshot",
                                                           "story": str(path)})
            continue
        if story.identity != identity:
            log.warning("%s now holds another story (%s); releasing the text recorded when "
                        "it was scheduled", path.name, story.identity,
                        extra={"event": "release_snapshot", "story": str(path)})
            continue
        stale = [r for r in rows if r.content_hash != story.content_hash]
        if not stale:
            continue
        by_time: dict[datetime, list[str]] = defaultdict(list)
        for r in stale:
            assert r.release_at is not None
            by_time[r.release_at].append(r.target)
        for at, targets in by_time.items():
            publisher.publish(story, targets, at=at, explicit=False)
        log.info("%s changed since it was scheduled: the saved version goes out", path.name,
                 extra={"event": "release_refreshed", "story": str(path)})
