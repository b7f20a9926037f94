"""Protocol faults → crosspost's exception tree (reference §7).

Every error keeps the site's own words verbatim (``server_message``, also quoted in the
message) and adds what to do. ``transient`` follows the reference's client retry policy,
per dialect: the same code can mean different things (411 is "Subject too long." on DW but
"Action frequency limit." on LJ).
"""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass

from crosspost.errors import (
    AccessError,
    AuthError,
    EntryGoneError,
    FaultError,
    LoginBanned,
    RateLimitedError,
    ServerFaultError,
    TagPermissionError,
    TooLargeError,
)

from . import wire
from .profile import api_key_where

#: seconds to wait after a 402 login ban; DW's example config bans for 300 s (§2.4).
LOGIN_BAN_WAIT = 600.0
#: seconds between tries when a community's moderation queue is full (407/408): it empties
#: only when a maintainer approves or rejects entries, so retry "only later" (§7).
QUEUE_FULL_WAIT = 1800.0


@dataclass(frozen=True)
class FaultContext:
    """What was being done when the fault came, for the message."""

    label: str  # the site's display name
    dialect: str  # "dw" or "lj"
    mode: str
    username: str
    journal: str | None = None
    account_name: str = ""  # the config's account key, for `crosspost login NAME`
    mutating: bool = False
    api_keys: bool = False  # DW code: challenge auth checks API keys only (§2.2)
    api_key_page: str = ""  # where the user creates one, when known

    @property
    def where(self) -> str:
        return f"the community {self.journal!r}" if self.journal else f"{self.username}'s journal"

    @property
    def login_cmd(self) -> str:
        return f"`crosspost login {self.account_name or '<account>'}`"


_ACTIONS = {"postevent": "the new entry", "editevent": "the change to an entry",
            "getevents": "reading entries", "getusertags": "reading the tags",
            "login": "the login", "sessiongenerate": "starting a session",
            "syncitems": "reading the journal's changes"}

# code → (class, transient); codes missing here fall back by range.
_COMMON: dict[int, tuple[type[FaultError], bool]] = {
    100: (AuthError, False), 101: (AuthError, False), 105: (AuthError, False),
    150: (AccessError, False), 151: (AccessError, False), 155: (AccessError, False),
    206: (AccessError, False),
    300: (AccessError, False), 302: (EntryGoneError, False), 303: (AccessError, False),
    304: (AccessError, False), 305: (AccessError, False), 306: (AccessError, True),
    307: (AccessError, False), 308: (AccessError, False), 309: (AccessError, False),
    310: (AccessError, False), 311: (AccessError, True),
    312: (TagPermissionError, False), 313: (TagPermissionError, False),
    316: (AccessError, False), 317: (AccessError, False), 318: (AccessError, False),
    319: (AccessError, False),
    402: (LoginBanned, True), 404: (AccessError, False),
    405: (RateLimitedError, True), 406: (RateLimitedError, True), 407: (RateLimitedError, True),
    408: (RateLimitedError, True), 409: (TooLargeError, False),
    504: (FaultError, False),
}
# DW: 411 is "Subject too long."
_DW: dict[int, tuple[type[FaultError], bool]] = {411: (TooLargeError, False)}
# LJ: 411 is "Action frequency limit.", 413 an API rate limit, 507/508 delayed-entry failures.
_LJ: dict[int, tuple[type[FaultError], bool]] = {
    411: (RateLimitedError, True), 413: (RateLimitedError, True),
    507: (FaultError, False), 508: (FaultError, False),
}


def classify(code: int | str, dialect: str) -> tuple[type[FaultError], bool]:
    """The exception class and transient flag for a fault code on a dialect."""
    if not isinstance(code, int):
        if code == "Client":  # SOAP: the request itself could not be read: sending it again fails
            return FaultError, False
        return ServerFaultError, True  # SOAP "Server" string fault: the code died
    table = _DW if dialect == "dw" else _LJ
    if code in table:
        return table[code]
    if code in _COMMON:
        return _COMMON[code]
    if code >= 500:
        return ServerFaultError, True
    return FaultError, False


def _fix(code: int | str, cls: type[FaultError], ctx: FaultContext) -> str:
    login = ctx.login_cmd
    if cls is AuthError:
        if code == 100:
            return "check `username` for this account in the config (the site does not know it)"
        if code == 105:
            return ("the login challenge expired twice in a row; check the computer's clock "
                    "and retry")
        if ctx.api_keys:
            # DW: challenge auth (and our login) works only with an API key (§2.2)
            return (f"{ctx.label} needs an API key here, not your password: create an API key "
                    f"under {api_key_where(ctx.api_key_page)} and store it with {login}")
        return f"store the right password with {login} (crosspost will not retry a bad login)"
    if cls is LoginBanned:
        check = f"`crosspost login {ctx.account_name or '<account>'} --check`"
        return (f"too many failed logins for {ctx.username!r} from this address: wait at least "
                f"{LOGIN_BAN_WAIT / 60:g} minutes, then check the password or API key once with "
                f"{check} (it asks for a new one if needed; every failed login extends the "
                "ban); the deliveries wait and are tried again after the ban")
    if cls is EntryGoneError:
        return "the entry was deleted on the site; post the story again to recreate it"
    if cls is TagPermissionError:
        return (f"this account may not tag entries in {ctx.where}: remove the tags for this "
                "target (its `tags` settings) or ask the maintainers for tagging rights")
    if cls is TooLargeError:
        if code == 411:
            return ("shorten the subject (the target's `subject` template) to at most 100 "
                    "characters and 255 bytes")
        return "the entry is longer than the site allows; split the story into parts"
    if cls is RateLimitedError:
        if code in (407, 408):
            whose = "" if code == 407 else f" from {ctx.username!r}"
            return (f"the moderation queue of {ctx.where} holds as many entries{whose} as it "
                    "takes: ask its maintainers to approve or reject the queued entries; "
                    f"crosspost tries again every {QUEUE_FULL_WAIT / 60:g} minutes "
                    "(`crosspost retry` tries at once)")
        return "the site asks us to slow down; crosspost retries later by itself"
    if cls is ServerFaultError:
        if ctx.journal and ctx.dialect == "dw" and not isinstance(code, int):
            # DW: a usejournal naming no account makes postevent die with a "Server" fault
            return (f"check that the community {ctx.journal!r} exists on {ctx.label}; "
                    "otherwise the site is having trouble and crosspost retries later")
        return "the site is having trouble; crosspost retries later"
    if cls is AccessError:
        if code == 300:
            return (f"the account {ctx.username!r} may not post to {ctx.where}: join the "
                    "community (or ask for posting access), or fix the target's `community`")
        if code == 206:
            return "fix the target's `community`: it is not a valid journal name"
        if code in (306, 311):
            return "the journal is temporarily read-only; crosspost retries later"
        if code == 155:
            return f"confirm the account's email address on {ctx.label}, then retry"
        return f"check the account's standing and access on {ctx.label}, then retry"
    if code == "Client":
        return ("the site could not read the request; if the story holds control characters "
                "(other than tab and newline), remove them; otherwise report a crosspost bug")
    if code == 153:
        # LJ/DW: the entry's date is older than the journal's newest entry
        return ("add `props = { opt_backdated = \"1\" }` to this target (or to [defaults]): "
                "the entry is dated before the journal's newest entry")
    if code == 152:
        return ("remove `opt_backdated` from this target's `props`: communities refuse "
                "back-dated entries")
    if code in (204, 205):
        return "remove or correct that prop in the target's `props`"
    if code == 504:
        return f"{ctx.label} no longer supports this request; report it as a crosspost bug"
    return "see the site's message; if it looks like a crosspost bug, report it"


def fault_error(fault: xmlrpc.client.Fault, ctx: FaultContext) -> FaultError:
    """Map one protocol fault to a :class:`FaultError` subclass with message and fix."""
    number = wire.integer(fault.faultCode)
    code: int | str = number if number is not None else wire.text(fault.faultCode)
    words = wire.fault_text(fault.faultString)
    cls, transient = classify(code, ctx.dialect)
    action = _ACTIONS.get(ctx.mode, ctx.mode)
    message = f"{ctx.label} refused {action} in {ctx.where}: {words} (fault {code})"
    if cls is AuthError:
        message = (f"{ctx.label} did not accept the login for {ctx.username!r}: {words} "
                   f"(fault {code})")
    elif cls is LoginBanned:  # about the account, whichever journal the call was for
        account = f" (account {ctx.account_name!r})" if ctx.account_name else ""
        message = (f"{ctx.label} refused the login for {ctx.username!r}{account}: {words} "
                   f"(fault {code})")
    kw: dict[str, object] = {"site": ctx.label, "transient": transient}
    if cls is LoginBanned:
        kw["retry_after"] = LOGIN_BAN_WAIT
    if code in (407, 408):  # DW/LJ: the queue empties only when a maintainer acts
        kw["retry_after"] = QUEUE_FULL_WAIT
    if cls is ServerFaultError and ctx.mutating and code not in (502, 503):
        kw["maybe_committed"] = True  # the server died mid-request: it may have committed
    return cls(message, _fix(code, cls, ctx), code=code, server_message=words, **kw)
