"""Story + target → the exact :class:`~crosspost.story.post.Post` that target receives.

Layout of the event: the header block, then the story inside the site's cut (the adapter's
dialect writes the cut markup), then the footer. Subject and event are checked against the
site's limits here, so a story that a site would refuse fails at render time with a message
that says what to change, not later with a server fault.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from crosspost.adapter import SiteLimits, adapter_class
from crosspost.errors import StoryError, UserError
from crosspost.render.body import body_sections
from crosspost.render.header import footer_html, header_html, story_values
from crosspost.render.tags import lookup_map, map_tags
from crosspost.story.post import AdultContent, Post, PostOptions
from crosspost.story.template import fill

if TYPE_CHECKING:
    from crosspost.config import Config, Rendering
    from crosspost.story.model import Story

CutFunction = Callable[[str, str], str]
_DEFAULT_LIMITS = SiteLimits()


def render_post(story: Story, config: Config, target: str, *,
                when: datetime | None = None) -> Post:
    """Render ``story`` for ``target`` of ``config``. No network.

    Raises UserError for an unknown target, StoryError when the subject or the event is
    longer than the target's site accepts (and the site refuses rather than trims)."""
    if target not in config.targets:
        known = ", ".join(sorted(config.targets)) or "none configured"
        raise UserError(f"no target {target!r} in the configuration",
                        f"use one of: {known}")
    tgt = config.targets[target]
    account = config.accounts[tgt.account]
    cls = adapter_class(account.site)
    return compose(story, config.rendering_for(target), target=target, cut=cls.cut,
                   limits=cls.limits_for(account), site=cls.label or account.site,
                   community=tgt.community, username=account.username, when=when)


def compose(story: Story, rendering: Rendering, *, target: str, cut: CutFunction,
            limits: SiteLimits = _DEFAULT_LIMITS, site: str = "the site",
            community: str | None = None, username: str = "",
            when: datetime | None = None) -> Post:
    """The pure core of :func:`render_post`, with the site's cut markup and limits given."""
    extra = {"target": target, "community": community or "",
             "journal": community or username, "username": username}
    # the header block shows what the writer wrote ("Warnings: None" tells readers
    # something); subject, cut text, footer and tags treat placeholders as empty
    shown = story_values(story, extra)
    story = story.without_placeholders(rendering.placeholders or ())
    values = story_values(story, extra)
    notes: list[str] = []
    subject = _subject(story, rendering, values, target, limits, site, notes)
    html = _event(story, rendering, values, cut, shown)
    _check_event(story, html, target, limits, site)
    tags, tag_notes = map_tags(story, rendering.tags, values) if rendering.tags else ([], [])
    return Post(target=target, subject=subject, html=html, tags=tuple(tags),
                options=_options(story, rendering, values), when=when,
                notes=tuple(notes + tag_notes))


def subject_text(rendering: Rendering, values: Mapping[str, str]) -> str:
    """The subject template filled: one line, ``<`` and ``>`` escaped (subjects are HTML
    on LJ-code sites)."""
    text = fill(rendering.subject or "{title}", values)
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _fits(text: str, chars: int, nbytes: int) -> bool:
    return len(text) <= chars and len(text.encode()) <= nbytes


def _subject(story: Story, rendering: Rendering, values: Mapping[str, str], target: str,
             limits: SiteLimits, site: str, notes: list[str]) -> str:
    subject = subject_text(rendering, values)
    if _fits(subject, limits.subject_chars, limits.subject_bytes):
        return subject
    size = (f"{len(subject)} characters" if len(subject) > limits.subject_chars
            else f"{len(subject.encode())} bytes")
    limit = (f"{limits.subject_chars} characters" if len(subject) > limits.subject_chars
             else f"{limits.subject_bytes} bytes")
    if limits.subject_overflow != "truncate":
        raise StoryError(
            f"the subject for target {target!r} is {size} long; {site} allows at most "
            f"{limit} and refuses longer ones: {subject!r}", path=story.path,
            fix=f"shorten the title, or change the subject template (targets.{target}"
                ".subject), e.g. leave the pairing out")
    cut = subject
    while cut and not _fits(cut, limits.subject_chars, limits.subject_bytes):
        cut = cut[:-1]
    cut = re.sub(r"&[a-z]*$", "", cut).rstrip()  # never end inside an entity
    notes.append(f"subject cut to {limit} ({site} keeps no more; it was {size}): {cut!r}")
    return cut


def _event(story: Story, rendering: Rendering, values: Mapping[str, str],
           cut: CutFunction, shown: Mapping[str, str]) -> str:
    header = header_html(story, rendering, shown)
    above, below, own_text = body_sections(story, scene_break=rendering.scene_break or "rule")
    if rendering.cut is not False and below:
        # a text story's own <lj-cut> says where the cut starts, and may name its text
        cut_text = own_text or re.sub(r"\s+", " ", fill(rendering.cut_text or "", values)).strip()
        below = cut(cut_text, f"\n{below}\n")
    body = "\n\n".join(part for part in (above, below) if part)
    footer = footer_html(rendering, values)
    return "\n\n".join(part for part in (header, body, footer) if part)


def _check_event(story: Story, html: str, target: str, limits: SiteLimits,
                 site: str) -> None:
    chars, nbytes = len(html), len(html.encode())
    # DW and LJ refuse an event of event_bytes bytes or more, and more than event_chars
    # characters (reference §3.7)
    if chars <= limits.event_chars and nbytes < limits.event_bytes:
        return
    if chars > limits.event_chars:
        size, limit = f"{chars:,} characters", f"at most {limits.event_chars:,} characters"
    else:
        size, limit = f"{nbytes:,} bytes", f"less than {limits.event_bytes:,} bytes"
    raise StoryError(f"the entry for target {target!r} is {size} long; {site} accepts "
                     f"{limit}", path=story.path,
                     fix="split the story into parts (one file per part)")


def _options(story: Story, rendering: Rendering, values: Mapping[str, str]) -> PostOptions:
    adult: AdultContent | None = None
    rating = story.get("rating").strip()
    if rating and rendering.adult_content:
        found = lookup_map(rendering.adult_content, rating)
        adult = found if found in ("none", "concepts", "explicit") else None  # type: ignore[assignment]
    reason = None
    if adult in ("concepts", "explicit") and rendering.adult_reason:
        reason = re.sub(r"\s+", " ", fill(rendering.adult_reason, values)).strip() or None
    return PostOptions(
        security=rendering.security or "public",
        comments=rendering.comments is not False,
        screening=rendering.screening,
        adult_content=adult,
        adult_reason=reason,
        userpic=rendering.userpic or None,
        extra_props=dict(rendering.props or {}),
        allow_new_tags=bool(rendering.tags and rendering.tags.allow_new),
    )
