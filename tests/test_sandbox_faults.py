"""Sandbox fault injection, HTTP rate limiting and stats (issues 3, 5, 6; reference §8)."""

from __future__ import annotations

import http.client
import json
import time
import xmlrpc.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from ljclient import LJ, WHEN, http_get, http_post, xml_call

from crosspost.sandbox import SandboxServer


def _control(server: SandboxServer, path: str, data: object | None = None,
             method: str = "POST") -> object:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    body = json.dumps(data).encode() if data is not None else None
    conn.request(method, f"/_sandbox/{path}", body=body,
                 headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    out = json.loads(resp.read())
    conn.close()
    assert resp.status == 200, out
    return out


def _post_raw(server: SandboxServer, event: str = "x") -> tuple[int, dict[str, str], bytes]:
    req = {"username": "writer", "password": "sandbox-key", "ver": 1, "event": event, **WHEN}
    return http_post(server.url, xml_call("postevent", req))


def test_http500_then_success(sandbox: SandboxServer) -> None:
    _control(sandbox, "faults", {"rules": [{"kind": "http500", "method": "postevent",
                                            "count": 1, "code": 503, "retry_after": 2}]})
    status, headers, _ = _post_raw(sandbox)
    assert status == 503 and headers["retry-after"] == "2"
    assert sandbox.world.list_entries("writer") == []
    assert _post_raw(sandbox)[0] == 200
    assert len(sandbox.world.list_entries("writer")) == 1


def test_http429_fault_carries_retry_after(sandbox: SandboxServer) -> None:
    sandbox.faults.add("http429", "postevent", retry_after=3)
    status, headers, body = _post_raw(sandbox)
    assert (status, headers["retry-after"]) == (429, "3")
    assert body.startswith(b"<!DOCTYPE html>")


def test_method_filter_only_hits_that_mode(sandbox: SandboxServer) -> None:
    sandbox.faults.add("http500", "postevent")
    assert LJ(sandbox.url).call("login")["userid"]
    with pytest.raises(xmlrpc.client.ProtocolError):
        LJ(sandbox.url).post()


def test_drop_before_closes_without_committing(sandbox: SandboxServer) -> None:
    sandbox.faults.add("drop_before", "postevent")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _post_raw(sandbox)
    assert sandbox.world.list_entries("writer") == []


def test_drop_after_commits_but_never_answers(sandbox: SandboxServer) -> None:
    _control(sandbox, "faults", {"rules": [{"kind": "drop_after", "method": "postevent"}]})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _post_raw(sandbox, "committed anyway")
    entries = _control(sandbox, "entries?journal=writer", method="GET")
    assert isinstance(entries, list)
    (entry,) = entries
    assert entry["event"] == "committed anyway" and entry["url"].endswith(".html")
    # the duplicate guard then hands back the same entry on a blind retry
    res = LJ(sandbox.url).raw("postevent", {"username": "writer", "password": "sandbox-key",
                                            "ver": 1, "event": "committed anyway", **WHEN})
    assert res["itemid"] == entry["itemid"]


def test_delay_and_latency(sandbox: SandboxServer) -> None:
    sandbox.faults.add("delay", "login", delay_ms=300)
    start = time.monotonic()
    LJ(sandbox.url).call("login")
    assert time.monotonic() - start >= 0.3
    _control(sandbox, "faults", {"rules": [], "latency_ms": 200})
    start = time.monotonic()
    LJ(sandbox.url).raw("getchallenge", {})
    assert time.monotonic() - start >= 0.2


def test_fault_rule_returns_a_protocol_fault(sandbox: SandboxServer) -> None:
    sandbox.faults.add("fault", "postevent", code=405)
    with pytest.raises(xmlrpc.client.Fault) as err:
        LJ(sandbox.url).post()
    assert err.value.faultString == "Client error: Post frequency limit."
    sandbox.faults.add("fault", "postevent", code="Server", message="died")
    with pytest.raises(xmlrpc.client.Fault) as err:
        LJ(sandbox.url).post()
    assert (err.value.faultCode, err.value.faultString) == ("Server", "died")


def test_rate_rules_are_reproducible_with_a_seed(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    outcomes = []
    for _ in range(2):
        server = sandbox_factory()
        _control(server, "faults", {"seed": 7, "rules": [
            {"kind": "http500", "method": "getchallenge", "rate": 0.3}]})
        outcomes.append([http_post(server.url, xml_call("getchallenge", {}))[0]
                         for _ in range(30)])
    assert outcomes[0] == outcomes[1]
    assert 0 < outcomes[0].count(500) < 30


def test_after_lets_requests_through_first(sandbox: SandboxServer) -> None:
    sandbox.faults.add("http500", "getchallenge", after=2, count=1)
    codes = [http_post(sandbox.url, xml_call("getchallenge", {}))[0] for _ in range(4)]
    assert codes == [200, 200, 500, 200]


def test_bad_fault_json_is_400(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    conn.request("POST", "/_sandbox/faults", body=b'{"rules": [{"kind": "explode"}]}')
    resp = conn.getresponse()
    assert resp.status == 400 and b"unknown fault kind" in resp.read()


def test_stats_count_modes_statuses_and_connections(sandbox: SandboxServer) -> None:
    _control(sandbox, "reset-stats")
    lj = LJ(sandbox.url)
    lj.post(auth="challenge")
    sandbox.faults.add("http429", "postevent")
    with pytest.raises(xmlrpc.client.ProtocolError):
        lj.post(event="other")
    stats = _control(sandbox, "stats", method="GET")
    assert isinstance(stats, dict)
    assert stats["modes"] == {"getchallenge": 1, "postevent": 2}
    assert stats["http_status"] == {"200": 2, "429": 1}
    assert stats["http_429"] == 1 and stats["requests"] == 3
    assert stats["connections"] >= 1


def test_rate_limit_gives_429_with_retry_after_60(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(rate_limit=True, rate_anon_per_min=5)
    codes = [http_post(server.url, xml_call("getchallenge", {}))[0] for _ in range(6)]
    assert codes == [200] * 5 + [429]
    status, headers, body = http_post(server.url, xml_call("getchallenge", {}))
    assert status == 429 and headers["retry-after"] == "60"
    assert b"Too Many Requests" in body
    assert server.stats.snapshot()["rate_limited"] == 2
    # pages count too (the limiter is global), control endpoints do not
    assert http_get(f"{server.url}/writer/")[0] == 429
    assert _control(server, "stats", method="GET")


def test_session_users_get_their_own_bucket(sandbox_factory: Callable[..., SandboxServer]
                                            ) -> None:
    server = sandbox_factory(rate_limit=True, rate_anon_per_min=3, rate_user_per_min=10)
    cookie = LJ(server.url).call("sessiongenerate")["ljsession"]
    for _ in range(2):
        http_post(server.url, xml_call("getchallenge", {}))
    assert http_post(server.url, xml_call("getchallenge", {}))[0] == 429
    headers = {"X-LJ-Auth": "cookie", "Cookie": f"ljsession={cookie}"}
    body = xml_call("login", {"username": "writer", "auth_method": "cookie"})
    assert [http_post(server.url, body, headers)[0] for _ in range(10)] == [200] * 10
    assert http_post(server.url, body, headers)[0] == 429


def test_rate_limit_refills_over_the_window(sandbox_factory: Callable[..., SandboxServer]
                                            ) -> None:
    # a 2 s window leaks one request a second: the three quick calls cannot straddle a leak
    # even on a loaded machine, and the bucket has room again after 1.2 s
    server = sandbox_factory(rate_limit=True, rate_anon_per_min=2, rate_window=2.0)
    assert [http_post(server.url, xml_call("getchallenge", {}))[0] for _ in range(3)] == [
        200, 200, 429]
    time.sleep(1.2)
    assert http_post(server.url, xml_call("getchallenge", {}))[0] == 200


def test_fault_rules_can_be_appended_and_are_used_up(sandbox: SandboxServer) -> None:
    _control(sandbox, "faults", {"rules": [{"kind": "http500", "method": "getchallenge"}]})
    _control(sandbox, "faults", {"append": True, "rules": [
        {"kind": "http429", "method": "getchallenge", "retry_after": 1}]})
    codes = [http_post(sandbox.url, xml_call("getchallenge", {}))[0] for _ in range(3)]
    assert codes == [500, 429, 200]
    listed = _control(sandbox, "faults", method="GET")
    assert isinstance(listed, dict)
    assert [(r["kind"], r["fired"]) for r in listed["rules"]] == [("http500", 1),
                                                                  ("http429", 1)]


def test_random_fault_rate_from_the_cli_option(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(fault_rate=1.0, rng_seed=3)
    outcomes: set[int | str] = set()
    for _ in range(12):
        try:
            outcomes.add(http_post(server.url, xml_call("getchallenge", {}))[0])
        except (http.client.HTTPException, ConnectionError):
            outcomes.add("dropped")
    assert outcomes - {200}  # every request met some fault (delay ones still answer 200)
    assert sum(server.stats.snapshot()["faults_injected"].values()) == 12


def test_concurrent_posts_get_distinct_entries(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server = sandbox_factory(latency_ms=20)

    def post(i: int) -> int:
        return int(LJ(server.url).post(event=f"story {i}", usejournal="fluffyfics",
                                       auth="challenge")["itemid"])

    with ThreadPoolExecutor(max_workers=10) as pool:
        itemids = list(pool.map(post, range(30)))
    assert sorted(itemids) == list(range(1, 31))
    assert len(server.world.list_entries("fluffyfics")) == 30
