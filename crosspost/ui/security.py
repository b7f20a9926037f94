"""Who may use the dashboard: the person who started it.

A page that can post in the writer's name is a target for any other web page open in the
same browser, and for anything else on the machine. So:

- the server listens on 127.0.0.1 only;
- a request whose ``Host`` header is not this server's own address is refused (DNS
  rebinding: a hostile name that resolves to 127.0.0.1 would otherwise reach us);
- the first URL carries a random token; the server answers it with a session cookie
  (HttpOnly, SameSite=Strict) and a redirect to a URL without the token, so the token does
  not stay in the address bar or the history; any other request without the cookie is
  refused;
- every request that changes something (POST) must carry the session's CSRF token (a form
  field or the ``X-CSRF-Token`` header), and a foreign ``Origin`` is refused.

The checks are pure functions; :class:`Guard` applies them to each request (ASGI middleware).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

COOKIE = "crosspost_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
#: request methods that change nothing (all others need the CSRF token)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: on every answer: scripts only from the dashboard itself (a story's HTML in a preview
#: runs none), no framing by other sites, no sniffing, no address sent to other sites
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; "
     b"style-src 'self' 'unsafe-inline'; img-src * data:; frame-ancestors 'self'; "
     b"form-action 'self'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


@dataclass
class Keys:
    """The secrets of one dashboard run (never logged, never shown)."""

    #: printed once in the first URL, traded for the cookie
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    #: the cookie's value
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __repr__(self) -> str:
        return "Keys(<hidden>)"

    @property
    def csrf(self) -> str:
        """The CSRF token of the session: derived, so it is not the cookie itself."""
        return hmac.new(self.session.encode(), b"csrf", hashlib.sha256).hexdigest()


def allowed_hosts(port: int) -> frozenset[str]:
    """The Host header values of our own address."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def host_ok(host: str | None, port: int) -> bool:
    return host is not None and host.lower() in allowed_hosts(port)


def origin_ok(origin: str | None, port: int) -> bool:
    """No Origin (same-origin GETs, some browsers' form posts) or our own."""
    if origin is None:
        return True
    return origin.lower() in {f"http://{h}" for h in allowed_hosts(port)}


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def cookie_value(raw_cookie_header: str | None) -> str | None:
    from http.cookies import SimpleCookie

    if not raw_cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw_cookie_header)
    except Exception:  # a malformed Cookie header is simply no session
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel is not None else None


def _plain(status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
           ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = text.encode("utf-8")
    return status, [(b"content-type", b"text/plain; charset=utf-8"),
                    (b"cache-control", b"no-store"),
                    (b"content-length", str(len(body)).encode()), *(headers or [])], body


def decide(method: str, path: str, query: str, headers: dict[str, str], keys: Keys,
           port: int) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """None when the request may go on (CSRF of a POST body is checked by the route); else
    the refusal (or the token → cookie redirect) to send instead."""
    if not host_ok(headers.get("host"), port):
        return _plain(421, "refused: this dashboard answers only at its own address "
                           f"(http://127.0.0.1:{port}/)")
    token = parse_qs(query).get("token", [None])[0]
    if token is not None:
        if not same(token, keys.token):
            return _plain(403, "refused: this link's token is not the one crosspost printed; "
                               "open the address from crosspost's first line of output")
        cookie = (f"{COOKIE}={keys.session}; HttpOnly; SameSite=Strict; Path=/").encode()
        return 303, [(b"location", (path or "/").encode()), (b"set-cookie", cookie),
                     (b"cache-control", b"no-store"), (b"content-length", b"0")], b""
    if not same(cookie_value(headers.get("cookie")), keys.session):
        return _plain(403, "refused: no dashboard session; open the address crosspost "
                           "printed on its first line of output (it carries the token)")
    if method not in SAFE_METHODS:
        if not origin_ok(headers.get("origin"), port):
            return _plain(403, "refused: a request from another web site")
        if CSRF_HEADER in headers and not same(headers[CSRF_HEADER], keys.csrf):
            return _plain(403, "refused: wrong CSRF token; reload the page and try again")
    return None


class Guard:
    """ASGI middleware applying :func:`decide` to every HTTP request."""

    def __init__(self, app: Any, keys: Keys, port: int) -> None:
        self.app = app
        self.keys = keys
        self.port = port

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = decide(scope["method"], scope.get("path", "/"),
                         scope.get("query_string", b"").decode("latin-1"), headers,
                         self.keys, self.port)
        if refusal is None:
            async def send_with_headers(message: Any) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        status, hdrs, body = refusal
        await send({"type": "http.response.start", "status": status, "headers": hdrs})
        await send({"type": "http.response.body", "body": body})
