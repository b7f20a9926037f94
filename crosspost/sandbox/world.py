"""The sandbox's world: accounts, communities, memberships, tags, entries; persistence.

Every method takes :attr:`World.lock` (re-entrant), so tests may change the world from
Python while the server answers requests. With a ``state_path`` the world is written
atomically (temp file + ``os.replace``) after each change.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

#: version of the JSON state layout
STATE_VERSION = 1
_USERNAME_RE = re.compile(r"^[a-z0-9_-]{1,25}$")


def canonical_username(name: Any) -> str | None:
    """DW ``canonical_username``: trim, lower-case, ``[a-z0-9_-]{1,25}``, ``-`` → ``_``."""
    if not isinstance(name, str | int):
        return None
    text = str(name).strip().lower()
    if not _USERNAME_RE.match(text):
        return None
    return text.replace("-", "_")


@dataclass
class Account:
    """A personal journal (``kind="P"``) or a community (``kind="C"``)."""

    userid: int
    name: str
    kind: str = "P"
    fullname: str = ""
    password: str | None = None
    api_keys: list[str] = field(default_factory=list)
    #: V visible, S suspended, L locked, M memorial, D deleted
    status: str = "V"
    readonly: bool = False
    email_validated: bool = True
    pickws: list[str] = field(default_factory=list)
    # --- journal side (communities mostly) ---
    moderated: bool = False
    #: "members": members may post; "select": only explicit posters and maintainers
    postlevel: str = "members"
    members: list[str] = field(default_factory=list)
    maintainers: list[str] = field(default_factory=list)
    posters: list[str] = field(default_factory=list)
    unmoderated: list[str] = field(default_factory=list)
    banned: list[str] = field(default_factory=list)
    #: opt_tagpermissions: "public" | "members" | "private" | "none"
    tag_add: str = ""
    tag_control: str = ""
    #: newpost_minsecurity: "public" | "friends" | "private"
    minsecurity: str = "public"
    tags: list[str] = field(default_factory=list)
    #: public uses of a tag on entries the sandbox does not hold (the seeded history)
    tag_history: dict[str, int] = field(default_factory=dict)
    next_itemid: int = 1
    # --- poster side ---
    #: last post's duplicate signature: [sig, journal, itemid, anum]
    dupsig: list[Any] | None = None

    @property
    def is_community(self) -> bool:
        return self.kind == "C"

    def add_level(self) -> str:
        return self.tag_add or ("members" if self.is_community else "private")

    def control_level(self) -> str:
        return self.tag_control or "private"


@dataclass
class Entry:
    journal: str
    itemid: int
    anum: int
    poster: str
    subject: str
    event: str
    eventtime: str
    logtime: str
    security: str = "public"
    allowmask: int = 0
    props: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    created: float = 0.0
    mtime: float = 0.0
    revnum: int = 0

    @property
    def ditemid(self) -> int:
        return self.itemid * 256 + self.anum


@dataclass
class Queued:
    """A post held in a moderated community's queue."""

    modid: int
    journal: str
    poster: str
    request: dict[str, Any]
    time: float


@dataclass
class Session:
    sessid: int
    user: str
    auth: str
    expires: float
    bindip: str = ""


class World:
    """All sandbox data; thread-safe through :attr:`lock`."""

    def __init__(self, state_path: Path | None = None, rng_seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.state_path = state_path
        self.accounts: dict[str, Account] = {}
        self.entries: dict[str, dict[int, Entry]] = {}
        self.queue: list[Queued] = []
        self.sessions: dict[int, Session] = {}
        self.next_userid = 1
        self.next_modid = 1
        self.next_sessid = 1
        self.rng = random.Random(rng_seed)
        self._batch = 0
        self._dirty = False

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many changes into one write of the state file."""
        with self.lock:
            self._batch += 1
            try:
                yield
            finally:
                self._batch -= 1
                if self._batch == 0 and self._dirty:
                    self.changed()

    # ---- accounts -------------------------------------------------------------------------
    def get(self, name: str) -> Account | None:
        canon = canonical_username(name)
        with self.lock:
            return self.accounts.get(canon) if canon else None

    def require(self, name: str) -> Account:
        acct = self.get(name)
        if acct is None:
            raise KeyError(f"no account {name!r} in the sandbox")
        return acct

    def by_userid(self, userid: int) -> Account | None:
        with self.lock:
            return next((a for a in self.accounts.values() if a.userid == userid), None)

    def add_user(self, name: str, password: str | None = None, api_keys: list[str] | tuple[
            str, ...] = (), fullname: str = "", **attrs: Any) -> Account:
        """Create (or replace) a personal account."""
        return self._add(name, "P", password=password, api_keys=list(api_keys),
                         fullname=fullname or name, **attrs)

    def add_community(self, name: str, maintainers: list[str] | tuple[str, ...] = (),
                      members: list[str] | tuple[str, ...] = (), moderated: bool = False,
                      tags: list[str] | tuple[str, ...] = (), fullname: str = "",
                      tag_uses: int = 1, **attrs: Any) -> Account:
        """Create (or replace) a community; maintainers are members too. ``tags`` count as
        used ``tag_uses`` times on public entries (0: unused, hidden from members)."""
        mems = list(dict.fromkeys([*members, *maintainers]))
        with self.lock:
            acct = self._add(name, "C", maintainers=list(maintainers), members=mems,
                             moderated=moderated, fullname=fullname or name, **attrs)
            self.add_tags(acct.name, *tags, public_uses=tag_uses)
            return acct

    def _add(self, name: str, kind: str, **attrs: Any) -> Account:
        canon = canonical_username(name)
        if canon is None:
            raise ValueError(f"invalid sandbox account name {name!r}")
        with self.lock:
            old = self.accounts.get(canon)
            userid = old.userid if old else self.next_userid
            if not old:
                self.next_userid += 1
            acct = Account(userid=userid, name=canon, kind=kind, **attrs)
            self.accounts[canon] = acct
            self.entries.setdefault(canon, {})
            self.changed()
            return acct

    def set_role(self, community: str, user: str, *, member: bool | None = None,
                 maintainer: bool | None = None, poster: bool | None = None,
                 unmoderated: bool | None = None, banned: bool | None = None) -> None:
        """Switch a user's relationships with a community on or off."""
        with self.lock:
            comm = self.require(community)
            uname = self.require(user).name
            for flag, lst in ((member, comm.members), (maintainer, comm.maintainers),
                              (poster, comm.posters), (unmoderated, comm.unmoderated),
                              (banned, comm.banned)):
                if flag is True and uname not in lst:
                    lst.append(uname)
                elif flag is False and uname in lst:
                    lst.remove(uname)
            self.changed()

    def update(self, name: str, **attrs: Any) -> Account:
        """Set account attributes (``moderated=True``, ``tag_add="public"``, ...)."""
        with self.lock:
            acct = self.require(name)
            for key, value in attrs.items():
                if not hasattr(acct, key):
                    raise AttributeError(f"sandbox accounts have no attribute {key!r}")
                setattr(acct, key, value)
            self.changed()
            return acct

    def add_tags(self, journal: str, *tags: str, public_uses: int = 0) -> None:
        """Create tags (keywords) in a journal; ``public_uses`` > 0 makes them look used on
        public entries (visible to members), 0 leaves them unused (hidden from members)."""
        with self.lock:
            acct = self.require(journal)
            for tag in tags:
                if tag not in acct.tags:
                    acct.tags.append(tag)
                if public_uses:
                    acct.tag_history[tag] = public_uses
            self.changed()

    # ---- roles ----------------------------------------------------------------------------
    def can_manage(self, user: Account, journal: Account) -> bool:
        return user.name == journal.name or user.name in journal.maintainers

    def is_member(self, user: Account, journal: Account) -> bool:
        return user.name in journal.members or self.can_manage(user, journal)

    def can_post_to(self, user: Account, journal: Account) -> bool:
        if user.name == journal.name:
            return True
        if not journal.is_community:
            return False
        if user.name in journal.maintainers or user.name in journal.posters:
            return True
        return journal.postlevel == "members" and user.name in journal.members

    def _level_ok(self, level: str, user: Account, journal: Account) -> bool:
        if self.can_manage(user, journal):
            return True
        if level == "public":
            return True
        if level in ("members", "protected", "friends"):
            return self.is_member(user, journal)
        return False

    def can_add_tags(self, user: Account, journal: Account) -> bool:
        return self._level_ok(journal.add_level(), user, journal)

    def can_control_tags(self, user: Account, journal: Account) -> bool:
        return self._level_ok(journal.control_level(), user, journal)

    def usejournals(self, user: Account) -> list[str]:
        with self.lock:
            return sorted(a.name for a in self.accounts.values()
                          if a.is_community and a.status == "V" and self.can_post_to(user, a))

    # ---- entries --------------------------------------------------------------------------
    def list_entries(self, journal: str) -> list[Entry]:
        """Live entries of a journal, oldest itemid first."""
        with self.lock:
            canon = canonical_username(journal) or journal
            return sorted(self.entries.get(canon, {}).values(), key=lambda e: e.itemid)

    def queued(self, journal: str | None = None) -> list[Queued]:
        with self.lock:
            canon = canonical_username(journal) if journal else None
            return [q for q in self.queue if canon is None or q.journal == canon]

    def new_itemid(self, journal: Account) -> tuple[int, int]:
        with self.lock:
            itemid = journal.next_itemid
            journal.next_itemid += 1
            return itemid, self.rng.randrange(256)

    def store_entry(self, entry: Entry) -> None:
        with self.lock:
            self.entries.setdefault(entry.journal, {})[entry.itemid] = entry
            self.changed()

    def delete_entry(self, entry: Entry) -> None:
        with self.lock:
            self.entries.get(entry.journal, {}).pop(entry.itemid, None)
            for acct in self.accounts.values():
                # deleting an entry clears the duplicate signature pointing at it (§3.3)
                if acct.dupsig and acct.dupsig[1:3] == [entry.journal, entry.itemid]:
                    acct.dupsig = None
            self.changed()

    def tag_usage(self, journal: str) -> dict[str, dict[str, int]]:
        """Per tag of the journal: uses per security (public/private/protected/groups)."""
        with self.lock:
            acct = self.require(journal)
            out = {t: {"public": acct.tag_history.get(t, 0), "private": 0, "protected": 0,
                       "group": 0} for t in acct.tags}
            for entry in self.entries.get(acct.name, {}).values():
                kind = entry.security
                if kind == "usemask":
                    kind = "protected" if entry.allowmask == 1 else (
                        "group" if entry.allowmask else "private")
                for tag in entry.tags:
                    out.setdefault(tag, {"public": 0, "private": 0, "protected": 0, "group": 0})
                    out[tag][kind] += 1
            return out

    # ---- persistence ----------------------------------------------------------------------
    def changed(self) -> None:
        """Persist after a change when a state file is set (once per batch)."""
        if self.state_path is None:
            return
        with self.lock:
            if self._batch:
                self._dirty = True
                return
            self._dirty = False
            self.save(self.state_path)

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "version": STATE_VERSION,
                "next_userid": self.next_userid, "next_modid": self.next_modid,
                "next_sessid": self.next_sessid,
                "accounts": [asdict(a) for a in self.accounts.values()],
                "entries": [asdict(e) for j in self.entries.values() for e in j.values()],
                "queue": [asdict(q) for q in self.queue],
                "sessions": [asdict(s) for s in self.sessions.values()
                             if s.expires > time.time()],
            }

    def save(self, path: Path) -> None:
        # atomic against a sandbox crash (temp file + rename); no fsync: a test site does
        # not need to survive a power cut, and fsync under the lock would slow every post
        data = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        with self.lock:
            self.next_userid = data["next_userid"]
            self.next_modid = data.get("next_modid", 1)
            self.next_sessid = data.get("next_sessid", 1)
            self.accounts = {a["name"]: Account(**_known(Account, a)) for a in data["accounts"]}
            self.entries = {name: {} for name in self.accounts}
            for raw in data["entries"]:
                entry = Entry(**_known(Entry, raw))
                self.entries.setdefault(entry.journal, {})[entry.itemid] = entry
            self.queue = [Queued(**_known(Queued, q)) for q in data.get("queue", [])]
            self.sessions = {s["sessid"]: Session(**_known(Session, s))
                             for s in data.get("sessions", [])}


def _known(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}
