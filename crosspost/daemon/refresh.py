"""Before a scheduled release goes out: the story as its file is saved now.

A writer schedules a story days ahead (``crosspost schedule``, or ``crosspost post`` with a
future ``Release:``) and keeps polishing the file. When the release time comes, the file
is read again; if it still holds the same story and its text changed, the saved version
is what goes out (at the same release time). A file that is gone, unreadable or now holds
another story leaves the text recorded when it was scheduled, and the log says so.

A file taken out of the *watched* folder is different: that is how a writer or a
moderator withdraws a story, so its releases are held instead (:func:`withdraw`), and
scheduled again if the file comes back (:func:`restore_withdrawn`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.daemon import files
from crosspost.errors import StoryError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.model import Story

log = get_logger("daemon")


#: the reason recorded on releases held because their file left the watched folder
WITHDRAWN = "its file was taken out of the stories folder before the release"


def withdraw(registry: Registry, path: Path) -> int:
    """The writer took ``path`` out of the watched folder: the scheduled releases of the story
    last taken from it are held (listed by ``crosspost queue``), never posted. Returns how
    many were held."""
    row = registry.file_seen(path)
    story = registry.story(row.identity) if row is not None and row.identity else None
    if story is None or story.path != str(path):
        return 0  # renamed or replaced: the story lives on in another file
    held = [registry.hold(d.id, f"{WITHDRAWN} ({path.name}); `crosspost reschedule {d.id} "
                                f"--at now` posts it anyway, `crosspost cancel {d.id}` drops it")
            for d in registry.scheduled()
            if d.identity == story.identity and d.status == "scheduled"]
    if held:
        log.warning("%s left the stories folder: %d release(s) of %s held, not posted "
                    "(put the file back to release it as planned)", path.name, len(held),
                    story.title or story.identity, extra={"event": "withdrawn",
                                                          "story": str(path)})
    return len(held)


def restore_withdrawn(registry: Registry, rows: list[Delivery], name: str) -> None:
    """A withdrawn story's file is back in the folder: its held releases are scheduled
    again at their planned times."""
    back = [registry.reschedule(r.id, r.release_at) for r in rows if r.status == "held"
            and r.release_at is not None and r.last_error.startswith(WITHDRAWN)]
    if back:
        log.info("%s is back: %d release(s) scheduled again", name, len(back),
                 extra={"event": "restored", "story": name})


def _folder(config: Config) -> Path | None:
    folder = config.settings.stories_dir
    return Path(folder).expanduser().absolute() if folder else None


def _read(path: Path, root: Path | None, max_bytes: int) -> Story:
    """The story in ``path``; in the watched folder, never through a link to outside it."""
    from crosspost.story.parse import parse_bytes, parse_file

    if root is None or path.parent != root:
        return parse_file(path, max_bytes=max_bytes)
    data = files.read_story(path, root, files.FileSig.of(path.stat()), max_bytes)
    return parse_bytes(data, path=path, max_bytes=max_bytes)


def refresh_due(config: Config, registry: Registry, publisher: Any, now: datetime,
                root: Path | None = None) -> None:
    """Re-render the scheduled releases due at ``now`` whose story file changed since.
    ``root``: the watched folder; a file gone from it that the daemon has not noticed yet
    is withdrawn (see :func:`withdraw`)."""
    due: dict[str, list[Delivery]] = defaultdict(list)
    for row in registry.scheduled():
        if row.status == "scheduled" and row.release_at is not None and row.release_at <= now:
            due[row.identity].append(row)
    for identity, rows in due.items():
        known = registry.story(identity)
        if known is None or not known.path:
            continue
        path = Path(known.path)
        if not path.exists() and root is not None and path.parent == root and withdraw(
                registry, path):
            registry.forget_file(path)
            continue
        if not path.exists():
            log.info("%s is gone; releasing the text recorded when it was scheduled",
                     path.name, extra={"event": "release_snapshot", "story": str(path)})
            continue
        try:
            story = _read(path, root or _folder(config), config.settings.max_file_bytes)
        except (OSError, StoryError, files.NotTheScannedFile) as exc:
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
