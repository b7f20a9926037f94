"""The LJ-protocol adapter: post, edit, delete and find entries on LJ-code sites.

Every entry is sent with ``ver=1``, UTF-8 text, ``lineendings=unix``, finished HTML with
``opt_preformatted=1``, ``usejournal`` for a community (none for the account's own
journal), the date as wall-clock fields in the journal's zone, and both ``security`` and
``allowmask``. In a community without ``tags.allow_new`` only the tags the account sees
there are sent (the others are reported); with it, the tags the site refuses are
settled after the call (:mod:`.tagging` explains why they are not simply filtered out
first): on DW the others are put back, and the refused ones are in
``Receipt.dropped_tags`` and explained in ``Receipt.messages``, next to the site's own
``message``/``warnings``. Site presets live in :mod:`.sites`.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from crosspost.adapter import (
    Adapter,
    FoundEntry,
    JournalAccess,
    Post,
    Receipt,
    ReceiptStatus,
    RemoteRef,
    SiteLimits,
    TagPolicy,
    filter_tags,
)
from crosspost.errors import (
    ConfigError,
    ConfigProblem,
    FaultError,
    SiteError,
    TagPermissionError,
)
from crosspost.logs import get_logger

from . import finding, tagcache, tagging, wire
from .profile import SiteProfile, for_dialect
from .props import build_props, security_fields, time_fields

if TYPE_CHECKING:
    from crosspost.adapter import Account

    from .client import Client

log = get_logger("lj.adapter")

_UNKNOWN_PROP = re.compile(r"Unknown metadata:\s*(\w+)")
#: how many unknown props (fault 205) are left out and the entry resent, at most
MAX_PROP_STRIPS = 3


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
    guards_login: ClassVar[bool] = True  # see auth.Authenticator: one login at a time

    def __init_subclass__(cls, **kw: Any) -> None:
        """A preset states its facts once, in ``profile``; its label and limits follow."""
        super().__init_subclass__(**kw)
        cls.label = cls.profile.label
        cls.limits = cls.profile.limits

    def __init__(self, account: Account, secret: Callable[[], str], *,
                 event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None) -> None:
        super().__init__(account, secret)
        self.site_profile = self.profile_for(account)
        name = str(getattr(secret, "account_name", ""))
        server = account.server or self.site_profile.server
        if not server:
            raise ConfigError([ConfigProblem(
                f"accounts.{name or '<name>'}.server",
                f"a {self.label} account needs `server` (the site's address, e.g. "
                "https://www.example-journal.com)")])
        from .client import Client  # httpx loads only when a connection is made

        self.client: Client = Client(server=server, username=account.username, secret=secret,
                             profile=self.site_profile, account_name=name,
                             timeout=account.timeout, use_sessions=account.use_sessions,
                             requests_per_minute=account.requests_per_minute,
                             event_hooks=event_hooks)
        self.usejournals: tuple[str, ...] | None = None
        #: syncitems lastsync values sent, so none is repeated (see :meth:`find`)
        self._lastsyncs = finding.LastSyncs()
        #: ids of the sessions that carried a request whose answer never came (see fence)
        self._lost_sessions: set[str] = set()
        self._lost_lock = threading.Lock()

    @classmethod
    def profile_for(cls, account: Account | None) -> SiteProfile:
        """The site's profile, adjusted to the account's dialect for generic servers."""
        if not cls.generic:
            return cls.profile
        dialect = (account.dialect if account is not None else None) or cls.default_dialect
        return for_dialect(cls.profile, dialect)

    @classmethod
    def limits_for(cls, account: Account | None) -> SiteLimits:
        """The limits for ``account``: generic servers' limits follow its dialect."""
        return cls.profile_for(account).limits

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

    def _entry(self, post: Post, journal: str | None, tags: tuple[str, ...], *,
               editing: bool) -> dict[str, Any]:
        req: dict[str, Any] = {
            "event": post.html,
            "subject": post.subject,
            "lineendings": "unix",
            **security_fields(post.options),
            "props": build_props(post, journal, self.site_profile, tags=tags, editing=editing),
        }
        if not editing or post.when is not None:
            # DW/LJ: editevent with date fields re-dates the entry; without them the date
            # stays, so an edit sends a date only when the writer gave one (a release time)
            req.update(time_fields(post.when, self.account.timezone))
        if self.site_profile.is_dw:
            req["xpost"] = "0"  # DW: keep DW's own crossposter from posting it again
        return req

    def _send_entry(self, mode: str, req: dict[str, Any], journal: str | None,
                    notes: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """postevent/editevent → (answer, the request as finally sent); a prop the site
        does not know (205) is left out and the entry resent (the fault comes before
        anything is stored)."""
        for attempt in range(MAX_PROP_STRIPS + 1):
            try:
                return self.client.call(mode, req, journal=journal, mutating=True), req
            except SiteError as exc:
                # the session that carried it (a new one replaces it only after a 101)
                session = self.client.auth.session_id
                if exc.maybe_committed and session:
                    with self._lost_lock:  # a lost request: its session must end (fence)
                        self._lost_sessions.add(session)
                if not isinstance(exc, FaultError):
                    raise
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
        return self._deliver("postevent", post, self._journal(journal), None)

    def edit(self, post: Post, journal: str | None, remote: RemoteRef) -> Receipt:
        """``editevent`` resending subject, event, security, allowmask and props; the date
        only when ``post.when`` is set (the release time), so an edit keeps the entry's date."""
        return self._deliver("editevent", post, self._journal(journal), remote)

    def _deliver(self, mode: str, post: Post, journal: str | None,
                 remote: RemoteRef | None) -> Receipt:
        editing = remote is not None
        notes: list[str] = []
        tags, unseen = list(post.tags), list[str]()
        if journal is not None and tags and not post.options.allow_new_tags:
            # DW: where members may create tags, a tag sent is created, whatever the writer
            # wanted: without `allow_new` only the tags this account sees there are sent
            seen = tagging.pick(tags, self.tag_policy(journal).existing)
            tags, unseen = seen, [t for t in tags if t not in seen]
        req = self._entry(post, journal, tuple(tags), editing=editing)
        if remote is not None:
            req["itemid"] = remote.itemid
        try:
            res, req = self._send_entry(mode, req, journal, notes)
        except TagPermissionError as exc:
            if not tags:
                raise
            # 312 comes before anything is stored: send the entry again without tags
            req = {**req, "props": {**req["props"], "taglist": ""}}
            if not editing:
                del req["props"]["taglist"]
            res, req = self._send_entry(mode, req, journal, notes)
            notes.append(f"posted without tags: {exc.server_message}")
            return self._receipt("edited" if editing else "posted", res, notes,
                                 (*tags, *unseen), fallback=remote)
        dropped: tuple[str, ...] = ()
        if journal is not None and tags and wire.integer(res.get("itemid")) is not None:
            try:
                dropped = self._settle_tags(res, req, journal, tags,
                                            post.options.allow_new_tags, notes)
            except SiteError as exc:  # the entry is there: never turn that into a failure
                notes.append(f"could not check which tags {journal} kept: {exc.message}")
        if unseen and journal is not None:
            dropped = (*dropped, *unseen)
            notes.append(
                f"left out tag(s) {', '.join(unseen)}: {journal} does not show them to this "
                "account (tags nobody has used yet are hidden from members) and "
                "`tags.allow_new` is off for this target; if they exist there, or this "
                "account may create them, set `tags.allow_new = true` for this target")
        if journal and post.options.allow_new_tags and tags:
            tagcache.forget(self._tag_key(journal))  # we may have created tags there
        return self._receipt("edited" if editing else "posted", res, notes, dropped,
                             fallback=remote)

    def _unseen(self, journal: str, tags: list[str], allow_new: bool) -> list[str]:
        """Tags this account cannot see in the community (see :mod:`.tagging`)."""
        if allow_new:
            return []
        return filter_tags(tags, self.tag_policy(journal))[1]

    def _settle_tags(self, res: dict[str, Any], req: dict[str, Any], journal: str,
                     sent: list[str], allow_new: bool, notes: list[str]) -> tuple[str, ...]:
        """Find out which tags the site refused; on DW re-apply the others (§5)."""
        itemid = wire.integer(res.get("itemid"))
        message = wire.text(res.get("message"))
        if self.site_profile.is_dw:
            refused = tagging.dw_refused(message, sent)
            if refused is None:
                return ()
            # DW: one new tag and the entry got none: put back the ones that exist
            refused = refused or self._unseen(journal, sent, False) or sent
            keep = [t for t in sent if t not in refused]
            if keep:
                fix = {**req, "itemid": itemid,
                       "props": {**req["props"], "taglist": ", ".join(keep)}}
                try:
                    self.client.call("editevent", fix, journal=journal, mutating=True)
                except SiteError as exc:
                    notes.append(f"the entry was posted without tags and putting back "
                                 f"{', '.join(keep)} failed: {exc.message}")
                    return tuple(sent)
        else:
            warnings = res.get("warnings") or []
            texts = [message, *(wire.text(w) for w in (
                warnings if isinstance(warnings, list) else [warnings]))]
            if not (tagging.lj_skipped_warning(texts) or self._unseen(journal, sent, allow_new)):
                return ()
            # LJ: existing tags applied, new ones skipped (old forks: silently): read back
            got = self.client.call("getevents", {"selecttype": "one", "itemid": itemid,
                                                 "lineendings": "unix"}, journal=journal)
            events = got.get("events") or []
            if not events:
                return ()
            refused = tagging.not_stored(sent, wire.text((events[0].get("props") or {})
                                                         .get("taglist")))
            if not refused:
                return ()
        notes.append(
            f"left out tag(s) {', '.join(refused)}: they do not exist in {journal} and this "
            "account may not create tags there (a maintainer can set `tags.allow_new = true` "
            "for this target)")
        return tuple(refused)

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
        """Our entry among the journal's latest entries, read cut short (see
        :func:`.finding.find_entry`)."""
        return finding.find_entry(self.client, self._journal(journal), post, since,
                                  timezone=self.account.timezone, limits=self.site_limits,
                                  lastsyncs=self._lastsyncs)

    def fence(self) -> bool:
        """End, on the site, the sessions that carried this adapter's lost requests
        (``sessionexpire``): a request the server still holds then fails with 101 when it
        is let go, instead of landing next to the copy sent again (DW: its duplicate
        guard only compares with the poster's last entry). The next call starts a new
        session. Only those sessions: ``expireall`` would also log the writer out of the
        website. False when no lost request of this adapter went with a session (another
        run's, or one authenticated by a challenge, which can land until the challenge
        expires) or the site could not be told."""
        with self._lost_lock:
            lost, self._lost_sessions = self._lost_sessions, set()
        if not lost:
            return False
        try:
            self.client.call("sessionexpire", {"expire": sorted(lost)})
        except SiteError as exc:
            log.info("could not end the sessions of %s: %s", self.client.username, exc.message)
            return False
        return True

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

    def postable_journals(self) -> tuple[str, ...] | None:
        """The ``usejournals`` of the login (one ``login`` call the first time)."""
        if self.usejournals is None:
            self.check_login()
        return self.usejournals

    def access(self, journal: str | None) -> JournalAccess:
        """Posting rights from the login's ``usejournals``; tag rights from
        :meth:`tag_policy`. Moderation stays unknown: the protocol does not tell (§3.5)."""
        name = self._journal(journal)
        if name is None:
            return JournalAccess(None, True, False, TagPolicy())
        may_post = name in (self.postable_journals() or ())
        return JournalAccess(name, may_post, None,
                             self.tag_policy(name) if may_post else TagPolicy(can_tag=False))

    def prepare(self) -> None:
        """Log in now (one request, or none with a saved session), while the engine still
        renders and records: the first post then goes out without waiting for a login."""
        self.client.prepare()

    def stats(self) -> dict[str, int]:
        """Requests sent by this adapter, and how many were challenges / new sessions."""
        auth = self.client.auth
        return {"requests": self.client.requests, "challenges": auth.challenges,
                "sessions": auth.sessions, "sessions_reused": auth.reused}

    def close(self) -> None:
        """Close the HTTP connection; a session saved for the next run stays open on the site,
        one kept nowhere is ended (best effort)."""
        with contextlib.suppress(SiteError):
            self.client.close()
