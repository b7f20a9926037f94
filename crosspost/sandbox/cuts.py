"""Cut tags as the sites show them: pure functions over an entry's stored HTML.

A journal or community page shows an entry's text above each cut and, in the cut's place,
a link to the rest (``( Read more... )``, or the cut's own text), as Dreamwidth does; the
entry page shows the whole text with an anchor where each cut was (``#cutid1``), so the link
lands there. DW: ``<cut>`` is an alias of ``<lj-cut>``; LJ knows only ``<lj-cut>`` (a
``<cut>`` there passes through and does not cut; reference "Cut tags").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape, unescape

#: the link text of a cut without ``text=`` (DW and LJ)
DEFAULT_CUT_TEXT = "Read more..."

_OPEN = {"dw": re.compile(r"<(lj-cut|cut)\b([^>]*)>", re.I),
         "lj": re.compile(r"<(lj-cut)\b([^>]*)>", re.I)}
_CLOSE = {"dw": re.compile(r"</(?:lj-cut|cut)\s*>", re.I),
          "lj": re.compile(r"</lj-cut\s*>", re.I)}
_TEXT = re.compile(r"""\btext\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


@dataclass(frozen=True)
class Cut:
    """One cut: its link text (HTML-escaped) and the HTML it hides."""

    label: str
    inner: str


def split(event: str, dialect: str = "dw") -> list[str | Cut]:
    """The event as text pieces and cuts, in order. An unclosed cut runs to the end."""
    code = "dw" if dialect == "dw" else "lj"  # IJ: an old LJ fork
    opener, closer = _OPEN[code], _CLOSE[code]
    out: list[str | Cut] = []
    pos = 0
    while True:
        m = opener.search(event, pos)
        if m is None:
            break
        out.append(event[pos:m.start()])
        label_m = _TEXT.search(m[2])
        raw = next((g for g in label_m.groups() if g is not None), "") if label_m else ""
        label = escape(unescape(raw).strip()) or DEFAULT_CUT_TEXT
        end = closer.search(event, m.end())
        inner = event[m.end():end.start()] if end else event[m.end():]
        out.append(Cut(label, inner))
        pos = end.end() if end else len(event)
    out.append(event[pos:])
    return [p for p in out if not (isinstance(p, str) and not p)]


def above_cut(event: str, url: str, dialect: str = "dw") -> tuple[str, int]:
    """(the HTML a journal page shows for the entry, the number of cuts): each cut becomes
    a link to its place on the entry page."""
    html, n = [], 0
    for piece in split(event, dialect):
        if isinstance(piece, Cut):
            n += 1
            html.append(f'<b class="cuttag">(&nbsp;<a href="{escape(url)}#cutid{n}">'
                        f"{piece.label}</a>&nbsp;)</b>")
        else:
            html.append(piece)
    return "".join(html), n


def whole(event: str, dialect: str = "dw") -> str:
    """The entry page's HTML: everything, with an anchor and a marker where each cut is."""
    html, n = [], 0
    for piece in split(event, dialect):
        if isinstance(piece, Cut):
            n += 1
            html.append(f'<a name="cutid{n}" id="cutid{n}"></a>'
                        f'<div class="cut-marker" title="readers of the journal page see '
                        f'the link &quot;{piece.label}&quot; here">cut: {piece.label}</div>'
                        f"{piece.inner}"
                        f'<div class="cut-marker cut-end">end of cut</div>')
        else:
            html.append(piece)
    return "".join(html)
