"""The sandbox's flat protocol (§1.3): form in, sorted ``key\\nvalue`` lines out."""

from __future__ import annotations

from urllib.parse import unquote, urlencode

from ljclient import WHEN, http_get, http_post

from crosspost.sandbox import SandboxServer

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _flat(server: SandboxServer, **fields: object) -> dict[str, str]:
    status, headers, body = http_post(server.url, urlencode(fields).encode(), FORM,
                                      path="/interface/flat")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    lines = body.decode().split("\n")[:-1]
    keys = lines[0::2]
    assert keys == sorted(keys)
    return dict(zip(keys, lines[1::2], strict=True))


def test_flat_post_and_read_back(sandbox: SandboxServer) -> None:
    res = _flat(sandbox, mode="postevent", user="writer", password="sandbox-key", ver=1,
                event="line one\nline two", subject="Flat", prop_taglist="type: fic",
                usejournal="fluffyfics", **WHEN)
    assert res["success"] == "OK" and res["url"].endswith(".html")
    got = _flat(sandbox, mode="getevents", user="writer", password="sandbox-key", ver=1,
                selecttype="lastn", usejournal="fluffyfics", lineendings="unix")
    assert got["events_count"] == "1"
    assert unquote(got["events_1_event"]) == "line one\nline two"
    assert got["prop_1_name"] == "taglist" and got["prop_1_value"] == "type: fic"


def test_flat_errors_carry_the_fault_string_without_a_code(sandbox: SandboxServer) -> None:
    res = _flat(sandbox, mode="login", user="writer", password="wrong")
    assert res == {"success": "FAIL", "errmsg": "Invalid password"}
    assert _flat(sandbox, mode="login")["errmsg"] == "Client error: No username sent."
    assert _flat(sandbox, user="writer")["errmsg"] == "Client error: No mode specified."
    assert _flat(sandbox, mode="frobnicate", user="writer")["errmsg"] == (
        "Client error: Unknown mode (frobnicate)")


def test_flat_get_reads_no_arguments(sandbox: SandboxServer) -> None:
    status, _, body = http_get(f"{sandbox.url}/interface/flat?mode=getchallenge")
    assert status == 200 and b"No mode specified" in body


def test_flat_login_lists_access(sandbox: SandboxServer) -> None:
    res = _flat(sandbox, mode="login", user="writer", password="sandbox-key")
    assert res["name"] == "Sandbox Writer" and res["access_count"] == "3"
    assert res["access_1"] == "fluffyfics"


def test_flat_getusertags_and_the_session_wrapper_bug(sandbox: SandboxServer) -> None:
    tags = _flat(sandbox, mode="getusertags", user="writer", password="sandbox-key",
                 usejournal="fluffyfics")
    assert tags["tag_count"] == "6" and tags["tag_1_security"] == "public"
    bad = _flat(sandbox, mode="sessiongenerate", user="writer", password="wrong")
    assert bad == {"success": "OK", "errmsg": "Invalid password"}
