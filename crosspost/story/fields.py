"""The table of known header fields (after pelican's table of metadata processors).

Each :class:`FieldSpec` names a canonical key, the header names writers use for it (matched
case-insensitively, ignoring spaces, dashes, dots and apostrophes), how a multi-value field
splits into tag values by default, and a processor that cleans the raw value.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass


def _squeeze(value: str) -> str:
    """One-line fields: all whitespace (continuation line breaks too) becomes one space."""
    return " ".join(value.split())  # (str.split and the regex \s take the same characters)


def _keep_lines(value: str) -> str:
    """Multi-line fields (summary, notes) keep their line breaks."""
    return "\n".join(_squeeze(line) for line in value.strip().split("\n"))


#: Public names for the two standard processors (the parsers use them for unknown fields).
squeeze = _squeeze
keep_lines = _keep_lines


@dataclass(frozen=True)
class FieldSpec:
    key: str
    names: tuple[str, ...]
    split: tuple[str, ...] = ()
    process: Callable[[str], str] = _squeeze
    label: str = ""

    @property
    def display(self) -> str:
        return self.label or self.names[0]


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", ("Title", "Story Title", "Name")),
    FieldSpec("author", ("Author", "By", "Writer", "Written By", "Pseud", "Authors"),
              split=(",", ";", "&")),
    FieldSpec("pairing", ("Pairing", "Pairings", "Relationship", "Relationships", "Ship",
                          "Ships"), split=(",", ";")),
    FieldSpec("characters", ("Characters", "Character", "Chars"), split=(",", ";")),
    # not "&": it is part of many fandom names (Pride & Prejudice, Law & Order)
    FieldSpec("fandom", ("Fandom", "Fandoms"), split=("/", ",", ";")),
    FieldSpec("rating", ("Rating", "Rated")),
    FieldSpec("warnings", ("Warnings", "Warning", "Content Notes", "Content Note", "Contains",
                           "Content Warnings", "CW", "TW"), split=(",", ";")),
    FieldSpec("summary", ("Summary", "Description", "Blurb"), process=_keep_lines),
    FieldSpec("word_count", ("Word Count", "Words", "Wordcount", "Length"),
              label="Word Count"),
    FieldSpec("disclaimer", ("Disclaimer",), process=_keep_lines),
    FieldSpec("notes", ("Notes", "Author's Notes", "Authors Notes", "Author Notes", "A/N", "AN",
                        "Note"), process=_keep_lines),
    FieldSpec("prompt", ("Prompt", "Theme", "Claim", "Prompts"), split=(";",)),
    FieldSpec("table", ("Table",)),
    FieldSpec("series", ("Series",)),
    FieldSpec("part", ("Part", "Chapter", "Chapters", "Parts")),
    FieldSpec("beta", ("Beta", "Betas", "Beta Reader", "Beta'd By"), split=(",", ";", "&")),
    FieldSpec("spoilers", ("Spoilers", "Spoiler")),
    FieldSpec("genre", ("Genre", "Genres"), split=(",", ";", "/")),
    FieldSpec("release", ("Release", "Post At", "Post-At", "Post Date", "Release At",
                          "Publish At", "Post On", "Release Date", "Release Time", "Publish Date",
                          "Posting Date")),
    FieldSpec("tags", ("Tags", "Tag", "Additional Tags", "Freeform Tags"), split=(",", ";")),
    FieldSpec("category", ("Category", "Categories"), split=(",", ";")),
    FieldSpec("recipient", ("Recipient", "For", "Written For", "Gift For")),
    FieldSpec("id", ("ID", "Story ID")),
)

BY_KEY: dict[str, FieldSpec] = {f.key: f for f in FIELDS}


_NOT_IN_NAMES = re.compile(r"[\s\-_.'’/]+")


def _norm(name: str) -> str:
    return _NOT_IN_NAMES.sub("", name).casefold()


_ALIASES: dict[str, FieldSpec] = {}
for _spec in FIELDS:
    for _name in (*_spec.names, _spec.key):
        _ALIASES[_norm(_name)] = _spec


@functools.lru_cache(maxsize=1024)  # every header line asks, for the same few names
def lookup(name: str) -> FieldSpec | None:
    """The known field a header name means, or None (``Pairings`` → pairing)."""
    return _ALIASES.get(_norm(name))


def canonical(name: str) -> str:
    """A known field's canonical key for any of its spellings (``Pairings`` → pairing);
    any other name as written (stories have fields of their own)."""
    spec = lookup(name)
    return spec.key if spec is not None else name


def suggest(name: str) -> str | None:
    """A "did you mean" for an unknown field name close to a known one (``Titel`` → Title)."""
    hits = difflib.get_close_matches(_norm(name), list(_ALIASES), n=1, cutoff=0.75)
    return _ALIASES[hits[0]].display if hits else None


def is_known_key(key: str) -> bool:
    return key in BY_KEY
