"""A linear, tree-less reading of an HTML document, exactly as BeautifulSoup (``html.parser``)
would build it, for the documents where that is sure; :class:`.htmltags.Decline` for any other.

:func:`tokenize` makes one forward pass (every search moves on) and returns a flat
:class:`Doc`: start tags, end tags, texts, comments in document order, each linked to its
parent, each start tag to its end. The tree is bs4's: no element is closed implicitly by a
start tag (``<p>a<p>b`` nests), an end tag closes the nearest open element of its name and
all inside it, an end tag with nothing of its name open is dropped, what is still open at
the end is closed there. Texts are bs4's strings: the characters between two tags or
comments, entities decoded, a run of only white space turned into one newline (or one
space). A plain paragraph (``<p>`` showing text, with ``<em>``-like inline elements only,
no entity, nothing bs4 would write otherwise) is one PARA token, read at C speed; plain
paragraphs one per line (a story's body, mostly) are found by one match of the split.

Declined: whatever :mod:`.htmltags` declines (unusual tag, attribute or entity syntax), a
``<`` that could start something, comments holding ``--`` or never closed, CDATA,
processing instructions, declarations other than a doctype, script/style text holding
``</`` (a script's also ``<!--`` or ``<script``), and markup inside the elements newer
html.parser releases read as raw text (``<title>``, ``<textarea>`` …), so the result is the
same on every Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crosspost.story.markup import CUT_NAMES
from crosspost.story.parse.htmltags import (
    COMMENT,
    DOCTYPE,
    DROP,
    END,
    OTHER,
    PARA,
    PRESERVE,
    RAW,
    RAWISH,
    REF,
    SPECIAL,
    START,
    TEXT,
    VOID,
    Decline,
    check_amps,
    literal_lt,
    read_tag,
    ref,
)


@dataclass
class Doc:
    """A document as a flat list of tokens ``(kind, name, data, line, parent, begin, end)``.

    ``kind``: START/END/TEXT/COMMENT/DROP (an end tag bs4 drops: nothing of its name is
    open)/OTHER (a doctype, the raw text of a script or style); ``name``: the element's name
    (START, END); ``data``: START: (the tag as written when bs4 writes it alike, else "",
    its attributes or None), TEXT: the string as bs4 holds it, PARA: the paragraph's inside
    as written (:func:`shown_text` gives its text), COMMENT: the comment as written;
    ``line``: a START's source line; ``parent``: index of the enclosing START (-1: the
    document); ``begin``/``end``: where it is in the source (an END that closes an element
    left open takes no room). ``pair``: START ↔ END indexes (void elements have no
    END). ``odd``: the tokens bs4 does not write as they stand in the source (in order);
    ``cuts``: the writer's cut tags (in order). ``has_br_or_p``: a ``<br>``/``<p>`` anywhere.
    ``runs``: the first PARA token of each run (plain paragraphs, one per line, each showing
    text) → the index past its last: a reader takes a run as its lines at once."""

    toks: list[tuple[int, str, Any, int, int, int, int]] = field(default_factory=list)
    pair: dict[int, int] = field(default_factory=dict)
    odd: list[int] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    has_br_or_p: bool = False
    runs: dict[int, int] = field(default_factory=dict)

    def parent(self, i: int) -> int:
        return self.toks[i][4]

    def name(self, i: int) -> str:
        return self.toks[i][1]

    def kind(self, i: int) -> int:
        return self.toks[i][0]


_INLINE = "em|i|b|strong|u|s"


#: white space alone before a tag that bs4 turns into one "\n" or " " (from a tag's end)
_SHORTENED = r"(?:[ \t\n\r\f]{2,}|[\t\r\f])<"


def _plain(group: int) -> str:
    """A plain paragraph's inside: text with no markup, and inline elements holding such
    text (their name captured as ``group``); no text between two tags is white space bs4
    shortens (looked at where each text starts). (An entity or a ">" in it is looked for
    after: a pattern excluding them is three times slower.)"""
    return rf"(?:(?!{_SHORTENED})[^<]++|<({_INLINE})>(?!{_SHORTENED})[^<]*+</\{group}>)*+"


#: after "<p>": the paragraph shows text (not only white space and inline tags)
_SHOWS = rf"(?!(?:\s|</?(?:{_INLINE})>)*+</p>)"
# text, tag (or plain paragraphs, one per line: see PARA), text, tag, …, text
_SPLIT = re.compile(
    rf"(<p>{_SHOWS}{_plain(2)}</p>(?:\n<p>{_SHOWS}{_plain(3)}</p>)*+|<[^<>]*>)")
#: between two plain paragraphs of one piece
_NEXT_PARA = "</p>\n<p>"
_TAGS_ONLY = re.compile(r"(<[^<>]*>)")
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})>")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in RAW}


def _split(text: str) -> list[str]:
    pieces = _SPLIT.split(text)
    del pieces[2::4]  # the inline tag names the paragraph patterns capture
    del pieces[2::3]
    return pieces


def shown_text(inner: str) -> str:
    """A plain paragraph's text: its inside (a PARA token's data) but its inline tags."""
    return _INLINE_TAG.sub("", inner) if "<" in inner else inner


def _plain_run(piece: str, pos: int, line_no: int, top: int
               ) -> list[tuple[int, str, Any, int, int, int, int]] | None:
    """The PARA tokens of ``piece`` (plain paragraphs, one per line, the first at ``pos``
    on line ``line_no``), or None when one holds a ">" in its text (bs4 writes "&gt;")."""
    out: list[tuple[int, str, Any, int, int, int, int]] = []
    add = out.append
    for inner in piece[3:-4].split(_NEXT_PARA):
        if "<" in inner:  # inline elements: each of their tags has one ">"
            if inner.count(">") != inner.count("<"):
                return None
        elif ">" in inner:
            return None
        end = pos + len(inner) + 7
        add((PARA, "p", inner, line_no, top, pos, end))
        line_no += inner.count("\n") + 1 if "\n" in inner else 1
        pos = end + 1
    return out


def _one_by_one(piece: str) -> list[str]:
    """Plain paragraphs, one per line, as pieces of one paragraph each (and the "\n"s)."""
    out: list[str] = []
    for inner in piece[3:-4].split(_NEXT_PARA):
        out += (f"<p>{inner}</p>", "\n")
    return out[:-1]


class _Commented(Exception):
    """The document holds a comment: it is split again, comments first."""


def _pieces(text: str) -> list[str]:
    """text, tag, text, …, text: a comment is one "tag" piece, whatever it holds (found
    first, each from the end of the one before: linear)."""
    at = text.find("<!--")
    if at < 0:
        return _split(text)
    pieces: list[str] = []
    done = 0
    while at >= 0:
        end = text.find("-->", at + 4)
        if end < 0:
            raise Decline("a comment never closed")
        pieces += _split(text[done:at])
        pieces.append(text[at:end + 3])
        done = end + 3
        at = text.find("<!--", done)
    pieces += _split(text[done:])
    return pieces


def tokenize(text: str) -> Doc:
    """``text`` → :class:`Doc` (see module docstring); raises :class:`Decline`."""
    try:  # most stories hold no comment: no search for one first
        return _tokenize(text, _split(text), commented=False)
    except _Commented:
        return _tokenize(text, _pieces(text), commented=True)


def _tokenize(text: str, pieces: list[str], *, commented: bool) -> Doc:
    """:func:`tokenize` over ``pieces`` (:func:`_pieces`; or :func:`_split` when the text
    is thought to hold no comment: :class:`_Commented` when it does)."""
    doc = Doc()
    toks = doc.toks
    add = toks.append
    pair, odd = doc.pair, doc.odd
    stack: list[int] = []  # open START indexes
    names: list[str] = []  # their names (parallel)
    opened: dict[str, int] = {}  # how many of each name are open
    preserve = 0  # open <pre>/<textarea>: white space kept as is
    rawish = 0  # open elements of RAWISH: no markup inside
    pending = ""  # text not yet made a token
    pos = line_pos = 0
    line_no = 1
    top = -1  # the innermost open element
    paragraphs = False  # a PARA token made
    known: dict[str, tuple[int, str, Any, bool, bool]] = {}

    def flush(raw: str) -> None:
        data = raw
        if "&" in raw:
            check_amps(raw)
            data = REF.sub(ref, raw)
        if not preserve and not data.strip("\x20\x0a\x09\x0c\x0d"):
            data = "\n" if "\n" in data else " "
        if data is not raw or "<" in raw or ">" in raw:
            odd.append(len(toks))
        add((TEXT, "", data, 0, top, pos - len(raw), pos))

    def close(k: int, size: int = 0, verbatim: bool = False) -> int:
        """Pop stack[k:], innermost first: those above stack[k] are closed by bs4 (no
        room in the source), stack[k] by the end tag of ``size`` characters at ``pos``
        (written as it stands when ``verbatim``). Returns the new innermost element."""
        nonlocal preserve, rawish
        while len(stack) > k:
            start = stack.pop()
            name = names.pop()
            opened[name] -= 1
            if name in PRESERVE:
                preserve -= 1
            if name in RAWISH:
                rawish -= 1
            pair[start] = len(toks)
            pair[len(toks)] = start
            mine = len(stack) == k
            if not (mine and verbatim) or name in CUT_NAMES:
                odd.append(len(toks))
            add((END, name, "", 0, stack[-1] if stack else -1, pos,
                 pos + size if mine else pos))
        return stack[-1] if stack else -1

    i, n = 0, len(pieces)
    while i < n:
        piece = pieces[i]
        i += 1
        if i & 1:  # text (even places)
            if piece:
                if "<" in piece:
                    if not commented and "<!--" in piece:
                        raise _Commented
                    literal_lt(piece)
                pending = pending + piece if pending else piece
                pos += len(piece)
            continue
        size = len(piece)
        para = size > 3 and piece.startswith("<p>")  # a plain paragraph, whole
        if pending:
            if pending != "\n":
                flush(pending)
            elif not para:
                add((TEXT, "", "\n", 0, top, pos - 1, pos))
            # (a "\n" before a plain paragraph makes no token: it would begin a line the
            # paragraph ends at once, blank, and the body copies the source around tokens)
            pending = ""
        if rawish and not (piece.startswith("</") and piece[2:-1].strip().lower() in RAWISH):
            raise Decline("markup inside a raw-text element")
        if para:  # plain paragraphs, one per line (one or more)
            line_no += text.count("\n", line_pos, pos)
            line_pos = pos
            run = _plain_run(piece, pos, line_no, top) if "&" not in piece else None
            if run is None:
                if _NEXT_PARA in piece:  # one of them is not plain: each on its own
                    pieces[i - 1:i] = _one_by_one(piece)
                else:  # an entity or a ">" in the text
                    pieces[i - 1:i] = _TAGS_ONLY.split(piece)[1:-1]
                n = len(pieces)
                i -= 1
                continue
            doc.runs[len(toks)] = len(toks) + len(run)
            toks.extend(run)
            line_no, line_pos = run[-1][3], run[-1][5]
            pos += size
            paragraphs = True
            continue
        if piece.startswith("<!"):
            if piece.startswith("<!--"):
                if not commented:
                    raise _Commented
                body = piece[4:-3]
                if (not piece.endswith("-->") or size < 7 or "--" in body
                        or body.endswith("-")):
                    raise Decline("an unusual comment")
                kind = COMMENT
            elif DOCTYPE.fullmatch(piece):
                kind = OTHER
                odd.append(len(toks))
            else:
                raise Decline("a declaration other than a doctype")
            add((kind, "", piece, 0, top, pos, pos + size))
            pos += size
            continue
        found = known.get(piece)
        if found is None:
            found = known[piece] = read_tag(piece)
            if found[0] == START and found[1] in ("br", "p"):
                doc.has_br_or_p = True
        kind, name, data, closed, more = found
        if not more:  # the usual start tag: <p>, <em> …
            line_no += text.count("\n", line_pos, pos)
            line_pos = pos
            stack.append(len(toks))
            names.append(name)
            opened[name] = opened.get(name, 0) + 1
            add((START, name, data, line_no, top, pos, pos + size))
            top = stack[-1]
            pos += size
            continue
        if kind == END:
            if (names and names[-1] == name and data and name not in PRESERVE
                    and name not in CUT_NAMES and name not in RAWISH):
                # the usual case: the element just opened, closed as written
                names.pop()
                opened[name] -= 1
                start = stack.pop()
                pair[start] = len(toks)
                pair[len(toks)] = start
                top = stack[-1] if stack else -1
                add((END, name, "", 0, top, pos, pos + size))
                pos += size
                continue
            if opened.get(name):  # (bs4 too looks only when one is open: linear)
                k = len(names) - 1
                while names[k] != name:
                    k -= 1
                top = close(k, size, data)
            else:
                odd.append(len(toks))
                add((DROP, name, None, 0, top, pos, pos + size))
            pos += size
            continue
        line_no += text.count("\n", line_pos, pos)
        line_pos = pos
        idx = len(toks)
        if not data[0] or name in SPECIAL or name in CUT_NAMES:
            odd.append(idx)
            if name in CUT_NAMES:
                doc.cuts.append(idx)
        add((START, name, data, line_no, top, pos, pos + size))
        pos += size
        if name in VOID:
            continue
        stack.append(idx)
        names.append(name)
        opened[name] = opened.get(name, 0) + 1
        top = idx
        if name in PRESERVE:
            preserve += 1
        if name in RAWISH:
            rawish += 1
        if closed:  # <name/>: opened and closed at once
            top = close(len(stack) - 1)
        elif name in RAW:  # script/style: raw text up to its end tag
            begin = pos
            while i < n and not (i & 1 and _RAW_END[name].fullmatch(pieces[i])):
                if not commented and "<!--" in pieces[i]:
                    raise _Commented
                if "</" in pieces[i] or (name == "script" and (
                        "<!--" in pieces[i] or "<script" in pieces[i].lower())):
                    # (a style is raw text to its end tag in every html.parser: Word wraps
                    # its CSS in "<!-- -->"; newer releases read "<!--" in a script anew)
                    raise Decline(f"<{name}> holding '</' (or a script '<!--', '<script')")
                pos += len(pieces[i])
                i += 1
            if i >= n:
                raise Decline(f"<{name}> without an end")
            if pos > begin:
                odd.append(len(toks))
                add((OTHER, "", None, 0, idx, begin, pos))
    if pending:
        flush(pending)
    close(0)
    if paragraphs:
        doc.has_br_or_p = True
    return doc
