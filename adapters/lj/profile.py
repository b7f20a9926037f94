"""What one LJ-code site is like: dialect, props it knows, limits and request budget."""

from __future__ import annotations

from dataclasses import dataclass

from crosspost.adapter import SiteLimits

DW_LIMITS = SiteLimits(subject_chars=100, subject_bytes=255, event_chars=300_000,
                       event_bytes=450_000, subject_overflow="reject")
# LJ14/LJ08: the subject is cut silently; the event may be at most 65 535 bytes (§3.7)
LJ_LIMITS = SiteLimits(subject_chars=100, subject_bytes=255, event_chars=65_535,
                       event_bytes=65_535, subject_overflow="truncate")


#: DW: where API keys are made in current Dreamwidth code (the "Mobile" settings tab)
DW_API_KEY_STEPS = 'Account Settings → Mobile → "Manage API Keys"'


def api_key_where(page: str) -> str:
    """Where a DW-code site's user creates an API key: the menu path, and the page if known."""
    return f"{DW_API_KEY_STEPS} ({page})" if page else DW_API_KEY_STEPS


@dataclass(frozen=True)
class SiteProfile:
    """Static facts about a site (or a site family for generic servers).

    ``dialect``: "dw" (Dreamwidth code) or "lj" (LiveJournal code and its old forks).
    ``adult_content`` / ``adult_reason``: whether the site knows those props (§4, §12).
    ``api_key_page``: where a user creates the API key the site requires (DW), if known.
    ``anon_rpm`` / ``session_rpm``: requests per minute for password/challenge calls and
    for session-cookie calls (None: no pacing unless the account sets a budget).
    """

    label: str
    dialect: str = "lj"
    server: str | None = None
    adult_content: bool = True
    adult_reason: bool = False
    api_keys: bool = False
    api_key_page: str = ""
    anon_rpm: float | None = 30.0
    session_rpm: float | None = 60.0
    limits: SiteLimits = LJ_LIMITS

    @property
    def is_dw(self) -> bool:
        return self.dialect == "dw"

    @property
    def api_key_where(self) -> str:
        """Where the user creates the API key this site requires ("" if it takes passwords)."""
        return api_key_where(self.api_key_page) if self.api_keys else ""


def for_dialect(base: SiteProfile, dialect: str | None) -> SiteProfile:
    """``base`` adjusted to a generic server's dialect (DW code knows DW's props, limits
    and API keys)."""
    from dataclasses import replace

    if dialect is None or dialect == base.dialect:
        return base
    if dialect == "dw":
        return replace(base, dialect="dw", adult_content=True, adult_reason=True,
                       api_keys=True, limits=DW_LIMITS)
    return replace(base, dialect="lj", adult_reason=False, api_keys=False, limits=LJ_LIMITS)
