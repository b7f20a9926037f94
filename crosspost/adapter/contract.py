"""The adapter contract: how crosspost talks to one family of sites.

An adapter is a class registered in the ``crosspost.adapters`` entry-point group under a
*site name* (``dreamwidth``, ``livejournal``, ``insanejournal``, ``lj``, ``sandbox``). The
built-in ones are registered exactly like a third-party package would register its own::

    [project.entry-points."crosspost.adapters"]
    mysite = "my_package.module:MySiteAdapter"

Required: :meth:`Adapter.post`, :meth:`Adapter.edit`, :meth:`Adapter.delete`.
Everything else has a default. Adapters raise only :class:`crosspost.errors.SiteError`
subclasses for remote trouble, with ``transient`` and ``maybe_committed`` set truthfully,
and call :func:`about_to_send` right before each request that may change the site.
"""

from __future__ import annotations

import contextlib
import html
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from crosspost.config import Account
    from crosspost.story.post import Post, Receipt, RemoteRef

_on_send: ContextVar[Callable[[], None] | None] = ContextVar("crosspost_on_send", default=None)


def about_to_send() -> None:
    """Adapters call this right before sending a request that may change the site (a post,
    an edit, a delete), once per attempt. The delivery engine then counts from this moment
    how long a lost request may still take effect, not from when the delivery was claimed:
    pacing, waits the site asked for and logins come in between."""
    hook = _on_send.get()
    if hook is not None:
        hook()


@contextlib.contextmanager
def on_send(hook: Callable[[], None]) -> Iterator[None]:
    """Run ``hook`` at each :func:`about_to_send` in this thread (the delivery engine)."""
    token = _on_send.set(hook)
    try:
        yield
    finally:
        _on_send.reset(token)


@dataclass(frozen=True)
class SiteLimits:
    """What a site accepts. ``subject_overflow``: "reject" (the site refuses: DW's 411) or
    "truncate" (the site cuts silently: LJ)."""

    subject_chars: int = 100
    subject_bytes: int = 255
    event_chars: int = 300_000
    event_bytes: int = 450_000
    subject_overflow: str = "reject"


@dataclass(frozen=True)
class TagPolicy:
    """What tags the account may use in a journal: ``can_tag`` false means any tag is
    refused; ``can_create`` false means only ``existing`` tags are kept."""

    can_tag: bool = True
    can_create: bool = True
    existing: frozenset[str] = frozenset()


@dataclass(frozen=True)
class JournalAccess:
    """What the account may do in a journal, found without posting. ``None``: the site
    cannot tell (the LJ protocol never says whether a community is moderated)."""

    journal: str | None
    may_post: bool | None = None
    moderated: bool | None = None
    tags: TagPolicy = TagPolicy()


@dataclass(frozen=True)
class FoundEntry:
    """An entry read back from a site, for reconciling an uncertain delivery."""

    remote: RemoteRef
    subject: str
    fingerprint: str
    posted_at: datetime | None = None
    #: other entries made from the same post (a lost request that landed after all):
    #: twins, older ones first; ``remote`` is the newest
    others: tuple[RemoteRef, ...] = ()


class Adapter(ABC):
    """One authenticated connection to one account on one site.

    ``journal`` arguments name a community (or another journal) to post into; ``None``
    means the account's own journal. Instances may keep a session and an HTTP connection
    open; call :meth:`close` (or use ``with``) when done.
    """

    site: ClassVar[str] = ""
    #: The site's display name, for messages.
    label: ClassVar[str] = ""
    limits: ClassVar[SiteLimits] = SiteLimits()
    #: The adapter's own ``[accounts.NAME]`` keys, as a pydantic model: checked with the rest
    #: of the config (unknown keys, types, required keys: the same messages as crosspost's
    #: own keys) and handed to the adapter as :attr:`settings`. None: no keys of its own.
    account_settings: ClassVar[type[BaseModel] | None] = None
    #: False for sites that need no password or API key (crosspost then asks for none).
    needs_secret: ClassVar[bool] = True
    #: True when the adapter itself makes sure a wrong secret costs one failed login, not
    #: one per thread (logins one at a time until one worked, a refusal remembered). Else
    #: the engine runs an account's first call alone before any other goes out.
    guards_login: ClassVar[bool] = False

    def __init__(self, account: Account, secret: Callable[[], str]) -> None:
        """``secret`` is called when the password / API key is needed, so it never sits in
        an attribute that a repr or a traceback could show."""
        self.account = account
        self._secret = secret
        model = type(self).account_settings
        #: the account's keys for this adapter, validated (an ``account_settings`` instance)
        self.settings: Any = (model.model_validate(account.model_extra or {})
                              if model is not None else None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.account.username}@{self.site}>"

    # -- rendering hooks (class-level: preview needs no connection) -----------------------
    @classmethod
    def cut(cls, text: str, inner_html: str) -> str:
        """Wrap the story in the site's cut markup. Default: LJ's ``<lj-cut>``, which every
        LJ-code site understands (DW also knows ``<cut>``; LJ and IJ only ``<lj-cut>``)."""
        label = f' text="{html.escape(text, quote=True)}"' if text else ""
        return f"<lj-cut{label}>{inner_html}</lj-cut>"

    @classmethod
    def site_props(cls, post: Post, journal: str | None) -> dict[str, Any]:
        """The protocol props this site would receive for ``post`` (shown by preview)."""
        return {}

    @classmethod
    def limits_for(cls, account: Account | None) -> SiteLimits:
        """The limits that apply to ``account`` (the renderer checks subject and event
        against them). Default: :attr:`limits`; adapters of generic servers override it
        when the account's dialect changes the limits."""
        return cls.limits

    # -- required ---------------------------------------------------------------------------
    @abstractmethod
    def post(self, post: Post, journal: str | None) -> Receipt:
        """Create an entry. Returns a "posted" or "queued" receipt."""

    @abstractmethod
    def edit(self, post: Post, journal: str | None, remote: RemoteRef) -> Receipt:
        """Replace an entry's subject, text, tags and options."""

    @abstractmethod
    def delete(self, journal: str | None, remote: RemoteRef) -> Receipt:
        """Delete an entry. Raises EntryGoneError if it is already gone."""

    # -- optional ---------------------------------------------------------------------------
    def find(self, journal: str | None, post: Post, since: datetime | None) -> FoundEntry | None:
        """Look on the site for an entry made from ``post`` (after ``since``); None when
        there is none. Adapters that cannot look raise NotImplementedError."""
        raise NotImplementedError

    def fence(self) -> bool:
        """Make sure a request of this account that was lost on the way (sent, never
        answered, perhaps still held by the server) can no longer take effect, before it
        is looked for and sent again. True when that is certain (e.g. the sessions that
        could carry it were ended on the site); False (the default) when the engine must
        instead wait until such a request cannot arrive any more."""
        return False

    def tag_policy(self, journal: str | None) -> TagPolicy:
        """What tags the account may use in ``journal``. Default: anything."""
        return TagPolicy()

    def prepare(self) -> None:  # noqa: B027 - an optional hook: most adapters need no warm-up
        """Get ready for the calls about to come (log in, say), so that the first of them
        does not wait for it. The engine calls it in the background when it is about to
        send; it may raise, and the first call meets the same problem again (an adapter
        that logs in here must remember a refused login rather than try twice). Default:
        nothing."""

    def check_login(self) -> str:
        """Verify the credentials with the site; returns a short description of the account.
        Adapters that cannot check without posting keep this default, which says so
        (NotImplementedError): crosspost then reports the login as not checked."""
        raise NotImplementedError(f"the {self.label or self.site} adapter cannot check a login")

    def postable_journals(self) -> tuple[str, ...] | None:
        """The communities this account may post to (after :meth:`check_login`); None when
        the site does not say. Default: None."""
        return None

    def access(self, journal: str | None) -> JournalAccess:
        """What this account may do in ``journal`` (None: its own journal), without
        posting. Default: posting unknown, moderation unknown, :meth:`tag_policy`."""
        return JournalAccess(journal, None, None, self.tag_policy(journal))

    def close(self) -> None:  # noqa: B027 - an optional hook: adapters without connections skip it
        """Release connections and sessions."""

    def __enter__(self) -> Adapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def filter_tags(tags: Iterable[str], policy: TagPolicy) -> tuple[list[str], list[str]]:
    """Split ``tags`` into (kept, dropped) under a journal's tag policy. Pure.

    No tag rights: everything is dropped. May create tags: everything is kept. Otherwise
    only tags that already exist there are kept (compared case-insensitively): on DW a
    single new tag would make the server drop *all* tags of the entry (reference §5)."""
    tags = list(tags)
    if not policy.can_tag:
        return [], tags
    if policy.can_create:
        return tags, []
    existing = {t.casefold() for t in policy.existing}
    kept = [t for t in tags if t.casefold() in existing]
    dropped = [t for t in tags if t.casefold() not in existing]
    return kept, dropped
