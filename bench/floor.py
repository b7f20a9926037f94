"""The floor of a fan-out, measured: what any client must wait for at a given concurrency.

One session request, then the posts in waves of ``width`` concurrent requests, each wave
waiting for the previous one: ``1 + ceil(posts / width)`` round trips. Bodies are built
before the clock starts, each of the ``width`` workers keeps its own HTTP connection, and a
session obtained beforehand authenticates every call (cookie auth, reference §2.3): no
parsing, rendering, registry or pacing. Measured on the same sandbox in the same run as
crosspost, so server time and machine load count on both sides.
"""

from __future__ import annotations

import http.client
import math
import time
import urllib.parse
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from hashlib import md5
from typing import Any

from .harness import API_KEY, USER


class _Conn:
    """One kept-alive HTTP connection speaking XML-RPC to the sandbox."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, body: bytes, cookie: str = "") -> Any:
        headers = {"Content-Type": "text/xml"}
        if cookie:
            headers.update({"X-LJ-Auth": "cookie", "Cookie": f"ljsession={cookie}"})
        self.conn.request("POST", "/interface/xmlrpc", body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"floor client: HTTP {resp.status}")
        return xmlrpc.client.loads(data, use_builtin_types=True)[0][0]

    def close(self) -> None:
        self.conn.close()


def _body(mode: str, params: dict[str, Any]) -> bytes:
    return xmlrpc.client.dumps((params,), f"LJ.XMLRPC.{mode}", encoding="utf-8").encode()


def _session(conn: _Conn) -> str:
    got = conn.call(_body("getchallenge", {}))
    chal = str(got["challenge"])
    resp = md5((chal + md5(API_KEY.encode()).hexdigest()).encode()).hexdigest()
    out = conn.call(_body("sessiongenerate", {
        "ver": 1, "username": USER, "auth_method": "challenge", "auth_challenge": chal,
        "auth_response": resp, "expiration": "short"}))
    return str(out["ljsession"])


def fanout_floor(url: str, posts: list[tuple[str, str, str]], width: int) -> float:
    """Seconds for one session request plus ``posts`` (subject, html, community) in waves
    of ``width``; the posts really go to the sandbox."""
    conns = [_Conn(url) for _ in range(width)]
    try:
        cookie = _session(conns[0])  # before the clock: the floor's own login
        now = datetime.now(UTC)
        when = {"year": now.year, "mon": now.month, "day": now.day, "hour": now.hour,
                "min": now.minute}
        auth = {"ver": 1, "username": USER, "auth_method": "cookie"}
        bodies = [_body("postevent", {**auth, **when, "subject": s, "event": h,
                                      "lineendings": "unix", "security": "public",
                                      "usejournal": c}) for s, h, c in posts]
        session_body = _body("sessiongenerate", {**auth, "expiration": "short"})
        waves = [bodies[i:i + width] for i in range(0, len(bodies), width)]
        assert len(waves) == math.ceil(len(posts) / width)
        with ThreadPoolExecutor(width) as ex:
            list(ex.map(lambda c: c.call(_body("getchallenge", {})), conns))  # connect all
            start = time.perf_counter()
            conns[0].call(session_body, cookie)
            for wave in waves:
                list(ex.map(lambda cb: cb[0].call(cb[1], cookie), zip(conns, wave, strict=False)))
            return time.perf_counter() - start
    finally:
        for c in conns:
            c.close()
