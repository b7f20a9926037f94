"""Which files in the watched folder are stories, when one is complete, and setting files aside.

The decisions (:func:`ignore_reason`, :func:`readiness`) are pure functions. The I/O at the
edge (:func:`scan`, :func:`move_aside`, :func:`write_report`) never deletes, truncates or
rewrites a story: a file is only ever *renamed* into ``posted/`` or ``failed/``, and a name
already taken there gets a ``-2``, ``-3``… suffix instead of being overwritten.

Only the folder's top level is watched; subfolders (``posted/``, ``failed/``, or a ``drafts/``
of the writer's own) are never read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from crosspost.errors import UserError

#: file name endings of stories the parsers read; anything else is left alone (and said so).
STORY_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".mdown", ".html", ".htm")
#: word-processor and page formats a writer may save into the folder by mistake: taken like
#: stories, but set aside in failed/ with a report saying how to save them as text
DOCUMENTS = {".docx": "a Word document", ".docm": "a Word document",
             ".doc": "a Word document", ".rtf": "a Rich Text (RTF) document",
             ".odt": "an OpenDocument text", ".fodt": "an OpenDocument text",
             ".pages": "a Pages document", ".wpd": "a WordPerfect document",
             ".pdf": "a PDF file"}
#: editor temporaries, partial downloads and backups: never taken, never reported.
_TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".temp", ".part", ".partial", ".crdownload",
                  ".download", ".bak", ".orig", ".kate-swp", ".sb", ".!ut",
                  ".error.txt")  # our own reports
_TEMP_NAMES = re.compile(r"^(?:#.*#|\.#.*|~\$.*|.*~|4913|thumbs\.db|desktop\.ini)$",
                         re.IGNORECASE)


@dataclass(frozen=True)
class FileSig:
    """What a stat says about a file's content: equal signatures mean unchanged."""

    size: int
    mtime_ns: int
    #: which file it is (device, inode): not part of the comparison
    dev: int = field(default=0, compare=False)
    ino: int = field(default=0, compare=False)

    @classmethod
    def of(cls, st: os.stat_result) -> FileSig:
        return cls(st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)


def ignore_reason(name: str) -> str | None:
    """Why the file called ``name`` is not a story to take, or None when it is one.

    ``"temporary"`` (dotfiles, editor swap/backup files, partial downloads: silent),
    ``"not a story"`` (an extension the parsers do not read: the daemon says so once;
    word-processor :data:`DOCUMENTS` are *not* ignored: they are taken and set aside) or
    ``"bad name"`` (not valid UTF-8: it cannot be recorded; the daemon asks for a rename)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "bad name"
    low = name.lower()
    if not name or name.startswith(".") or _TEMP_NAMES.match(name):
        return "temporary"
    if low.endswith(_TEMP_SUFFIXES):
        return "temporary"
    if not low.endswith(STORY_SUFFIXES) and not low.endswith(tuple(DOCUMENTS)):
        return "not a story"
    return None


# ---------------------------------------------------------------------------------------------
# completeness


@dataclass(frozen=True)
class Pending:
    """A file seen but not taken yet.

    ``sig``/``since``: the signature last observed and the monotonic time it was first seen.
    ``closed``: a close-after-write or a rename into the folder arrived for exactly ``sig``.
    ``writing``: write events were seen for it (so a close event is expected, where the
    observer delivers them)."""

    sig: FileSig
    since: float
    closed: bool = False
    writing: bool = False

    def observe(self, sig: FileSig, now: float) -> Pending:
        """The same entry after a new stat: a changed signature restarts the clock."""
        if sig == self.sig:
            return self
        return Pending(sig, now, closed=False, writing=self.writing)


@dataclass(frozen=True)
class Readiness:
    """The decision for one pending file: take it now, or look again in ``wait`` seconds."""

    ready: bool
    wait: float = 0.0
    why: str = ""


def readiness(entry: Pending, current: FileSig, now: float, *, settle: float,
              close_events: bool, patience: float = 30.0) -> Readiness:
    """Is the file complete?

    - an empty file is never taken (a file manager's "new file" waits for its content);
    - a close-after-write or a rename into the folder for the current signature → ready;
    - otherwise the size and mtime must have stayed the same for ``settle`` seconds — or,
      when writes were seen and the observer reports closes (inotify), for ``patience``
      seconds, since a writer holding the file open may pause longer than ``settle``.
    """
    if current != entry.sig:
        return Readiness(False, settle, "changed")
    if current.size == 0:
        return Readiness(False, max(settle, patience), "empty")
    if entry.closed:
        return Readiness(True, why="closed")
    needed = patience if entry.writing and close_events else settle
    left = entry.since + needed - now
    if left <= 0:
        return Readiness(True, why="stable")
    return Readiness(False, left, "settling")


def mark_closed(entry: Pending | None, sig: FileSig, now: float) -> Pending:
    """The entry after a close-after-write / rename-in event for a file now at ``sig``."""
    base = entry.observe(sig, now) if entry else Pending(sig, now)
    return replace(base, sig=sig, closed=True)


def mark_written(entry: Pending | None, sig: FileSig, now: float) -> Pending:
    """The entry after a create/modify event."""
    if entry is None:
        return Pending(sig, now, writing=True)
    changed = entry.sig != sig
    return Pending(sig, now if changed else entry.since,
                   closed=entry.closed and not changed, writing=True)


# ---------------------------------------------------------------------------------------------
# the folder


def inside(path: Path, root: Path) -> bool:
    """True when ``path`` (following symlinks) stays inside ``root``."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return real.is_relative_to(root.resolve())


def scan(root: Path, skipped: Callable[[str, str], None] | None = None
         ) -> Iterator[tuple[Path, os.stat_result]]:
    """The candidate story files at the top level of ``root`` with their stat (following a
    symlink only when it stays inside ``root``). One ``scandir`` pass, no reads.
    ``skipped(name, why)`` hears of each other name left out (not temporaries)."""
    for name, st in scan_names(root, skipped):
        yield Path(name), st


def scan_names(root: Path, skipped: Callable[[str, str], None] | None = None
               ) -> Iterator[tuple[str, os.stat_result]]:
    """:func:`scan` with each path as a string (``str(root / name)``): no Path object per
    entry, for the daemon's rescans of large folders."""
    try:
        it = os.scandir(root)
    except FileNotFoundError:
        return
    with it:
        for entry in it:
            why = ignore_reason(entry.name)
            if why is not None:
                if skipped is not None and why != "temporary" and not entry.is_dir():
                    skipped(entry.name, why)
                continue
            try:
                if entry.is_symlink():
                    path = Path(entry.path)
                    if not inside(path, root):
                        continue
                    st = path.stat()
                    if not os.path.isfile(path):
                        continue
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                else:
                    continue
            except OSError:
                continue
            yield entry.path, st


def unique_destination(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/stem-2.ext``, ``-3``… when taken (never overwrite)."""
    candidate = folder / name
    stem, dot, ext = name.rpartition(".")
    if not stem:
        stem, dot, ext = name, "", ""
    n = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = folder / f"{stem}-{n}{dot}{ext}"
        n += 1
    return candidate


#: the longest report name, in bytes (most file systems allow 255 per name)
REPORT_NAME_BYTES = 200


def report_path(story_path: Path) -> Path:
    """Where the report for a story set aside at ``story_path`` goes: ``<name>.error.txt``;
    for a very long name, the name cut short with a hash of the whole name (a name that long
    cannot take 10 more characters, nor the temporary name the report is written under)."""
    name = story_path.name
    if len(os.fsencode(name + ".error.txt")) <= REPORT_NAME_BYTES:
        return story_path.with_name(name + ".error.txt")
    import hashlib

    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:10]
    keep = name
    while len(os.fsencode(f"{keep}~{digest}.error.txt")) > REPORT_NAME_BYTES:
        keep = keep[:-1]
    return story_path.with_name(f"{keep}~{digest}.error.txt")


def move_aside(path: Path, folder: Path, name: str | None = None) -> Path:
    """Rename ``path`` into ``folder`` (created if needed) under a free name (``name``,
    default its own); returns it.

    One ``rename``: a crash leaves the file either here or there, never in both places nor
    in neither. Only the daemon (which holds the registry's lock) writes these folders, so
    the free name found just before cannot be taken meanwhile."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = unique_destination(folder, name or path.name)
    try:
        os.rename(path, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # another file system: copy (data and times), then remove the original; a crash in
        # between leaves two copies, never none
        shutil.copy2(path, dest, follow_symlinks=False)
        os.unlink(path)
    return dest


def write_report(story_dest: Path, text: str) -> Path:
    """Write ``<story>.error.txt`` beside a story set aside in ``failed/`` (replacing a
    report left there by an earlier attempt whose story was moved back out)."""
    out = report_path(story_dest)
    # written whole under a temporary name, then renamed: a reader never sees half a report
    tmp = out.with_name(f".{out.name[:REPORT_NAME_BYTES // 8]}.{os.getpid()}.tmp")
    # file names need not be valid UTF-8: keep undecodable bytes visible, never fail
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8",
                   errors="backslashreplace")
    os.replace(tmp, out)
    return out


class NotTheScannedFile(Exception):
    """The file to read is not the one scanned: ``link`` (a link, or a hard link, to a file
    outside the folder: never read) or ``changed`` (replaced between the scan and the read:
    look again)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


#: open flags for reading a story: never through a link (where the system has the flag)
#: (nor block on a FIFO swapped in)
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
               | getattr(os, "O_NONBLOCK", 0))


def read_story(path: Path, root: Path, scanned: FileSig, max_bytes: int) -> bytes:
    """The bytes of the story file ``path`` of the watched folder ``root``, read only when
    the file opened is the very file scanned (``scanned``: same device and inode).

    A link inside the folder is read through its target, which must stay inside the folder;
    the final name is opened without following a link (``O_NOFOLLOW``; elsewhere the name is
    checked not to be a link after opening). A file with other hard links is read only when
    they are all in the folder. Raises :class:`NotTheScannedFile`, or ``OSError`` /
    ``StoryError`` (too large) like reading any file."""
    from crosspost.errors import StoryError

    real = path
    if path.is_symlink():
        if not inside(path, root):
            raise NotTheScannedFile("link", "a link to a file outside the stories folder")
        real = path.resolve(strict=True)
    try:
        fd = os.open(real, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a link since it was scanned
            raise NotTheScannedFile("changed", "it became a link while being read") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not getattr(os, "O_NOFOLLOW", 0) and os.path.islink(real):
            raise NotTheScannedFile("changed", "it became a link while being read")
        if (st.st_dev, st.st_ino) != (scanned.dev, scanned.ino):
            raise NotTheScannedFile("changed", "it was replaced while being read")
        if st.st_nlink > 1 and _links_inside(root, st) < st.st_nlink:
            raise NotTheScannedFile("link", "a hard link to a file outside the stories folder")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise StoryError(f"the file is too large ({st.st_size:,} bytes; the limit is "
                         f"{max_bytes:,} bytes)", path=path,
                         fix="split the story into parts, one file each, or raise "
                             "settings.max_file_bytes")
    return data


def _links_inside(root: Path, st: os.stat_result) -> int:
    """How many names in ``root`` and its subfolders one level down (``posted/``,
    ``failed/``) are hard links to the file of ``st``."""
    count = 0
    folders = [root]
    with contextlib.suppress(OSError), os.scandir(root) as it:
        folders += [Path(e.path) for e in it if e.is_dir(follow_symlinks=False)]
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    est = entry.stat(follow_symlinks=False)
                    if (est.st_dev, est.st_ino) == (st.st_dev, st.st_ino):
                        count += 1
    return count


def is_document(name: str) -> bool:
    """A word-processor or PDF file (see :data:`DOCUMENTS`), not a text story."""
    return name.lower().endswith(tuple(DOCUMENTS))


def stories_dir(configured: Path | None, folder: Path | None) -> Path:
    """The folder to watch: ``--dir``, else ``settings.stories_dir``, made absolute."""
    root = folder or configured
    if root is None:
        raise UserError("no stories folder to watch",
                        "set settings.stories_dir in the config, or pass --dir FOLDER")
    root = Path(root).expanduser().absolute()
    if root.exists() and not root.is_dir():
        raise UserError(f"{root} is not a folder", "point settings.stories_dir at a folder")
    return root
