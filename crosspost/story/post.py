"""What is sent to a site, and what comes back.

:class:`Post` is the renderer's output for one target: site-neutral except for the cut
markup (which the adapter's dialect chose). The adapter turns :class:`PostOptions` into the
site's own props, dropping what that site does not know.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Security = Literal["public", "members", "private"]
AdultContent = Literal["none", "concepts", "explicit"]
ReceiptStatus = Literal["posted", "queued", "edited", "deleted"]

#: comment screening names → the protocol's ``opt_screening`` letters (reference §4)
SCREENING: dict[str, str] = {
    "all": "A", "a": "A", "anonymous": "R", "anon": "R", "r": "R",
    "non-access": "F", "non-members": "F", "non-friends": "F", "f": "F", "none": "N", "n": "N",
}


@dataclass(frozen=True)
class PostOptions:
    """Site-neutral entry options.

    ``security``: public, members (the community's members / the journal's access list,
    sent as ``usemask`` with ``allowmask=1``) or private.
    ``adult_content``: None leaves the journal's default.
    ``extra_props``: raw protocol props from the config, passed through as given.
    ``allow_new_tags``: send every tag to a community, even ones it does not have yet
    (the target's ``tags.allow_new``, for maintainers); otherwise the adapter keeps only
    tags that exist there.
    """

    security: Security = "public"
    comments: bool = True
    screening: str | None = None
    adult_content: AdultContent | None = None
    adult_reason: str | None = None
    backdated: bool = False
    mood: str | None = None
    music: str | None = None
    location: str | None = None
    userpic: str | None = None
    extra_props: dict[str, str] = field(default_factory=dict)
    allow_new_tags: bool = False


@dataclass(frozen=True)
class Post:
    """One rendered entry for one target.

    ``html``: the complete event (header block, cut, body, footer), finished HTML.
    ``when``: the entry's date as wall-clock time in the journal's zone (the protocol's
    date fields carry no zone); None means "now".
    ``notes``: things the user should hear about (tags cut or dropped by normalisation…).
    """

    target: str
    subject: str
    html: str
    tags: tuple[str, ...] = ()
    options: PostOptions = PostOptions()
    when: datetime | None = None
    notes: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Identifies this exact content; used to recognise our own entry on the site."""
        return body_fingerprint(self.subject, self.html)


def body_fingerprint(subject: str, html: str) -> str:
    """A hash of subject and event as the server stores them (CR removed, ends trimmed),
    so an entry read back with getevents matches the post that created it."""
    norm = html.replace("\r", "").strip()
    return hashlib.sha256(f"{subject.strip()}\x1f{norm}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RemoteRef:
    """Where an entry lives on a site: enough to edit or delete it later."""

    itemid: int
    anum: int | None = None
    url: str = ""

    @property
    def ditemid(self) -> int | None:
        """The public entry number (``itemid*256 + anum``), as in the entry's URL."""
        return None if self.anum is None else self.itemid * 256 + self.anum


@dataclass(frozen=True)
class Receipt:
    """The outcome of a successful post, edit or delete.

    ``status`` "queued" means a moderated community took the entry into its queue: there
    is no ``remote`` yet. ``messages`` are the site's own words (``message``/``warnings``).
    ``dropped_tags`` are tags left out because the community does not allow them.
    """

    status: ReceiptStatus
    remote: RemoteRef | None = None
    messages: tuple[str, ...] = ()
    dropped_tags: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return self.remote.url if self.remote else ""
