"""Story files → :class:`~crosspost.story.model.Story`.

Public API::

    parse_file(path, *, max_bytes=5_000_000) -> Story
    parse_bytes(data, *, path=None, fmt=None) -> Story
    fences.is_fence(line) -> bool

The format comes from ``fmt`` ("text", "markdown" or "html") or else the file extension:
``.md``/``.markdown`` → Markdown with YAML front matter, ``.html``/``.htm`` → HTML, anything
else (``.txt``, none) → plain text. Bytes are decoded by :mod:`.decode` (UTF-8 with or
without BOM, UTF-16 with BOM, Windows-1252 fallback, any line endings). The header rules are
in :mod:`.header`, the formats in :mod:`.text`, :mod:`.markdown` and :mod:`.html`.

Both functions raise only :class:`~crosspost.errors.StoryError` (with the path, a 1-based
line when one is meaningful, and a ``fix``), whatever the input: a property test feeds them
arbitrary bytes and text.
"""

from __future__ import annotations

import hashlib
import logging
import re
import stat
from pathlib import Path

from crosspost.errors import StoryError
from crosspost.story.model import BodyFormat, Story
from crosspost.story.parse.decode import decode
from crosspost.story.parse.header import Header, require_title
from crosspost.story.parse.text import Body, Lines, slice_body, split_header, text_markup_warnings

__all__ = ["FORMATS", "format_for", "parse_bytes", "parse_file"]

log = logging.getLogger(__name__)

FORMATS: dict[str, BodyFormat] = {"text": "text", "txt": "text", "markdown": "markdown",
                                  "md": "markdown", "html": "html", "htm": "html"}
_EXTENSIONS: dict[str, BodyFormat] = {".md": "markdown", ".markdown": "markdown",
                                      ".html": "html", ".htm": "html"}
DEFAULT_MAX_BYTES = 5_000_000
_FRONT_MATTER = re.compile(r"\s*---[ \t]*\n")


def format_for(path: Path | None) -> BodyFormat:
    """The story format a file name implies (plain text unless .md/.markdown/.html/.htm)."""
    if path is None:
        return "text"
    return _EXTENSIONS.get(path.suffix.lower(), "text")


def _too_large(size: int, limit: int, path: Path | None) -> StoryError:
    return StoryError(
        f"the file is too large ({size:,} bytes; the limit is {limit:,} bytes)", path=path,
        fix="split the story into parts, one file each, or raise settings.max_file_bytes")


def parse_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Story:
    """Read and parse a story file. Raises only StoryError (missing file and unreadable
    file included; a file over ``max_bytes`` is refused before it is read)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise StoryError("this is a folder, not a story file", path=path,
                             fix="give the path of a story file inside it")
        if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
            raise StoryError("this is not a regular file", path=path,
                             fix="give the path of a story file")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
            if len(data) > max_bytes:
                fh.seek(0, 2)
                raise _too_large(fh.tell(), max_bytes, path)
    except (FileNotFoundError, NotADirectoryError):
        raise StoryError("the file does not exist", path=path,
                         fix="check the file name and folder") from None
    except PermissionError:
        raise StoryError("the file cannot be read (permission denied)", path=path,
                         fix="make the file readable by the user running crosspost") from None
    except OSError as exc:
        raise StoryError(f"the file cannot be read: {exc.strerror or exc}", path=path,
                         fix="check that the file is a readable story file") from None
    return parse_bytes(data, path=path)


def parse_bytes(data: bytes, *, path: Path | None = None, fmt: str | None = None,
                max_bytes: int | None = None) -> Story:
    """Parse a story from bytes. ``path`` is used for messages and for the default format;
    ``fmt`` ("text" | "markdown" | "html") overrides the extension. Raises only StoryError."""
    try:
        return _parse(data, path=path, fmt=fmt, max_bytes=max_bytes)
    except StoryError:
        raise
    except (RecursionError, MemoryError):
        raise StoryError("the file is too complex to read (nested too deeply or too large)",
                         path=path, fix="simplify the file: plain text or simple HTML") from None
    except Exception as exc:  # a parser bug must not take the daemon down
        log.exception("parser bug on %s", path)
        raise StoryError(f"the story could not be read (internal error: {type(exc).__name__})",
                         path=path, fix="please report this with the file attached; "
                                        "saving it as plain text may work around it") from None


def _parse(data: bytes, *, path: Path | None, fmt: str | None,
           max_bytes: int | None) -> Story:
    """The parser without its safety net (property tests call this one directly)."""
    if path is not None and not isinstance(path, Path):
        path = Path(path)
    if fmt is None:
        body_format = format_for(path)
    elif fmt.lower() in FORMATS:
        body_format = FORMATS[fmt.lower()]
    else:
        raise StoryError(f"unknown story format {fmt!r}", path=path,
                         fix="use one of: text, markdown, html")
    if max_bytes is not None and len(data) > max_bytes:
        raise _too_large(len(data), max_bytes, path)
    decoded = decode(bytes(data), path)
    text = decoded.text
    if not text or text.isspace():  # (no stripped copy of the whole text)
        raise StoryError("the file holds only blank lines", path=path,
                         fix="write a header (Title: …), a *** line, then the story")
    header: Header
    body: Body
    if body_format == "html":
        from crosspost.story.parse.html import parse_html

        header, body = parse_html(text, path, clean=True)
    elif body_format == "markdown":
        from crosspost.story.parse.markdown import parse_markdown

        header, body = parse_markdown(text, path)
    elif _FRONT_MATTER.match(text):
        from crosspost.story.parse.markdown import (
            parse_markdown,  # a text file with YAML-style front matter
        )

        header, body = parse_markdown(text, path, lenient=True)
    else:
        lines = Lines(text)
        split = split_header(lines, path)
        header = split.header.build()
        require_title(header, path, split.header_line)
        body = slice_body(lines, split.body_start, path)
    extra = text_markup_warnings(body.text, body.line) if body_format == "text" else []
    return Story(
        fields=header.fields,
        body=body.text,
        body_format=body_format,
        path=path,
        labels=header.labels,
        warnings=(*decoded.warnings, *header.warnings, *extra),
        releases=header.releases,
        body_line=body.line,
        raw_sha256=hashlib.sha256(data).hexdigest(),
        cut=body.cut,
    )
