"""Tiny templates for subjects, header lines, cut texts and tags.

Syntax::

    {title}            a field by name (any header field, known or not, or a computed one)
    {Word Count}       names are matched like header names: aliases and any spelling work
    [ ({pairing})]     an optional group: it vanishes when every field written directly in
                       it is empty; nested groups decide for themselves
    [Fic]              brackets around plain text (no field) are kept as written
    {{ }} \\[ \\] \\{ \\} \\\\   literal braces, brackets and backslash

A field that is missing renders as an empty string: a template never fails on a story.
Syntax errors (an unclosed ``{`` or ``[``) raise :class:`TemplateError`, which the config
loader reports with the key path of the template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from crosspost.story import fields as known_fields
from crosspost.story.model import field_key


class TemplateError(ValueError):
    """A template that cannot be parsed."""


@dataclass(frozen=True)
class _Field:
    key: str
    name: str = ""  # as written in the template


@dataclass(frozen=True)
class _Group:
    parts: tuple[_Part, ...]


_Part = str | _Field | _Group


def placeholder_key(name: str) -> str:
    """The value key a placeholder name refers to: ``Pairings`` → ``pairing``."""
    spec = known_fields.lookup(name)
    return spec.key if spec is not None else field_key(name)


@lru_cache(maxsize=512)
def parse(template: str) -> tuple[_Part, ...]:
    """Parse ``template``; raises TemplateError on bad syntax."""
    stack: list[tuple[list[_Part], int]] = [([], -1)]
    text: list[str] = []
    i, n = 0, len(template)

    def flush() -> None:
        if text:
            stack[-1][0].append("".join(text))
            text.clear()

    while i < n:
        ch = template[i]
        if ch == "\\" and i + 1 < n and template[i + 1] in "[]{}\\":
            text.append(template[i + 1])
            i += 2
        elif ch == "{" and template.startswith("{{", i):
            text.append("{")
            i += 2
        elif ch == "}" and template.startswith("}}", i):
            text.append("}")
            i += 2
        elif ch == "{":
            end = template.find("}", i + 1)
            if end < 0:
                raise TemplateError(f"unclosed '{{' at position {i + 1} in {template!r}")
            name = template[i + 1:end]
            if any(c in name for c in "{[]") or not name.strip():
                raise TemplateError(f"bad field name {{{name}}} in {template!r}")
            flush()
            stack[-1][0].append(_Field(placeholder_key(name), name.strip()))
            i = end + 1
        elif ch == "}":
            raise TemplateError(f"unmatched '}}' at position {i + 1} in {template!r} "
                                "(write '}}' for a literal brace)")
        elif ch == "[":
            flush()
            stack.append(([], i))
            i += 1
        elif ch == "]":
            if len(stack) == 1:
                raise TemplateError(f"unmatched ']' at position {i + 1} in {template!r} "
                                    "(write '\\]' for a literal bracket)")
            flush()
            parts, _ = stack.pop()
            stack[-1][0].append(_Group(tuple(parts)))
            i += 1
        else:
            text.append(ch)
            i += 1
    if len(stack) > 1:
        raise TemplateError(f"unclosed '[' at position {stack[-1][1] + 1} in {template!r} "
                            "(write '\\[' for a literal bracket)")
    flush()
    return tuple(stack[0][0])


def _fields(parts: tuple[_Part, ...]) -> list[_Field]:
    out: list[_Field] = []
    for p in parts:
        if isinstance(p, _Field):
            out.append(p)
        elif isinstance(p, _Group):
            out += _fields(p.parts)
    return out


def fields_in(template: str) -> set[str]:
    """Every value key the template refers to (in groups too)."""
    return {f.key for f in _fields(parse(template))}


def names_in(template: str) -> list[str]:
    """Every field name as written in the template (in groups too), in order."""
    return [f.name for f in _fields(parse(template))]


def _render(parts: tuple[_Part, ...], values: Mapping[str, str]) -> tuple[str, bool, bool]:
    """(text, has_fields, filled) for one level of parts.

    A level is *filled* when one of its own fields is non-empty, or, when it has no fields
    of its own, when one of its nested groups is kept."""
    out: list[str] = []
    direct_has = direct_filled = nested_has = nested_kept = False
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, _Field):
            direct_has = True
            val = values.get(p.key) or ""
            direct_filled = direct_filled or bool(val)
            out.append(val)
        else:
            inner, inner_has, inner_filled = _render(p.parts, values)
            if not inner_has:
                out.append(f"[{inner}]")  # plain text in brackets: kept as written
                continue
            nested_has = True
            if inner_filled:
                nested_kept = True
                out.append(inner)
    filled = direct_filled if direct_has else nested_kept
    return "".join(out), direct_has or nested_has, filled


def fill(template: str, values: Mapping[str, str]) -> str:
    """Fill ``template`` from ``values`` (key → text). Missing keys render empty."""
    return _render(parse(template), values)[0]


def fill_optional(template: str, values: Mapping[str, str]) -> str:
    """Like :func:`fill`, but the whole template vanishes (returns "") when it refers to
    fields and all of them are empty: ``"author: {author}"`` gives nothing without an
    author. Used for tag templates."""
    text, has_fields, any_filled = _render(parse(template), values)
    return "" if has_fields and not any_filled else text


def check(template: str) -> str | None:
    """The syntax error in ``template``, or None when it is fine."""
    try:
        parse(template)
    except TemplateError as exc:
        return str(exc)
    return None
