"""What the real Dreamwidth showed, against the sandbox taught the same behaviour: an edit
keeps the entry's date, an unchanged story is not sent again, ``allow_new = false`` sends
only the community's tags, a retry sends the story's current version, and an approved
queued entry is followed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crosspost.config import Config, load_config
from crosspost.delivery import Publisher
from crosspost.sandbox import SandboxServer
from crosspost.state.registry import Registry
from crosspost.story.model import Story
from crosspost.story.parse import parse_file

OLD_DATE = "2020-03-04 05:06"


def story_file(folder: Path, title: str, body: str, **fields: str) -> Path:
    head = {"Title": title, "Author": "Tester", "Rating": "PG", **fields}
    path = folder / f"{title.lower().replace(' ', '-')}.txt"
    path.write_text("".join(f"{k}: {v}\n" for k, v in head.items()) + "\n" + body + "\n",
                    encoding="utf-8")
    return path


def load(folder: Path, title: str, body: str = "A quiet evening by the harbour.",
         **fields: str) -> Story:
    return parse_file(story_file(folder, title, body, **fields))


@pytest.fixture
def config(sandbox_config: Path) -> Config:
    cfg = load_config(sandbox_config)
    cfg.settings.retry_base_seconds = 0.01
    cfg.settings.retry_max_wait_seconds = 2.0
    return cfg


@pytest.fixture
def registry(config: Config) -> Iterator[Registry]:
    assert config.settings.state_file is not None
    with Registry(config.settings.state_file) as reg:
        yield reg


@pytest.fixture
def publisher(config: Config, registry: Registry) -> Iterator[Publisher]:
    with Publisher(config, registry) as pub:
        yield pub


def entries(sandbox: SandboxServer, journal: str, title: str) -> list[Any]:
    return [e for e in sandbox.world.list_entries(journal) if title in e.subject]


def test_edit_keeps_the_entry_date_in_journal_and_community(
        tmp_path: Path, sandbox: SandboxServer, publisher: Publisher) -> None:
    story = load(tmp_path, "Old Harbour", "The first version.")
    publisher.publish(story, ["journal", "fluffy"])
    for journal in ("writer", "fluffyfics"):  # posted a while ago
        for entry in entries(sandbox, journal, "Old Harbour"):
            entry.eventtime = f"{OLD_DATE}:00"
    changed = load(tmp_path, "Old Harbour", "The second version, with a new ending.")
    outs = publisher.edit(changed)
    assert {o.action for o in outs} == {"edited"}
    for journal in ("writer", "fluffyfics"):
        [entry] = entries(sandbox, journal, "Old Harbour")
        assert "new ending" in entry.event
        assert entry.eventtime.startswith(OLD_DATE)


def test_sandbox_editevent_with_date_fields_redates_without_keeps(
        sandbox: SandboxServer, config: Config) -> None:
    from crosspost.adapter import adapter_class
    from crosspost.config.secrets import secret_for
    from crosspost.story.post import Post

    account = config.accounts["sandbox"]
    with adapter_class(account.site)(account, secret_for("sandbox")) as direct:
        receipt = direct.post(Post("journal", "Dated", "<p>one</p>"), None)
        assert receipt.remote is not None
        [entry] = entries(sandbox, "writer", "Dated")
        entry.eventtime = f"{OLD_DATE}:00"
        direct.client.call("editevent", {"itemid": receipt.remote.itemid, "event": "two",
                                         "subject": "Dated", "lineendings": "unix"},
                           mutating=True)
        assert entry.eventtime.startswith(OLD_DATE)
        direct.client.call("editevent", {"itemid": receipt.remote.itemid, "event": "three",
                                         "subject": "Dated", "lineendings": "unix",
                                         "year": 2024, "mon": 1, "day": 2, "hour": 3,
                                         "min": 4}, mutating=True)
        assert entry.eventtime.startswith("2024-01-02 03:04")


def test_editing_an_unchanged_story_sends_nothing_and_says_so(
        tmp_path: Path, sandbox: SandboxServer, publisher: Publisher) -> None:
    story = load(tmp_path, "Still Water")
    publisher.publish(story, ["journal", "fluffy"])
    before = sandbox.stats.snapshot()["modes"].get("editevent", 0)
    outs = publisher.edit(load(tmp_path, "Still Water"))
    assert {o.action for o in outs} == {"skipped"}
    assert all("unchanged" in o.message and "nothing sent" in o.message for o in outs)
    assert sandbox.stats.snapshot()["modes"].get("editevent", 0) == before


def test_retry_after_a_refusal_sends_the_current_version(
        tmp_path: Path, sandbox: SandboxServer, publisher: Publisher,
        registry: Registry) -> None:
    # DW: the community's moderation queue is full (407) for a while
    sandbox.faults.add("fault", "postevent", code=407, count=20)
    story = load(tmp_path, "Full Queue", "The text before the edit.")
    out = publisher.publish(story, ["fluffy"])[0]
    assert out.action == "retry"
    edited = load(tmp_path, "Full Queue", "The text after the edit.")
    assert publisher.edit(edited)[0].action == "skipped"  # not on the site: nothing to edit
    sandbox.faults.clear()
    retried = publisher.retry()
    assert [o.action for o in retried] == ["posted"]
    [entry] = entries(sandbox, "fluffyfics", "Full Queue")
    assert "after the edit" in entry.event and "before the edit" not in entry.event
    row = registry.latest(story.identity, "fluffy")
    assert row is not None and row.content_hash == edited.content_hash


def _publisher_with_secret(sandbox_config_factory: Any, server: SandboxServer,
                           secret: str) -> tuple[Publisher, Registry]:
    cfg = load_config(sandbox_config_factory(server, secret=secret))
    assert cfg.settings.state_file is not None
    registry = Registry(cfg.settings.state_file)
    return Publisher(cfg, registry), registry


def test_one_refused_login_stops_the_accounts_other_deliveries(
        tmp_path: Path, sandbox_factory: Any, sandbox_config_factory: Any) -> None:
    server = sandbox_factory("dw", login_fail_limit=3)
    server.faults.latency_ms = 300  # the deliveries start together, before any login fails
    publisher, registry = _publisher_with_secret(sandbox_config_factory, server, "wrong-key")
    with registry, publisher:
        outs = publisher.publish(load(tmp_path, "Locked Out"), ["journal", "fluffy", "den"])
    assert {o.action for o in outs} == {"failed"}
    assert len(server.site.auth._failures[("writer", "127.0.0.1")]) == 1  # one login tried


def test_login_ban_names_the_account_and_the_command_and_says_one_thing(
        tmp_path: Path, sandbox_factory: Any, sandbox_config_factory: Any) -> None:
    server = sandbox_factory("dw", login_fail_limit=1)
    server.site.auth.bad_login("writer", "127.0.0.1")  # banned: an earlier wrong password
    publisher, registry = _publisher_with_secret(sandbox_config_factory, server, "sandbox-key")
    with registry, publisher:
        outs = publisher.publish(load(tmp_path, "Banned"), ["fluffy", "journal", "den"])
    assert {o.action for o in outs} == {"retry"}
    for out in outs:
        assert out.error is not None
        text = f"{out.message} {out.error.fix}"
        assert "fluffyfics" not in text and "writersden" not in text
        assert "'writer'" in out.error.message and "account 'sandbox'" in out.error.message
        assert "`crosspost login sandbox --check`" in out.error.fix
        assert "does not retry" not in text
    modes = server.stats.snapshot()["modes"]
    assert modes.get("sessiongenerate", 0) == 1  # one login tried, not one per delivery


def test_a_login_ban_blocks_the_account_only_until_the_ban_is_over(config: Config) -> None:
    import time

    from crosspost.delivery import AdapterPool
    from crosspost.errors import AuthError, LoginBanned

    pool = AdapterPool(config)
    pool.block("sandbox", LoginBanned("banned", "wait", code=402, server_message="banned",
                                      transient=True, retry_after=0.2))
    assert isinstance(pool.blocked("sandbox"), LoginBanned)
    time.sleep(0.3)  # a daemon runs on: after the ban the account is tried again
    assert pool.blocked("sandbox") is None
    pool.block("sandbox", AuthError("wrong key", "fix it", code=101, server_message="no"))
    time.sleep(0.3)
    assert isinstance(pool.blocked("sandbox"), AuthError)  # a wrong secret stays blocked
    pool.close()


def test_an_approved_queued_entry_is_followed_then_edited_and_deleted(
        tmp_path: Path, sandbox: SandboxServer, sandbox_config: Path, publisher: Publisher,
        registry: Registry) -> None:
    story = load(tmp_path, "Waiting Room", "The first version.")
    assert publisher.publish(story, ["modq"])[0].action == "queued"
    [queued] = sandbox.world.queued("modfics")
    sandbox.approve(queued.modid)  # a maintainer approves it on the site
    [entry] = entries(sandbox, "modfics", "Waiting Room")
    changed = load(tmp_path, "Waiting Room", "The second version, approved and edited.")
    [edited] = publisher.edit(changed)
    assert edited.action == "edited", edited
    row = registry.latest(story.identity, "modq")
    assert row is not None and row.status == "posted" and row.itemid == entry.itemid
    assert row.url and str(entry.ditemid) in row.url
    assert "approved and edited" in entries(sandbox, "modfics", "Waiting Room")[0].event
    assert "approved" in [e.action for e in registry.history(story.identity)]
    [deleted] = publisher.delete(story.identity)
    assert deleted.action == "deleted"
    assert entries(sandbox, "modfics", "Waiting Room") == []


def test_status_no_longer_says_queued_after_approval(
        tmp_path: Path, sandbox: SandboxServer, sandbox_config: Path, publisher: Publisher,
        capsys: pytest.CaptureFixture[str]) -> None:
    from cli_support import run_main

    story = load(tmp_path, "Status Check")
    publisher.publish(story, ["modq"])
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "status")
    assert code == 0 and "queued" in out
    sandbox.approve(sandbox.world.queued("modfics")[0].modid)
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "status")
    [line] = [ln for ln in out.splitlines() if "modq" in ln]
    assert code == 0 and "posted" in line and "queued" not in line and "http" in line


def test_a_changed_story_reaches_its_approved_queued_copy(
        tmp_path: Path, sandbox: SandboxServer, publisher: Publisher) -> None:
    story = load(tmp_path, "Approved Later", "The queued version.")
    assert publisher.publish(story, ["modq"])[0].action == "queued"
    sandbox.approve(sandbox.world.queued("modfics")[0].modid)
    changed = load(tmp_path, "Approved Later", "The version after approval.")
    out = publisher.publish(changed, ["modq"], explicit=False)[0]  # as `watch` does
    assert out.action == "edited", out
    [entry] = entries(sandbox, "modfics", "Approved Later")
    assert "after approval" in entry.event
