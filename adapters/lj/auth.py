"""Authentication for LJ-protocol calls (reference §2): never the plain secret on the wire.

Two ways, chosen per call by :class:`Authenticator`:

- **challenge-response**: ``getchallenge`` then the call with ``auth_method=challenge`` and
  ``auth_response = md5(challenge + md5(secret))``; a fresh challenge every call (they are
  single-use and expire after 60 s). A 105 "Challenge expired" gets one new challenge and
  one retry.
- **session**: ``sessiongenerate`` once, then every call with ``auth_method=cookie``, the
  header ``X-LJ-Auth: cookie`` and the ``ljsession`` cookie: one request per call instead
  of two, and on DW the per-user rate budget. A site that refuses sessions (a fault on
  ``sessiongenerate``) gets challenge auth from then on; a cookie the site stops accepting
  (101) is regenerated once.

``sessiongenerate`` itself is one request where the wire is private (``one_step``: TLS, or a
server on this machine): ``auth_method=clear`` with ``hpassword = md5(secret)``, which
every LJ-code site takes (§2.1; DW: md5 of an API key). Anywhere else (plain HTTP to
another machine, where a replayable hash could be read on the way) it is
challenge-authenticated. A site that refuses the one-step login with anything but a wrong
secret gets the challenge login instead; a wrong secret fails both ways alike (DW: clear
auth takes every secret a challenge takes, and more), so it is not tried twice.

Sessions are reused while valid: across the threads of a run, across the releases of a
daemon, and (with a :class:`~crosspost.adapter.SessionStore`, the keyring) across runs. A
session is renewed once it is :data:`SESSION_MAX_AGE` old, well before the site's 1.5 days
end it; a saved session is left open at the end of a run for the next one. The session
that carried a call whose answer never came can be dropped with :meth:`Authenticator.expire`
(the next call starts a fresh one).

A 101 on a challenge or on ``sessiongenerate`` is a wrong secret: it is raised at once and
never retried (the servers ban an IP after a few failures, §2.4). Until one login worked,
logins go one at a time, and a failed one is remembered: threads sharing the account get
the same refusal without asking the site again.
"""

from __future__ import annotations

import hashlib
import threading
import time
import xmlrpc.client
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from crosspost.adapter import SavedSession, SessionStore
from crosspost.logs import get_logger

from . import wire

log = get_logger("lj.auth")

#: renew a "short" session (1.5 days on the servers) once it is this many seconds old, so a
#: session in use never reaches its end (a daemon renews it on the first call after this)
SESSION_MAX_AGE = 20 * 3600.0

_BAD_LOGIN = {100, 101, 402}


class Send(Protocol):
    """Sends one raw call (paced), raising ``xmlrpc.client.Fault`` for protocol faults."""

    def __call__(self, mode: str, params: dict[str, Any], *, headers: Mapping[str, str],
                 bucket: str, mutating: bool) -> dict[str, Any]: ...


def challenge_response(challenge: str, secret: str) -> str:
    """``md5_hex(challenge . md5_hex(secret))`` (LJ's ``auth.xml``; DW ``Protocol.pm``)."""
    inner = hashlib.md5(secret.encode("utf-8")).hexdigest()
    return hashlib.md5((challenge + inner).encode("utf-8")).hexdigest()


def _code(fault: xmlrpc.client.Fault) -> int | None:
    return wire.integer(fault.faultCode)


class Authenticator:
    """Authenticates calls for one account. ``secret`` is called only when needed;
    ``store`` keeps the session between runs; ``clock`` is wall-clock seconds."""

    def __init__(self, send: Send, username: str, secret: Callable[[], str], *,
                 use_sessions: bool = True, store: SessionStore | None = None,
                 clock: Callable[[], float] = time.time, one_step: bool = False) -> None:
        self._send = send
        #: log in with one request (clear auth, md5 of the secret): only on a private wire
        self.one_step = one_step
        self.username = username
        self._secret = secret
        self.use_sessions = use_sessions
        self._store = store
        self.clock = clock
        self._session: str | None = None
        self._session_at = 0.0
        self._loaded = store is None  # the saved session is read on first need
        self.sessions_refused = False
        self.challenges = 0  # getchallenge calls made (stats)
        self.sessions = 0  # sessiongenerate calls made (stats)
        self.reused = 0  # saved sessions taken up from an earlier run (stats)
        self._lock = threading.Lock()  # one sessiongenerate at a time across threads
        self._first = threading.Lock()  # challenge logins one at a time until one worked
        self._verified = False
        self._refusal: tuple[Any, str] | None = None  # a failed login: (code, site's words)

    def __repr__(self) -> str:
        state = "session" if self._session else "challenge"
        return f"<Authenticator {self.username} {state}>"

    @property
    def has_session(self) -> bool:
        return self._session is not None

    @property
    def session_id(self) -> str:
        """The site's id of the current session ("" without one), for ``sessionexpire``."""
        cookie = self._session or ""
        return next((p[1:] for p in cookie.split("//")[0].split(":") if p.startswith("s")), "")

    @property
    def user_bucket(self) -> str:
        return f"user:{self.username}"

    # -- the call ---------------------------------------------------------------------------
    def call(self, mode: str, params: dict[str, Any], *, mutating: bool) -> dict[str, Any]:
        """Send one authenticated call (sessions when possible, else challenge)."""
        if self.use_sessions and not self.sessions_refused:
            cookie = self._current_session()
            if cookie is not None:
                try:
                    return self._cookie_call(mode, params, mutating, cookie)
                except xmlrpc.client.Fault as fault:
                    if _code(fault) != 101:
                        raise
                    # the site stopped accepting our cookie (expired, logged out): new one
                    log.info("%s: session no longer accepted; starting a new one", self.username)
                    cookie = self._current_session(stale=cookie)
                    if cookie is not None:
                        return self._cookie_call(mode, params, mutating, cookie)
        return self._guarded_challenge_call(mode, params, mutating)

    def ready(self) -> None:
        """Have a session before the first call needs one: the saved one, else a new one
        (a refused login is remembered, so the first call does not try again)."""
        if self.use_sessions and not self.sessions_refused:
            self._current_session()

    def _current_session(self, stale: str | None = None) -> str | None:
        """The session cookie: the one in use, else the saved one, else a new one; renewed
        when :data:`SESSION_MAX_AGE` old or equal to ``stale``."""
        with self._lock:
            self._raise_refusal()
            if not self._loaded:
                self._loaded = True
                saved = self._store.load() if self._store is not None else None
                if saved is not None and self._session is None:
                    self._session, self._session_at = saved.cookie, saved.started
                    self.reused += 1
            if self._session is not None and (self._session == stale or self._too_old()):
                self._drop_session()
            if self._session is None and not self.sessions_refused:
                self._start_session()
            return self._session

    def _too_old(self) -> bool:
        age = self.clock() - self._session_at
        return age < 0 or age >= SESSION_MAX_AGE  # a clock set back: renew to be safe

    def _drop_session(self) -> None:
        """Forget the session here and in the store (under ``_lock``)."""
        self._session = None
        if self._store is not None:
            self._store.clear()

    def expire(self, cookie: str | None = None) -> None:
        """Stop using the session (``cookie``: only if it is still the one in use); the next
        call starts a new one. For a session that carried a request whose answer never
        came, or that the site no longer takes."""
        with self._lock:
            self._loaded = True
            if self._session is not None and cookie in (None, self._session):
                self._drop_session()

    def _raise_refusal(self) -> None:
        if self._refusal is not None:
            raise xmlrpc.client.Fault(*self._refusal)

    def _cookie_call(self, mode: str, params: dict[str, Any], mutating: bool, cookie: str
                     ) -> dict[str, Any]:
        fields = {"username": self.username, "auth_method": "cookie"}
        headers = {"X-LJ-Auth": "cookie", "Cookie": f"ljsession={cookie}"}
        return self._send(mode, {**params, **fields}, headers=headers,
                          bucket=self.user_bucket, mutating=mutating)

    def _guarded_challenge_call(self, mode: str, params: dict[str, Any], mutating: bool
                                ) -> dict[str, Any]:
        """A challenge call; until one login worked, one at a time, so that a wrong secret
        costs one failed login and not one per thread (§2.4)."""
        if self._verified:
            return self._challenge_call(mode, params, mutating)
        with self._first:
            self._raise_refusal()
            return self._challenge_call(mode, params, mutating)

    def _challenge_call(self, mode: str, params: dict[str, Any], mutating: bool
                        ) -> dict[str, Any]:
        for attempt in (1, 2):
            fields = self._challenge_fields()
            try:
                answer = self._send(mode, {**params, **fields}, headers={}, bucket="anon",
                                    mutating=mutating)
            except xmlrpc.client.Fault as fault:
                if _code(fault) in _BAD_LOGIN:
                    self._refusal = (fault.faultCode, fault.faultString)
                # 105: the challenge expired on the way (slow network, paced call): once more
                if _code(fault) != 105 or attempt == 2:
                    raise
                log.info("%s: challenge expired; retrying once with a new one", mode)
                continue
            self._verified = True
            return answer
        raise AssertionError("unreachable")

    def _challenge_fields(self) -> dict[str, str]:
        answer = self._send("getchallenge", {}, headers={}, bucket="anon", mutating=False)
        self.challenges += 1
        challenge = wire.text(answer.get("challenge"))
        return {"username": self.username, "auth_method": "challenge",
                "auth_challenge": challenge,
                "auth_response": challenge_response(challenge, self._secret())}

    def _start_session(self) -> None:
        """``sessiongenerate`` once; a site that refuses it gets challenge auth from now on."""
        try:
            answer = self._session_login({"ver": 1, "expiration": "short"})
        except xmlrpc.client.Fault as fault:
            if _code(fault) in _BAD_LOGIN:
                raise  # a wrong secret is not a refused session
            log.info("sessions refused by the site (%s); using challenge auth",
                     wire.fault_text(fault.faultString))
            self.sessions_refused = True
            return
        cookie = wire.text(answer.get("ljsession"))
        if not cookie:
            self.sessions_refused = True
            return
        self.sessions += 1
        self._session = cookie
        self._session_at = self.clock()
        if self._store is not None:
            self._store.save(SavedSession(cookie, self._session_at))

    def _session_login(self, params: dict[str, Any]) -> dict[str, Any]:
        """``sessiongenerate`` in one request when :attr:`one_step`, else (or when the site
        refuses the one-step login for another reason than the secret) by a challenge."""
        if self.one_step:
            hashed = hashlib.md5(self._secret().encode("utf-8")).hexdigest()
            fields = {"username": self.username, "auth_method": "clear", "hpassword": hashed}
            try:
                answer = self._send("sessiongenerate", {**params, **fields}, headers={},
                                    bucket="anon", mutating=False)
            except xmlrpc.client.Fault as fault:
                if _code(fault) in _BAD_LOGIN:
                    self._refusal = (fault.faultCode, fault.faultString)
                    raise
                log.info("%s: one-step login refused (%s); logging in with a challenge",
                         self.username, wire.fault_text(fault.faultString))
                self.one_step = False
            else:
                self._verified = True
                return answer
        return self._challenge_call("sessiongenerate", params, mutating=False)

    def close(self) -> None:
        """The end of a run: a saved session stays open for the next run (it ends on the
        site by itself); one that is not saved anywhere is ended now."""
        if self._store is not None:
            self._session = None
            return
        self.end_session()

    def end_session(self) -> None:
        """Expire the session on the site (best effort) and forget it (here and saved)."""
        cookie, self._session = self._session, None
        if self._store is not None:
            self._store.clear()
        if not cookie:
            return
        sessid = next((p[1:] for p in cookie.split("//")[0].split(":") if p.startswith("s")), "")
        params: dict[str, Any] = {"ver": 1, "username": self.username, "auth_method": "cookie"}
        params.update({"expire": [sessid]} if sessid.isdigit() else {"expireall": 1})
        try:
            self._send("sessionexpire", params,
                       headers={"X-LJ-Auth": "cookie", "Cookie": f"ljsession={cookie}"},
                       bucket=self.user_bucket, mutating=False)
        except Exception as exc:  # closing must not fail; the session expires on its own
            log.debug("sessionexpire failed: %s", type(exc).__name__)
