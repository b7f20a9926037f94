"""Each kind of trouble from a real (sandbox) server becomes the right error, with the site's
words, a fix, and honest ``transient`` / ``maybe_committed`` flags."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crosspost_adapters.lj import pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox

from crosspost.config import Account
from crosspost.errors import (
    CrosspostError,
    HTTPStatusError,
    RateLimitedError,
    ServerFaultError,
    TagPermissionError,
    TransportError,
)
from crosspost.story.post import Post, PostOptions


@pytest.fixture(autouse=True)
def _fresh_shared_state() -> Iterator[None]:
    pacing.forget_pacers()
    tagcache.forget()
    yield
    pacing.forget_pacers()


def make(url: str, *, sessions: bool = False, dialect: str | None = None) -> Sandbox:
    secret = "sandbox-password" if dialect == "lj" else "sandbox-key"
    account = Account(site="sandbox", username="writer", server=url, dialect=dialect,  # type: ignore[arg-type]
                      use_sessions=sessions, timeout=5.0)
    return Sandbox(account, lambda: secret)


def entry(subject: str = "Rain on the Plass", **opts: Any) -> Post:
    return Post(target="t", subject=subject, html="<p>It rained.</p>",
                options=PostOptions(**opts))


def test_short_retry_after_is_waited_out(sandbox: Any) -> None:
    sandbox.faults.add("http429", "postevent", retry_after=1, count=1)
    started = time.monotonic()
    with make(sandbox.url) as adapter:
        receipt = adapter.post(entry(), None)
    assert receipt.status == "posted"
    assert time.monotonic() - started >= 1.0
    assert sandbox.stats.snapshot()["http_429"] == 1


def test_long_retry_after_is_raised_with_the_wait(sandbox: Any) -> None:
    sandbox.faults.add("http429", "postevent", retry_after=600, count=1)
    started = time.monotonic()
    with make(sandbox.url) as adapter, pytest.raises(HTTPStatusError) as info:
        adapter.post(entry(), None)
    assert time.monotonic() - started < 10
    assert info.value.status == 429
    assert info.value.retry_after == 600
    assert info.value.transient
    assert not info.value.maybe_committed


def test_http_500_on_post_is_transient_and_maybe_committed(sandbox: Any) -> None:
    sandbox.faults.add("http500", "postevent", code=502, count=1)
    with make(sandbox.url) as adapter, pytest.raises(HTTPStatusError) as info:
        adapter.post(entry(), None)
    assert info.value.status == 502
    assert info.value.transient
    assert info.value.maybe_committed


def test_dropped_after_commit_is_maybe_committed_and_found(sandbox: Any) -> None:
    sandbox.faults.add("drop_after", "postevent", count=1)
    since = datetime.now(UTC) - timedelta(seconds=5)
    post = entry("Lost answer")
    with make(sandbox.url) as adapter:
        with pytest.raises(TransportError) as info:
            adapter.post(post, "fluffyfics")
        found = adapter.find("fluffyfics", post, since)
    assert info.value.maybe_committed
    assert info.value.transient
    assert found is not None  # the site did act: reconcile adopts the entry


def test_drop_before_challenge_is_not_committed(sandbox: Any) -> None:
    sandbox.faults.add("drop_before", "getchallenge", count=1)
    with make(sandbox.url) as adapter, pytest.raises(TransportError) as info:
        adapter.post(entry(), None)
    assert not info.value.maybe_committed
    assert "postevent" not in sandbox.stats.snapshot()["modes"]


def test_connection_refused_is_transient_and_not_committed() -> None:
    # the port stays bound (not listening) meanwhile: refused, and no one else can take it
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with make(f"http://127.0.0.1:{port}") as adapter, \
                pytest.raises(TransportError) as info:
            adapter.post(entry(), None)
    assert info.value.transient
    assert not info.value.maybe_committed
    assert "cannot reach" in info.value.message


def test_nonexistent_community_server_fault(sandbox: Any) -> None:
    with make(sandbox.url) as adapter, pytest.raises(ServerFaultError) as info:
        adapter.post(entry(), "no_such_community")
    assert info.value.code == "Server"
    assert info.value.transient
    assert "no_such_community" in info.value.fix


def test_post_frequency_limit_is_rate_limited(sandbox_factory: Callable[..., Any]) -> None:
    server = sandbox_factory("dw", post_rate=1, post_rate_period=3600)
    with make(server.url) as adapter:
        adapter.post(entry("First"), None)
        with pytest.raises(RateLimitedError) as info:
            adapter.post(entry("Second"), None)
    assert info.value.code == 405
    assert info.value.transient
    assert "Post frequency limit" in info.value.message


def test_action_frequency_411_is_rate_limited_on_lj(sandbox_lj: Any) -> None:
    sandbox_lj.faults.add("fault", "postevent", code=411, count=1)
    with make(sandbox_lj.url, dialect="lj") as adapter, pytest.raises(RateLimitedError) as info:
        adapter.post(entry(), None)
    assert info.value.transient
    assert info.value.code == 411


def test_database_fault_is_transient(sandbox: Any) -> None:
    sandbox.faults.add("fault", "postevent", code=501, count=1)
    with make(sandbox.url) as adapter, pytest.raises(ServerFaultError) as info:
        adapter.post(entry(), None)
    assert info.value.transient
    assert info.value.code == 501


def test_unknown_prop_is_left_out_and_entry_resent(sandbox: Any) -> None:
    post = entry("Odd prop", extra_props={"not_a_real_prop": "1"})
    with make(sandbox.url) as adapter:
        receipt = adapter.post(post, None)
    assert receipt.status == "posted"
    assert any("not_a_real_prop" in m for m in receipt.messages)
    assert sandbox.stats.snapshot()["modes"]["postevent"] == 2


def test_no_tag_rights_posts_without_tags(sandbox: Any) -> None:
    with sandbox.world.lock:
        sandbox.world.update("fluffyfics", tag_add="none")
    post = Post(target="t", subject="Untaggable", html="<p>x</p>", tags=("type: fic",))
    with make(sandbox.url) as adapter:
        try:
            receipt = adapter.post(post, "fluffyfics")
        except TagPermissionError:  # pragma: no cover - shown if the fallback is missing
            pytest.fail("a 312 should be answered by posting without tags")
    assert receipt.status == "posted"
    assert receipt.dropped_tags == ("type: fic",)
    assert any("Not allowed to add tags" in m for m in receipt.messages)


def test_unreadable_request_is_a_permanent_client_fault(sandbox: Any) -> None:
    post = Post(target="t", subject="Bell \x07 character", html="<p>ding</p>")
    with make(sandbox.url) as adapter, pytest.raises(CrosspostError) as info:
        adapter.post(post, None)
    assert not info.value.transient
    assert "control characters" in info.value.fix
