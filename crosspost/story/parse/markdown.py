"""Markdown stories: YAML front matter between ``---`` lines, then the Markdown body.

::

    ---
    title: Come Back and Stay
    author: someone
    fandom: [Torchwood, Doctor Who]     ← lists are joined with ", "
    release:                            ← a mapping gives per-target release times
      myjournal: 2026-12-05 09:00
      "*": 2026-12-01 09:00             ← "*" (or all/default) = every target
    ---
    The story in *Markdown*…

Values are taken as written (YAML's composer is used, never its constructors: ``1984`` stays
the string "1984", ``yes`` stays "yes", dates are not converted). Front matter that is not
valid YAML but is plain ``Name: value`` lines (e.g. a title containing ": ") is read with
the text header rules. A ``.md`` file without front matter is read like a text story (header
lines, a fence, the body) with a Markdown body.

The writer's own cut (a raw ``<lj-cut text="…">`` or ``<cut>`` tag, usually on a line of its
own) is taken out of the body and recorded as :class:`~crosspost.story.model.Cut`, as in an HTML
story: everything after it goes inside each target's cut, closing tags are dropped and only
the first cut counts. Tags inside code (fenced or indented blocks, backtick spans) are code.

PyYAML is imported here only, so the plain-text path never pays for it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from crosspost.errors import StoryError
from crosspost.story.markup import CUT_CLOSE, CUT_OPEN, cut_text
from crosspost.story.model import Cut, ParseWarning, cut_warning
from crosspost.story.parse.decode import clean_text
from crosspost.story.parse.header import Header, HeaderBuilder, require_title
from crosspost.story.parse.htmlcost import refuse_if_too_complex
from crosspost.story.parse.text import Body, Lines, slice_body, split_header

#: Front matter larger than this is refused (it is meant to be a short header).
MAX_FRONT_MATTER = 256 * 1024
#: How many YAML nodes may be visited while flattening values (alias bombs stop here).
MAX_NODES = 20_000
_ALL_TARGETS = frozenset({"*", "all", "default", "any", ""})


def _closing(lines: Lines, first: int) -> int | None:
    i = first
    while (line := lines.get(i)) is not None:
        if line.rstrip() in ("---", "..."):
            return i
        i += 1
    return None


class _Flattener:
    """YAML node → text, with a budget against alias bombs and deep nesting."""

    def __init__(self, path: Path | None, offset: int) -> None:
        self.path = path
        self.offset = offset
        self.visited = 0

    def text(self, node: Any, depth: int = 0) -> str:
        import yaml

        self.visited += 1
        if self.visited > MAX_NODES or depth > 50:
            raise StoryError(
                "the front matter is too large or too deeply nested", path=self.path,
                line=self.offset + node.start_mark.line,
                fix="keep the front matter to simple 'name: value' lines and short lists")
        if isinstance(node, yaml.ScalarNode):
            return clean_text(str(node.value))
        if isinstance(node, yaml.SequenceNode):
            parts = (self.text(n, depth + 1) for n in node.value)
            return ", ".join(p for p in parts if p)
        if isinstance(node, yaml.MappingNode):
            pairs = ((self.text(k, depth + 1), self.text(v, depth + 1)) for k, v in node.value)
            return ", ".join(f"{k}: {v}" if v else k for k, v in pairs)
        return ""


def _yaml_header(src: str, path: Path | None, offset: int) -> HeaderBuilder:
    """Front matter → header entries. ``offset`` is the file line of the first YAML line."""
    import yaml

    try:
        root = yaml.compose(src, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = offset + mark.line if mark is not None else offset
        what = exc.problem or exc.context or "syntax error"
        if exc.context and exc.context_mark is not None and exc.problem:
            what += f" ({exc.context} on line {offset + exc.context_mark.line})"
        raise StoryError(
            f"the front matter is not valid YAML: {what}", path=path,
            line=line, fix="each front matter line should be 'name: value'; put quotes around "
                           "a value that contains ': ' or starts with a special character",
        ) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise StoryError(f"the front matter is not valid YAML ({type(exc).__name__})",
                         path=path, line=offset,
                         fix="keep the front matter to simple 'name: value' lines") from None
    builder = HeaderBuilder()
    if root is None:
        return builder
    if not isinstance(root, yaml.MappingNode):
        raise StoryError("the front matter is not a list of 'name: value' lines", path=path,
                         line=offset + root.start_mark.line,
                         fix="write the front matter as 'title: …', 'author: …' lines")
    flat = _Flattener(path, offset)
    for key, value in root.value:
        line = offset + key.start_mark.line
        if not isinstance(key, yaml.ScalarNode):
            raise StoryError("a front matter field name must be plain text", path=path,
                             line=line, fix="write the field as 'name: value'")
        name = clean_text(str(key.value))
        if isinstance(value, yaml.MappingNode) and _is_release(name):
            for tkey, tval in value.value:
                target = flat.text(tkey).strip()
                when = flat.text(tval)
                builder.add_release(None if target.lower() in _ALL_TARGETS else target, when,
                                    offset + tkey.start_mark.line)
            continue
        builder.add(name, flat.text(value), line)
    return builder


def _is_release(name: str) -> bool:
    from crosspost.story.fields import lookup

    spec = lookup(name)
    return spec is not None and spec.key == "release"


_CODE_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CUT_TAG = re.compile(f"{CUT_OPEN.pattern}|{CUT_CLOSE.pattern}", re.IGNORECASE)


class _CodeSpans:
    """Roughly: whether a position of one line is inside a code span (an odd number of
    backticks before it, one after it) or an HTML comment opened on the line. Positions are
    asked in increasing order and each part of the line is scanned once, so a line with
    100,000 tags costs linear time, not quadratic."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.pos = 0
        self.ticks = 0
        self.last_tick = line.rfind("`")
        self.opened = self.closed = -1

    def shown_as_code(self, pos: int) -> bool:
        line, start = self.line, self.pos
        self.ticks += line.count("`", start, pos)
        self.opened = max(self.opened, line.rfind("<!--", max(0, start - 3), pos))
        self.closed = max(self.closed, line.rfind("-->", max(0, start - 2), pos))
        self.pos = max(start, pos)
        if self.ticks % 2 == 1 and self.last_tick >= pos:
            return True
        return self.opened > self.closed


def take_cut(body: Body, warnings: list[ParseWarning]) -> Body:
    """``body`` with the writer's cut tags taken out and the first one recorded as its
    ``cut`` (see the module docstring); notes on the cut are added to ``warnings``."""
    text = body.text
    if "cut" not in text.lower():
        return body
    spans: list[tuple[int, int]] = []
    first: tuple[int, str] | None = None
    opened = 0
    fence = ""
    offset = 0
    for n, line in enumerate(text.split("\n")):
        start, offset = offset, offset + len(line) + 1
        m = _CODE_FENCE.match(line)
        if m and not fence:
            fence = m.group(1)
            continue
        if m and fence and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                and not line[m.end():].strip():
            fence = ""
            continue
        if fence or line.startswith(("    ", "\t")):
            continue
        spans_of_code = _CodeSpans(line)
        for tag in _CUT_TAG.finditer(line):
            if spans_of_code.shown_as_code(tag.start()):
                continue
            spans.append((start + tag.start(), start + tag.end()))
            if tag.group(0)[1] == "/":
                continue
            opened += 1
            name = "cut" if tag.group(0)[1:4].lower() == "cut" else "lj-cut"
            if opened <= 2:
                warnings.append(cut_warning(name, body.line + n, first=opened == 1))
            if first is None:
                first = (start + tag.start(), cut_text(tag.group(1) or ""))
    if not spans:
        return body
    pieces, pos, at = [], 0, 0
    for a, b in spans:
        pieces.append(text[pos:a])
        if first is not None and a == first[0]:
            at = sum(map(len, pieces))
        pos = b
    pieces.append(text[pos:])
    whole = "".join(pieces)
    new = whole.strip()
    lead = len(whole) - len(whole.lstrip())
    first_line = body.line + whole.count("\n", 0, lead)
    if not new:
        return Body(text, body.line)  # only cut tags: slice_body's "no story text" applies
    if first is None:
        return Body(new, first_line)
    at = min(max(at - lead, 0), len(new))
    if 0 < at < len(new) and not new[at - 1].isspace() and not new[at].isspace():
        new = f"{new[:at]} {new[at:]}"  # "end<lj-cut>start" must not glue two words
    return Body(new, first_line, Cut(at, first[1]))


def _text_header(lines: Lines, path: Path | None) -> tuple[Header, Body]:
    split = split_header(lines, path)
    header = split.header.build()
    require_title(header, path, split.header_line)
    return header, slice_body(lines, split.body_start, path)


def parse_markdown(text: str, path: Path | None, *, lenient: bool = False
                   ) -> tuple[Header, Body]:
    """Split a Markdown story into its header fields and body (see module docstring).

    ``lenient`` (plain-text files that start with ``---``): front matter is used only when
    it reads cleanly as YAML; anything else is read with the text header rules, and the
    body is a text story's (its ``<lj-cut>`` stays in it).
    """
    header, body = _split(text, path, lenient=lenient)
    if lenient:
        return header, body
    if "<" in body.text:  # raw HTML in the body: the sanitiser's time grows with its depth
        refuse_if_too_complex(body.text, path, body.line, budget=sys.maxsize,
                              max_elements=sys.maxsize)
    return header, take_cut(body, header.warnings)


def _split(text: str, path: Path | None, *, lenient: bool) -> tuple[Header, Body]:
    lines = Lines(text)
    first = lines.next_nonblank(0)
    if first is None or (lines.get(first) or "").rstrip() != "---":
        return _text_header(lines, path)
    close = _closing(lines, first + 1)
    if close is None:
        if lenient:
            return _text_header(lines, path)
        raise StoryError("the front matter has no closing '---' line", path=path,
                         line=first + 1, fix="add a line '---' after the front matter fields")
    start, end = lines.start(first + 1), lines.start(close)
    assert start is not None and end is not None
    src = text[start:end]
    if len(src) > MAX_FRONT_MATTER:
        if lenient:
            return _text_header(lines, path)
        raise StoryError(f"the front matter is larger than {MAX_FRONT_MATTER // 1024} KB",
                         path=path, line=first + 1,
                         fix="keep the front matter to the story's header fields")
    note: ParseWarning | None = None
    try:
        builder = _yaml_header(src, path, first + 2)
    except StoryError as yaml_error:
        if lenient:
            return _text_header(lines, path)
        try:
            builder = split_header(Lines(src), path, first_line=first + 2, strict=False).header
        except StoryError:
            raise yaml_error from None
        note = ParseWarning("the front matter is not valid YAML; read it as plain "
                            "'Name: value' lines", yaml_error.line,
                            yaml_error.reason.split(": ", 1)[-1])
    header = builder.build()
    if note is not None:
        header.warnings.insert(0, note)
    require_title(header, path, first + 2)
    return header, slice_body(lines, close + 1, path)
