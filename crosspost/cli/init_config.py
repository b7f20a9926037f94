"""The config ``crosspost init`` writes, from the answers: pure functions, no I/O.

The file is commented like ``config.example.toml`` (which documents every other key); it
never holds the secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: header field → tag prefixes communities use for it (the first one found is mapped)
TAG_PREFIXES: dict[str, tuple[str, ...]] = {
    "fandom": ("fandom: ", "fandom:"),
    "pairing": ("pairing: ", "ship: ", "pairing:"),
    "characters": ("character: ", "characters: ", "character:"),
    "rating": ("rating: ", "rating:"),
}
#: tags added to every post when the community has them
CONSTANT_TAGS = ("type: fic", "type: fiction", "fic")
#: the own journal's map: the writer's own tags, created as needed
JOURNAL_TAGS = {"fandom": "{value}", "pairing": "{value}"}

OWN_JOURNAL = "journal"


@dataclass(frozen=True)
class TargetPlan:
    """One target to write: its name, community (None: own journal) and tag map."""

    name: str
    community: str | None
    fields: dict[str, str] = field(default_factory=dict)
    constant: tuple[str, ...] = ()


@dataclass(frozen=True)
class InitAnswers:
    account: str
    site: str
    username: str
    server: str | None = None
    dialect: str | None = None
    targets: tuple[TargetPlan, ...] = ()
    stories_dir: str = "~/Stories/crosspost"


def target_name(community: str | None, taken: Iterable[str] = ()) -> str:
    """A target name for a community (its own name, made a TOML bare key)."""
    base = OWN_JOURNAL if community is None else re.sub(r"[^A-Za-z0-9_-]", "_", community)
    name, n, used = base, 2, set(taken)
    while name in used:
        name, n = f"{base}{n}", n + 1
    return name


def tag_map(existing: Iterable[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(field → tag template, constant tags) that fit a community's existing tags: a field
    is mapped when the community has tags with one of its usual prefixes. Pure."""
    tags = [t.casefold() for t in existing]
    fields: dict[str, str] = {}
    for key, prefixes in TAG_PREFIXES.items():
        for prefix in prefixes:
            if any(t.startswith(prefix) for t in tags):
                fields[key] = prefix + "{value}"
                break
    constant = tuple(t for t in CONSTANT_TAGS if t in tags)[:1]
    return fields, constant


def plan_targets(chosen: Sequence[str | None], tags_of: dict[str, frozenset[str]]
                 ) -> tuple[TargetPlan, ...]:
    """Targets for the chosen journals (None: own journal), each with its tag map."""
    out: list[TargetPlan] = []
    for community in chosen:
        name = target_name(community, (t.name for t in out))
        if community is None:
            out.append(TargetPlan(name, None, dict(JOURNAL_TAGS)))
        else:
            fields, constant = tag_map(tags_of.get(community, frozenset()))
            out.append(TargetPlan(name, community, fields, constant))
    return tuple(out)


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _inline(table: dict[str, str]) -> str:
    return "{ " + ", ".join(f"{k} = {_s(v)}" for k, v in table.items()) + " }" if table else "{}"


def render_config(a: InitAnswers) -> str:
    """The TOML text of the config, commented for a person who never edited one."""
    lines = [
        "# crosspost configuration, written by `crosspost init`.",
        "# Every key is explained in the example config: `crosspost init --example`.",
        "# No password or API key lives here: it is in your system's keyring",
        f"# (`crosspost login {a.account}` replaces it).",
        "",
        "[settings]",
        "# The folder `crosspost watch` watches for new story files (~ is your home folder).",
        f"stories_dir = {_s(a.stories_dir)}",
        "# Time zone for release times written without one (unset: this computer's zone).",
        '# timezone = "Europe/London"',
        "",
        "# Your login on the site. Targets name it by its table name.",
        f"[accounts.{a.account}]",
        f"site = {_s(a.site)}",
        f"username = {_s(a.username)}",
    ]
    if a.server:
        lines.append(f"server = {_s(a.server)}")
    if a.dialect:
        lines.append(f"dialect = {_s(a.dialect)}")
    lines += [
        "",
        "# How entries look on every target (a target's own keys win).",
        "[defaults]",
        'subject = "{title}[ ({pairing}[, {rating}])]"',
        "# The story goes behind a cut; the header (title, pairing, rating…) stays above it.",
        "cut = true",
        '# Who can read the entry: "public", "members" or "private".',
        'security = "public"',
    ]
    for t in a.targets:
        where = ("your own journal" if t.community is None
                 else f"the community {t.community}")
        lines += ["", f"# Posts to {where}.", f"[targets.{t.name}]",
                  f"account = {_s(a.account)}"]
        if t.community is not None:
            lines.append(f"community = {_s(t.community)}")
        lines += ["# Header field → tag; {value} is each value of the field.",
                  f"tags.fields = {_inline(t.fields)}"]
        if t.constant:
            lines += ["# Tags added to every post here.",
                      "tags.constant = [" + ", ".join(_s(c) for c in t.constant) + "]"]
    if not a.targets:
        lines += ["", "# No target yet: add one like this, then run `crosspost check --online`.",
                  "# [targets.journal]", f'# account = {_s(a.account)}']
    return "\n".join(lines) + "\n"
