"""Sandbox persistence across restarts, the Python world API, and `crosspost sandbox`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from ljclient import LJ, http_get, http_post, xml_call

from crosspost.sandbox import SandboxServer


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with SandboxServer(state_path=state) as first:
        res = LJ(first.url).post(subject="Kept", usejournal="fluffyfics",
                                 props={"taglist": "type: fic"})
        first.world.add_user("newbie", password="pw")
    assert json.loads(state.read_text())["version"] == 1
    with SandboxServer(state_path=state) as second:
        (entry,) = second.world.list_entries("fluffyfics")
        assert (entry.itemid, entry.anum, entry.subject, entry.tags) == (
            res["itemid"], res["anum"], "Kept", ["type: fic"])
        assert LJ(second.url, "newbie", "pw").call("login")["userid"]
        # itemids continue, the duplicate guard remembers the last post
        assert LJ(second.url).post(subject="Kept", usejournal="fluffyfics")["itemid"] == 1
        assert LJ(second.url).post(subject="Next", usejournal="fluffyfics")["itemid"] == 2
        page = http_get(f"{second.url}/fluffyfics/{entry.ditemid}.html")
        assert page[0] == 200 and b"Kept" in page[2]


def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with SandboxServer(state_path=state) as first:
        cookie = LJ(first.url).call("sessiongenerate", expiration="long")["ljsession"]
    with SandboxServer(state_path=state) as second:
        assert second.site.auth.session_for(f"ljsession={cookie}", "127.0.0.1") is not None


def test_state_file_is_written_atomically(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    with SandboxServer(state_path=state) as server:
        for i in range(5):
            LJ(server.url).post(event=f"entry {i}")
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temp files left


def test_unreadable_state_file_is_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    state.write_text("{not json")
    try:
        SandboxServer(state_path=state)
    except ValueError as exc:
        assert "unreadable" in str(exc)
    else:
        raise AssertionError("a broken state file must not be overwritten silently")
    assert state.read_text() == "{not json"


def test_unseeded_world_is_empty_and_python_api_builds_one(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(seed=False)
    assert server.world.accounts == {}
    server.world.add_user("alice", password="pw", api_keys=["alice-key"])
    server.world.add_community("teaclub", maintainers=["alice"], tags=["tea"])
    res = LJ(server.url, "alice", "alice-key").post(usejournal="teaclub",
                                                    props={"taglist": "tea"})
    assert server.world.list_entries("teaclub")[0].tags == ["tea"]
    assert res["url"].startswith(f"{server.url}/teaclub/")


def test_sandbox_command_serves_and_persists(tmp_path: Path) -> None:
    state = tmp_path / "cli-state.json"
    for round_ in range(2):
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "crosspost", "sandbox", "--port", "0", "--state",
             str(state), "--no-rate-limit"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            match = re.search(r"at (http://127\.0\.0\.1:\d+)", first)
            assert match, first + (proc.stderr.read() if proc.stderr else "")
            url = match[1]
            banner = "".join(proc.stdout.readline() for _ in range(12))
            assert "writer" in banner and "sandbox-key" in banner and "fluffyfics" in banner
            if round_ == 0:
                LJ(url).post(subject="From the CLI run")
            else:
                assert LJ(url).events()[0]["subject"] == "From the CLI run"
        finally:
            proc.terminate()
            proc.wait(10)


def test_sandbox_command_rate_limits_by_default(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "crosspost", "sandbox", "--port", "0", "--memory",
         "--rate-anon-per-min", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        match = re.search(r"at (http://127\.0\.0\.1:\d+)", proc.stdout.readline())
        assert match
        codes = [http_post(match[1], xml_call("getchallenge", {}))[0] for _ in range(4)]
        assert codes == [200, 200, 200, 429]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "sandbox stopped" in out
