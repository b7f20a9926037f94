"""A tiny standard-library LJ client for sandbox tests (xmlrpc.client + http.client).

Deliberately not our adapter: the sandbox is tested on its own, the way the naive baseline
client of the benchmarks talks to it.
"""

from __future__ import annotations

import hashlib
import http.client
import xmlrpc.client
from typing import Any
from urllib.parse import urlsplit


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


WHEN = {"year": 2024, "mon": 5, "day": 17, "hour": 21, "min": 30}


class LJ:
    """Call modes as ``username`` with ``secret`` (API key or password)."""

    def __init__(self, url: str, username: str = "writer", secret: str = "sandbox-key",
                 auth: str = "clear") -> None:
        self.url = url.rstrip("/")
        self.username = username
        self.secret = secret
        self.auth = auth
        self.proxy = xmlrpc.client.ServerProxy(f"{self.url}/interface/xmlrpc",
                                               use_builtin_types=True)

    def raw(self, mode: str, req: dict[str, Any]) -> Any:
        """Call a mode with exactly this struct (no auth added)."""
        return getattr(self.proxy, f"LJ.XMLRPC.{mode}")(req)

    def challenge(self) -> str:
        return str(self.raw("getchallenge", {})["challenge"])

    def auth_fields(self, auth: str | None = None) -> dict[str, Any]:
        auth = auth or self.auth
        if auth == "challenge":
            chal = self.challenge()
            return {"username": self.username, "auth_method": "challenge",
                    "auth_challenge": chal,
                    "auth_response": md5_hex(chal + md5_hex(self.secret))}
        return {"username": self.username, "password": self.secret}

    def call(self, mode: str, auth: str | None = None, **req: Any) -> Any:
        return self.raw(mode, {**self.auth_fields(auth), "ver": 1, **req})

    def post(self, event: str | bytes = "<p>A small story.</p>",
             subject: str | bytes = "A small story", **req: Any) -> Any:
        return self.call("postevent", event=event, subject=subject,
                         **{"lineendings": "unix", **WHEN, **req})

    def edit(self, itemid: int, **req: Any) -> Any:
        return self.call("editevent", itemid=itemid, **req)

    def delete(self, itemid: int, **req: Any) -> Any:
        return self.call("editevent", itemid=itemid, event="", **req)

    def events(self, **req: Any) -> list[dict[str, Any]]:
        return list(self.call("getevents", **{"selecttype": "lastn", **req})["events"])


def http_post(url: str, body: bytes, headers: dict[str, str] | None = None,
              path: str = "/interface/xmlrpc") -> tuple[int, dict[str, str], bytes]:
    """One raw POST; returns (status, headers lower-cased, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "text/xml",
                                                       **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def http_get(url: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def xml_call(mode: str, req: dict[str, Any], *extra: Any) -> bytes:
    """The XML body of a call (extra positional params allowed, for 202)."""
    return xmlrpc.client.dumps((req, *extra), f"LJ.XMLRPC.{mode}").encode("utf-8")
