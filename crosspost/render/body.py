"""A story body (text, Markdown or HTML) → clean, well-formed HTML.

- text: paragraphs from blank-line-separated blocks, single newlines as ``<br>``,
  ``*italic*`` / ``_italic_`` / ``**bold**``, every HTML-special character escaped;
- Markdown: CommonMark (markdown-it-py) with single newlines as ``<br>``;
- HTML: sanitised.

Everything that can carry markup goes through one sanitiser (nh3): no script, style,
iframe, object/embed, event attributes or ``javascript:`` URLs, and the output is always
well-formed (DW re-serialises entries holding embed-like markup and hides entries with
invalid HTML: reference §14). Cut and user tags in the input are removed: crosspost writes
its own cut, in the dialect of the target's site.

Scene breaks (a fence line such as ``***`` or ``* * *`` in text/Markdown, ``<hr>`` or a
paragraph holding only a fence in HTML) become one configurable marker: ``"rule"`` (a
short centred rule), ``"stars"`` (a centred ``* * *``) or any text, shown centred.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt

from ..parse.fences import is_fence

if TYPE_CHECKING:
    from ..story import Story

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
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                      "svg", "math", "title", "head", "textarea", "select", "applet",
                      "frameset", "frame", "noembed", "noframes", "xmp", "lj-embed",
                      "site-embed", "lj-poll", "poll"}
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

@lru_cache(maxsize=1)
def _inline_md() -> MarkdownIt:
    # Only emphasis and line breaks: a text story's other characters are plain text.
    return MarkdownIt("zero", {"breaks": True, "html": False}).enable(["emphasis", "newline"])


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


def text_html(body: str, scene_break: str = "rule") -> str:
    """Plain text → HTML paragraphs (escaped, with emphasis and ``<br>``)."""
    md = _inline_md()
    parts = []
    for block in _tidy_breaks(_text_blocks(body)):
        if block is _BREAK:
            parts.append(scene_break_html(scene_break))
        else:
            # only attribute-less tags here, so quotes need no escaping
            inline = md.renderInline(str(block)).strip().replace("&quot;", '"')
            parts.append(f"<p>{inline}</p>")
    return "\n\n".join(parts)


# -- Markdown -----------------------------------------------------------------------------

_MARK = "\ue000scene\ue000"  # a private-use marker for scene breaks; stripped from input
_CODE_FENCE = re.compile(r"^\s{0,3}(`{3,})")


@lru_cache(maxsize=1)
def _full_md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"breaks": True, "html": True})


def markdown_html(body: str, scene_break: str = "rule") -> str:
    """Markdown → sanitised HTML; fence lines outside code blocks are scene breaks."""
    lines: list[str] = []
    in_code = ""
    for line in body.replace("\ue000", "").splitlines():
        m = _CODE_FENCE.match(line)
        if m and (not in_code or m.group(1).startswith(in_code)):
            in_code = "" if in_code else m.group(1)
            lines.append(line)
        elif not in_code and is_fence(line):
            lines.extend(["", _MARK, ""])
        else:
            lines.append(line)
    rendered = sanitise(_full_md().render("\n".join(lines)))
    return _replace_breaks(rendered, scene_break)


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


def body_html(story: Story, *, scene_break: str = "rule") -> str:
    """The story's body as clean HTML, whatever its format."""
    if story.body_format == "markdown":
        return markdown_html(story.body, scene_break)
    if story.body_format == "html":
        return html_body_html(story.body, scene_break)
    return text_html(story.body, scene_break)
