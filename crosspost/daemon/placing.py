"""Where a story file goes once the intake decided: ``posted/``, or ``failed/`` with a report
beside it; removing reports that no longer apply. Only renames: a story file is never
deleted, truncated or rewritten (see :mod:`.files`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.daemon import files, reports
from crosspost.errors import StoryError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.state.registry import Registry

log = get_logger("daemon")


class Placement:
    """Moves files of the watched folder ``root`` and writes their reports."""

    def __init__(self, registry: Registry, root: Path, failed_dir: Path,
                 max_bytes: int) -> None:
        self.registry = registry
        self.root = root
        self.failed_dir = failed_dir
        self.max_bytes = max_bytes

    def clear_report(self, name: str) -> None:
        gone = reports.clear_stale_report(self.failed_dir, name)
        if gone is not None:
            log.info("removed the old report %s: %s went through this time",
                     os.path.relpath(gone, self.root), name,
                     extra={"event": "report_removed", "story": name})

    def move(self, path: Path, folder: Path | None, identity: str = "") -> Path | None:
        """Move ``path`` into ``folder`` (``posted/``); None when it stays where it is."""
        if folder is None or not path.exists():
            return None
        if path.is_symlink():
            # a link stays where it is: moving it could break a relative target
            return None
        dest = folder / path.name
        if identity and self._retire_previous(dest, identity, path):
            os.replace(path, dest)  # the very same bytes: one copy, nothing lost
        else:
            dest = files.move_aside(path, folder)
        self.registry.forget_file(path)
        log.debug("moved %s to %s", path.name, dest)
        return dest

    def move_report(self, path: Path, dest: Path) -> None:
        """Move the report written beside ``path`` along to ``dest``; without one, a report
        left beside ``dest`` by an earlier version is ours and stale: removed."""
        here, there = files.report_path(path), files.report_path(dest)
        if reports.is_ours(here):
            os.replace(here, there)
        elif reports.is_ours(there):
            with contextlib.suppress(OSError):
                os.unlink(there)

    def _retire_previous(self, old: Path, identity: str, new: Path) -> bool:
        """``posted/<name>`` holds an earlier version of the same story: keep it as
        ``<stem>.prev<ext>`` so ``posted/<name>`` is what is on the site now. A file there
        holding another story keeps its name (the new one gets a ``-2`` suffix). True when
        it holds exactly the bytes of ``new`` (a copy dropped in again): ``new`` may then
        simply take its place."""
        from crosspost.story.parse import parse_file

        if old.is_symlink() or not old.is_file() or new.parent == old.parent:
            return False
        try:
            if old.stat().st_size == new.stat().st_size and \
                    old.read_bytes() == new.read_bytes():
                return old.parent.stat().st_dev == new.parent.stat().st_dev
            if parse_file(old, max_bytes=self.max_bytes).identity != identity:
                return False
        except (StoryError, OSError):
            return False
        dest = files.move_aside(old, old.parent, name=f"{old.stem}.prev{old.suffix}")
        log.info("kept the earlier version of %s as %s", old.name,
                 os.path.relpath(dest, self.root))
        return False

    def report_beside(self, path: Path, report: str, why: str) -> Path:
        """A file that is not taken and stays where it is (a link to outside the folder):
        its report goes to ``failed/``."""
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        out = files.write_report(self.failed_dir / path.name, report)
        log.warning("left %s in place, not read: %s (see %s)", path.name, why,
                    os.path.relpath(out, self.root),
                    extra={"event": "set_aside", "story": str(path)})
        return out

    def set_aside(self, path: Path, report: str, why: str) -> Path | None:
        """Move ``path`` to ``failed/`` with ``report`` beside it; ``why`` goes to the log.
        A link is left in place (None)."""
        if path.is_symlink():
            log.warning("set aside %s (a link, left in place): %s", path.name, why,
                        extra={"event": "set_aside", "story": str(path)})
            return None
        dest = files.move_aside(path, self.failed_dir)
        files.write_report(dest, report)
        self.registry.forget_file(path)
        first = why.splitlines()[0] if why else ""
        log.warning("set aside %s → %s: %s", path.name,
                    os.path.relpath(dest, self.root), first,
                    extra={"event": "set_aside", "story": str(path)})
        return dest


def place_dropped(root: Path, name: str, data: bytes, *, max_bytes: int,
                  rename_if_taken: bool = True) -> Path:
    """Check a story file handed over by a person (an upload, say) and place it in the
    stories folder ``root``, where the daemon takes it like any file saved there. Returns
    where it went.

    Checked first, nothing written on a problem (a StoryError naming the fix): ``name`` is
    a plain file name of a story (no folder part, not hidden nor temporary, a ``.txt``,
    ``.md`` or ``.html`` ending), the bytes are not empty, not over ``max_bytes`` and read
    as a story. Written whole under a hidden temporary name, then renamed into place (the
    daemon sees one complete file); a name already taken gets ``-2``, ``-3``… or, with
    ``rename_if_taken=False``, FileExistsError (never overwritten, even by a file made a
    moment ago)."""
    from crosspost.story.parse import parse_bytes

    def refuse(reason: str, fix: str) -> StoryError:
        return StoryError(reason, path=Path(name), fix=fix)

    plain = Path(name).name
    if not name or plain != name or name in (".", ".."):
        raise refuse("the name has a folder part", "give only the file's name")
    why = files.ignore_reason(name)
    if why is not None or files.is_document(name):
        raise refuse(f"not a story file name ({why or 'a document'})",
                     "save the story as .txt, .md or .html with a plain name")
    if not data:
        raise refuse("the file is empty", "give the story's text")
    parse_bytes(data, path=Path(name), max_bytes=max_bytes)  # raises StoryError
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{os.getpid()}.{id(data):x}.part"
    with open(tmp, "xb") as fh:
        fh.write(data)
    try:
        dest = _link_into_place(tmp, root, name, rename_if_taken)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("placed %s in the stories folder", dest.name,
             extra={"event": "placed", "story": str(dest)})
    return dest


def _link_into_place(tmp: Path, root: Path, name: str, rename_if_taken: bool) -> Path:
    """Give the complete file ``tmp`` its name without ever replacing a file: a hard link
    fails when the name is taken (a rename would overwrite it on POSIX). File systems
    without hard links (FAT) get an exclusive create and a copy."""
    while True:
        dest = files.unique_destination(root, name) if rename_if_taken else root / name
        try:
            os.link(tmp, dest)
            return dest
        except FileExistsError:
            if not rename_if_taken:
                raise
        except OSError:  # no hard links here
            with open(dest, "xb") as out:
                out.write(tmp.read_bytes())
            return dest
