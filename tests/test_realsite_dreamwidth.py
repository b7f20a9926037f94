"""crosspost against the real Dreamwidth code (skipped unless one runs on this machine).

The team's shared folder has scripts that stand up the unmodified Dreamwidth server on
127.0.0.1:18080 (``realsite/setup.sh``) and make accounts (``realsite/accounts.pl``). With
it running, these tests check what the sandbox was taught against the real thing:

    CROSSPOST_REALSITE_DW_HOME=/path/to/dreamwidth-checkout \\
    CROSSPOST_REALSITE_ACCOUNTS=/path/to/accounts-cp1.json \\
        .venv/bin/python -m pytest tests/test_realsite_dreamwidth.py

``accounts-cp1.json`` is what ``perl realsite/accounts.pl cp1`` printed. The tests talk to
the site through ``realsite/lossy_proxy.py`` (started here, on a free loopback port), which
can lose an answer or hold a request past the client's timeout. Never part of CI.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crosspost.config import Config, load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_file

SHARED = Path(__file__).resolve().parents[2] / "shared" / "realsite"
DW_HOME = os.environ.get("CROSSPOST_REALSITE_DW_HOME", "")
ACCOUNTS = os.environ.get("CROSSPOST_REALSITE_ACCOUNTS", "")
SITE = "http://127.0.0.1:18080"

pytestmark = pytest.mark.skipif(
    not (DW_HOME and ACCOUNTS and SHARED.is_dir()),
    reason="no real Dreamwidth here (set CROSSPOST_REALSITE_DW_HOME and "
           "CROSSPOST_REALSITE_ACCOUNTS; see the module docstring)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def accounts() -> dict[str, Any]:
    return dict(json.loads(Path(ACCOUNTS).read_text(encoding="utf-8")))


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The lossy proxy in front of the site: (its URL, the file that sets its mode)."""
    mode = tmp_path / "mode"
    mode.write_text("pass")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(SHARED / "lossy_proxy.py"), "--listen",
                             str(port), "--to", "18080", "--mode-file", str(mode)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    yield f"http://127.0.0.1:{port}", mode
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def config(tmp_path: Path, proxy: tuple[str, Path], accounts: dict[str, Any],
           monkeypatch: pytest.MonkeyPatch) -> Config:
    prefix = accounts["prefix"]
    monkeypatch.setenv("CROSSPOST_SECRET_DW", accounts["users"][f"{prefix}_f"]["api_keys"][0])
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"""
[settings]
state_file = "state.sqlite3"
timezone = "UTC"
retry_base_seconds = 0.5

[accounts.dw]
site = "lj"
dialect = "dw"
server = "{proxy[0]}"
username = "{prefix}_f"
timeout = 6

[targets.journal]
account = "dw"

[targets.comm]
account = "dw"
community = "{prefix}_c"
tags.fields = {{ fandom = "fandom: {{value}}" }}

[targets.modq]
account = "dw"
community = "{prefix}_q"
auto = false
""", encoding="utf-8")
    return load_config(cfg)


@pytest.fixture
def publisher(config: Config) -> Iterator[Publisher]:
    registry = Registry.for_config(config)
    pub = Publisher(config, registry)
    yield pub
    pub.close()
    registry.close()


#: makes this run's subjects its own (the real site keeps the entries of earlier runs)
RUN = f"{time.time_ns() % 1_000_000:06d}"


def _story(folder: Path, title: str, body: str = "The harbour was quiet.", **fields: str) -> Path:
    head = {"Title": f"{title} {RUN}", "By": "Tester", "Rating": "G", **fields}
    path = folder / f"{title.lower().replace(' ', '-')}.txt"
    path.write_text("".join(f"{k}: {v}\n" for k, v in head.items()) + "\n" + body + "\n",
                    encoding="utf-8")
    return path


def _site_call(accounts: dict[str, Any], mode: str, **req: Any) -> Any:
    sys.path.insert(0, str(Path(__file__).parent))
    from ljclient import LJ

    prefix = accounts["prefix"]
    lj = LJ(SITE, f"{prefix}_f", accounts["users"][f"{prefix}_f"]["api_keys"][0],
            auth="challenge")
    return lj.call(mode, "challenge", **req)


def _entries(accounts: dict[str, Any], journal: str | None, subject: str) -> list[Any]:
    req: dict[str, Any] = {"selecttype": "lastn", "howmany": 50, "noprops": 1,
                           "lineendings": "unix"}
    if journal:
        req["usejournal"] = journal
    return [e for e in _site_call(accounts, "getevents", **req)["events"]
            if subject in str(e.get("subject"))]


def test_real_dw_edit_keeps_the_entry_date(tmp_path: Path, publisher: Publisher,
                                           accounts: dict[str, Any]) -> None:
    path = _story(tmp_path, "Dated Once")
    assert {o.action for o in publisher.publish(parse_file(path), ["journal"])} == {"posted"}
    [before] = _entries(accounts, None, f"Dated Once {RUN}")
    time.sleep(61)  # the protocol's dates have minutes: a re-dated entry would show it
    path.write_text(path.read_text(encoding="utf-8").replace("quiet", "very quiet"),
                    encoding="utf-8")
    assert [o.action for o in publisher.edit(parse_file(path), ["journal"])] == ["edited"]
    [after] = _entries(accounts, None, f"Dated Once {RUN}")
    assert after["eventtime"] == before["eventtime"]


def test_real_dw_a_new_story_for_two_journals_logs_in_once_while_it_is_rendered(
        tmp_path: Path, publisher: Publisher, accounts: dict[str, Any]) -> None:
    from crosspost_adapters.lj.adapter import LJAdapter

    outs = publisher.publish(parse_file(_story(tmp_path, "Both Places")), ["journal", "comm"])
    assert [o.action for o in outs] == ["posted", "posted"], [o.message for o in outs]
    adapter = publisher.pool.adapter("dw")
    assert isinstance(adapter, LJAdapter)  # no saved session: one login, made ahead
    assert adapter.stats()["sessions"] == 1 and adapter.stats()["challenges"] == 0
    for journal in (None, f"{accounts['prefix']}_c"):
        assert len(_entries(accounts, journal, f"Both Places {RUN}")) == 1, journal


def test_real_dw_tags_the_community_lacks_are_not_created(
        tmp_path: Path, publisher: Publisher, accounts: dict[str, Any]) -> None:
    comm = f"{accounts['prefix']}_c"
    subprocess.run(["perl", str(SHARED / "set_tagperms.pl"), comm, "protected", "protected"],
                   cwd=DW_HOME, env=_dw_env(), check=True, capture_output=True)
    story = parse_file(_story(tmp_path, "Untagged", Fandom="Nowhere Fandom"))
    [out] = publisher.publish(story, ["comm"])
    assert out.action == "posted"
    tags = _site_call(accounts, "getusertags", usejournal=comm).get("tags", [])
    assert "fandom: nowhere fandom" not in {t["name"] for t in tags}


def test_real_dw_a_lost_answer_is_found_not_sent_again(
        tmp_path: Path, publisher: Publisher, proxy: tuple[str, Path],
        accounts: dict[str, Any]) -> None:
    proxy[1].write_text("drop_after:1")
    [out] = publisher.publish(parse_file(_story(tmp_path, "Lost Answer")), ["journal"])
    assert out.action == "posted"
    assert len(_entries(accounts, None, f"Lost Answer {RUN}")) == 1


def test_real_dw_a_request_held_past_the_timeout_leaves_no_twin(
        tmp_path: Path, publisher: Publisher, proxy: tuple[str, Path],
        accounts: dict[str, Any]) -> None:
    proxy[1].write_text("delay_before:14:1")
    [out] = publisher.publish(parse_file(_story(tmp_path, "Held Request")), ["journal"])
    assert out.action == "posted"
    time.sleep(10)  # the held request is let go by now
    assert len(_entries(accounts, None, f"Held Request {RUN}")) == 1


def test_real_dw_an_approved_queued_entry_is_followed(
        tmp_path: Path, publisher: Publisher, accounts: dict[str, Any]) -> None:
    modq = f"{accounts['prefix']}_q"
    story = parse_file(_story(tmp_path, "Waiting Room"))
    [out] = publisher.publish(story, ["modq"])
    assert out.action == "queued"
    modid = _queued_modid(modq)
    subprocess.run(["perl", str(SHARED / "moderate.pl"), modq, str(modid), "approve"],
                   cwd=DW_HOME, env=_dw_env(), check=True, capture_output=True)
    followed = publisher.follow_queued(story.identity)
    assert [o.action for o in followed] == ["posted"] and followed[0].url


def _dw_env() -> dict[str, str]:
    return {**os.environ, "LJHOME": DW_HOME, "PERL5LIB": f"{DW_HOME}/extlib/lib/perl5",
            "JSON_VALIDATOR_CACHE_PATH": f"{DW_HOME}/extlib/jv-cache", "LJ_IS_DEV_SERVER": "1"}


def _queued_modid(community: str) -> int:
    """The newest queued entry's id (DW keeps the queue in the cluster's ``modlog``)."""
    out = subprocess.run(
        ["mysql", "-N", "dw_cluster01", "-e",
         "SELECT m.modid FROM modlog m JOIN dw_global.user u ON u.userid = m.journalid "
         f"WHERE u.user = '{community}' ORDER BY m.modid DESC LIMIT 1"],
        capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def test_real_dw_takes_a_one_request_login_with_the_hash_of_an_api_key(
        proxy: tuple[str, Path], accounts: dict[str, Any]) -> None:
    import httpx
    from crosspost_adapters.lj.adapter import LJAdapter

    from crosspost.config import Account
    from crosspost.errors import AuthError

    prefix = accounts["prefix"]
    sent: list[bytes] = []

    def note(request: httpx.Request) -> None:
        sent.append(request.read())

    def adapter(secret: str) -> LJAdapter:
        account = Account(site="lj", dialect="dw", server=proxy[0], username=f"{prefix}_f",
                          timeout=10)
        return LJAdapter(account, lambda: secret, event_hooks={"request": [note]})

    with adapter(accounts["users"][f"{prefix}_f"]["api_keys"][0]) as good:
        assert good.check_login().startswith(f"{prefix}_f")
    # a server on this machine: sessiongenerate with clear auth and md5(key), then the call
    # (and, with no keyring to keep the session for the next run, its end)
    assert [_method(s) for s in sent] == ["sessiongenerate", "login", "sessionexpire"]
    assert b"<string>clear</string>" in sent[0]
    sent.clear()
    with adapter("not-the-key") as bad, pytest.raises(AuthError) as err:
        bad.check_login()
    assert err.value.code == 101  # one failed login, not retried by challenge
    assert [_method(s) for s in sent] == ["sessiongenerate"]


def _method(body: bytes) -> str:
    return body.split(b"<methodName>LJ.XMLRPC.", 1)[1].split(b"<", 1)[0].decode()
