"""Sandbox control endpoints and Python API: world building, moderation approval, entries."""

from __future__ import annotations

import http.client
import json
import xmlrpc.client
from urllib.parse import urlsplit

import pytest
from ljclient import LJ

from crosspost.sandbox import SandboxServer


def _control(server: SandboxServer, path: str, data: object | None = None,
             method: str = "POST") -> object:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    conn.request(method, f"/_sandbox/{path}",
                 body=json.dumps(data).encode() if data is not None else None)
    resp = conn.getresponse()
    out = json.loads(resp.read())
    conn.close()
    assert resp.status == 200, out
    return out


def test_world_can_be_extended_over_http(sandbox: SandboxServer) -> None:
    _control(sandbox, "world", {
        "users": [{"name": "bench_user", "password": "pw", "api_keys": ["bench-key"]}],
        "communities": [{"name": f"comm{i:02d}", "members": ["bench_user", "writer"]}
                        for i in range(3)],
        "roles": [{"community": "closedfics", "user": "writer", "member": True}]})
    lj = LJ(sandbox.url, "bench_user", "bench-key")
    assert lj.call("login")["usejournals"] == ["comm00", "comm01", "comm02"]
    assert LJ(sandbox.url).post(usejournal="closedfics")["itemid"] == 1
    world = _control(sandbox, "world", method="GET")
    assert isinstance(world, dict)
    assert {"comm00", "bench_user"} <= {a["name"] for a in world["accounts"]}


def test_approving_a_queued_post_publishes_it(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(usejournal="modfics", subject="Queued one",
                         props={"taglist": "type: fic"})
    listed = _control(sandbox, "queue?journal=modfics", method="GET")
    assert isinstance(listed, list)
    (queued,) = listed
    assert queued["poster"] == "writer" and "password" not in queued["request"]
    res = _control(sandbox, "approve", {"modid": queued["modid"]})
    assert isinstance(res, dict) and res["itemid"] == 1
    (entry,) = sandbox.world.list_entries("modfics")
    assert (entry.subject, entry.poster, entry.tags) == ("Queued one", "writer", ["type: fic"])
    assert sandbox.world.queued("modfics") == []


def test_rejecting_a_queued_post_drops_it(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(usejournal="modfics")
    (queued,) = sandbox.world.queued("modfics")
    assert sandbox.reject(queued.modid) == {"rejected": queued.modid}
    assert sandbox.world.queued() == [] and sandbox.world.list_entries("modfics") == []


def test_entries_endpoint_lists_every_journal_without_a_filter(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(event="own")
    LJ(sandbox.url).post(event="community", usejournal="fluffyfics")
    entries = _control(sandbox, "entries", method="GET")
    assert isinstance(entries, list)
    assert sorted((e["journal"], e["event"]) for e in entries) == [
        ("fluffyfics", "community"), ("writer", "own")]
    assert all(e["url"].endswith(f"/{e['ditemid']}.html") for e in entries)


def test_faults_can_be_listed_and_cleared(sandbox: SandboxServer) -> None:
    _control(sandbox, "faults", {"rules": [{"kind": "http500", "rate": 0.5}],
                                 "latency_ms": 5})
    listed = _control(sandbox, "faults", method="GET")
    assert isinstance(listed, dict) and listed["rules"][0]["kind"] == "http500"
    cleared = _control(sandbox, "faults", method="DELETE")
    assert isinstance(cleared, dict) and cleared["rules"] == [] and cleared["latency_ms"] == 0


def test_unknown_sandbox_option_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown sandbox option"):
        SandboxServer(no_such_option=1)
    with pytest.raises(ValueError, match="dialect"):
        SandboxServer(dialect="livejournal")


def test_gzipped_event_is_208(sandbox: SandboxServer) -> None:
    with pytest.raises(xmlrpc.client.Fault) as err:
        LJ(sandbox.url).post(event=b"\x1f\x8b\x08\x00rest")
    assert err.value.faultString == "Client error: Invalid text encoding: Cannot send gzipped data"


def test_entry_page_shows_an_html_subject_as_the_sites_do(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(subject="Fish &amp; chips &lt;3 <b>bold</b>")
    parts = urlsplit(str(res["url"]))
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    conn.request("GET", parts.path)
    page = conn.getresponse().read().decode()
    conn.close()
    # once escaped: a browser shows "Fish & chips <3 <b>bold</b>", tags as text, not run
    assert "Fish &amp; chips &lt;3 &lt;b&gt;bold&lt;/b&gt;</h1>" in page
    assert "&amp;amp;" not in page and "&amp;lt;" not in page
