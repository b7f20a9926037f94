"""Series and multi-part stories: navigation links (previous, series index, next) in each
part's entry, kept up to date as parts are posted, edited and deleted.

A part is a posted story whose header has ``Series:`` and a ``Part:`` (or ``Chapter:``)
holding a number (``3``, ``Part 3``, ``3 of 5``). A part's navigation is a pure function of
what the registry knows (:func:`navigation_html`): the other parts' entries (on the same
target when they are there), their titles, and the series' index (a masterlist whose
``where`` names the series). It sits at the end of the entry between two HTML comments;
:func:`sync_series` edits every entry whose navigation is not the current one (the story
rendered for the target, navigation added, compared with the fingerprint of what was last
sent), through the delivery engine (the intent recorded first, exactly once, reconciled,
retried), once per batch: posting part 3 edits part 2 to add its "next" link.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.config.community import SeriesNavigation
from crosspost.delivery import Publisher
from crosspost.errors import CrosspostError
from crosspost.logs import get_logger
from crosspost.render import render_post
from crosspost.story.parse import parse_file
from crosspost.story.template import fill
from crosspost.workflows.derived import DERIVED_PREFIX, posted_urls
from crosspost.workflows.masterlists import MASTERLIST_PREFIX
from crosspost.workflows.split import is_part, split_for

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery import AdapterPool, Outcome
    from crosspost.state.records import Delivery
    from crosspost.state.registry import Registry
    from crosspost.story.model import Story
    from crosspost.story.post import Post

log = get_logger("workflows")
__all__ = ["Part", "navigation_html", "part_number", "sync_series", "with_navigation"]

NAV_START = "<!-- crosspost:series -->"
NAV_END = "<!-- /crosspost:series -->"
_NAV_RE = re.compile(r"\n*" + re.escape(NAV_START) + r".*?" + re.escape(NAV_END), re.S)


@dataclass(frozen=True)
class Part:
    """One posted part: its identity, series, number, title and entry URL per target."""

    identity: str
    series: str
    number: int
    title: str


def part_number(text: str) -> int | None:
    """The part's number: the first number in ``Part:`` (``3``, ``Part 3``, ``3 of 5``)."""
    m = re.search(r"\d+", text)
    return int(m.group()) if m else None


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.]+", "", text.casefold())


def series_parts(fields: dict[str, dict[str, str]], titles: dict[str, str]
                 ) -> dict[str, list[Part]]:
    """Parts by series key (case, spaces and dashes ignored), in part order. Pure."""
    out: dict[str, list[Part]] = {}
    for identity, f in fields.items():
        series = f.get("series", "").strip()
        number = part_number(f.get("part", ""))
        if identity.startswith(DERIVED_PREFIX) or not series or number is None:
            continue
        out.setdefault(_key(series), []).append(
            Part(identity, series, number, titles.get(identity) or f.get("title", "")))
    for parts in out.values():
        parts.sort(key=lambda p: (p.number, p.identity))
    return out


def navigation_html(template: str, part: Part, parts: list[Part], urls: dict[str, str],
                    index_url: str = "") -> str:
    """The navigation block of ``part`` (among ``parts``, with entry ``urls``), or "" when
    there is nothing to link. Pure."""
    posted = [p for p in parts if p.identity in urls]
    before = [p for p in posted if p.number < part.number]
    after = [p for p in posted if p.number > part.number]
    prev, nxt = (before[-1] if before else None), (after[0] if after else None)
    if prev is None and nxt is None and not index_url:
        return ""
    values = {"series": part.series, "part": str(part.number),
              "previous_url": urls[prev.identity] if prev else "",
              "previous_title": prev.title if prev else "",
              "next_url": urls[nxt.identity] if nxt else "",
              "next_title": nxt.title if nxt else "", "index_url": index_url}
    return fill(template, {k: html.escape(v, quote=True) for k, v in values.items()})


def with_navigation(event: str, nav: str) -> str:
    """``event`` with its navigation block replaced by ``nav`` (removed when ""). Pure."""
    body = _NAV_RE.sub("", event).rstrip("\n")
    return f"{body}\n\n{NAV_START}{nav}{NAV_END}" if nav else body


def _index_urls(config: Config, deliveries: list[Delivery]) -> dict[str, str]:
    """Series key → the URL of a masterlist listing that series (``where.series``)."""
    out: dict[str, str] = {}
    for name, ml in config.masterlists.items():
        series = ml.where.get("series")
        rows = [r for r in deliveries if r.identity == MASTERLIST_PREFIX + name
                and r.status == "posted" and r.url]
        if series and rows:
            out.setdefault(_key(series), rows[-1].url)
    return out


def story_file(config: Config, path: str) -> Path | None:
    """Where a posted story's file is now: where it was posted from, else in the watched
    folder's ``posted_dir`` (the watcher moves posted files there)."""
    if not path:
        return None
    first = Path(path)
    if first.is_file():
        return first
    s = config.settings
    if s.stories_dir is not None and s.posted_dir:
        moved = Path(s.stories_dir) / s.posted_dir / first.name
        if moved.is_file():
            return moved
    return None


def navigation_edits(config: Config, registry: Registry) -> list[tuple[Delivery, Post]]:
    """Every posted part whose entry lacks its current navigation, with the post it
    should be: the story rendered for its target, navigation added. A part whose file
    changed since it was delivered is left to the ordinary edit (then linked here)."""
    fields = registry.story_fields()
    if config.series is None and not any(is_part(i) for i in fields):
        return []  # no [series] table: only the parts of split stories are linked
    template = (config.series or SeriesNavigation()).navigation
    deliveries = registry.deliveries()
    known = {s.identity: s for s in registry.stories()}
    by_series = series_parts(fields, {i: s.title for i, s in known.items()})
    index = _index_urls(config, deliveries)
    parts = {p.identity: (key, p) for key, ps in by_series.items() for p in ps}
    urls_for: dict[str, dict[str, str]] = {}
    stories: dict[str, Story | None] = {}
    edits = []
    for row in deliveries:
        if (row.identity not in parts or row.status != "posted" or row.itemid is None
                or row.copy != 0 or row.target not in config.targets
                or (config.series is None and not is_part(row.identity))):
            continue
        path = known[row.identity].path
        if path not in stories:
            stories[path] = _read(config, path)
        story = _the_part(stories[path], row, config)
        if story is None or story.content_hash != row.content_hash:
            continue
        key, part = parts[row.identity]
        if row.target not in urls_for:
            urls_for[row.target] = posted_urls(deliveries, row.target, parts=True)
        nav = navigation_html(template, part, by_series[key],
                              urls_for[row.target], index.get(key, ""))
        try:
            post = render_post(story, config, row.target)
        except CrosspostError:
            continue
        post = replace(post, html=with_navigation(post.html, nav))
        if post.fingerprint != row.fingerprint:
            edits.append((row, post))
    return edits


def _the_part(story: Story | None, row: Delivery, config: Config) -> Story | None:
    """The story a row holds: ``story``, or the part of it (a story split for the row's
    target) whose identity the row has."""
    if story is None or row.identity == story.identity or not is_part(row.identity):
        return story if story is not None and row.identity == story.identity else None
    try:
        pieces = split_for(story, config, row.target)
    except CrosspostError:
        return None
    return next((p for p in pieces if p.identity == row.identity), None)


def _read(config: Config, path: str) -> Story | None:
    found = story_file(config, path)
    if found is None:
        log.info("series navigation: %s is no longer there; its links are left as they are",
                 path)
        return None
    try:
        return parse_file(found, max_bytes=config.settings.max_file_bytes)
    except CrosspostError as exc:
        log.warning("series navigation: %s", exc.message)
        return None


def sync_series(config: Config, registry: Registry, pool: AdapterPool | None = None
                ) -> list[tuple[str, Outcome]]:
    """Edit the parts whose navigation changed (nothing sent otherwise): (series title,
    outcome) for each."""
    edits = navigation_edits(config, registry)
    if not edits:
        return []
    titles = {s.identity: s.title for s in registry.stories()}
    with Publisher(config, registry, pool) as publisher:
        outcomes = publisher.edit_posts(edits)
    return [(titles.get(o.identity) or o.identity, o) for o in outcomes]
