"""A story body (text, Markdown or HTML) → clean, well-formed HTML.

- text: paragraphs from blank-line-separated blocks, single newlines as ``<br>``,
  ``*italic*`` / ``_italic_`` / ``**bold**``, entities, and well-formed inline tags of a
  short list (``<i>``, ``<b>``, ``<a href>``, ``<center>``, ``<blockquote>``…, see
  :data:`TEXT_TAGS`); any other ``<`` or ``&`` is escaped and shows as written;
- Markdown: CommonMark (markdown-it-py) with single newlines as ``<br>``;
- HTML: sanitised.

Everything that can carry markup goes through one sanitiser (nh3): no script, style,
iframe, object/embed, event attributes or ``javascript:`` URLs, and the output is always
well-formed (DW re-serialises entries holding embed-like markup and hides entries with
invalid HTML: reference §14). Cut and user tags in the input are removed: crosspost writes
its own cut, in the dialect of the target's site (the writer's own cut marks where that
cut starts and may give its text: a text story's ``<lj-cut>`` line, or the ``Story.cut`` the
HTML and Markdown parsers record; see :func:`body_sections`).

Scene breaks (a fence line such as ``***`` or ``* * *`` in text/Markdown, ``<hr>`` or a
paragraph holding only a fence in HTML) become one configurable marker: ``"rule"`` (a
short centred rule), ``"stars"`` (a centred ``* * *``) or any text, shown centred.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt

from crosspost.story.markup import (
    CUT_CLOSE,
    CUT_OPEN,
    DROPPED_WITH_CONTENT,
    TEXT_TAGS,
    cut_text,
    show_non_html,
)
from crosspost.story.parse.fences import is_fence

if TYPE_CHECKING:
    from crosspost.story.model import Story

def scene_break_html(style: str = "rule") -> str:
    """The markup of one scene break: "rule", "stars", or any text shown centred."""
    if style == "rule":
        return '<hr width="40%">'
    text = "* * *" if style == "stars" else style
    return f'<p style="text-align: center;">{html_lib.escape(text, quote=False)}</p>'


# -- sanitising ---------------------------------------------------------------------------

_TAGS = (set(nh3.ALLOWED_TAGS) | {"font", "big", "center", "span", "div"}) - {"map", "area"}
_ATTRIBUTES: dict[str, set[str]] = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"style", "title", "lang", "dir"}
for _tag in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "span"):
    _ATTRIBUTES.setdefault(_tag, set()).add("align")
_ATTRIBUTES["font"] = {"color", "face", "size"}
_ATTRIBUTES["a"] = {"href", "title", "name"}
_ATTRIBUTES["img"] = {"src", "alt", "title", "width", "height", "align"}
_ATTRIBUTES.pop("area", None)
_STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "font-family",
    "font-variant", "text-align", "text-decoration", "text-indent", "text-transform",
    "letter-spacing", "line-height", "margin", "margin-left", "margin-right", "margin-top",
    "margin-bottom", "padding", "padding-left", "padding-right", "padding-top",
    "padding-bottom", "border", "border-top", "border-bottom", "border-left", "border-right",
    "width", "max-width", "white-space",
}
#: removed together with their content
_DROP_WITH_CONTENT = set(DROPPED_WITH_CONTENT)
# <lj user="x"> / <user name="x"> in a story: kept as the plain name (we only write such
# tags ourselves).
_USER_TAG = re.compile(r"""<(?:lj|user)\s+(?:user|comm|name)\s*=\s*["']?([\w-]+)["']?[^>]*>""",
                       re.IGNORECASE)


def sanitise(fragment: str) -> str:
    """Clean untrusted HTML: allowed tags, attributes, CSS properties and URL schemes
    only; always well-formed."""
    fragment = _USER_TAG.sub(lambda m: html_lib.escape(m.group(1)), fragment)
    return str(nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    ))


# -- text ---------------------------------------------------------------------------------

_TEXT_BLOCK_TAGS = "blockquote|center"
_BR_AFTER_OPEN = re.compile(rf"(<(?:{_TEXT_BLOCK_TAGS})\b[^>]*>)\s*<br>\s*", re.IGNORECASE)
_BR_AROUND = re.compile(rf"\s*<br>\s*(</?(?:{_TEXT_BLOCK_TAGS})\b[^>]*>|<hr\b[^>]*>)",
                        re.IGNORECASE)
_BR_AFTER_HR = re.compile(r"(<hr\b[^>]*>)\s*<br>\s*", re.IGNORECASE)
_EMPTY_P = re.compile(r"<p>\s*</p>\s*")
_TEXT_MARK = "\ue000scene\ue000"


@lru_cache(maxsize=1)
def _inline_md() -> MarkdownIt:
    # Emphasis, line breaks, entities and well-formed inline tags: a bare "<" or "&" that is
    # not markup stays plain text (escaped).
    return MarkdownIt("zero", {"breaks": True, "html": True}).enable(
        ["emphasis", "newline", "entity", "html_inline"])


_BREAK = object()


def _text_blocks(body: str) -> list[object]:
    blocks: list[object] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append("\n".join(para))
            para.clear()

    for line in body.splitlines():
        if is_fence(line):
            flush()
            blocks.append(_BREAK)
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
    flush()
    return blocks


def _tidy_breaks(blocks: list[object]) -> list[object]:
    """No scene break at the very start or end, none doubled."""
    out: list[object] = []
    for b in blocks:
        if b is _BREAK and (not out or out[-1] is _BREAK):
            continue
        out.append(b)
    while out and out[-1] is _BREAK:
        out.pop()
    return out


def sanitise_text(fragment: str) -> str:
    """:func:`sanitise` with the smaller tag list of plain-text stories."""
    fragment = _USER_TAG.sub(lambda m: html_lib.escape(m.group(1)), fragment)
    return str(nh3.clean(
        fragment,
        tags=set(TEXT_TAGS),
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel=None,
        strip_comments=True,
    ))


def text_html(body: str, scene_break: str = "rule") -> str:
    """Plain text → HTML paragraphs: escaped, with emphasis, ``<br>`` and the inline tags
    of :data:`TEXT_TAGS` kept (sanitised). A writer's ``<lj-cut>`` is removed here (see
    :func:`split_text_cut`)."""
    md = _inline_md()
    markup = "<" in body or "&" in body
    if markup:
        body = show_non_html(CUT_CLOSE.sub("", CUT_OPEN.sub("", body.replace("\ue000", ""))))
    parts = []
    for block in _tidy_breaks(_text_blocks(body)):
        if block is _BREAK:
            parts.append(f"<p>{_TEXT_MARK}</p>" if markup else scene_break_html(scene_break))
        elif markup:
            inline = md.renderInline(str(block)).strip()
            inline = _BR_AROUND.sub(r"\1", _BR_AFTER_OPEN.sub(r"\1", inline))
            inline = _BR_AFTER_HR.sub(r"\1", inline)
            parts.append(f"<p>{inline}</p>")
        else:
            # no tags here, so quotes need no escaping
            inline = md.renderInline(str(block)).strip().replace("&quot;", '"')
            parts.append(f"<p>{inline}</p>")
    out = "\n\n".join(parts)
    if not markup:
        return out
    out = _EMPTY_P.sub("", sanitise_text(out)).strip()
    return out.replace(f"<p>{_TEXT_MARK}</p>", scene_break_html(scene_break))


def split_text_cut(body: str) -> tuple[str, str, str] | None:
    """A text story's own cut: ``(above, below, cut text)`` split at its first ``<lj-cut>``
    (or ``<cut>``), or None when it has none. Closing tags are dropped: everything after
    the cut's start goes inside the cut."""
    m = CUT_OPEN.search(body)
    if m is None:
        return None
    return body[:m.start()], body[m.end():], cut_text(m.group(1))


# -- Markdown -----------------------------------------------------------------------------

_MARK = "\ue000scene\ue000"  # a private-use marker for scene breaks; stripped from input
_CODE_FENCE = re.compile(r"^\s{0,3}(`{3,})")


@lru_cache(maxsize=1)
def _full_md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"breaks": True, "html": True})


def _markdown_rendered(body: str) -> str:
    """Markdown (private-use marks already removed) → sanitised HTML, scene breaks left as
    ``_MARK`` paragraphs."""
    lines: list[str] = []
    in_code = ""
    for line in body.splitlines():
        m = _CODE_FENCE.match(line)
        if m and (not in_code or m.group(1).startswith(in_code)):
            in_code = "" if in_code else m.group(1)
            lines.append(line)
        elif not in_code and is_fence(line):
            lines.extend(["", _MARK, ""])
        else:
            lines.append(line)
    return sanitise(_full_md().render("\n".join(lines)))


def markdown_html(body: str, scene_break: str = "rule") -> str:
    """Markdown → sanitised HTML; fence lines outside code blocks are scene breaks."""
    return _replace_breaks(_markdown_rendered(body.replace("\ue000", "")), scene_break)


_CUT_MARK = "\ue000cut\ue000"  # where the writer's cut was, while rendering Markdown


def markdown_sections(body: str, at: int, scene_break: str = "rule") -> tuple[str, str]:
    """A Markdown body with the writer's cut at offset ``at`` → (above, below) HTML. The
    body is rendered as a whole (a reference link defined below the cut still works above
    it) and split where the cut was."""
    above, below = body[:at].replace("\ue000", ""), body[at:].replace("\ue000", "")
    rendered = _markdown_rendered(f"{above}\n\n{_CUT_MARK}\n\n{below}")
    parts = rendered.split(f"<p>{_CUT_MARK}</p>", 1)
    if len(parts) != 2:  # the mark did not end up a paragraph of its own: render apart
        return markdown_html(above, scene_break), markdown_html(below, scene_break)
    # each half is sanitised again: a raw <div> opened above the cut is closed in both
    return (_replace_breaks(sanitise(parts[0]), scene_break),
            _replace_breaks(sanitise(parts[1]), scene_break))


# -- HTML ---------------------------------------------------------------------------------

_MARK_TAG = "<\ue000/>"  # placeholder for a scene break while tidying
_HR = re.compile(r"<hr\b[^>]*>", re.IGNORECASE)
_SIMPLE_P = re.compile(r"<p(?:\s[^>]*)?>([^<]*)</p>")


def _replace_breaks(rendered: str, scene_break: str) -> str:
    marker = scene_break_html(scene_break)

    def para(m: re.Match[str]) -> str:
        text = html_lib.unescape(m.group(1))
        return _MARK_TAG if text.strip() == _MARK or (text.strip() and is_fence(text)) \
            else m.group(0)

    out = _HR.sub(_MARK_TAG, _SIMPLE_P.sub(para, rendered))
    # no scene break at the very start or end, none doubled
    out = re.sub(rf"{_MARK_TAG}(?:\s*{_MARK_TAG})+", _MARK_TAG, out).strip()
    out = out.removeprefix(_MARK_TAG).removesuffix(_MARK_TAG).strip()
    return out.replace(_MARK_TAG, marker)


def html_body_html(body: str, scene_break: str = "rule") -> str:
    """HTML → sanitised HTML; ``<hr>`` and fence-only paragraphs are scene breaks."""
    return _replace_breaks(sanitise(body.replace("\ue000", "")), scene_break)


#: the last story's sections: a fan-out renders one story for every target, and the body
#: does not depend on the target (one entry only, so nothing piles up in a long daemon run)
_last_sections: tuple[Story, str, tuple[str, str | None, str]] | None = None
_last_lock = threading.Lock()


def body_sections(story: Story, *, scene_break: str = "rule") -> tuple[str, str | None, str]:
    """:func:`story_sections`, computed once for a story rendered for several targets."""
    global _last_sections
    with _last_lock:
        last = _last_sections
    if last is not None and last[0] is story and last[1] == scene_break:
        return last[2]
    sections = story_sections(story, scene_break=scene_break)
    with _last_lock:
        _last_sections = (story, scene_break, sections)
    return sections


def story_sections(story: Story, *, scene_break: str = "rule") -> tuple[str, str | None, str]:
    """The body as ``(above, below, cut text)``: a story with the writer's own cut (a text
    story's ``<lj-cut>`` line, an HTML or Markdown story's :attr:`~crosspost.story.model.Story.cut`)
    gives the part above it, the part below it (the renderer puts that inside the target's
    cut) and the cut text the writer gave (or ""); any other story gives
    ``("", whole body, "")``."""
    cut = story.cut
    if cut is not None:
        above, below = story.body[:cut.at], story.body[cut.at:]
        if story.body_format == "markdown":
            return (*markdown_sections(story.body, cut.at, scene_break), cut.text)
        if story.body_format == "html":
            return (html_body_html(above, scene_break), html_body_html(below, scene_break),
                    cut.text)
        return text_html(above, scene_break), text_html(below, scene_break), cut.text
    if story.body_format == "text" and "<" in story.body:
        found = split_text_cut(story.body)
        if found is not None:
            above, below, text = found
            return text_html(above, scene_break), text_html(below, scene_break), text
    return "", body_html(story, scene_break=scene_break), ""


def body_html(story: Story, *, scene_break: str = "rule") -> str:
    """The story's body as clean HTML, whatever its format."""
    if story.body_format == "markdown":
        return markdown_html(story.body, scene_break)
    if story.body_format == "html":
        return html_body_html(story.body, scene_break)
    return text_html(story.body, scene_break)
