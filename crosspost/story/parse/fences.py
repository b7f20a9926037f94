"""Fence lines: the lines writers put between a header and the story, and between scenes.

A fence is a line holding only a run of fence symbols, optionally spaced: ``***``,
``* * *``, ``---``, ``-----``, ``~~~``, ``___``, ``###``, ``===``, ``+++``, ``~*~*~``,
``-=-=-``, ``• • •``, plus the classic ``oOo`` / ``xXx`` dividers and a bare ``<hr>``.
At least three symbols are needed, so ``**`` or ``--`` stay prose.

The parser uses fences to end the header and drops a closing fence at the end of the body;
fences inside the body are scene breaks, kept as lines so the renderer can draw them
(it calls :func:`is_fence` on each body line).
"""

from __future__ import annotations

import re

#: Symbols a fence is made of (any mix, spaces allowed between them).
FENCE_SYMBOLS = "*-_~=#+•·—–◇◆❖✿★☆♦♥❧⁂§"

_SYMBOL_RUN = re.compile(
    "[" + re.escape(FENCE_SYMBOLS) + "](?:[ \t]*[" + re.escape(FENCE_SYMBOLS) + "]){2,}"
)
_WORD_FENCES = frozenset({"oOo", "o0o", "OoO", "0o0", "xXx", "XxX", "xox", "oxo"})
_HR = re.compile(r"<hr\s*/?>", re.IGNORECASE)

#: Longer lines are never fences (keeps the check O(1) on enormous lines).
MAX_FENCE_LEN = 120


def is_fence(line: str) -> bool:
    """True when ``line`` (surrounding whitespace ignored) is a fence / scene-break line."""
    if len(line) > MAX_FENCE_LEN:
        return False
    s = line.strip()
    if len(s) < 3:
        return False
    if s[0] in FENCE_SYMBOLS:
        return _SYMBOL_RUN.fullmatch(s) is not None
    return s in _WORD_FENCES or _HR.fullmatch(s) is not None
