"""HTML tags written in a story: which ones a text body may use, and the writer's own cut.

LJ-era writers keep ``<i>``, ``<b>``, ``<a href>``, ``<center>``, ``<lj-cut>`` … in their
``.txt`` files. The renderer (``crosspost.render.body``) keeps the tags of :data:`TEXT_TAGS`
(sanitised) and removes any other tag; the text reader (``crosspost.story.parse.text``)
tells the writer at parse time which tags will be removed and where their own cut goes.
Regex only (no HTML library): this runs on every text story.

The writer's own cut is spelt the same in every format: :data:`CUT_OPEN`/:data:`CUT_CLOSE`
and :func:`cut_text` are shared with the Markdown and HTML readers and the renderer.
"""

from __future__ import annotations

import html
import re

#: Inline HTML a plain-text story may use; any other tag is removed (its text kept).
TEXT_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "big", "blockquote", "br", "center", "cite", "code", "del",
    "em", "font", "hr", "i", "ins", "p", "q", "s", "small", "span", "strike", "strong", "sub",
    "sup", "tt", "u",
})
#: removed together with their content
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
    "title", "head", "textarea", "select", "applet", "frameset", "frame", "noembed",
    "noframes", "xmp", "lj-embed", "site-embed", "lj-poll", "poll",
})
#: the writer's own cut: ``<lj-cut>`` (every LJ-code site) or ``<cut>`` (DW's spelling)
CUT_NAMES = frozenset({"lj-cut", "cut"})
#: a cut's opening tag (group 1: its attributes) and closing tag, as written in a story
CUT_OPEN = re.compile(r"""<(?:lj-)?cut\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
CUT_CLOSE = re.compile(r"</(?:lj-)?cut\s*>", re.IGNORECASE)
_CUT_TEXT = re.compile(r"""\btext\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
USER_TAGS = frozenset({"lj", "user"})  # <lj user="x">: kept as the plain name
#: every other HTML element name (HTML 5 and obsolete): removed from a text story. A name
#: that is not HTML at all (``<grin>``, ``<not>``, ``<g>``) is fandom prose and shows as
#: written.
_OTHER_NAMES = """
address applet area article aside audio base basefont bdi bdo bgsound blink body button
canvas caption col colgroup data datalist dd details dfn dialog dir div dl dt fieldset
figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup html img
input isindex kbd keygen label legend li link main map mark marquee menu meta meter nav
nobr noembed noframes noscript object ol optgroup option output param picture plaintext
pre progress rp rt ruby samp search section select slot source summary table tbody td
template textarea tfoot th thead time title tr track ul var video wbr xmp lj-raw lj-spoiler
lj-template lj-like lj-repost
"""
OTHER_ELEMENTS = frozenset(_OTHER_NAMES.split()) | DROPPED_WITH_CONTENT
# A well-formed open or close tag (close to CommonMark's "raw HTML" rule, which the
# renderer uses): anything else with a "<" is plain text.
_ATTR = r"""\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?"""
TAG_RE = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:(?<!/)(?:{_ATTR})*\s*/?|\s*)>")


def show_non_html(body: str) -> str:
    """Escape the ``<`` of tag-like words that are not HTML (``<grin>``, ``<not>``), so they
    show as written instead of being removed as unknown markup."""
    if "<" not in body:
        return body

    def keep(m: re.Match[str]) -> str:
        return m.group(0) if is_html_tag(m.group(2)) else "&lt;" + m.group(0)[1:]

    return TAG_RE.sub(keep, body)


def is_html_tag(name: str) -> bool:
    """True for a tag name a text story's renderer treats as HTML (kept or removed), False
    for tag-like prose (``<grin>``) that is shown as written."""
    name = name.lower()
    return name in TEXT_TAGS or name in OTHER_ELEMENTS or name in CUT_NAMES or name in USER_TAGS


def strip_html_tags(text: str) -> str:
    """``text`` with its HTML tags replaced by a space (prose like ``<grin>`` stays)."""
    if "<" not in text:
        return text
    return TAG_RE.sub(lambda m: " " if is_html_tag(m.group(2)) else m.group(0), text)


def cut_text(attributes: str) -> str:
    """The ``text="…"`` of a cut tag's attributes (``CUT_OPEN`` group 1), entities decoded
    and whitespace collapsed; "" when it has none."""
    t = _CUT_TEXT.search(attributes)
    text = html.unescape(next((g for g in t.groups() if g is not None), "")) if t else ""
    return " ".join(text.split())
