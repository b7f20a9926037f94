"""One piece of an HTML document as BeautifulSoup (``html.parser``) reads it: a tag, its
attributes, the entities in a text; :class:`Decline` for what is not modelled.

The tables are bs4's own (void elements, attributes bs4 splits into lists, elements that keep
their white space). A tag is accepted only in the plain syntax every html.parser release
reads alike: a name ``[a-zA-Z][a-zA-Z0-9:-]*``; attributes ``name``, ``name=value`` (a value
without quotes, ``/`` or ``<>``), ``name="value"``, ``name='value'`` (no ``<>`` inside),
each once; an end tag ``</name>`` (not of a void element). An entity only as ``&name;``
with a name bs4 maps to one character, ``&#…;`` / ``&#x…;`` for a plain character, or a
lone ``&`` before white space. :func:`opening` writes a start tag back as bs4 does.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bs4 import BeautifulSoup
from bs4.dammit import EntitySubstitution

from crosspost.story.markup import CUT_NAMES

START, END, TEXT, COMMENT, DROP, OTHER, PARA = range(7)
_BUILDER = BeautifulSoup("", "html.parser").builder  # bs4's own tables for html.parser
#: Elements bs4 never gives children (written ``<br/>``).
VOID = frozenset(_BUILDER.empty_element_tags or ())
PRESERVE = frozenset(_BUILDER.preserve_whitespace_tags or ())
_LIST_ATTRS: dict[str, Any] = dict(_BUILDER.cdata_list_attributes or {})
RAW = ("script", "style")
#: Elements whose strings bs4 types apart (written or tested differently): never in a body.
SPECIAL = frozenset(("script", "style", "template", "rt", "rp", "meta"))  # (meta: bs4
# writes the output encoding for its charset)
#: Elements newer html.parser releases read as raw or escapable raw text: nothing that looks
#: like markup inside them (the versions would differ).
RAWISH = frozenset(("title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"))
_ENTITIES: dict[str, str] = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
_ATTR = r"""\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'=<>`/]+(?!/)))?"""
#: a tag name; ``:`` too (Word's ``<o:p>``: html.parser and bs4 keep the name whole)
_NAME = r"[a-zA-Z][a-zA-Z0-9:-]*"
_START = re.compile(rf"<({_NAME})((?:{_ATTR})*)\s*(/?)>")
_ONE_ATTR = re.compile(r"""\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)"""
                       r"""(?:\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'=<>`/]+)))?""")
_END = re.compile(rf"</({_NAME})\s*>")
DOCTYPE = re.compile(r"<!doctype[^<>]*>", re.IGNORECASE)
REF = re.compile(r"&(?:#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});|([a-zA-Z][a-zA-Z0-9]{0,31});"
                  r"|(?=[\x20\x0a\x09\x0c\x0d]))")
_NON_WS = re.compile(r"\S+")
#: What :func:`.decode.clean_text` changes (the file reader has taken them out of the text).
_CLEANED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class Decline(Exception):
    """The document holds something whose bs4 reading is not modelled here."""


def ref(m: re.Match[str]) -> str:
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


def check_amps(raw: str) -> None:
    """Every ``&`` in ``raw`` must start one of the references :data:`_REF` reads."""
    pos = raw.find("&")
    while pos >= 0:
        if REF.match(raw, pos) is None:
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


_LOWER_PLAIN = re.compile(r"<[a-z][a-z0-9:-]*>")


def read_tag(chunk: str) -> tuple[int, str, Any, bool, bool]:
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
             and name not in PRESERVE and name not in RAWISH)
    return START, name, (chunk if plain else "", attrs), closed, not usual


def literal_lt(piece: str) -> None:
    """Each ``<`` in a text piece must be one html.parser keeps as text ("<3", "a < b")."""
    at = piece.find("<")
    while at >= 0:
        nxt = piece[at + 1:at + 2]
        if not nxt or nxt in "!?/" or nxt.isalpha():
            raise Decline("a '<' html.parser reads in an unusual way")
        at = piece.find("<", at + 1)
