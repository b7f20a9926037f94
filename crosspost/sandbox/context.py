"""What a protocol mode handler gets: the world, the dialect, the caller, and shared helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .auth import Auth
from .codes import ProtocolError, ServerCrash
from .options import SandboxOptions
from .textutil import text
from .world import Account, Entry, World, canonical_username


@dataclass
class Site:
    """Per-server state shared by every call."""

    world: World
    dialect: str
    opts: SandboxOptions
    auth: Auth
    base_url: str = ""
    #: DW: a temporary read-only mode (306)
    readonly: bool = False
    post_times: dict[str, list[float]] = field(default_factory=dict)
    sync_requests: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wire_dialect(self) -> str:
        """Serialisation follows DW for "dw", LJ for the LJ family."""
        return "dw" if self.dialect == "dw" else "lj"

    def entry_url(self, entry: Entry) -> str:
        return f"{self.base_url}/{entry.journal}/{entry.ditemid}.html"


@dataclass
class Call:
    site: Site
    ip: str
    headers: Mapping[str, str]
    #: act as this user without authentication (moderator approval replays a queued post)
    as_user: str | None = None
    #: skip moderation (the replay of an approved post, like the server's ``nomod``)
    nomod: bool = False

    @property
    def world(self) -> World:
        return self.site.world

    @property
    def dialect(self) -> str:
        return self.site.dialect

    def authenticate(self, req: Mapping[str, Any]) -> Account:
        if self.as_user is not None:
            return self.world.require(self.as_user)
        return self.site.auth.authenticate(req, self.ip, self.headers)

    def altusage(self, user: Account, req: Mapping[str, Any],
                 need_access: bool = True) -> Account:
        """``check_altusage`` (Protocol.pm:3388-3435): the journal a call acts on.

        ``need_access=False`` is DW's ``ignorecanuse`` (editevent checks ownership later)."""
        raw = req.get("usejournal")
        if raw is None and self.dialect != "dw":
            raw = req.get("journal")  # LJ14 also accepts "journal"
        if raw is None or raw == "":
            return user
        name = canonical_username(text(raw))
        if name is None:
            raise ProtocolError(206)
        journal = self.world.get(name)
        if journal is None:
            if self.dialect == "dw":
                # DW: can_post_to(undef) croaks → SOAP "Server" fault (§1.1, §14)
                raise ServerCrash("Can't call method \"can_post_to\" on an undefined value "
                                  "at /home/dw/dw/cgi-bin/LJ/Protocol.pm line 3418.\n")
            raise ProtocolError(206)
        if journal.name == user.name:
            return journal
        if need_access and not self.world.can_post_to(user, journal):
            raise ProtocolError(300)
        return journal


def now_utc() -> datetime:
    return datetime.now(UTC)


def fmt_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def epoch_now() -> float:
    return time.time()
