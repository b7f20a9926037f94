"""Sessions and community tag lists reused across threads and runs, renewed or fetched again
when old; request counts from the sandbox's own stats (real HTTP, real keyring file backend,
real cache file)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from crosspost_adapters.lj import auth, pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox

from crosspost.adapter import session_store
from crosspost.config import Account
from crosspost.config.secrets import secret_for
from crosspost.errors import AuthError
from crosspost.story.post import Post

KEY = "sandbox-key"
PASSWORD = "sandbox-password"  # the LJ dialect checks challenges against the password


@pytest.fixture(autouse=True)
def _fresh_shared_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", KEY)
    pacing.forget_pacers()
    tagcache.forget()
    yield
    pacing.forget_pacers()
    tagcache.forget()


def run_adapter(url: str, *, dialect: str | None = None, **kw: Any) -> Sandbox:
    """An adapter as a `crosspost` run makes it: a configured account's lazy secret."""
    if dialect == "lj" and os.environ["CROSSPOST_SECRET_SANDBOX"] == KEY:
        os.environ["CROSSPOST_SECRET_SANDBOX"] = PASSWORD  # undone by the fixture
    account = Account(site="sandbox", username="writer", server=url, dialect=dialect,  # type: ignore[arg-type]
                      **kw)
    return Sandbox(account, secret_for("sandbox"))


def entry(n: int, *tags: str) -> Post:
    return Post(target="t", subject=f"Part {n}", html=f"<p>Chapter {n}.</p>", tags=tags)


def modes(server: Any) -> dict[str, int]:
    return dict(server.stats.snapshot()["modes"])


# -- sessions ---------------------------------------------------------------------------------

def test_next_run_reuses_the_saved_session_without_logging_in(sandbox: Any) -> None:
    with run_adapter(sandbox.url) as first:
        first.post(entry(1), None)
    with run_adapter(sandbox.url) as second:
        second.post(entry(2), None)
        stats = second.stats()
    seen = modes(sandbox)
    assert seen["sessiongenerate"] == 1 and "getchallenge" not in seen  # one-step login
    assert "sessionexpire" not in seen  # left open for the next run
    assert seen["postevent"] == 2
    assert stats == {"requests": 1, "challenges": 0, "sessions": 0, "sessions_reused": 1}


def test_saved_session_is_renewed_before_the_site_ends_it(sandbox: Any) -> None:
    with run_adapter(sandbox.url) as first:
        first.post(entry(1), None)
        cookie = first.client.auth._session
    with run_adapter(sandbox.url) as later:  # as if 20 hours later: the session is still good
        later.client.auth.clock = lambda: time.time() + auth.SESSION_MAX_AGE + 1
        later.post(entry(2), None)
        assert later.client.auth._session not in (None, cookie)
    assert modes(sandbox)["sessiongenerate"] == 2
    with sandbox.world.lock:  # renewed early: the old one had not ended on the site
        assert len(sandbox.world.sessions) == 2


def test_daemon_renews_its_session_once_it_is_old_not_per_release(sandbox: Any) -> None:
    now = [time.time()]
    with run_adapter(sandbox.url) as daemon:
        daemon.client.auth.clock = lambda: now[0]
        for n in range(6):  # a release every 4 hours over a day
            daemon.post(entry(n), None)
            now[0] += 4 * 3600
    assert modes(sandbox)["sessiongenerate"] == 2  # at start, and once after 20 hours
    assert modes(sandbox)["postevent"] == 6


def test_saved_session_the_site_forgot_is_replaced_once(sandbox: Any) -> None:
    with run_adapter(sandbox.url) as first:
        first.post(entry(1), None)
    with sandbox.world.lock:
        sandbox.world.sessions.clear()  # logged out on the site meanwhile
    with run_adapter(sandbox.url) as second:
        receipt = second.post(entry(2), None)
    assert receipt.status == "posted"
    assert modes(sandbox)["sessiongenerate"] == 2
    assert modes(sandbox)["postevent"] == 3  # the refused cookie call, then the real one
    saved = session_store("sandbox", second.client.url, "writer")
    assert saved is not None and saved.load() is not None


def test_expired_session_is_dropped_and_the_next_call_starts_a_fresh_one(sandbox: Any) -> None:
    with run_adapter(sandbox.url) as adapter:
        adapter.post(entry(1), None)
        old = adapter.client.auth._session
        adapter.client.auth.expire(old)
        store = session_store("sandbox", adapter.client.url, "writer")
        assert store is not None and store.load() is None
        adapter.post(entry(2), None)
        assert adapter.client.auth._session not in (None, old)
    assert modes(sandbox)["sessiongenerate"] == 2


def test_saved_session_of_another_server_is_not_used(sandbox: Any,
                                                     sandbox_factory: Any) -> None:
    other = sandbox_factory()
    with run_adapter(sandbox.url) as first:
        first.post(entry(1), None)
    with run_adapter(other.url) as second:
        assert second.post(entry(2), None).status == "posted"
    assert modes(other)["sessiongenerate"] == 1
    assert modes(other)["postevent"] == 1


@pytest.mark.parametrize("sessions", [True, False])
def test_wrong_secret_shared_by_threads_costs_one_failed_login(
        sandbox: Any, monkeypatch: pytest.MonkeyPatch, sessions: bool) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "not-the-key")
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(adapter: Sandbox, n: int) -> None:
        try:
            adapter.post(entry(n), "fluffyfics")
        except AuthError as exc:
            with lock:
                errors.append(exc)

    with run_adapter(sandbox.url, use_sessions=sessions) as adapter, ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda n: attempt(adapter, n), range(8)))
    assert len(errors) == 8  # every call refused, in the site's words
    seen = modes(sandbox)
    # one login tried, not one per thread (a ban after 3): a one-step sessiongenerate, or
    # (without sessions) a challenge and the call it authenticates
    assert seen.get("getchallenge", 0) == (0 if sessions else 1)
    assert seen.get("sessiongenerate", 0) + seen.get("postevent", 0) == 1


# -- community tag lists ----------------------------------------------------------------------

def test_tag_list_is_fetched_once_per_run_and_reused_by_the_next_run(sandbox_lj: Any) -> None:
    with run_adapter(sandbox_lj.url, dialect="lj") as first:
        for n in range(3):  # known tags only: the list says no read-back is needed
            first.post(entry(n, "fandom: torchwood"), "fluffyfics")
    assert modes(sandbox_lj)["getusertags"] == 1
    tagcache.forget()  # a new process: nothing in memory, the cache file stays
    with run_adapter(sandbox_lj.url, dialect="lj") as second:
        receipt = second.post(entry(9, "fandom: torchwood"), "fluffyfics")
    assert receipt.status == "posted" and receipt.dropped_tags == ()
    assert modes(sandbox_lj)["getusertags"] == 1
    assert "getevents" not in modes(sandbox_lj)
    assert tagcache.cache_file().is_file()


def test_tag_list_cached_across_runs_expires(sandbox_lj: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with run_adapter(sandbox_lj.url, dialect="lj") as first:
        first.tag_policy("fluffyfics")
    tagcache.forget()
    sandbox_lj.world.add_tags("fluffyfics", "added later", public_uses=1)
    later = time.time() + tagcache.REFRESH_SECONDS + 1
    monkeypatch.setattr(tagcache, "clock", lambda: later)
    with run_adapter(sandbox_lj.url, dialect="lj") as second:
        policy = second.tag_policy("fluffyfics")
    assert modes(sandbox_lj)["getusertags"] == 2
    assert "added later" in policy.existing


def test_tag_lists_of_many_communities_fetch_each_once_when_asked_together(
        sandbox_lj: Any) -> None:
    names = [f"comm{i}" for i in range(6)]
    for name in names:
        sandbox_lj.world.add_community(name, maintainers=["mod"], members=["writer"])
    with run_adapter(sandbox_lj.url, dialect="lj") as adapter, ThreadPoolExecutor(4) as ex:
        list(ex.map(adapter.tag_policy, names * 3))
    assert modes(sandbox_lj)["getusertags"] == len(names)


def test_unreadable_tag_cache_file_is_ignored(sandbox_lj: Any) -> None:
    path = tagcache.cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    with run_adapter(sandbox_lj.url, dialect="lj") as adapter:
        assert "fandom: torchwood" in adapter.tag_policy("fluffyfics").existing
    assert modes(sandbox_lj)["getusertags"] == 1
