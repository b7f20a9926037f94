"""Tags (reference §5): parsing a taglist, and who may add or create tags."""

from __future__ import annotations

import re
from typing import Any

from .options import SandboxOptions
from .textutil import text_trim
from .world import Account, World

_INVALID = re.compile(r"[<>\r\n\t]")


def taglist_text(value: Any) -> str:
    """``taglist`` may be a string or an XML-RPC array (§4)."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return "" if value is None else str(value)


def canonical_tag(tag: str, dialect: str) -> str:
    tag = re.sub(r"\s+", " ", tag).strip()
    tag = text_trim(tag, 80, 40)
    if dialect == "dw":
        return tag.lower()
    # LJ: lower-case only pure-ASCII tags (taglib.pl:817)
    return tag.lower() if tag.isascii() else tag


def parse_taglist(text: str, dialect: str) -> list[str] | None:
    """Canonical tags in order, without duplicates; ``None`` when the list is malformed."""
    items = [t.strip(" \t\n\r\f\v") for t in re.split(r"\s*,\s*", text)]
    items = [t for t in items if t]
    out: list[str] = []
    for item in items:
        # canonicalise first, then validate (Tags.pm is_valid_tagstring)
        tag = canonical_tag(item, dialect)
        if not tag or tag.startswith("_") or _INVALID.search(tag):
            return None
        if tag not in out:
            out.append(tag)
    return out or None


def apply_tags(world: World, user: Account, journal: Account, wanted: list[str],
               dialect: str, opts: SandboxOptions, current: list[str] | None = None
               ) -> tuple[list[str] | None, str, list[str]]:
    """``update_logtags``: (tags to set or None = leave unchanged, message, warnings).

    DW: a single new tag from a non-controller means no tags at all, with a message (§5).
    LJ: existing tags are applied and new ones skipped with a warning; IJ-like (LJ08):
    skipped silently. Creating beyond ``tags_max`` follows the same pattern. Never 313.
    """
    existing = set(journal.tags)
    new = [t for t in wanted if t not in existing]
    may_create = world.can_control_tags(user, journal)
    if dialect == "dw":
        errors = []
        if new and not may_create:
            # DW: update_logtags returns before writing anything (Tags.pm:764-848)
            errors.append("You are not allowed to create new tags for this journal; the entry "
                          f"was not tagged with {', '.join(new)}.")
        if current and set(current) - set(wanted) and not may_create:
            # DW: only controllers may remove tags from an entry (taglib.error.delete2)
            errors.append("You are not allowed to remove tags from entries in this journal; "
                          f"the entry is still tagged with {', '.join(current)}.")
        if errors:
            return None, "\n\n".join(errors), []
        if new and len(journal.tags) + len(new) > opts.tags_max:
            return None, (f"Adding this tag would exceed your maximum of {opts.tags_max} tags. "
                          "Please remove some tags and try again."), []
        journal.tags.extend(new)
        return list(wanted), "", []
    warnings: list[str] = []
    keep = [t for t in wanted if t in existing]
    if new and may_create:
        room = max(0, opts.tags_max - len(journal.tags))
        journal.tags.extend(new[:room])
        keep = [t for t in wanted if t in journal.tags]
        new = new[room:]
    if new and dialect == "lj":
        # LJ: the misleading "limit" wording is used for permission problems too (§5)
        warnings.append("Some tags have not been added because you have exceeded your maximum "
                        f"tags limit of {opts.tags_max} tags: {', '.join(new)}")
    return keep, "", warnings
