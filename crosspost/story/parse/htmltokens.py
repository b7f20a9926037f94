"""A linear, tree-less reading of an HTML document, exactly as BeautifulSoup (``html.parser``)
would build it, for the documents where that is sure; :class:`Decline` for any other.

:func:`tokenize` makes one forward pass (every search moves on) and returns a flat
:class:`Doc`: start tags, end tags, text, comments in document order, each start tag linked
to its parent and to its end. The tree is bs4's: no element is closed implicitly by a start
tag (``<p>a<p>b`` nests), an end tag closes the nearest open element of its name and all
inside it, an end tag with nothing of its name open is dropped, what is still open at the
end is closed there. Texts are bs4's strings: the characters between two tags or comments,
entities decoded, a run of only white space turned into one newline (or one space).

Declined (the caller falls back to the real parser): anything html.parser would read in a way
not modelled here — odd attribute syntax or duplicate attributes, tag names outside
``[a-zA-Z][a-zA-Z0-9-]*``, end tags of void elements, entities bs4 does not map one to one
(a missing ``;``, unknown names, numbers outside plain characters), a ``&`` or ``<`` that
could start something, comments holding ``--``, CDATA, processing instructions,
declarations other than a doctype, and raw text (script/style) holding ``</``.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from bs4.builder._htmlparser import HTMLParserTreeBuilder
from bs4.dammit import EntitySubstitution

from crosspost.story.markup import CUT_NAMES

START, END, TEXT, COMMENT, DROP, OTHER, PARA = range(7)
_BUILDER = HTMLParserTreeBuilder()  # bs4's own tables, as BeautifulSoup(…, "html.parser")
#: Elements bs4 never gives children (written ``<br/>``).
VOID = frozenset(_BUILDER.empty_element_tags or ())
_PRESERVE = frozenset(_BUILDER.preserve_whitespace_tags or ())
_LIST_ATTRS: dict[str, Any] = dict(_BUILDER.cdata_list_attributes or {})
_RAW = ("script", "style")
#: Elements whose strings bs4 types apart (written or tested differently): never in a body.
SPECIAL = frozenset(("script", "style", "template", "rt", "rp", "meta"))  # (meta: bs4
# writes the output encoding for its charset)
#: Elements newer html.parser releases read as raw or escapable raw text: nothing that looks
#: like markup inside them (the versions would differ).
_RAWISH = frozenset(("title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"))
_ENTITIES: dict[str, str] = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
_ASCII_SPACES = str.maketrans("", "", "\x20\x0a\x09\x0c\x0d")

_ATTR = r"""\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`/]+(?!/)))?"""
_START = re.compile(rf"<([a-zA-Z][a-zA-Z0-9-]*)((?:{_ATTR})*)\s*(/?)>")
_ONE_ATTR = re.compile(r"""\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)"""
                       r"""(?:\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'=<>`/]+)))?""")
_END = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_DOCTYPE = re.compile(r"<!doctype[^<>]*>", re.IGNORECASE)
_REF = re.compile(r"&(?:#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});|([a-zA-Z][a-zA-Z0-9]{0,31});"
                  r"|(?=[\x20\x0a\x09\x0c\x0d]))")
_NON_WS = re.compile(r"\S+")
#: What :func:`.decode.clean_text` changes (the file reader has taken them out of the text).
_CLEANED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class Decline(Exception):
    """The document holds something whose bs4 reading is not modelled here."""


@dataclass
class Doc:
    """A document as a flat list of tokens ``(kind, name, data, line, parent, begin, end)``.

    ``kind``: START/END/TEXT/COMMENT/DROP (an end tag bs4 drops: nothing of its name is
    open)/OTHER (a doctype, the raw text of a script or style); ``name``: the element's name
    (START, END); ``data``: START: (the tag as written when bs4 writes it alike, else "",
    its attributes or None), TEXT: the string as bs4 holds it, COMMENT: the comment as
    written; ``line``: a START's source line; ``parent``: index of the enclosing START (-1:
    the document); ``begin``/``end``: where it is in the source (an END that closes an
    element left open takes no room). ``pair``: START ↔ END indexes (void elements have no
    END). ``odd``: the tokens bs4 does not write as they stand in the source (in order);
    ``cuts``: the writer's cut tags (in order). ``has_br_or_p``: a ``<br>``/``<p>`` anywhere."""

    toks: list[tuple[int, str, Any, int, int, int, int]] = field(default_factory=list)
    pair: dict[int, int] = field(default_factory=dict)
    odd: list[int] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    has_br_or_p: bool = False

    def parent(self, i: int) -> int:
        return self.toks[i][4]

    def name(self, i: int) -> str:
        return self.toks[i][1]

    def kind(self, i: int) -> int:
        return self.toks[i][0]


def _ref(m: re.Match[str]) -> str:
    dec, hexa, name = m.group(1, 2, 3)
    if name is not None:
        char = _ENTITIES.get(name)
        if char is None or len(char) != 1:
            raise Decline(f"entity &{name};")
        return char
    if dec is None and hexa is None:
        return "&"  # a lone "&" before white space stays itself
    num = int(dec) if dec is not None else int(hexa, 16)
    if 32 <= num < 127 or 160 <= num < 0xD800 or 0xE000 <= num < 0xFDD0 or 0xFDF0 <= num < 0xFFFE:
        return chr(num)
    raise Decline(f"character reference {num}")


def _check_amps(raw: str) -> None:
    """Every ``&`` in ``raw`` must start one of the references :data:`_REF` reads."""
    pos = raw.find("&")
    while pos >= 0:
        if _REF.match(raw, pos) is None:
            raise Decline("a '&' that is not a plain entity")
        pos = raw.find("&", pos + 1)


def opening(name: str, attrs: list[tuple[str, str]], void: bool) -> str:
    """The start tag as bs4 writes it: attributes sorted, values escaped and quoted alike."""
    parts = ["<", name]
    lists = _LIST_ATTRS.get(name, ()), _LIST_ATTRS.get("*", ())
    for key, value in sorted(attrs):
        if key in lists[0] or key in lists[1]:
            value = " ".join(_NON_WS.findall(value))
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        quote = '"'
        if '"' in value:
            if "'" in value:
                value = value.replace('"', "&quot;")
            else:
                quote = "'"
        parts.append(f" {key}={quote}{value}{quote}")
    parts.append("/>" if void else ">")
    return "".join(parts)


def _attrs(raw: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen = set()
    for m in _ONE_ATTR.finditer(raw):
        key = m.group(1).lower()
        if key in seen:
            raise Decline(f"attribute {key!r} given twice")
        seen.add(key)
        value = m.group(2)
        if value is None:
            value = m.group(3)
        if value is None:
            value = m.group(4) or ""
        if "&" in value:
            value = html.unescape(value)
            if _CLEANED.search(value):  # a control from a reference: clean_text would drop it
                raise Decline("a control character in an attribute")
        out.append((key, value))
    return out


_INLINE = "em|i|b|strong|u|s"
# text, tag (or a plain paragraph: see PARA), text, tag, …, text
_SPLIT = re.compile(rf"(<p>(?:[^<]++|<({_INLINE})>[^<]*+</\2>)*+</p>|<[^<>]*>)")
_TAGS_ONLY = re.compile(r"(<[^<>]*>)")
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})>")
# white space alone between two tags that bs4 turns into one "\n" or " "
_SHORTENED = re.compile(r">(?:[ \t\n\r\f]{2,}|[\t\r\f])<")
_LOWER_PLAIN = re.compile(r"<[a-z][a-z0-9-]*>")
_RAW_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _RAW}


def _tag(chunk: str) -> tuple[int, str, Any, bool, bool]:
    """A ``<…>`` chunk → (START or END, name, START's data or END's "written as bs4 writes
    it", written ``<name/>``, a START that needs more than opening an element)."""
    if chunk.startswith("</"):
        m = _END.fullmatch(chunk)
        if m is None:
            raise Decline("an end tag written in an unusual way")
        name = m.group(1).lower()
        if name in VOID:
            raise Decline(f"</{name}>")
        return END, name, chunk == f"</{name}>", False, True
    m = _START.fullmatch(chunk)
    if m is None:
        raise Decline("a tag written in an unusual way")
    name = m.group(1).lower()
    attrs = _attrs(m.group(2)) if m.group(2) else None
    plain = attrs is None and name not in VOID and _LOWER_PLAIN.fullmatch(chunk)
    closed = bool(m.group(3))
    if name == "plaintext":
        raise Decline("<plaintext>")
    usual = (plain and not closed and name not in SPECIAL and name not in CUT_NAMES
             and name not in _PRESERVE and name not in _RAWISH)
    return START, name, (chunk if plain else "", attrs), closed, not usual


def _literal_lt(piece: str) -> None:
    """Each ``<`` in a text piece must be one html.parser keeps as text ("<3", "a < b")."""
    at = piece.find("<")
    while at >= 0:
        nxt = piece[at + 1:at + 2]
        if not nxt or nxt in "!?/" or nxt.isalpha():
            raise Decline("a '<' html.parser reads in an unusual way")
        at = piece.find("<", at + 1)


def tokenize(text: str) -> Doc:
    """``text`` → :class:`Doc` (see module docstring); raises :class:`Decline`."""
    doc = Doc()
    toks = doc.toks
    add = toks.append
    pair, odd = doc.pair, doc.odd
    stack: list[int] = []  # open START indexes
    names: list[str] = []  # their names (parallel)
    opened: dict[str, int] = {}  # how many of each name are open
    preserve = 0  # open <pre>/<textarea>: white space kept as is
    rawish = 0  # open elements of _RAWISH: no markup inside
    pending = ""  # text not yet made a token
    pos = line_pos = 0
    line_no = 1
    top = -1  # the innermost open element
    paragraphs = False  # a PARA token made
    known: dict[str, tuple[int, str, Any, bool, bool]] = {}

    def flush(raw: str) -> None:
        data = raw
        if "&" in raw:
            _check_amps(raw)
            data = _REF.sub(_ref, raw)
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
            if name in _PRESERVE:
                preserve -= 1
            if name in _RAWISH:
                rawish -= 1
            pair[start] = len(toks)
            pair[len(toks)] = start
            mine = len(stack) == k
            if not (mine and verbatim) or name in CUT_NAMES:
                odd.append(len(toks))
            add((END, name, "", 0, stack[-1] if stack else -1, pos,
                 pos + size if mine else pos))
        return stack[-1] if stack else -1

    pieces = _SPLIT.split(text)
    del pieces[2::3]  # the inline tag name the paragraph pattern captures
    shortened = [m.start() for m in _SHORTENED.finditer(text)]
    i, n = 0, len(pieces)
    while i < n:
        piece = pieces[i]
        i += 1
        if i & 1:  # text (even places)
            if piece:
                if "<" in piece:
                    _literal_lt(piece)
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
        if rawish and not (piece.startswith("</") and piece[2:-1].strip().lower() in _RAWISH):
            raise Decline("markup inside a raw-text element")
        if para:
            if ("&" in piece or piece.count(">") != piece.count("<") or (
                    shortened
                    and bisect_left(shortened, pos + size - 1) > bisect_left(shortened, pos))):
                # an entity, a ">" in the text or white space bs4 shortens: piece by piece
                pieces[i - 1:i] = _TAGS_ONLY.split(piece)[1:-1]
                n = len(pieces)
                i -= 1
                continue
            line_no += text.count("\n", line_pos, pos)
            line_pos = pos
            inner = piece[3:-4]
            add((PARA, "p", _INLINE_TAG.sub("", inner) if "<" in inner else inner, line_no,
                 top, pos, pos + size))
            pos += size
            paragraphs = True
            continue
        if piece.startswith("<!"):
            if piece.startswith("<!--"):
                body = piece[4:-3]
                if (not piece.endswith("-->") or size < 7 or "--" in body
                        or body.endswith("-")):
                    raise Decline("an unusual comment")
                kind = COMMENT
            elif _DOCTYPE.fullmatch(piece):
                kind = OTHER
                odd.append(len(toks))
            else:
                raise Decline("a declaration other than a doctype")
            add((kind, "", piece, 0, top, pos, pos + size))
            pos += size
            continue
        found = known.get(piece)
        if found is None:
            found = known[piece] = _tag(piece)
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
            if (names and names[-1] == name and data and name not in _PRESERVE
                    and name not in CUT_NAMES and name not in _RAWISH):
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
        if name in _PRESERVE:
            preserve += 1
        if name in _RAWISH:
            rawish += 1
        if closed:  # <name/>: opened and closed at once
            top = close(len(stack) - 1)
        elif name in _RAW:  # script/style: raw text up to its end tag
            begin = pos
            while i < n and not (i & 1 and _RAW_END[name].fullmatch(pieces[i])):
                if "</" in pieces[i] or "<!--" in pieces[i] or "<script" in pieces[i].lower():
                    raise Decline(f"<{name}> holding '</', '<!--' or '<script'")
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
