"""Masterlists: index entries of the writer's stories (``[masterlists.NAME]``), derived
entries kept up to date on every post, edit and delete.

The text is a pure function of what the registry knows (:func:`masterlist_html`): the
posted stories (optionally only those matching ``where``), grouped by the ``group_by``
fields (outermost first) and ordered by ``order_by`` inside each group, one ``line``
template per story. It is delivered by the delivery engine like a story, posted with the
first story it lists and edited when its text changes, once per batch.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crosspost.story import fields as known_fields
from crosspost.story.model import Story
from crosspost.story.template import fill
from crosspost.workflows.derived import (
    DERIVED_PREFIX,
    derived_target,
    posted_urls,
    publish_derived,
)

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.config.community import Masterlist
    from crosspost.delivery import AdapterPool, Outcome
    from crosspost.state.registry import Registry

__all__ = ["Listed", "masterlist_html", "masterlist_story", "sync_masterlists"]

#: the identity prefix of masterlists
MASTERLIST_PREFIX = DERIVED_PREFIX + "masterlist:"

#: the group heading of stories without a value for a ``group_by`` field
NO_VALUE = "Other"


@dataclass(frozen=True)
class Listed:
    """A posted story as a masterlist sees it: its recorded fields and entry URL."""

    identity: str
    fields: dict[str, str]
    url: str


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_.]+", "", text.casefold())


def _values(key: str, value: str) -> list[str]:
    spec = known_fields.BY_KEY.get(key)
    seps = spec.split if spec is not None else ()
    parts = [value]
    if seps:
        parts = re.split("|".join(re.escape(s) for s in seps), value)
    return [p.strip() for p in parts if p.strip()]


def matches(ml: Masterlist, fields: dict[str, str]) -> bool:
    """True when the story's fields satisfy every ``where`` entry (the whole value or one
    of its values, ignoring case, spaces and dashes). Pure."""
    for key, want in ml.where.items():
        value = fields.get(key, "")
        wanted = _norm(want)
        if _norm(value) != wanted and wanted not in {_norm(v) for v in _values(key, value)}:
            return False
    return True


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Numbers compare as numbers: part 2 before part 10."""
    return tuple((0, int(p)) if p.isdigit() else (1, p)
                 for p in re.split(r"(\d+)", text.casefold()) if p)


def _sort_key(ml: Masterlist, item: Listed) -> tuple[object, ...]:
    return (*(_natural(item.fields.get(k, "")) for k in ml.order_by), item.identity)


def masterlist_html(ml: Masterlist, stories: list[Listed]) -> str:
    """The masterlist's HTML: headings per group level, one line per story. Pure."""
    chosen = [s for s in stories if matches(ml, s.fields)]
    lines = [ml.intro] if ml.intro else []
    lines.append(f"<p>{len(chosen)} {'story' if len(chosen) == 1 else 'stories'}</p>")

    def group(items: list[Listed], level: int) -> None:
        if level == len(ml.group_by):
            lines.append("<ul>")
            for item in sorted(items, key=lambda s: _sort_key(ml, s)):
                values = {k: html.escape(v, quote=True).replace("\n", "<br>")
                          for k, v in item.fields.items()}
                values["url"] = html.escape(item.url, quote=True)
                lines.append(f"<li>{fill(ml.line, values)}</li>")
            lines.append("</ul>")
            return
        key = ml.group_by[level]
        groups: dict[str, list[Listed]] = {}
        for item in items:
            heading = item.fields.get(key, "").strip() or NO_VALUE
            groups.setdefault(heading, []).append(item)
        tag = f"h{min(3 + level, 6)}"
        for heading in sorted(groups, key=lambda h: (h == NO_VALUE, h.casefold())):
            lines.append(f"<{tag}>{html.escape(heading)}</{tag}>")
            group(groups[heading], level + 1)

    if chosen:
        group(chosen, 0)
    return "\n".join(lines)


def masterlist_story(name: str, ml: Masterlist, stories: list[Listed]) -> Story:
    """The masterlist as a story (the derived entry the engine delivers)."""
    return Story(fields={"title": ml.subject,
                         "id": (MASTERLIST_PREFIX + name).removeprefix("id:")},
                 body=masterlist_html(ml, stories), body_format="html")


def listed_stories(registry: Registry, target: str) -> list[Listed]:
    """Every posted story (not derived entries) with its recorded fields and URL."""
    fields = registry.story_fields()
    titles = {s.identity: s.title for s in registry.stories()}
    urls = posted_urls(registry.deliveries(), target)
    return [Listed(identity, {"title": titles.get(identity, ""), **fields.get(identity, {})},
                   url) for identity, url in urls.items()]


def sync_masterlists(config: Config, registry: Registry, pool: AdapterPool | None = None
                     ) -> list[tuple[str, Outcome]]:
    """Bring every masterlist up to date (posted with the first story it lists, edited
    when its text changed, nothing sent otherwise). Returns (name, outcome)."""
    out: list[tuple[str, Outcome]] = []
    for name, ml in config.masterlists.items():
        target = derived_target(config, ml.target, f"masterlists.{name}")
        stories = listed_stories(registry, target)
        exists = bool(registry.deliveries(MASTERLIST_PREFIX + name))
        if not exists and not any(matches(ml, s.fields) for s in stories):
            continue
        story = masterlist_story(name, ml, stories)
        out += [(name, o) for o in publish_derived(config, registry, story, target, pool)]
    return out
