"""PostOptions → the protocol's request fields and entry props, per site (reference §3, §4).

Pure functions: :func:`build_props` is what the site receives in ``props`` (and what
``preview`` shows), :func:`security_fields` the ``security``/``allowmask`` pair,
:func:`time_fields` the entry's wall-clock date.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crosspost import __version__
from crosspost.adapter import Post, PostOptions

from .profile import SiteProfile

USERAGENT_PROP = f"crosspost/{__version__}"

_SCREENING = {"A", "R", "F", "N"}


def build_props(post: Post, journal: str | None, profile: SiteProfile, *,
                tags: tuple[str, ...] | None = None, editing: bool = False) -> dict[str, Any]:
    """The ``props`` struct for ``post`` on this site.

    Only props the site knows; ``opt_preformatted=1`` always (we send finished HTML);
    never ``opt_backdated`` in a community. ``tags`` (default: ``post.tags``) become
    ``taglist``. When ``editing``, props we control are sent even when off ("0" or "")
    because an edit leaves props that are not sent unchanged (§6.1).
    """
    opts: PostOptions = post.options
    props: dict[str, Any] = {"opt_preformatted": "1"}
    taglist = ", ".join(post.tags if tags is None else tags)
    if taglist or editing:
        props["taglist"] = taglist
    if not opts.comments:
        props["opt_nocomments"] = "1"
    elif editing:
        props["opt_nocomments"] = "0"
    if opts.screening:
        props["opt_screening"] = screening_letter(opts.screening)
    if journal is None:
        # LJ/IJ: an old date in your own journal needs opt_backdated (or fault 153)
        if opts.backdated:
            props["opt_backdated"] = "1"
        elif editing:
            props["opt_backdated"] = "0"
    # communities: never opt_backdated (DW: fault 152; LJ: dropped silently)
    if opts.adult_content and profile.adult_content:
        # IJ: no adult_content prop at all (205), so it is left out there
        props["adult_content"] = opts.adult_content
    if opts.adult_reason and profile.adult_reason:
        # DW only: adult_content_reason is unknown to LJ-code sites
        props["adult_content_reason"] = opts.adult_reason
    for key, value in (("current_mood", opts.mood), ("current_music", opts.music),
                       ("current_location", opts.location), ("picture_keyword", opts.userpic)):
        if value:
            props[key] = value
        elif editing:
            props[key] = ""
    props["useragent"] = USERAGENT_PROP
    for key, value in opts.extra_props.items():
        if key == "opt_backdated" and journal is not None:
            continue  # never in a community, whatever the config says
        if key == "adult_content" and not profile.adult_content:
            continue
        if key == "adult_content_reason" and not profile.adult_reason:
            continue
        props[key] = str(value)
    return props


def screening_letter(value: str) -> str:
    """``all``/``anonymous``/``non-access``/``none`` (or the letter) → A/R/F/N; anything else
    is sent as given (the site then uses the journal's default)."""
    if value.strip().upper() in _SCREENING:
        return value.strip().upper()
    from crosspost.adapter import SCREENING

    return SCREENING.get(value.strip().casefold(), value)


def security_fields(options: PostOptions) -> dict[str, Any]:
    """``security`` and ``allowmask``, always both: an edit that leaves ``allowmask`` out
    resets it to 0 on DW (§6.1). "members" is ``usemask`` with bit 0 (members/access list)."""
    if options.security == "members":
        return {"security": "usemask", "allowmask": 1}
    if options.security == "private":
        return {"security": "private", "allowmask": 0}
    return {"security": "public", "allowmask": 0}


def journal_time(when: datetime | None, timezone: str | None) -> datetime:
    """The entry's wall-clock time in the journal's zone (the protocol has no zone)."""
    zone = ZoneInfo(timezone) if timezone else None
    if when is None:
        now = datetime.now(zone) if zone else datetime.now().astimezone()
        return now.replace(tzinfo=None)
    if when.tzinfo is not None:
        when = when.astimezone(zone) if zone else when.astimezone()
    return when.replace(tzinfo=None)


def time_fields(when: datetime | None, timezone: str | None) -> dict[str, int]:
    """``year``/``mon``/``day``/``hour``/``min`` for the entry date."""
    t = journal_time(when, timezone)
    return {"year": t.year, "mon": t.month, "day": t.day, "hour": t.hour, "min": t.minute}
