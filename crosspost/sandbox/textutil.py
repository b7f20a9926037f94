"""Perl-flavoured text helpers: the servers work on UTF-8 bytes, Perl numbers are lenient.

Request strings are Python ``str``; ``<base64>`` values arrive as ``bytes`` and are decoded
with ``surrogateescape``, so invalid UTF-8 survives as lone surrogates (→ 208 later).
"""

from __future__ import annotations

import re
from typing import Any

_PERL_NUM = re.compile(r"^\s*([+-]?\d+)")
PERL_SPACE = " \t\n\r\f\v"


def text(value: Any) -> str:
    """A request value as text (bytes keep invalid UTF-8 as surrogates)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def raw_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def byte_len(value: str) -> int:
    return len(raw_bytes(value))


def is_valid_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_trim(value: str, max_bytes: int, max_chars: int) -> str:
    """``LJ::text_trim``: at most ``max_chars`` characters and ``max_bytes`` UTF-8 bytes."""
    value = value[:max_chars]
    while byte_len(value) > max_bytes:
        value = value[:-1]
    return value


def perl_num(value: Any) -> int:
    """Perl's numeric value of a string: leading integer part, else 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _PERL_NUM.match(text(value))
    return int(match[1]) if match else 0


def perl_true(value: Any) -> bool:
    """Perl truthiness: undef, "", "0" and 0 are false."""
    if value is None:
        return False
    return text(value) not in ("", "0")


def strip_perl(value: str) -> str:
    """``s/^\\s+//; s/\\s+$//`` on bytes: ASCII whitespace only."""
    return value.strip(PERL_SPACE)
