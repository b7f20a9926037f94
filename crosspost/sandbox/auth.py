"""Authentication (reference §2): clear, challenge and cookie auth, sessions, lockout."""

from __future__ import annotations

import hashlib
import re
import secrets
import string
import threading
import time
from collections.abc import Mapping
from typing import Any

from .codes import ProtocolError
from .options import SandboxOptions
from .world import Account, Session, World, canonical_username

_ALNUM = string.ascii_letters + string.digits
_COOKIE_RE = re.compile(r"^v1:u(\d+):s(\d+):a(\w+)(?::f\w*)?//\d*$")


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def parse_cookies(header: str | None) -> dict[str, str]:
    """Cookie header → name/value pairs (values kept raw: ljsession has ':' and '/')."""
    out: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            out.setdefault(name.strip(), value.strip().strip('"'))
    return out


class Auth:
    """Challenges, failed-login lockout and sessions for one server."""

    def __init__(self, world: World, dialect: str, options: SandboxOptions) -> None:
        self.world = world
        self.dialect = dialect
        self.opts = options
        self._secret = secrets.token_hex(16)
        self._lock = threading.Lock()
        self._issued: dict[str, float] = {}
        self._used: dict[str, float] = {}
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._banned: dict[tuple[str, str], float] = {}

    # ---- challenges (§2.2) ----------------------------------------------------------------
    def _sign(self, body: str) -> str:
        return md5_hex(f"{body}:{self._secret}")

    def new_challenge(self) -> dict[str, Any]:
        now = time.time()
        goodfor = max(1, round(self.opts.challenge_ttl))
        rand = "".join(secrets.choice(_ALNUM) for _ in range(20))
        body = f"c0:{int(now)}:0:{goodfor}:{rand}"
        chal = f"{body}:{self._sign(body)}"
        with self._lock:
            self._issued[chal] = now
            self._prune(now)
        return {"challenge": chal, "server_time": int(now), "expire_time": int(now) + goodfor,
                "auth_scheme": "c0"}

    def _prune(self, now: float) -> None:
        horizon = max(self.opts.challenge_ttl, 1.0) * 2 + 60
        for table in (self._issued, self._used):
            for key in [k for k, t in table.items() if now - t > horizon]:
                del table[key]

    def check_challenge(self, chal: Any) -> str:
        """``"ok"``, ``"expired"`` or ``"bad"`` (forged, malformed or reused)."""
        if not isinstance(chal, str):
            return "bad"
        parts = chal.split(":")
        if len(parts) != 6 or parts[0] != "c0":
            return "bad"
        if self._sign(":".join(parts[:5])) != parts[5]:
            return "bad"
        try:
            stime, age, goodfor = int(parts[1]), int(parts[2]), int(parts[3])
        except ValueError:
            return "bad"
        now = time.time()
        with self._lock:
            issued = self._issued.get(chal, float(stime + age))
            ttl = min(float(goodfor), self.opts.challenge_ttl)
            if now - issued >= ttl:
                return "expired"
            if chal in self._used:
                return "bad"  # reuse: 101, not a bad login (§2.2)
            self._used[chal] = now
        return "ok"

    # ---- lockout (§2.4) -------------------------------------------------------------------
    def is_banned(self, user: str, ip: str) -> bool:
        with self._lock:
            until = self._banned.get((user, ip))
            if until is None:
                return False
            if time.time() >= until:
                del self._banned[(user, ip)]
                return False
            return True

    def bad_login(self, user: str, ip: str) -> None:
        now = time.time()
        period = self.opts.login_fail_period
        with self._lock:
            fails = [t for t in self._failures.get((user, ip), []) if now - t < period]
            fails.append(now)
            if len(fails) >= self.opts.login_fail_limit:
                self._banned[(user, ip)] = now + period
                fails = []
            self._failures[(user, ip)] = fails

    # ---- sessions (§2.3) ------------------------------------------------------------------
    def generate_session(self, user: Account, expiration: Any, bindip: str) -> str:
        lifetime = self.opts.session_long if expiration == "long" else self.opts.session_short
        with self.world.lock:
            sessid = self.world.next_sessid
            self.world.next_sessid += 1
            auth = "".join(secrets.choice(_ALNUM) for _ in range(30))
            self.world.sessions[sessid] = Session(sessid=sessid, user=user.name, auth=auth,
                                                  expires=time.time() + lifetime, bindip=bindip)
            self.world.changed()
        return f"v1:u{user.userid}:s{sessid}:a{auth}//"

    def session_for(self, cookie_header: str | None, ip: str) -> Session | None:
        """The live session named by an ``ljsession`` cookie, if any."""
        value = parse_cookies(cookie_header).get("ljsession")
        match = _COOKIE_RE.match(value or "")
        if not match:
            return None
        userid, sessid, auth = int(match[1]), int(match[2]), match[3]
        with self.world.lock:
            sess = self.world.sessions.get(sessid)
            owner = self.world.by_userid(userid)
        if (sess is None or owner is None or sess.user != owner.name or sess.auth != auth
                or sess.expires <= time.time() or (sess.bindip and sess.bindip != ip)):
            return None
        return sess

    def expire_sessions(self, user: Account, expireall: bool, ids: list[Any]) -> None:
        with self.world.lock:
            for sessid, sess in list(self.world.sessions.items()):
                if sess.user == user.name and (expireall or str(sessid) in map(str, ids)):
                    del self.world.sessions[sessid]
            self.world.changed()

    # ---- the authenticate() of every mode but getchallenge --------------------------------
    def authenticate(self, req: Mapping[str, Any], ip: str,
                     headers: Mapping[str, str]) -> Account:
        raw = req.get("username")
        if raw is None or raw == "":
            raise ProtocolError(200)
        name = canonical_username(raw)
        user = self.world.get(name) if name else None
        if user is None or user.status == "X":
            raise ProtocolError(100)
        if user.status == "M":
            raise ProtocolError(309)
        method = req.get("auth_method") or "clear"
        outcome = {"clear": self._clear, "challenge": self._challenge,
                   "cookie": self._cookie}.get(str(method))
        if outcome is None:
            raise ProtocolError(101)
        outcome(user, req, ip, headers)
        return user

    def _fail(self, user: Account, ip: str) -> None:
        self.bad_login(user.name, ip)
        raise ProtocolError(101)

    def _clear(self, user: Account, req: Mapping[str, Any], ip: str,
               headers: Mapping[str, str]) -> None:
        if self.is_banned(user.name, ip):
            raise ProtocolError(402)
        if user.is_community:
            self._fail(user, ip)
        password = req.get("password")
        hpassword = req.get("hpassword")
        if self.dialect == "dw":
            # DW: password or hpassword may be the password, an API key or md5(API key) (§2.1)
            given = password if password is not None else hpassword
            given = str(given) if given is not None else None
            good = {k for k in user.api_keys} | {md5_hex(k) for k in user.api_keys}
            if user.password:
                good.add(user.password)
            if given is not None and given in good:
                return
        else:
            if user.password and password is not None and str(password) == user.password:
                return
            if user.password and hpassword is not None and str(hpassword) == md5_hex(
                    user.password):
                return
        self._fail(user, ip)

    def _challenge(self, user: Account, req: Mapping[str, Any], ip: str,
                   headers: Mapping[str, str]) -> None:
        if self.dialect == "dw":
            # DW: challenge-response is checked against API keys only (§2.2)
            secrets_ = list(user.api_keys)
            if not secrets_:
                raise ProtocolError(101)
        else:
            secrets_ = [user.password] if user.password else []
        if self.is_banned(user.name, ip):
            raise ProtocolError(402)
        chal = req.get("auth_challenge")
        state = self.check_challenge(chal)
        if state == "expired":
            raise ProtocolError(105)
        if state != "ok":
            raise ProtocolError(101)
        response = str(req.get("auth_response") or "")
        if any(response == md5_hex(f"{chal}{md5_hex(s)}") for s in secrets_):
            return
        self._fail(user, ip)

    def _cookie(self, user: Account, req: Mapping[str, Any], ip: str,
                headers: Mapping[str, str]) -> None:
        if (headers.get("x-lj-auth") or "").strip().lower() != "cookie":
            raise ProtocolError(101)
        sess = self.session_for(headers.get("cookie"), ip)
        if sess is None or sess.user != user.name:
            raise ProtocolError(101)
