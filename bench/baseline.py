"""The naive baseline client the benchmarks compare crosspost with.

What a quick script would do: plain ``xmlrpc.client.ServerProxy``, a fresh ``getchallenge``
before every call (challenge auth), one post after the other, and a new proxy (so a new TCP
connection, no keep-alive) for every request. It sends the story's header-less body as the
entry, with no parsing, rendering, registry or pacing: the floor a careless client pays.
"""

from __future__ import annotations

import time
import xmlrpc.client
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import md5
from typing import Any


@dataclass
class BaselineResult:
    posted: int = 0
    failures: list[str] = field(default_factory=list)
    http_429: int = 0
    requests: int = 0
    seconds: float = 0.0


class BaselineClient:
    """``post(subject, html, journal)`` = getchallenge + postevent, new connection each."""

    def __init__(self, url: str, username: str = "writer", api_key: str = "sandbox-key") -> None:
        self.endpoint = url.rstrip("/") + "/interface/xmlrpc"
        self.username = username
        self._key = api_key
        self.requests = 0

    def _proxy(self) -> xmlrpc.client.ServerProxy:
        self.requests += 1
        return xmlrpc.client.ServerProxy(self.endpoint, use_builtin_types=True)

    def post(self, subject: str, html: str, journal: str | None = None) -> dict[str, object]:
        got: Any = self._proxy().LJ.XMLRPC.getchallenge({})
        challenge = str(got["challenge"])
        response = md5((challenge + md5(self._key.encode()).hexdigest()).encode()).hexdigest()
        now = datetime.now(UTC)
        req: dict[str, object] = {
            "username": self.username, "auth_method": "challenge",
            "auth_challenge": challenge, "auth_response": response, "ver": 1,
            "subject": subject, "event": html, "lineendings": "unix", "security": "public",
            "year": now.year, "mon": now.month, "day": now.day, "hour": now.hour,
            "min": now.minute,
        }
        if journal:
            req["usejournal"] = journal
        out = self._proxy().LJ.XMLRPC.postevent(req)
        assert isinstance(out, dict)
        return out


def split_story(data: bytes) -> tuple[str, str]:
    """(title, body) of a generated story, the crude way a script would do it."""
    text = data.decode("utf-8")
    head, _, body = text.partition("\n***\n")
    title = next((ln.split(":", 1)[1].strip() for ln in head.splitlines()
                  if ln.lower().startswith("title:")), "untitled")
    return title, body.strip()


def post_all(url: str, jobs: list[tuple[str, str, str | None]]) -> BaselineResult:
    """Post every (subject, html, journal) in turn; a 429 or fault is counted, not retried."""
    client = BaselineClient(url)
    result = BaselineResult()
    start = time.perf_counter()
    for subject, html, journal in jobs:
        try:
            client.post(subject, html, journal)
            result.posted += 1
        except xmlrpc.client.ProtocolError as exc:
            if exc.errcode == 429:
                result.http_429 += 1
            result.failures.append(f"HTTP {exc.errcode}")
        except xmlrpc.client.Fault as exc:
            result.failures.append(f"fault {exc.faultCode}")
    result.seconds = time.perf_counter() - start
    result.requests = client.requests
    return result
