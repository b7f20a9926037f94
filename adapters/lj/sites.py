"""Site presets of the LJ adapter family, registered as ``crosspost.adapters`` entry points.

=================  ==========================================  =======  ======================
class              server                                      dialect  notes
=================  ==========================================  =======  ======================
Dreamwidth         https://www.dreamwidth.org/interface/xmlrpc dw       secret = an API key
LiveJournal        https://www.livejournal.com                 lj
InsaneJournal      https://www.insanejournal.com               lj       no ``adult_content``
GenericLJ          ``Account.server`` (required)               account  default lj
Sandbox            ``Account.server`` (default 127.0.0.1:8080)  account  default dw
=================  ==========================================  =======  ======================
"""

from __future__ import annotations

from typing import ClassVar

from .adapter import LJAdapter
from .profile import DW_LIMITS, LJ_LIMITS, SiteProfile


class Dreamwidth(LJAdapter):
    """dreamwidth.org. DW: challenge auth checks API keys only, never the password (§2.2)."""

    site: ClassVar[str] = "dreamwidth"
    profile: ClassVar[SiteProfile] = SiteProfile(
        label="Dreamwidth", dialect="dw", server="https://www.dreamwidth.org/interface/xmlrpc",
        adult_content=True, adult_reason=True, api_keys=True,
        api_key_page="https://www.dreamwidth.org/manage/settings/?cat=mobile",
        # DW: 30 requests/min per IP without a session, 100/min per user with one (§8)
        anon_rpm=30.0, session_rpm=100.0, limits=DW_LIMITS)


class LiveJournal(LJAdapter):
    """livejournal.com (LJ code; its rate limits are not public, so we stay modest)."""

    site: ClassVar[str] = "livejournal"
    profile: ClassVar[SiteProfile] = SiteProfile(
        label="LiveJournal", dialect="lj", server="https://www.livejournal.com",
        anon_rpm=30.0, session_rpm=60.0, limits=LJ_LIMITS)


class InsaneJournal(LJAdapter):
    """insanejournal.com: old LJ code; IJ: rejects the ``adult_content`` prop (205)."""

    site: ClassVar[str] = "insanejournal"
    profile: ClassVar[SiteProfile] = SiteProfile(
        label="InsaneJournal", dialect="lj", server="https://www.insanejournal.com",
        adult_content=False, anon_rpm=30.0, session_rpm=60.0, limits=LJ_LIMITS)


class GenericLJ(LJAdapter):
    """Any LJ-code server: ``Account.server`` is required, ``Account.dialect`` (default lj)."""

    site: ClassVar[str] = "lj"
    generic: ClassVar[bool] = True
    default_dialect: ClassVar[str | None] = "lj"
    profile: ClassVar[SiteProfile] = SiteProfile(
        label="LJ-code site", dialect="lj", server=None, anon_rpm=30.0, session_rpm=60.0,
        limits=LJ_LIMITS)


class Sandbox(LJAdapter):
    """crosspost's local sandbox site (``crosspost sandbox``); dialect from the account,
    default dw. Loopback is exempt from DW's rate limiter, so no pacing unless the account
    sets ``requests_per_minute``."""

    site: ClassVar[str] = "sandbox"
    generic: ClassVar[bool] = True
    default_dialect: ClassVar[str | None] = "dw"
    profile: ClassVar[SiteProfile] = SiteProfile(
        label="Sandbox", dialect="dw", server="http://127.0.0.1:8080", adult_content=True,
        adult_reason=True, api_keys=True, anon_rpm=None, session_rpm=None, limits=DW_LIMITS)
