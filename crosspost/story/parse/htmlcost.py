"""A cheap guard run before BeautifulSoup sees a document.

BeautifulSoup's tree builder re-links the tree each time a piece of text joins an element
that already has children, walking up every open ancestor: text deep inside thousands of
unclosed elements makes parsing quadratic (a 300 KB file can take a minute). This module
estimates that work with a linear scan (no regex backtracking, every search moves forward)
and the parser refuses documents over the budget with a clear StoryError instead of
hanging the daemon. Normal stories, even with unclosed ``<p>`` tags, cost next to nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crosspost.errors import StoryError

#: Estimated ancestor walks allowed (a few seconds of BeautifulSoup work at most).
BUDGET = 3_000_000
#: Open elements allowed at once (far beyond any story, even one with unclosed ``<p>``).
MAX_DEPTH = 10_000
#: Elements allowed in one document (bs4 spends ~5 µs and ~2 KB on each: time and peak
#: memory stay bounded; a long story has a few thousand paragraphs).
MAX_ELEMENTS = 60_000

_NAME = re.compile(r"(/?)([a-zA-Z][a-zA-Z0-9:_-]{0,40})")
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr"
})
_RAW = frozenset(("script", "style"))


@dataclass(frozen=True)
class Cost:
    """What a document costs to build: estimated ancestor walks, the deepest nesting and
    the number of elements; ``at`` is where the scan passed a limit (-1: it did not)."""

    cost: int
    depth: int
    elements: int
    at: int = -1


def nesting_cost(text: str, *, budget: int = BUDGET, max_depth: int = MAX_DEPTH,
                 max_elements: int = MAX_ELEMENTS) -> Cost:
    """The :class:`Cost` of building ``text`` with bs4's ``html.parser`` builder; the scan
    stops early once any figure is over its limit."""
    low = text.lower()
    elements = 0
    stack: list[str] = []
    has_child: list[bool] = [False]  # parallel to stack, plus the document root
    cost = depth = 0
    pos = 0
    gt = -1
    n = len(text)

    def add_text() -> int:
        extra = len(stack) if has_child[-1] else 0
        has_child[-1] = True
        return extra

    while pos < n and cost <= budget and depth <= max_depth and elements <= max_elements:
        lt = text.find("<", pos)
        if lt < 0:
            cost += add_text()
            break
        if lt > pos:
            cost += add_text()
        if low.startswith("<!--", lt):
            end = low.find("-->", lt + 4)
            cost += add_text()
            if end < 0:
                break
            pos = end + 3
            continue
        if gt < lt:
            gt = text.find(">", lt)
            if gt < 0:
                cost += add_text()
                break
        m = _NAME.match(text, lt + 1)
        if m is None or m.end() > gt:
            pos = lt + 1
            continue
        name = m.group(2).lower()
        pos = gt + 1
        if m.group(1):  # end tag: pop to the nearest open element of that name
            for k in range(len(stack) - 1, max(len(stack) - 200, -1), -1):
                if stack[k] == name:
                    del stack[k:]
                    del has_child[k + 1:]
                    break
            continue
        has_child[-1] = True
        elements += 1
        if name in _VOID or text[gt - 1] == "/":
            continue
        if name in _RAW:
            end = low.find("</" + name, pos)
            if end < 0:
                break
            pos = end
        stack.append(name)
        has_child.append(False)
        depth = max(depth, len(stack))
    over = cost > budget or depth > max_depth or elements > max_elements
    return Cost(cost, depth, elements, min(pos, n) if over else -1)


def cannot_be_too_complex(text: str) -> bool:
    """True when ``text`` has so few ``<`` that :func:`nesting_cost` cannot pass a limit
    (k of them: at most k elements, k open at once, 2k+1 texts each costing at most k), so
    the scan can be skipped."""
    k = text.count("<")
    return k <= MAX_DEPTH and k <= MAX_ELEMENTS and (2 * k + 1) * k <= BUDGET


def refuse_if_too_complex(text: str, path: Path | None, first_line: int = 1, *,
                          budget: int = BUDGET, max_elements: int = MAX_ELEMENTS) -> None:
    """StoryError (with the line where a limit was passed and the fix) when ``text`` nests
    elements deeper than :data:`MAX_DEPTH`, holds more than ``max_elements``, or costs
    more than ``budget`` to build: reading it would take minutes and much memory."""
    found = nesting_cost(text, budget=budget, max_elements=max_elements)
    if found.at < 0:
        return
    line = first_line + text.count("\n", 0, found.at)
    if found.elements > max_elements:
        raise StoryError(
            f"the HTML has too many elements to read (more than {max_elements:,} tags)",
            path=path, line=line, fix="split the story into parts, one file each, or save it "
                                      "as plain text")
    raise StoryError(
        f"the HTML is nested too deeply to read ({found.depth:,}+ elements left open)",
        path=path, line=line, fix="close the tags you open (</div>, </span>, </p> …), or save "
                                  "the story as plain text")
