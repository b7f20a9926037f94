"""Logical lines of an HTML story and the header found in them: shared by the two HTML
readers (the linear scanner of :mod:`.htmlscan` and the BeautifulSoup tree of :mod:`.html`).

A :class:`Line` is what a reader makes of the document between two line breaks (``<br>``,
a block element's edges, ``<hr>``; newlines too in LJ-style markup): its text, the node it
starts at (``leaf``: whatever the reader uses as a node) and its line number.
:func:`read_header` applies the header rules to the lines; both readers call it, so the
header fields, warnings and errors cannot differ between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

from crosspost.errors import StoryError
from crosspost.story.fields import lookup
from crosspost.story.parse.decode import clean_text
from crosspost.story.parse.fences import FENCE_SYMBOLS, MAX_FENCE_LEN, is_fence
from crosspost.story.parse.header import (
    MAX_NAME,
    Header,
    HeaderBuilder,
    match_header,
    require_title,
)

BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "html", "li", "lj-cut", "cut", "lj-raw", "main", "nav", "ol", "p",
    "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul"
})
SKIP = frozenset({
    "head", "script", "style", "title", "noscript", "template", "textarea", "select"
})
MEDIA = frozenset({
    "img", "video", "audio", "iframe", "embed", "object", "svg", "picture"
})
CELL = frozenset(("td", "th"))
CONTAINERS = frozenset({
    "[document]", "html", "body", "div", "article", "section", "main", "td", "th", "blockquote"
})


#: What :func:`.decode.clean_text` removes (a lone surrogate becomes U+FFFD: it stays).
CLEANED = frozenset([*map(chr, range(0x20)), "\x7f", "\ufffe", "\uffff"])


#: What a fence's text can start with (see :func:`.fences.is_fence`).
_FENCE_FIRST = frozenset(FENCE_SYMBOLS + "oO0xX<")
#: Characters of a line's start that tell a header line (a name of at most MAX_NAME
#: characters, then the colon) and a fence (at most MAX_FENCE_LEN characters).
HEAD = 2 * max(MAX_NAME, MAX_FENCE_LEN)


class Line:
    """One logical line: ``parts`` (its strings), ``leaf`` (the node it starts at: a tag or
    a string), ``offset`` (where it starts inside ``leaf`` when that is a string), ``line``
    (its line number), ``hr`` (an ``<hr>``), ``media`` (holds an image, a video …)."""

    __slots__ = ("_head", "_joined", "_named", "_text", "hr", "leaf", "line", "media",
                 "offset", "parts", "shown")
    #: what makes the strings' text clean (:func:`.decode.clean_text`)
    _clean: Callable[[str], str] = staticmethod(clean_text)

    def __init__(self, leaf: Any = None, line: int = 1, hr: bool = False,
                 part: str | None = None) -> None:
        """``part``: the line's one string (the line is complete)."""
        self.parts: list[str] = [] if part is None else [part]
        self.leaf = leaf
        self.offset = 0
        self.line = line
        self.hr = hr
        self.media = False
        self._joined: str | None = part
        self._text: str | None = None
        self._head: str | None = None
        self._named: tuple[str, str] | bool | None = False  # False: not looked at yet
        self.shown = False  # known not blank (a reader may tell at once)

    @property
    def joined(self) -> str:
        """The line's strings as they are (read once the line is complete)."""
        joined = self._joined
        if joined is None:
            parts = self.parts
            joined = self._joined = parts[0] if len(parts) == 1 else "".join(parts)
        return joined

    @property
    def text(self) -> str:
        """The line's words, single-spaced."""
        text = self._text
        if text is None:
            joined = self._joined
            if joined is None:
                joined = self.joined
            text = self._text = " ".join(self._clean(joined).split())
        return text

    def _first(self) -> str:
        """The first character of :attr:`text` ("" if none), or CLEANED[0] when that is
        not sure without :attr:`text` (the first character shown is one clean_text drops)."""
        shown = self.joined.lstrip()[:1]
        return shown if shown not in CLEANED else "\x00"

    @property
    def blank(self) -> bool:
        if self.shown or self.hr or self.media:
            return False
        first = self._first()
        if first == "\x00":
            return not self.text
        return not first  # clean_text only takes characters away, never the first shown

    @property
    def head(self) -> str:
        """The start of :attr:`text`: all of it when short, else at least :data:`HEAD`
        characters (made from a prefix of the parts: a long paragraph costs no more than
        a short one). Enough to tell a header line or a fence."""
        head = self._head
        if head is None:
            joined = self._joined
            if joined is None:
                joined = self.joined
            if len(joined) <= 2 * HEAD:
                head = self.text
            else:
                start = " ".join(self._clean(joined[:2 * HEAD]).split())
                # the last character may be cut (a word, a surrogate pair): not counted
                head = start[:HEAD] if len(start) > HEAD else self.text
            self._head = head
        return head

    @property
    def fence(self) -> bool:
        if self.hr:
            return True
        first = self._first()
        if first and first != "\x00" and first not in _FENCE_FIRST:
            return False  # a fence starts with a fence symbol, a word fence's letter or "<"
        return is_fence(self.head)  # a fence is short: HEAD tells


class CleanLine(Line):
    """A line of a document known to hold nothing :func:`.decode.clean_text` takes out (the
    HTML fast path checks that first): its text is not cleaned again."""

    __slots__ = ()
    _clean = staticmethod(str)


class LazyLines(Sequence[Line]):
    """A reader's lines, some of them still the index of the node they are (the HTML fast
    path's plain paragraphs), made a :class:`Line` by ``make`` when first read: the header
    search and the body's edges read a few, the many paragraphs between are never read."""

    __slots__ = ("_items", "_make")

    def __init__(self, items: list[Line | int], make: Callable[[int], Line]) -> None:
        self._items = items
        self._make = make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, k: int) -> Line: ...

    @overload
    def __getitem__(self, k: slice) -> list[Line]: ...

    def __getitem__(self, k: int | slice) -> Line | list[Line]:
        item = self._items[k]
        if type(item) is int:
            item = self._items[k] = self._make(item)  # type: ignore[index]
        elif type(k) is slice:
            return [self[j] for j in range(*k.indices(len(self._items)))]
        return item  # type: ignore[return-value]

    def leaf(self, k: int) -> Any:
        """``self[k].leaf`` without making the line."""
        item = self._items[k]
        return item if isinstance(item, int) else item.leaf


def _named(line: Line) -> tuple[str, str] | None:
    """``match_header`` on the line's start; a line whose start holds no colon where a
    name can end is no header line (the text is single-spaced: a name, its marks and a
    space come first)."""
    found = line._named
    if found is False:
        found = None
        joined = line._joined
        if joined is None:
            joined = line.joined
        if ":" in joined:  # (clean_text and spacing never add a colon)
            head = line._head
            if head is None:
                head = line.head
            if ":" in head[:MAX_NAME + 6]:
                found = match_header(head)
        line._named = found
    return found  # type: ignore[return-value]


def _find_header(lines: Sequence[Line]) -> tuple[int, int] | None:
    """(first, end) indexes of the header run among non-blank ``lines``: the first run of
    header lines holding a Title (else any known field)."""
    runs: list[tuple[int, int, bool, bool]] = []
    i, n = 0, len(lines)
    while i < n:
        if _named(lines[i]) is None:
            i += 1
            continue
        j, title, known = i, False, False
        while j < n and (m := _named(lines[j])) is not None:
            spec = lookup(m[0])
            known = known or spec is not None
            title = title or (spec is not None and spec.key == "title")
            j += 1
        if title:
            return i, j
        runs.append((i, j, title, known))
        i = j
    for first, end, _title, known in runs:
        if known:
            return first, end
    return None


#: How far past an odd line the header may go on (to its fence) in HTML.
_LOOKAHEAD = 12


def _extend_header(lines: Sequence[Line], end: int) -> int:
    """A header value broken over several lines (``<b>Summary:</b> one<br>two<br>``) ends
    the header run early; when a fence follows within a few lines and a known field comes
    before it, the odd lines are continuations and the header ends at that fence."""
    while end < len(lines) and not lines[end].fence:
        # the fence first (cheap: a line's first character tells), then the fields before it
        stop = min(end + _LOOKAHEAD, len(lines))
        fence = next((j for j in range(end, stop) if lines[j].fence), None)
        if fence is None or not any((m := _named(lines[j])) is not None
                                    and lookup(m[0]) is not None for j in range(end, fence)):
            return end
        end = fence
    return end


def read_header(lines: Sequence[Line], path: Path | None) -> tuple[Header, int, int, int]:
    """The header read from the non-blank ``lines``: (header, index of its first line, index
    past its last line, index of the body's first line). StoryError when there is no header,
    no title or no story after it."""
    found = _find_header(lines)
    if found is None:
        at = lines[0].line if lines else 1
        raise StoryError("no header found: no 'Title: …' style lines before the story",
                         path=path, line=at,
                         fix="put the header first, one field per line (e.g. '<b>Title:</b> "
                             "My Story<br>'), then an <hr> and the story")
    first, end = found
    end = _extend_header(lines, end)
    builder = HeaderBuilder()
    for k in range(first, end):
        ln = lines[k]
        named = ln._named  # the search's match, when it was made on the whole line
        m = named if isinstance(named, tuple) and len(ln.joined) <= 2 * HEAD else (
            match_header(ln.text))
        if m is None:
            builder.extend(ln.text)  # a value that goes on over a line break
        else:
            builder.add(m[0], m[1], ln.line)
    header = builder.build()
    require_title(header, path, lines[first].line)
    start = end
    while start < len(lines) and lines[start].fence:
        start += 1
    if start >= len(lines):
        raise StoryError("no story text after the header", path=path,
                         line=lines[end - 1].line,
                         fix="write the story below the header and its <hr> (or *** line)")
    return header, first, end, start
