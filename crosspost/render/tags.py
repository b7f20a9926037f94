"""Header fields → tags, normalised to what LJ-code sites accept, and community filtering.

The server's rules (reference §5): a tag list is split on commas (so a tag can never hold
one); each tag has its whitespace squeezed, is cut *silently* to 40 characters / 80 bytes
and lower-cased; a tag starting with ``_`` or holding ``<``, ``>``, CR, LF or TAB makes the
*whole list* invalid (fault 211). We therefore normalise every tag ourselves, report what we
changed, and drop what cannot be made valid, so the server never sees a bad list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from crosspost.story import fields as known_fields

if TYPE_CHECKING:
    from crosspost.config import TagRules
    from crosspost.story.model import Story

#: the servers' limits for one tag (DW and LJ alike)
TAG_MAX_CHARS = 40
TAG_MAX_BYTES = 80

_FORBIDDEN = re.compile(r"[<>,\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def _cut(tag: str) -> str:
    """Cut ``tag`` to the limits, at a word boundary when there is one."""
    if len(tag) <= TAG_MAX_CHARS and len(tag.encode()) <= TAG_MAX_BYTES:
        return tag
    end = 0
    size = 0
    for i, ch in enumerate(tag):
        size += len(ch.encode())
        if i + 1 > TAG_MAX_CHARS or size > TAG_MAX_BYTES:
            break
        end = i + 1
    head = tag[:end]
    if tag[end:end + 1] != " " and " " in head:
        head = head[:head.rindex(" ")]
    return head.rstrip(" -:/&.")


def normalise_tag(text: str) -> str | None:
    """``text`` as a tag every LJ-code site accepts, or None when nothing valid is left.

    Lower-case, NFC, whitespace squeezed, commas / ``<`` / ``>`` / control characters
    replaced by spaces, no leading ``_``, at most 40 characters and 80 bytes (cut at a word
    boundary)."""
    return _cut(_clean(text)) or None


def _clean(text: str) -> str:
    tag = unicodedata.normalize("NFC", text)
    tag = _FORBIDDEN.sub(" ", tag)
    tag = _SPACES.sub(" ", tag).strip().lower()
    return tag.lstrip("_ ")  # a leading "_" is reserved by the server


def match_key(text: str) -> str:
    """How map keys are compared: case, spaces, dashes, dots and underscores do not count
    (``NC-17`` = ``nc17`` = ``NC 17``)."""
    return re.sub(r"[\s\-_.]+", "", text.casefold())


def lookup_map(mapping: Mapping[str, str], value: str) -> str | None:
    """``mapping[value]`` compared with :func:`match_key`; None when absent."""
    if value in mapping:
        return mapping[value]
    want = match_key(value)
    for key, out in mapping.items():
        if match_key(key) == want:
            return out
    return None


def split_value(value: str, separators: Iterable[str]) -> list[str]:
    """Split a multi-value field on any of ``separators``; trimmed, empties dropped."""
    seps = [s for s in separators if s]
    parts = [value]
    if seps:
        pattern = "|".join(re.escape(s) for s in sorted(seps, key=len, reverse=True))
        parts = re.split(pattern, value)
    return [p.strip() for p in parts if p.strip()]


def separators_for(key: str, rules: TagRules) -> tuple[str, ...]:
    """The separators of field ``key``: the target's ``split`` override, else the built-in."""
    if key in rules.split:
        return tuple(rules.split[key])
    spec = known_fields.BY_KEY.get(key)
    return spec.split if spec is not None else ()


def _templates(spec: str | list[str]) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


def map_tags(story: Story, rules: TagRules,
             values: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """The tags for ``story`` under ``rules``, and notes on what normalisation changed.

    For each field in ``rules.fields`` (in config order): split the value, replace each part
    through ``rules.values`` (case-insensitive; an empty replacement drops the part; a key
    matching the whole value replaces it before splitting), fill
    each template with ``{value}`` = the part (other fields reachable by name). Then the
    constant tags, then the word-count band's tag (``rules.word_count_bands``). A template
    whose fields are all empty gives no tag. ``values`` are the template values (default:
    the story's fields)."""
    from crosspost.story.template import fill_optional  # lazy: the renderer imports this module

    base: dict[str, str] = dict(values if values is not None else story.fields)
    raw: list[tuple[str, str]] = []  # (where it came from, tag text)
    for key, spec in rules.fields.items():
        field_value = story.fields.get(key, "")
        whole = lookup_map(rules.values, field_value) if field_value.strip() else None
        if whole is not None:  # the value map may name a whole value ("A/B" → "crossover")
            field_value = whole
        for part in split_value(field_value, separators_for(key, rules)):
            mapped = lookup_map(rules.values, part)
            if mapped is not None:
                part = mapped
            if not part.strip():
                continue
            for template in _templates(spec):
                raw.append((f"field {key!r}", fill_optional(template, {**base, "value": part})))
    for template in rules.constant:
        raw.append(("constant tag", fill_optional(template, base)))
    band = word_band(story.word_count, rules)
    if band is not None:
        raw.append(("word-count band", band))
    return _normalise_all(raw)


def word_band(words: int, rules: TagRules) -> str | None:
    """The tag of the first of ``rules.word_count_bands`` holding ``words``, or None."""
    for band in rules.word_count_bands or ():
        if band.min <= words and (band.max is None or words <= band.max):
            return band.tag
    return None


def _normalise_all(raw: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    tags: list[str] = []
    notes: list[str] = []
    seen: set[str] = set()
    for origin, text in raw:
        if not text.strip():
            continue
        tag = normalise_tag(text)
        if tag is None:
            notes.append(f"tag {text!r} ({origin}) dropped: nothing valid is left of it "
                         "after removing commas, '<', '>' and a leading '_'")
            continue
        if len(tag) < len(_clean(text)):
            notes.append(f"tag {text.strip()!r} cut to {tag!r} (tags hold at most "
                         f"{TAG_MAX_CHARS} characters / {TAG_MAX_BYTES} bytes)")
        if tag in seen:
            continue
        seen.add(tag)
        tags.append(tag)
    return tags, notes
