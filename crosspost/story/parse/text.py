"""The plain-text story format (and Markdown files without YAML front matter).

::

    Title: Come Back and Stay        ← header: "Name: value" lines
    By: someone
    Summary: a long summary that
      goes on on an indented line    ← continues the field above (joined with a space)
                                     ← (optional blank line)
    ***                              ← a fence ends the header (any common fence)
    The story…
    * * *                            ← a fence inside the body is a scene break (kept)
    …the end.
    ***                              ← an optional closing fence (dropped)

Without a fence, a blank line ends the header. A blank line followed by more header lines
(or indented continuation lines) that lead to a fence keeps the header going, as long as one
of those lines is a known field: ``Summary:`` set apart by blank lines, or a Summary of
several indented paragraphs, stays in the header. A fence before the first header line is
accepted; a text file that starts with real YAML front matter (``---`` … ``---``, e.g. with
lists) is read like a Markdown file's front matter (``crosspost.story.parse.markdown``).

Line based and regex driven (no HTML or YAML library): this path must be fast, and only the
header is scanned line by line; the body is sliced out of the text as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crosspost.errors import StoryError
from crosspost.story.fields import lookup
from crosspost.story.markup import (
    CUT_NAMES,
    DROPPED_WITH_CONTENT,
    OTHER_ELEMENTS,
    TAG_RE,
    TEXT_TAGS,
    USER_TAGS,
)
from crosspost.story.model import Cut, ParseWarning, cut_warning
from crosspost.story.parse.fences import MAX_FENCE_LEN, is_fence
from crosspost.story.parse.header import HeaderBuilder, match_header, release_target

_START_FIX = ("start the file with header lines such as 'Title: My Story' and 'Author: me', "
              "then a line of *** and the story")


class Lines:
    """Lazy line access by 0-based index over a text (only the header is ever split)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        self._done = False

    def start(self, i: int) -> int | None:
        """Offset of line ``i`` in the text, or None past the end."""
        while len(self._starts) <= i and not self._done:
            nl = self.text.find("\n", self._starts[-1])
            if nl < 0:
                self._done = True
            else:
                self._starts.append(nl + 1)
        return self._starts[i] if i < len(self._starts) else None

    def get(self, i: int) -> str | None:
        """Line ``i`` without its newline, or None past the end."""
        s = self.start(i)
        if s is None:
            return None
        e = self.text.find("\n", s)
        return self.text[s:] if e < 0 else self.text[s:e]

    def next_nonblank(self, i: int) -> int | None:
        while (line := self.get(i)) is not None:
            if line.strip():
                return i
            i += 1
        return None


@dataclass
class Split:
    """Where the header and body are in a text (0-based line indexes)."""

    header: HeaderBuilder
    header_line: int  # 1-based line of the first header line
    body_start: int | None  # 0-based index of the first body line, None: no body


def _shown(line: str) -> str:
    return repr(line[:60] + ("…" if len(line) > 60 else ""))


def _continues_header(lines: Lines, j: int) -> int | None:
    """After a blank line inside the header: the index of the fence that ends the header
    when lines ``j``… are all header lines or indented continuations up to a fence, one of
    them a known field (so a story whose first lines look like "Name: value" stays story)."""
    known = False
    while (line := lines.get(j)) is not None:
        if is_fence(line):
            return j if known else None
        if line.strip() and line[0] not in " \t":
            m = match_header(line)
            if m is None:
                return None
            known = known or lookup(m[0]) is not None or release_target(m[0]) is not None
        j += 1
    return None


def split_header(lines: Lines, path: Path | None, *, first_line: int = 1,
                 strict: bool = True) -> Split:
    """Read the header at the top of ``lines`` (see the module docstring).

    ``first_line`` numbers line 0 (for front matter inside a bigger file). With
    ``strict=False`` there is no body to find: every line must be a header line.
    Raises StoryError for a missing header or a stray line inside it.
    """
    i = lines.next_nonblank(0)
    if i is None:
        raise StoryError("the file holds only blank lines", path=path, fix=_START_FIX)
    top = lines.get(i) or ""
    if is_fence(top):
        nxt = lines.next_nonblank(i + 1)
        if nxt is not None and match_header(lines.get(nxt) or "") is not None:
            i = nxt
            top = lines.get(i) or ""
    if match_header(top) is None:
        what = "a fence" if is_fence(top) else "story text"
        raise StoryError(
            f"no header found: the file starts with {what} ({_shown(top.strip())}) instead "
            "of 'Name: value' header lines", path=path, line=first_line + i,
            fix=_START_FIX + f" (if line {first_line + i} is the title, write 'Title: ' "
                              "before it)")
    split = Split(HeaderBuilder(), first_line + i, None)
    confirmed_until = -1
    after_blank = False
    while (line := lines.get(i)) is not None:
        if not line.strip():
            j = lines.next_nonblank(i + 1)
            if j is None:
                return split
            if strict and j >= confirmed_until:
                if is_fence(lines.get(j) or ""):
                    split.body_start = j + 1
                    return split
                fence = _continues_header(lines, j)
                if fence is None:
                    split.body_start = j
                    return split
                confirmed_until = fence
            i, after_blank = j, True
            continue
        if strict and is_fence(line):
            split.body_start = i + 1
            return split
        if line[0] in " \t":
            if after_blank:
                split.header.extend("")  # a paragraph break inside a multi-line value
            split.header.fold(line.strip())
        elif (m := match_header(line)) is not None:
            split.header.add(m[0], m[1], first_line + i)
        else:
            raise StoryError(
                f"this line inside the header is not a 'Name: value' line: {_shown(line)}",
                path=path, line=first_line + i,
                fix="write it as 'Name: value', indent it to continue the field above, or end "
                    "the header with a line of *** (or a blank line) before the story")
        i, after_blank = i + 1, False
    return split


@dataclass(frozen=True)
class Body:
    text: str
    line: int  # 1-based
    cut: Cut | None = None  # the writer's own cut (HTML and Markdown; text keeps it in text)


_NO_BODY_FIX = "write the story below the header and its *** line"


def slice_body(lines: Lines, start: int | None, path: Path | None, *,
               first_line: int = 1) -> Body:
    """The body from line ``start`` on: blank lines and fences at its start and end are
    dropped (the closing fence is not part of the body). Raises StoryError when empty."""
    text = lines.text
    offset = lines.start(start) if start is not None else None
    if start is None or offset is None:
        raise StoryError("no story text: the file ends inside the header", path=path,
                         line=first_line + text.rstrip().count("\n"), fix=_NO_BODY_FIX)
    line_no = first_line + start
    # Skip leading blank lines and fences (a scene break before any text is meaningless).
    while offset < len(text):
        nl = text.find("\n", offset)
        end = len(text) if nl < 0 else nl
        head = text[offset:end]
        if head.strip() and not is_fence(head):
            break
        offset = end + 1
        line_no += 1
    # Drop the closing fence (and any trailing fences or blank lines); indexes, no copies.
    end = len(text.rstrip())
    while end > offset:
        nl = text.rfind("\n", offset, end)
        line_start = offset if nl < 0 else nl + 1
        if end - line_start > MAX_FENCE_LEN or not is_fence(text[line_start:end]):
            break
        end = line_start
        while end > offset and text[end - 1] in " \t\n":
            end -= 1
    body = text[offset:end]
    if not body:
        raise StoryError("no story text after the header", path=path,
                         line=first_line + max(start - 1, 0), fix=_NO_BODY_FIX)
    return Body(body, line_no)


#: at most this many tag warnings per story (the rest are counted)
MAX_TAG_WARNINGS = 10


def text_markup_warnings(body: str, first_line: int = 1) -> list[ParseWarning]:
    """Warnings for the tags of a text body that the renderer removes, one per tag name
    (with the line of its first use), and a note on the writer's own ``<lj-cut>``."""
    if "<" not in body:
        return []
    out: list[ParseWarning] = []
    seen: set[str] = set()
    cuts = 0
    for m in TAG_RE.finditer(body):
        closing, name = m.group(1), m.group(2).lower()
        if (name in TEXT_TAGS or name in USER_TAGS or (closing and name in CUT_NAMES)
                or not (name in CUT_NAMES or name in OTHER_ELEMENTS)):
            continue
        line = first_line + body.count("\n", 0, m.start())
        if name in CUT_NAMES:
            cuts += 1
            if cuts <= 2:
                out.append(cut_warning(name, line, first=cuts == 1))
            continue
        if name in seen:
            continue
        seen.add(name)
        what = ("removed together with its content" if name in DROPPED_WITH_CONTENT
                else "removed (its text is kept)")
        out.append(ParseWarning(
            f"<{name}> is not one of the HTML tags a .txt story may use; it will be {what}",
            line, "a .txt story keeps <i>, <b>, <em>, <strong>, <u>, <s>, <a href>, <br>, "
                  "<hr>, <center>, <blockquote>, <span style> and a few more; save the "
                  "file as .html to use other markup"))
    if len(out) > MAX_TAG_WARNINGS + 1:
        extra = len(out) - MAX_TAG_WARNINGS
        out = [*out[:MAX_TAG_WARNINGS], ParseWarning(f"{extra} more HTML tag warnings")]
    return out
