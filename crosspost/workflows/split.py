"""Long stories in parts: a story longer than a target's site allows is split into parts
that fit, posted as "Title (Part 1 of 3)" and linked as a series.

Where it splits (pure, :func:`split_units` and :func:`pack`): at scene breaks first, then
at paragraph boundaries (blank lines; in an HTML body, line ends), never inside a tag
(a boundary inside an open ``<i>``, ``<div>``… is not a boundary). Each part must fit with
its header and room for its navigation links. A story with a paragraph too long for any
part is refused as before (the renderer's error: how long, what the site accepts).

A part is a story of its own (its identity is the story's plus ``#partIofN``), so each is
delivered exactly once by the engine, even across a crash in the middle of the parts.
:func:`split_for` is what ``check``, ``preview``, ``post`` and the watcher call (through
the publisher's ``expand`` hook).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from crosspost.adapter import SiteLimits, adapter_class
from crosspost.config.community import SeriesNavigation
from crosspost.delivery.hooks import part_prefix
from crosspost.render import compose, render_post
from crosspost.story.model import Story
from crosspost.story.parse.fences import is_fence

if TYPE_CHECKING:
    from crosspost.config import Config

__all__ = ["PART_MARK", "is_part", "pack", "piece_stories", "split_for", "split_units"]

#: what separates a story's identity from its part's: ``id:<identity>#part2of3``
PART_MARK = "#part"

_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>")
#: elements with no closing tag (LJ's <lj user=…> and <lj-cut> markers included)
_VOID = frozenset({"br", "hr", "img", "input", "meta", "wbr", "col", "area", "base", "link",
                   "source", "track", "embed", "param", "lj", "user", "lj-embed"})
_HR = re.compile(r"^\s*<hr\b[^>]*>\s*$", re.I)

#: a body too big for any part: the room for the header is the site's limit minus this
_BIG = SiteLimits(event_chars=10**12, event_bytes=10**12, subject_chars=10**6,
                  subject_bytes=10**6)


def is_part(identity: str) -> bool:
    return PART_MARK in identity


def _depth_change(text: str) -> int:
    depth = 0
    for m in _TAG.finditer(text):
        name = m.group(2).lower()
        if m.group(3) or name in _VOID:
            continue
        depth += -1 if m.group(1) else 1
    return depth


def _is_break(unit: str, body_format: str) -> bool:
    s = unit.strip()
    return bool(s) and "\n" not in s and (is_fence(s) or bool(_HR.match(s)))


def split_units(body: str, body_format: str) -> list[str]:
    """The body as its smallest parts that may end a part: paragraphs (blank-line
    separated; in HTML, lines), merged while a tag is open across them. Pure."""
    raw = body.split("\n") if body_format == "html" else re.split(r"\n[ \t]*\n", body)
    units: list[str] = []
    pending: list[str] = []
    depth = 0
    for chunk in raw:
        if not chunk.strip() and not pending:
            continue
        pending.append(chunk)
        depth = max(0, depth + _depth_change(chunk))
        if depth == 0:
            units.append(("\n" if body_format == "html" else "\n\n").join(pending))
            pending = []
    if pending:
        units.append(("\n" if body_format == "html" else "\n\n").join(pending))
    return units


def pack(units: list[str], body_format: str, fits: Callable[[list[str]], bool]
         ) -> list[list[str]]:
    """Units grouped into parts that ``fits``: whole scenes together while they fit, a
    scene too big for one part split between paragraphs. Scene breaks at a part's edge
    are dropped. Raises ValueError(unit) for a paragraph too big for a part. Pure."""
    scenes: list[list[str]] = [[]]
    for unit in units:
        if _is_break(unit, body_format):
            scenes.append([unit])  # the break opens the next scene
        else:
            scenes[-1].append(unit)
    parts: list[list[str]] = []
    current: list[str] = []

    def content(items: list[str]) -> list[str]:
        while items and _is_break(items[0], body_format):
            items = items[1:]
        while items and _is_break(items[-1], body_format):
            items = items[:-1]
        return items

    for scene in scenes:
        if not content(scene):
            continue
        if fits(content(current + scene)):
            current = current + scene
            continue
        if content(current):
            parts.append(content(current))
        current = []
        if fits(content(scene)):
            current = scene
            continue
        for unit in scene:
            if fits(content([*current, unit])):
                current.append(unit)
                continue
            if content(current):
                parts.append(content(current))
            current = [unit]
            if not fits(content(current)) and not _is_break(unit, body_format):
                raise ValueError(unit)
    if content(current):
        parts.append(content(current))
    return parts


def _join(units: list[str], body_format: str) -> str:
    return ("\n" if body_format == "html" else "\n\n").join(units)


def piece_stories(story: Story, bodies: list[str]) -> list[Story]:
    """The parts of ``story`` with these bodies: "Title (Part i of n)", linked as the
    series named by the title; each keeps the story's fields and its whole word count
    (its word-count band and community rules are the story's). Pure."""
    n = len(bodies)
    title = story.title
    out = []
    for i, body in enumerate(bodies, 1):
        # the whole story's word count: its word-count band, its rules, its header
        fields = {**story.fields, "word_count": f"{story.word_count:,}",
                  "title": f"{title} (Part {i} of {n})",
                  "id": part_prefix(story.identity).removeprefix("id:") + f"{i}of{n}",
                  "series": title, "part": f"{i} of {n}"}
        out.append(replace(story, fields=fields, body=body, cut=None))
    return out


def _limits(config: Config, target: str) -> tuple[SiteLimits, Callable[[str, str], str],
                                                  str]:
    tgt = config.targets[target]
    account = config.accounts[tgt.account]
    cls = adapter_class(account.site)
    return cls.limits_for(account), cls.cut, cls.label or account.site


def split_for(story: Story, config: Config, target: str) -> list[Story]:
    """``story`` as ``target`` receives it: ``[story]`` when it fits the target's site,
    else its parts. Raises StoryError when a single paragraph is too long for an entry."""
    if target not in config.targets or is_part(story.identity):
        return [story]
    limits, cut, site = _limits(config, target)
    tgt = config.targets[target]
    account = config.accounts[tgt.account]
    rendering = config.rendering_for(target)
    nav = (config.series or SeriesNavigation()).navigation
    # room for the navigation block: its template, two titles and three long links
    reserve = len(nav) + 2 * len(story.title) + 600

    def size(candidate: Story) -> tuple[int, int]:
        html = compose(candidate, rendering, target=target, cut=cut, limits=_BIG, site=site,
                       community=tgt.community, username=account.username).html
        return len(html), len(html.encode())

    def fits_story(candidate: Story, room: int) -> bool:
        chars, nbytes = size(candidate)
        return chars + room <= limits.event_chars and nbytes + room < limits.event_bytes

    if fits_story(story, 0):  # whole, it needs no navigation
        return [story]
    probe = replace(story, fields={**story.fields, "title": f"{story.title} (Part 99 of 99)"},
                    cut=None)

    def fits(units: list[str]) -> bool:
        return fits_story(replace(probe, body=_join(units, story.body_format)), reserve)

    try:
        parts = pack(split_units(story.body, story.body_format), story.body_format, fits)
    except ValueError:
        # one paragraph is too long for a part: the renderer's own refusal says how long
        # the entry is and what the site accepts
        render_post(story, config, target)
        return [story]
    return piece_stories(story, [_join(p, story.body_format) for p in parts])
