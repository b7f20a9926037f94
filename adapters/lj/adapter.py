"""The LJ-protocol adapter: post, edit, delete and find entries on LJ-code sites.

Every entry is sent with ``ver=1``, UTF-8 text, ``lineendings=unix``, finished HTML with
``opt_preformatted=1``, ``usejournal`` for a community (none for the account's own
journal), the date as wall-clock fields in the journal's zone, and both ``security`` and
``allowmask``. Tags for a community are filtered first against the tags that exist there
(:mod:`.tagcache` explains why and how); the tags left out are in
``Receipt.dropped_tags`` and explained in ``Receipt.messages``, next to the site's own
``message``/``warnings``. Site presets live in :mod:`.sites`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from crosspost.adapter import Adapter, FoundEntry, SiteLimits, TagPolicy
from crosspost.errors import ConfigError, ConfigProblem, FaultError, SiteError
from crosspost.post import Post, Receipt, ReceiptStatus, RemoteRef
from crosspost.tags import filter_tags

from . import reading, tagcache, wire
from .client import Client
from .profile import SiteProfile, for_dialect
from .props import build_props, security_fields, time_fields

if TYPE_CHECKING:
    from crosspost.config import Account

_UNKNOWN_PROP = re.compile(r"Unknown metadata:\s*(\w+)")
#: how many unknown props (fault 205) are left out and the entry resent, at most
MAX_PROP_STRIPS = 3
#: getevents lastn maximum (§6.2)
LASTN = 50


class LJAdapter(Adapter):
    """One account on one LJ-code site, over XML-RPC.

    ``profile`` holds the site's facts; ``generic`` presets take the server URL and the
    dialect from the account. ``event_hooks`` (httpx's) lets a caller watch each request.
    """

    site: ClassVar[str] = "lj"
    label: ClassVar[str] = "LJ-code site"
    profile: ClassVar[SiteProfile] = SiteProfile(label="LJ-code site")
    generic: ClassVar[bool] = False
    default_dialect: ClassVar[str | None] = None

    def __init__(self, account: Account, secret: Callable[[], str], *,
                 event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None) -> None:
        super().__init__(account, secret)
        self.site_profile = self.profile_for(account)
        server = account.server or self.site_profile.server
        if not server:
            raise ConfigError([ConfigProblem(
                "accounts.*.server", f"a {self.label} account needs `server` (the site's URL)")])
        self.client = Client(server=server, username=account.username, secret=secret,
                             profile=self.site_profile,
                             account_name=str(getattr(secret, "account_name", "")),
                             timeout=account.timeout, use_sessions=account.use_sessions,
                             requests_per_minute=account.requests_per_minute,
                             event_hooks=event_hooks)
        self.usejournals: tuple[str, ...] | None = None

    @classmethod
    def profile_for(cls, account: Account | None) -> SiteProfile:
        """The site's profile, adjusted to the account's dialect for generic servers."""
        if not cls.generic:
            return cls.profile
        dialect = (account.dialect if account is not None else None) or cls.default_dialect
        return for_dialect(cls.profile, dialect)

    @property
    def site_limits(self) -> SiteLimits:
        """The limits of this account's site (generic servers: by dialect)."""
        return self.site_profile.limits

    # -- rendering hooks ----------------------------------------------------------------------
    @classmethod
    def site_props(cls, post: Post, journal: str | None) -> dict[str, Any]:
        """The ``props`` this site receives for ``post`` (generic presets: their default
        dialect; tags before the community filter)."""
        return build_props(post, journal, cls.profile_for(None))

    # -- helpers ----------------------------------------------------------------------------
    def _journal(self, journal: str | None) -> str | None:
        """None for the account's own journal, else the community's canonical name."""
        if not journal:
            return None
        name = journal.strip().lower().replace("-", "_")
        return None if name == self.client.username else name

    def _tag_key(self, journal: str) -> tuple[str, str, str]:
        return (self.client.url, self.client.username, journal)

    def _tags_for(self, post: Post, journal: str | None
                  ) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
        """(tags to send, tags left out, notes)."""
        if journal is None or not post.tags or post.options.allow_new_tags:
            return post.tags, (), []
        kept, dropped = filter_tags(post.tags, self.tag_policy(journal))
        notes = []
        if dropped:
            notes.append(
                f"left out tag(s) not found in {journal} (this account may not create tags "
                f"there): {', '.join(dropped)}. A tag never used yet may be hidden from "
                "members; a maintainer can set `tags.allow_new = true` for this target")
        return tuple(kept), tuple(dropped), notes

    def _entry(self, post: Post, journal: str | None, tags: tuple[str, ...], *,
               editing: bool) -> dict[str, Any]:
        req: dict[str, Any] = {
            "event": post.html,
            "subject": post.subject,
            "lineendings": "unix",
            **security_fields(post.options),
            **time_fields(post.when, self.account.timezone),
            "props": build_props(post, journal, self.site_profile, tags=tags, editing=editing),
        }
        if self.site_profile.is_dw:
            req["xpost"] = "0"  # DW: keep DW's own crossposter from posting it again
        return req

    def _send_entry(self, mode: str, req: dict[str, Any], journal: str | None,
                    notes: list[str]) -> dict[str, Any]:
        """postevent/editevent; a prop the site does not know (205) is left out and the
        entry resent (the fault comes before anything is stored)."""
        for attempt in range(MAX_PROP_STRIPS + 1):
            try:
                return self.client.call(mode, req, journal=journal, mutating=True)
            except FaultError as exc:
                found = _UNKNOWN_PROP.search(exc.server_message)
                prop = found.group(1) if found else ""
                if exc.code != 205 or prop not in req["props"] or attempt == MAX_PROP_STRIPS:
                    raise
                req = {**req, "props": {k: v for k, v in req["props"].items() if k != prop}}
                notes.append(f"{self.label} does not know the prop {prop!r}; sent without it")
        raise AssertionError("unreachable")

    def _receipt(self, status: ReceiptStatus, res: dict[str, Any], notes: list[str],
                 dropped: tuple[str, ...] = (), fallback: RemoteRef | None = None) -> Receipt:
        messages = [wire.text(res["message"])] if res.get("message") else []
        warnings = res.get("warnings") or []
        messages += [wire.text(w) for w in (warnings if isinstance(warnings, list) else [warnings])]
        itemid = wire.integer(res.get("itemid"))
        if itemid is None:
            # a moderated community keeps the entry in its queue: no itemid, only a message
            return Receipt("queued", None, tuple(messages + notes) or
                           ("the entry is waiting in the community's moderation queue",),
                           dropped)
        anum = wire.integer(res.get("anum"))
        url = wire.text(res.get("url"))
        if fallback is not None:
            anum = fallback.anum if anum is None else anum
            url = url or fallback.url
        return Receipt(status, RemoteRef(itemid, anum, url), tuple(messages + notes), dropped)

    # -- the contract -------------------------------------------------------------------------
    def post(self, post: Post, journal: str | None) -> Receipt:
        """``postevent``; "queued" when a moderated community takes it into its queue."""
        journal = self._journal(journal)
        tags, dropped, notes = self._tags_for(post, journal)
        res = self._send_entry("postevent", self._entry(post, journal, tags, editing=False),
                               journal, notes)
        if journal and post.options.allow_new_tags and tags:
            tagcache.forget(self._tag_key(journal))  # we may have created tags there
        return self._receipt("posted", res, notes, dropped)

    def edit(self, post: Post, journal: str | None, remote: RemoteRef) -> Receipt:
        """``editevent`` resending subject, event, security, allowmask, date and props."""
        journal = self._journal(journal)
        tags, dropped, notes = self._tags_for(post, journal)
        req = {**self._entry(post, journal, tags, editing=True), "itemid": remote.itemid}
        res = self._send_entry("editevent", req, journal, notes)
        return self._receipt("edited", res, notes, dropped, fallback=remote)

    def delete(self, journal: str | None, remote: RemoteRef) -> Receipt:
        """``editevent`` with an empty event; EntryGoneError (302) when already gone."""
        journal = self._journal(journal)
        res = self.client.call("editevent", {"itemid": remote.itemid, "event": "",
                                             "subject": "", "lineendings": "unix"},
                               journal=journal, mutating=True)
        itemid = wire.integer(res.get("itemid"), remote.itemid) or remote.itemid
        messages = (wire.text(res["message"]),) if res.get("message") else ()
        return Receipt("deleted", RemoteRef(itemid, wire.integer(res.get("anum"), remote.anum),
                                            remote.url), messages)

    def find(self, journal: str | None, post: Post, since: datetime | None) -> FoundEntry | None:
        """Our entry among the journal's latest 50 (``getevents lastn``), or among those
        changed since ``since`` (``syncitems``) when the journal is busier than that."""
        journal = self._journal(journal)
        base = {"lineendings": "unix", "noprops": 1}
        res = self.client.call("getevents", {**base, "selecttype": "lastn", "howmany": LASTN},
                               journal=journal)
        events = list(res.get("events") or [])
        found = self._match(events, post, journal, since)
        if found is not None or len(events) < LASTN or since is None:
            return found
        res = self.client.call("getevents", {**base, "selecttype": "syncitems",
                                             "lastsync": reading.lastsync_time(since)},
                               journal=journal)
        return self._match(list(res.get("events") or []), post, journal, since)

    def _match(self, events: list[dict[str, Any]], post: Post, journal: str | None,
               since: datetime | None) -> FoundEntry | None:
        return reading.match_entry(events, post, username=self.client.username,
                                   in_community=journal is not None, since=since,
                                   timezone=self.account.timezone, limits=self.site_limits)

    def tag_policy(self, journal: str | None) -> TagPolicy:
        """Own journal: any tag. Community: the tags this account sees there
        (``getusertags``, cached for :data:`tagcache.REFRESH_SECONDS`); creating new ones
        only with a sign that the account manages the community."""
        journal = self._journal(journal)
        if journal is None:
            return TagPolicy()

        def fetch() -> list[dict[str, Any]]:
            res = self.client.call("getusertags", {}, journal=journal)
            return [t for t in (res.get("tags") or []) if isinstance(t, dict)]

        return tagcache.cached_policy(self._tag_key(journal), fetch)

    def check_login(self) -> str:
        """``login``: verifies the secret; returns who we are and where we may post."""
        res = self.client.call("login", {"clientversion": "Python-crosspost"})
        self.usejournals = tuple(wire.name(j) for j in (res.get("usejournals") or []))
        full = wire.name(res.get("fullname"))
        who = f"{self.client.username} ({full})" if full and full != self.client.username \
            else self.client.username
        where = ", ".join(self.usejournals) if self.usejournals else "own journal only"
        return f"{who} on {self.site_profile.label}; may post to: {where}"

    def stats(self) -> dict[str, int]:
        """Requests sent by this adapter, and how many were challenges / new sessions."""
        return {"requests": self.client.requests, "challenges": self.client.auth.challenges,
                "sessions": self.client.auth.sessions}

    def close(self) -> None:
        """End the session on the site (best effort) and close the HTTP connection."""
        with contextlib.suppress(SiteError):
            self.client.close()
