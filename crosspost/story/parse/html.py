"""HTML stories: a saved post (or a hand-written page) whose header is ``Name: value`` lines.

::

    <b>Title:</b> Come Back and Stay<br>
    <b>Author:</b> someone<br>
    <hr>                              ← or a "***" paragraph, or nothing
    <p>The story…</p>

The document is read as BeautifulSoup (``html.parser``) reads it and walked *without
recursion* (deeply nested input is fine) into logical lines: ``<br>`` and block elements
break lines (and newlines too in LJ-style markup, which has no ``<br>`` or ``<p>`` at all
because the site turns newlines into line breaks); bold or not does not matter (``<b>Title:</b>
X`` reads "Title: X").
The header is the first run of header lines that holds a known field (page chrome before
it is skipped); it ends at an ``<hr>``/fence line or at the first line that is not a header
line (:mod:`.htmllines`). The body is the HTML fragment from there on (header and page
chrome before it are cut away), with a closing fence dropped. ``body_format`` is "html"; the
renderer sanitises it.

The writer's own cut (``<lj-cut text="…">`` or DW's ``<cut>``) is taken out of the body and
recorded as :class:`~crosspost.story.model.Cut` (where it starts, its text): see :mod:`.htmlcut`.

Two readers, one result. :func:`parse_html` first tries the fast path (:mod:`.htmlscan` over
the flat tokens of :mod:`.htmltokens`: one forward pass, no tree, the body copied from the
source wherever bs4 would write the same bytes); it gives exactly what the tree path gives —
header fields, warnings and line numbers, the body byte for byte (``Story.content_hash``
hashes it), its start line and cut. It declines (returns None) whenever it is not sure:
markup html.parser reads in an unusual way (odd attribute syntax, duplicate attributes,
entities bs4 does not map one to one, a ``<`` or ``&`` that could start something, CDATA,
marked sections such as Word's ``<![if !supportLists]>``, processing instructions), a
writer's cut inside an element (the tree path splits that element in two), a cut inside an
element the sanitiser drops, a script, style, template or ruby text inside the body, and
any file that is not a story (no header, no title, no body: the tree path words the
error). Then :func:`parse_html_tree` builds the
BeautifulSoup tree as before. The complexity guard (:mod:`.htmlcost`) runs first either
way, unless the file has too few ``<`` to pass any of its limits.

bs4 is imported by the HTML modules only, so the plain-text path never pays for it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from crosspost.story.parse.header import Header
from crosspost.story.parse.htmlcost import cannot_be_too_complex, refuse_if_too_complex
from crosspost.story.parse.htmlcut import lead_cut, take_cut
from crosspost.story.parse.htmllines import (
    BLOCK,
    CELL,
    CONTAINERS,
    MEDIA,
    SKIP,
    Line,
    read_header,
)
from crosspost.story.parse.htmlscan import scan_html
from crosspost.story.parse.text import Body


def _quiet_bs4() -> None:
    """bs4 warns when markup looks like a file name, a URL or XML: not the writer's concern
    (this module is imported only when an HTML story is parsed)."""
    from bs4 import MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    for category in (MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning):
        warnings.filterwarnings("ignore", category=category)


_quiet_bs4()


def _walk(root: Any, newline_breaks: bool) -> list[Line]:
    """Document → logical lines, iteratively (no recursion, any nesting depth).
    ``newline_breaks``: a newline in the text ends a line too (LJ-style markup). Before the
    first ``<br>``, ``<hr>`` or block element it always does: a header written as plain
    lines above ``<p>`` paragraphs is read line by line."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    out: list[Line] = []
    cur = Line()
    line_no = 1
    leading = True  # no <br>, <hr> or block element met yet

    def flush() -> Line:
        if cur.leaf is not None or cur.parts:
            out.append(cur)
        return Line(line=line_no)

    stack: list[tuple[Any, bool]] = [(c, True) for c in reversed(root.contents)]
    while stack:
        node, entering = stack.pop()
        if isinstance(node, Tag):
            if not entering:
                cur = flush()
                continue
            if node.sourceline:
                line_no = node.sourceline
            name = node.name
            if name in SKIP:
                continue
            if leading and (name in ("br", "hr") or name in BLOCK):
                leading = False
            if name == "br":
                cur = flush()
                continue
            if name == "hr":
                cur = flush()
                out.append(Line(leaf=node, line=line_no, hr=True))
                cur = Line(line=line_no)
                continue
            if name in BLOCK:
                cur = flush()
                cur.leaf, cur.line = node, line_no
                stack.append((node, False))
            elif cur.leaf is None:
                cur.leaf, cur.line = node, line_no
            if name in MEDIA:
                cur.media = True
            elif name in CELL:
                cur.parts.append(" ")
            stack.extend((c, True) for c in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            pos = 0
            text = str(node)
            if not (newline_breaks or leading):
                if cur.leaf is None:
                    lead = len(text) - len(text.lstrip())
                    cur.leaf, cur.line = node, line_no + text.count("\n", 0, lead)
                cur.parts.append(text)
                line_no += text.count("\n")
                continue
            for idx, part in enumerate(text.split("\n")):
                if idx:
                    cur = flush()
                    line_no += 1
                    cur.line = line_no
                if cur.leaf is None:
                    cur.leaf, cur.offset, cur.line = node, pos, line_no
                cur.parts.append(part)
                pos += len(part) + 1
    flush()
    return out


def _ancestors(node: Any) -> list[Any]:
    return [node, *node.parents]


def _container(a: Any, b: Any) -> Any:
    seen = {id(n) for n in _ancestors(a)}
    for node in _ancestors(b):
        if id(node) in seen and getattr(node, "name", None) in CONTAINERS:
            return node
    return _ancestors(b)[-1]


def _cut_before(line: Line, container: Any) -> None:
    from bs4 import NavigableString

    node = line.leaf
    if line.offset:
        rest = NavigableString(str(node)[line.offset:])
        node.replace_with(rest)
        node = rest
    while node is not container and node.parent is not None:
        for sib in list(node.previous_siblings):
            sib.extract()
        node = node.parent


def _cut_from(line: Line, container: Any) -> Any:
    """Remove ``line`` and everything after it; returns the string node that replaced the
    line's leaf when the cut fell inside a string (else None)."""
    from bs4 import NavigableString

    leaf = line.leaf
    parent = leaf.parent
    kept = None
    for sib in list(leaf.next_siblings):
        sib.extract()
    if line.offset:
        kept = NavigableString(str(leaf)[:line.offset])
        leaf.replace_with(kept)
    else:
        leaf.extract()
    node = parent
    while node is not None and node is not container:
        for sib in list(node.next_siblings):
            sib.extract()
        node = node.parent
    while (parent is not None and parent is not container
           and not parent.get_text(strip=True) and parent.find(list(MEDIA)) is None):
        up = parent.parent
        parent.extract()
        parent = up
    return kept


def parse_html(text: str, path: Path | None, *, clean: bool = False) -> tuple[Header, Body]:
    """Split an HTML story into its header fields and body HTML (see module docstring).
    ``clean``: ``text`` comes from :func:`.decode.decode` (no control character left)."""
    if not cannot_be_too_complex(text):
        refuse_if_too_complex(text, path)
    fast = scan_html(text, path, clean=clean)
    if fast is not None:
        return fast
    return parse_html_tree(text, path, guarded=True)


def parse_html_tree(text: str, path: Path | None, *,
                    guarded: bool = False) -> tuple[Header, Body]:
    """:func:`parse_html` through a BeautifulSoup tree: the general case. ``guarded``: the
    complexity guard has run (or cannot refuse ``text``)."""
    from bs4 import BeautifulSoup

    if not guarded:
        refuse_if_too_complex(text, path)

    soup = BeautifulSoup(text, "html.parser")
    # LJ-style markup (no <br> or <p> anywhere: the site turns newlines into line breaks)
    # breaks lines at newlines; anywhere else a newline is just a space, as in any HTML.
    newline_breaks = soup.find(("br", "p")) is None
    lines = [ln for ln in _walk(soup, newline_breaks) if not ln.blank]
    header, first, end, start = read_header(lines, path)
    lead = lead_cut(lines[end - 1].leaf, lines[start].leaf)
    container = _container(lines[first].leaf, lines[start].leaf)
    ids = {id(n) for n in container.descendants}
    inside = [ln for ln in lines[start:] if id(ln.leaf) in ids]
    stop = len(inside)
    while stop > 1 and inside[stop - 1].fence:
        stop -= 1
    body_start = lines[start]
    if stop < len(inside):
        kept = _cut_from(inside[stop], container)
        if kept is not None and body_start.leaf is inside[stop].leaf:
            body_start.leaf = kept  # both cuts fall inside one string
    _cut_before(body_start, container)
    body, cut = take_cut(soup, container, lead, header.warnings)
    return header, Body(body, lines[start].line, cut)
