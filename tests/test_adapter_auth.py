"""Challenge and session auth against the sandbox over real HTTP (reference §2)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from crosspost_adapters.lj import pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox
from crosspost_adapters.lj.transport import private_wire

from crosspost.config import Account
from crosspost.errors import AuthError, LoginBanned
from crosspost.story.post import Post

KEY = "sandbox-key"


@pytest.fixture(autouse=True)
def _fresh_shared_state() -> Iterator[None]:
    pacing.forget_pacers()
    tagcache.forget()
    yield
    pacing.forget_pacers()


class Recorder:
    """Keeps every request the adapter sends (an httpx event hook)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        request.read()
        self.requests.append(request)

    @property
    def bodies(self) -> list[bytes]:
        return [r.content for r in self.requests]


def make(url: str, secret: str = KEY, *, sessions: bool = True, dialect: str | None = None,
         username: str = "writer", hook: Callable[[httpx.Request], None] | None = None
         ) -> Sandbox:
    account = Account(site="sandbox", username=username, server=url, dialect=dialect,  # type: ignore[arg-type]
                      use_sessions=sessions)
    hooks = {"request": [hook]} if hook else None
    return Sandbox(account, lambda: secret, event_hooks=hooks)


def entry(n: int) -> Post:
    return Post(target="t", subject=f"Part {n}", html=f"<p>Chapter {n}.</p>")


def test_challenge_auth_never_sends_the_secret(sandbox: Any) -> None:
    rec = Recorder()
    with make(sandbox.url, sessions=False, hook=rec) as adapter:
        for n in range(3):
            adapter.post(entry(n), None)
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["getchallenge"] == 3  # a fresh challenge for every call
    assert modes["postevent"] == 3
    assert all(KEY.encode() not in body for body in rec.bodies)
    assert all(b"<name>password</name>" not in body for body in rec.bodies)
    assert sum(b"auth_response" in body for body in rec.bodies) == 3


def test_session_auth_uses_one_sessiongenerate_and_one_connection(sandbox: Any) -> None:
    rec = Recorder()
    with make(sandbox.url, hook=rec) as adapter:
        for n in range(5):
            adapter.post(entry(n), "fluffyfics")
        stats = adapter.stats()
    snap = sandbox.stats.snapshot()
    assert snap["modes"]["sessiongenerate"] == 1
    assert "getchallenge" not in snap["modes"]  # a server on this machine: one-step login
    assert snap["modes"]["postevent"] == 5
    assert snap["connections"] == 1  # kept alive for the whole batch
    assert stats["sessions"] == 1
    cookie_calls = [r for r in rec.requests if r.headers.get("X-LJ-Auth") == "cookie"]
    assert len(cookie_calls) >= 5
    assert all("ljsession=" in r.headers.get("Cookie", "") for r in cookie_calls)
    assert all(KEY.encode() not in body for body in rec.bodies)


def test_one_step_login_sends_a_hash_of_the_secret_never_the_secret(sandbox: Any) -> None:
    rec = Recorder()
    with make(sandbox.url, hook=rec) as adapter:
        adapter.post(entry(1), None)
    login = rec.bodies[0]
    assert b"sessiongenerate" in login and b"<string>clear</string>" in login
    assert hashlib.md5(KEY.encode()).hexdigest().encode() in login
    assert all(KEY.encode() not in body for body in rec.bodies)
    assert all(b"<name>password</name>" not in body for body in rec.bodies)


def test_session_login_on_a_plain_http_wire_to_another_machine_uses_a_challenge(
        sandbox: Any) -> None:
    rec = Recorder()
    with make(sandbox.url, hook=rec) as adapter:
        adapter.client.auth.one_step = False  # what the client chooses for http://elsewhere
        for n in range(3):
            adapter.post(entry(n), None)
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["getchallenge"] == 1 and modes["sessiongenerate"] == 1
    assert all(b"hpassword" not in body for body in rec.bodies)
    assert all(KEY.encode() not in body for body in rec.bodies)


@pytest.mark.parametrize(("url", "private"), [
    ("https://www.dreamwidth.org/interface/xmlrpc", True),
    ("http://127.0.0.1:8080/interface/xmlrpc", True),
    ("http://[::1]:8080/interface/xmlrpc", True),
    ("http://localhost/interface/xmlrpc", True),
    ("http://www.example-journal.com/interface/xmlrpc", False),
    ("http://10.0.0.5/interface/xmlrpc", False),
])
def test_one_step_login_only_where_nobody_else_reads_the_wire(url: str, private: bool) -> None:
    assert private_wire(url) is private


def test_one_step_login_refused_by_the_site_logs_in_with_a_challenge(sandbox: Any) -> None:
    sandbox.faults.add("fault", "sessiongenerate", code=504, count=1)
    with make(sandbox.url) as adapter:
        adapter.post(entry(1), None)
        adapter.post(entry(2), None)
        assert not adapter.client.auth.sessions_refused
        assert not adapter.client.auth.one_step  # not tried again in this run
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["sessiongenerate"] == 2 and modes["getchallenge"] == 1
    assert modes["postevent"] == 2


def test_refused_sessions_fall_back_to_challenge_auth(sandbox: Any) -> None:
    sandbox.faults.add("fault", "sessiongenerate", code=504, count=2)
    with make(sandbox.url) as adapter:
        adapter.post(entry(1), None)
        adapter.post(entry(2), None)
        assert adapter.client.auth.sessions_refused
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["sessiongenerate"] == 2  # one-step, then by challenge; never again
    assert modes["postevent"] == 2


def test_expired_session_is_regenerated_once(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        adapter.post(entry(1), None)
        with sandbox.world.lock:
            sandbox.world.sessions.clear()  # the site forgot our session
        receipt = adapter.post(entry(2), None)
    assert receipt.status == "posted"
    assert sandbox.stats.snapshot()["modes"]["sessiongenerate"] == 2


def test_expired_challenge_is_retried_once_with_a_new_one(sandbox: Any) -> None:
    sandbox.faults.add("fault", "postevent", code=105, count=1)
    with make(sandbox.url, sessions=False) as adapter:
        receipt = adapter.post(entry(1), None)
    assert receipt.status == "posted"
    assert sandbox.stats.snapshot()["modes"]["getchallenge"] == 2


def test_challenge_expired_twice_is_an_auth_error(sandbox: Any) -> None:
    sandbox.faults.add("fault", "postevent", code=105, count=2)
    with make(sandbox.url, sessions=False) as adapter, pytest.raises(AuthError) as info:
        adapter.post(entry(1), None)
    assert info.value.code == 105
    assert not info.value.transient


def test_wrong_key_is_not_retried_and_asks_for_an_api_key(sandbox: Any) -> None:
    with make(sandbox.url, "sandbox-password") as adapter, pytest.raises(AuthError) as info:
        adapter.post(entry(1), None)  # DW: the password is not accepted, only API keys
    assert info.value.code == 101
    assert not info.value.transient
    assert "Invalid password" in info.value.message
    assert "API key" in info.value.fix
    modes = sandbox.stats.snapshot()["modes"]
    assert modes.get("sessiongenerate") == 1  # one attempt, no retry (nor by challenge)
    assert "getchallenge" not in modes and "postevent" not in modes


def test_lj_dialect_accepts_the_password_by_challenge(sandbox_lj: Any) -> None:
    rec = Recorder()
    with make(sandbox_lj.url, "sandbox-password", dialect="lj", hook=rec) as adapter:
        receipt = adapter.post(entry(1), None)
    assert receipt.status == "posted"
    assert all(b"sandbox-password" not in body for body in rec.bodies)


def test_repeated_bad_logins_end_in_login_ban(sandbox_factory: Callable[..., Any]) -> None:
    server = sandbox_factory("dw", login_fail_limit=2)
    for _ in range(2):
        with make(server.url, "wrong-key") as adapter, pytest.raises(AuthError):
            adapter.check_login()
    with make(server.url, "wrong-key") as adapter, pytest.raises(LoginBanned) as info:
        adapter.check_login()
    assert info.value.code == 402
    assert info.value.retry_after is not None and info.value.retry_after >= 300
    assert "wait" in info.value.fix


def test_pacing_waits_instead_of_meeting_429(sandbox_factory: Callable[..., Any]) -> None:
    server = sandbox_factory("dw", rate_limit=True, rate_anon_per_min=4, rate_window=1.0)
    pacer = pacing.pacer_for(server.xmlrpc_url, "anon", 4, period=1.1)
    started = time.monotonic()
    with make(server.url, sessions=False) as adapter:
        for _ in range(5):  # 10 requests against 4 per second
            adapter.check_login()
    snap = server.stats.snapshot()
    assert snap["http_429"] == 0
    assert snap["requests"] == 10
    assert pacer.waited > 0
    assert time.monotonic() - started >= 1.0


def test_without_pacing_the_site_answers_429_and_we_wait_it_out(
        sandbox_factory: Callable[..., Any]) -> None:
    # two per second: the third request meets a full bucket unless the first three took
    # half a second (three requesting 4 a second had a third of a second for four)
    server = sandbox_factory("dw", rate_limit=True, rate_anon_per_min=2, rate_window=1.0)
    with make(server.url, sessions=False) as adapter:
        for _ in range(3):
            adapter.check_login()
    snap = server.stats.snapshot()
    assert snap["http_429"] >= 1  # the site refused some requests …
    assert snap["modes"]["login"] == 3  # … and every call still got through


def test_one_adapter_shared_by_threads_starts_one_session(sandbox: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with make(sandbox.url) as adapter, ThreadPoolExecutor(4) as pool:
        receipts = list(pool.map(lambda n: adapter.post(entry(n), "fluffyfics"), range(8)))
    itemids = {r.remote.itemid for r in receipts if r.remote is not None}
    assert len(itemids) == 8
    assert sandbox.stats.snapshot()["modes"]["sessiongenerate"] == 1
