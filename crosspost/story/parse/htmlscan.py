"""The fast path of the HTML reader: header and body from the flat token list of
:mod:`.htmltokens`, no tree, the same result as the BeautifulSoup path of :mod:`.html`.

It repeats that path's steps on tokens: the same logical lines (:func:`_walk` is
``html._walk`` over tokens; a plain paragraph is one token and one line), the same header
rules (:func:`.htmllines.read_header`), the same container, closing fence (and the emptied
elements around it), lead cut and writer's cut, and writes the body as bs4 would: the source
as it stands, but for the tokens bs4 writes differently (texts with entities or ``>``,
tags with attributes or in capitals, void tags as ``<br/>``, elements bs4 closes itself,
end tags it drops, the cut tags it takes out).

:func:`scan_html` returns None (the caller runs the tree path) when the document is outside
what the tokens model (see :mod:`.htmltokens`), on any error (the tree path words it), and
when the body would need what only the tree path does: a writer's cut not directly in the
container (the element it starts inside is split in two there), a cut inside an element the
sanitiser drops, or a doctype, script, style, template or ruby text inside the body.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left
from pathlib import Path

from crosspost.errors import StoryError
from crosspost.story.markup import CUT_NAMES, DROPPED_WITH_CONTENT
from crosspost.story.model import Cut, cut_warning
from crosspost.story.parse.decode import clean_text, is_clean
from crosspost.story.parse.header import Header
from crosspost.story.parse.htmllines import (
    BLOCK,
    CELL,
    CONTAINERS,
    MEDIA,
    SKIP,
    CleanLine,
    LazyLines,
    Line,
    read_header,
)
from crosspost.story.parse.htmltags import (
    COMMENT,
    DROP,
    END,
    OTHER,
    PARA,
    SPECIAL,
    START,
    TEXT,
    VOID,
    Decline,
    opening,
)
from crosspost.story.parse.htmltokens import Doc, shown_text, tokenize
from crosspost.story.parse.text import Body

_SKIPPED, _BR, _HR, _BLOCK, _MEDIA, _CELL = 1, 2, 4, 8, 16, 32
_BREAKS = _BR | _HR | _BLOCK
_ROLE: dict[str, int] = {}
for _names, _bit in ((SKIP, _SKIPPED), (("br",), _BR), (("hr",), _HR), (BLOCK, _BLOCK),
                     (MEDIA, _MEDIA), (CELL, _CELL)):
    for _name in _names:
        _ROLE[_name] = _ROLE.get(_name, 0) | _bit


def _walk(doc: Doc, newline_breaks: bool) -> list[Line | int]:
    """``html._walk`` over tokens: the document's logical lines but the blank ones, leaves
    as token indexes; a plain paragraph (it shows text) stays its token index (see
    :func:`_para_line`). The document is clean (:func:`scan_html` checked)."""
    toks, pair, runs = doc.toks, doc.pair, doc.runs
    out: list[Line | int] = []

    def end(line: Line) -> None:  # a line is complete: kept unless blank
        if line.shown or not line.blank:
            out.append(line)

    cur: Line | None = None  # a line exists once it has a leaf
    # a line begun by white space only (index, line number): made a Line only when more
    # follows on it (else it would be blank, and blank lines are dropped)
    spaced: tuple[int, int] | None = None
    line_no = 1
    skip = -1
    leading = True  # no <br>, <hr> or block element met yet: newlines end lines
    for i, tok in enumerate(toks):
        if i <= skip:
            continue
        kind = tok[0]
        if kind == TEXT:
            data = tok[2]
            if not (newline_breaks or leading):
                if cur is None:
                    if spaced is None and (data == "\n" or data == " "):
                        if data == "\n":
                            line_no += 1
                        spaced = (i, line_no)
                        continue
                    if spaced is not None:
                        cur = CleanLine(spaced[0], spaced[1])
                        cur.parts.append(toks[spaced[0]][2])
                        spaced = None
                    else:
                        lead = len(data) - len(data.lstrip())
                        cur = CleanLine(i, line_no + data.count("\n", 0, lead))
                cur.parts.append(data)
                line_no += data.count("\n")
            else:
                pos = 0
                parts = data.split("\n")
                last = len(parts) - 1
                for idx, part in enumerate(parts):
                    if idx:
                        if cur is not None:
                            end(cur)
                            cur = None
                        line_no += 1
                    if cur is None:
                        if idx < last:  # the line is this part alone
                            if part and not part.isspace():  # (else blank: dropped)
                                whole = CleanLine(i, line_no, False, part)
                                whole.offset = pos
                                whole.shown = True
                                out.append(whole)
                            pos += len(part) + 1
                            continue
                        cur = CleanLine(i, line_no)
                        cur.offset = pos
                    cur.parts.append(part)
                    pos += len(part) + 1
            continue
        if kind == PARA:  # a run of plain paragraphs, each showing text: a line each
            leading = False
            if cur is not None:
                end(cur)
                cur = None
            spaced = None
            skip = runs[i] - 1
            out.extend(range(i, skip + 1))
            tok = toks[skip]
            line_no = tok[3] + tok[2].count("\n")
            continue
        role = _ROLE.get(tok[1], 0)
        if spaced is not None:
            if kind == START and not role & _BREAKS:
                cur = CleanLine(spaced[0], spaced[1])
                cur.parts.append(toks[spaced[0]][2])
                spaced = None
            elif (kind == START and role & _BREAKS) or (kind == END and role & _BLOCK):
                spaced = None  # the line ends blank
        if kind == START:
            line_no = tok[3]
            if role & _SKIPPED:
                skip = pair.get(i, i)
                continue
            if role & _BREAKS:
                leading = False
                if cur is not None:
                    end(cur)
                    cur = None
                if role & _BR:
                    continue
                if role & _HR:
                    out.append(CleanLine(i, line_no, True))
                    continue
                cur = CleanLine(i, line_no)
            elif cur is None:
                cur = CleanLine(i, line_no)
            if role & _MEDIA:
                cur.media = True
            elif role & _CELL:
                cur.parts.append(" ")
        elif kind == END and role & _BLOCK and cur is not None:
            end(cur)
            cur = None
    if cur is not None:
        end(cur)
    return out


def _chain(doc: Doc, node: int) -> list[int]:
    """``node`` and its ancestors, innermost first, ending with -1 (the document)."""
    out = [node]
    while node >= 0:
        node = doc.parent(node)
        out.append(node)
    return out


def _between(doc: Doc, node: int, top: int) -> list[int]:
    """The ancestors of ``node`` below ``top`` (one of them, or -1), innermost first."""
    out = []
    node = doc.parent(node)
    while node != top and node >= 0:
        out.append(node)
        node = doc.parent(node)
    return out


def _container(doc: Doc, a: int, b: int) -> int:
    seen = set(_chain(doc, a))
    for node in _chain(doc, b):
        if node in seen and (node < 0 or (doc.kind(node) == START
                                          and doc.name(node) in CONTAINERS)):
            return node
    return -1  # pragma: no cover - the document holds both


def _lead_cut(doc: Doc, header_end: int, body_start: int) -> int | None:
    """``htmlcut.lead_cut`` over tokens."""
    if body_start <= header_end:
        return None
    holders = set(_chain(doc, body_start))
    for i in range(header_end + 1, body_start):
        if doc.kind(i) == START and doc.name(i) in CUT_NAMES and i not in holders:
            return i
    return None


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _render(doc: Doc, i: int, cuts: set[int]) -> str:
    """Token ``i`` as bs4 writes it (cut tags are left out)."""
    kind, name, data = doc.toks[i][:3]
    if kind == TEXT:
        return _escape(data)
    if kind == START:
        if name in SPECIAL:
            raise Decline(f"<{name}> in the body")
        if i in cuts:
            return ""
        return str(data[0] or opening(name, data[1] or [], name in VOID))
    if kind == END:
        return "" if doc.pair[i] in cuts else f"</{name}>"
    if kind == COMMENT:
        return str(data)
    if kind == DROP:
        return ""
    raise Decline("a doctype or raw text in the body")


def _write(doc: Doc, text: str, first: int, stop: int, cuts: set[int],
           mark: tuple[int, str], out: list[str]) -> None:
    """Append tokens ``first``..``stop``-1 as bs4 writes them: the source as it stands but
    for the odd tokens, leaving out the cut tags and putting ``mark[1]`` before token
    ``mark[0]`` (a cut tag: odd)."""
    toks = doc.toks
    if first >= stop:
        return
    at = toks[first][5]
    odd = doc.odd
    for k in range(bisect_left(odd, first), bisect_left(odd, stop)):
        i = odd[k]
        out.append(text[at:toks[i][5]])
        if i == mark[0]:
            out.append(mark[1])
        out.append(_render(doc, i, cuts))
        at = toks[i][6]
    out.append(text[at:toks[stop][5] if stop < len(toks) else len(text)])


def scan_html(text: str, path: Path | None, *, clean: bool = False
              ) -> tuple[Header, Body] | None:
    """``parse_html``'s result without a tree, or None when the tree path must decide (see
    module docstring). Callers run the complexity guard first. ``clean``: the caller knows
    ``text`` holds nothing :func:`.decode.clean_text` would take out."""
    if not clean and not is_clean(text):
        return None
    try:
        doc = tokenize(text)
        lines = LazyLines(_walk(doc, not doc.has_br_or_p), lambda i: _para_line(doc, i))
        try:
            header, first, end, start = read_header(lines, path)
        except StoryError:
            return None  # the tree path raises it, in its own words
        return header, _body(doc, text, lines, first, end, start, header)
    except Decline:
        return None


def _para_line(doc: Doc, i: int) -> Line:
    """The line of the plain paragraph token ``i`` (one that shows text)."""
    tok = doc.toks[i]
    line = CleanLine(i, tok[3], False, shown_text(tok[2]))
    line.shown = True
    return line


def _body(doc: Doc, text: str, lines: LazyLines, first: int, end: int, start: int,
          header: Header) -> Body:
    """``html.parse_html_tree`` from the header on, over tokens."""
    body_start = lines[start]
    s = body_start.leaf
    lead = _lead_cut(doc, lines.leaf(end - 1), s)
    box = _container(doc, lines.leaf(first), s)
    box_end = doc.pair[box] if box >= 0 else len(doc.toks)
    # the closing fence: the fence lines that end the container's lines (never its first
    # line), found from the end (the paragraphs before them are not read)
    fences: list[int] = []
    for k in range(len(lines) - 1, start - 1, -1):
        if box < lines.leaf(k) < box_end:
            if not lines[k].fence:
                break
            fences.append(k)
    else:
        fences = fences[:-1]  # every line inside is a fence: the first one stays
    last, last_offset = box_end, 0
    tail: list[int] = []  # elements the closing fence is inside: they end before it
    if fences:
        fence = lines[fences[-1]]
        last, last_offset = fence.leaf, fence.offset
        last, tail = _drop_empty(doc, last, last_offset, box)
        if last != fence.leaf:
            last_offset = 0
    # the body: the open elements around its start, then the tokens from it to its end
    around = _between(doc, s, box)
    around.reverse()
    cuts = [a for a in around if doc.name(a) in CUT_NAMES]
    cuts += doc.cuts[bisect_left(doc.cuts, s):bisect_left(doc.cuts, last)]
    for c in cuts:
        if any(doc.name(a) in DROPPED_WITH_CONTENT for a in _between(doc, c, box)):
            raise Decline("a cut inside an element the sanitiser drops")
    cut_first = lead if lead is not None else (cuts[0] if cuts else None)
    mark = ""  # where the writer's cut goes (an element no document holds), when one does
    if cut_first is not None:
        nonce = secrets.token_hex(8)
        mark = f"<crosspost-cut-{nonce}></crosspost-cut-{nonce}>"
    where = -1
    if cut_first is not None and cut_first != lead:
        if doc.parent(cut_first) != box:
            raise Decline("a cut inside an element: the tree path splits it")
        where = cut_first
    out: list[str] = []
    cut_set = set(cuts)
    for a in around:
        if a == where:
            out.append(mark)
        out.append(_render(doc, a, cut_set))
    toks = doc.toks
    if toks[s][0] == TEXT:
        piece = toks[s][2][body_start.offset:last_offset if last == s and last_offset else None]
        out.append(_escape(piece))
        _write(doc, text, s + 1, last, cut_set, (where, mark), out)
    else:
        _write(doc, text, s, last, cut_set, (where, mark), out)
    if last != s and last < box_end and last_offset and toks[last][0] == TEXT:
        out.append(_escape(toks[last][2][:last_offset]))
    out.extend(_render(doc, doc.pair[a], cut_set) for a in tail if a in doc.pair)
    whole = "".join(out)  # clean_text would change nothing: scan_html checked
    return _finish(doc, whole, mark, cut_first, lead, cuts, header, body_start.line)


def _shows(doc: Doc, first: int, stop: int) -> bool:
    """Whether tokens ``first``..``stop``-1 hold text (not white space) or media: what
    ``htmlcut``'s tree path tests with ``get_text(strip=True)`` and ``find(MEDIA)``."""
    for kind, name, data, *_ in doc.toks[first:stop]:
        if ((kind == TEXT and data.strip()) or (kind == PARA and shown_text(data).strip())
                or (kind == START and name in MEDIA)):
            return True
        if kind == OTHER or name in SPECIAL:
            raise Decline("raw text where the closing fence is cut off")
    return False


def _drop_empty(doc: Doc, last: int, offset: int, box: int) -> tuple[int, list[int]]:
    """``html._cut_from`` over tokens: the body ends before token ``last`` (after its first
    ``offset`` characters when a text); the elements around it that then show nothing go
    too. Returns where the body ends and the elements still open there, innermost first."""
    tail = _between(doc, last, box)
    if offset and doc.toks[last][2][:offset].strip():
        return last, tail
    while tail and not _shows(doc, tail[0] + 1, last):
        last = tail.pop(0)
    return last, tail


def _finish(doc: Doc, whole: str, mark: str, first: int | None, lead: int | None,
            cuts: list[int], header: Header, start_line: int) -> Body:
    """``htmlcut.take_cut`` from the written body on: the cut's place, text and notes."""
    if first is None:
        return Body(whole.strip(), start_line, None)
    attrs = dict(doc.toks[first][2][1] or [])
    text = " ".join(clean_text(str(attrs.get("text") or "")).split())
    header.warnings.append(cut_warning(doc.name(first), doc.toks[first][3], first=True))
    later = [c for c in cuts if c != first]
    if later:
        header.warnings.append(cut_warning(doc.name(later[0]), doc.toks[later[0]][3],
                                           first=False))
    at = whole.find(mark) if first != lead else -1
    if at < 0:
        at = 0
    else:
        whole = whole[:at] + whole[at + len(mark):]
    body = whole.strip()
    at = min(max(at - (len(whole) - len(whole.lstrip())), 0), len(body))
    if (0 < at < len(body) and not body[at - 1].isspace() and not body[at].isspace()
            and body[at - 1:at + 1] != "><"):
        body = f"{body[:at]}\n{body[at:]}"  # "end<lj-cut>start" must not glue two words
    return Body(body, start_line, Cut(at, text))

