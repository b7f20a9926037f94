"""The delivery engine against the sandbox site over real HTTP, with a real state file:
posting, skipping, copies, moderation, partial success, retries, edits, deletes and
reconciling after crashes and lost answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import SandboxControl

from crosspost.adapter import Adapter, adapter_class
from crosspost.config import Config, load_config
from crosspost.config.secrets import secret_for
from crosspost.delivery import AdapterPool, Publisher
from crosspost.delivery.plan import Decision
from crosspost.delivery.reconcile import encode_post
from crosspost.render import render_post
from crosspost.state.registry import Intent, Registry
from crosspost.story.model import Story
from crosspost.story.parse import parse_file

OWN = "writer"


def story_file(folder: Path, name: str, title: str, body: str, **fields: str) -> Path:
    head = {"Title": title, "Author": "Tester", "Rating": "PG", **fields}
    path = folder / name
    path.write_text("".join(f"{k}: {v}\n" for k, v in head.items()) + "\n" + body + "\n",
                    encoding="utf-8")
    return path


class Site(SandboxControl):
    """The sandbox's control API (the reliability harness's client) plus two shorthands."""

    def subjects(self, journal: str) -> list[str]:
        return [e.subject for e in self.entries(journal)]

    def faults(self, *rules: dict[str, Any]) -> None:
        self.set_faults(list(rules))


@pytest.fixture
def site(sandbox: Any) -> Iterator[Site]:
    s = Site(sandbox.url)
    yield s
    s.close()


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


def load(tmp_path: Path, title: str, body: str = "A quiet evening by the harbour.",
         name: str | None = None, **fields: str) -> Story:
    return parse_file(story_file(tmp_path, name or f"{title.lower().replace(' ', '-')}.txt",
                                 title, body, **fields))


def actions(outcomes: list[Any]) -> dict[str, str]:
    return {o.target: o.action for o in outcomes}


def test_story_is_posted_to_own_journal_and_a_community(tmp_path: Path, site: Site,
                                                       publisher: Publisher,
                                                       registry: Registry) -> None:
    story = load(tmp_path, "Harbour Lights")
    outs = publisher.publish(story, ["journal", "fluffy"])
    assert actions(outs) == {"journal": "posted", "fluffy": "posted"}
    assert all(o.url.startswith("http") for o in outs)
    assert sum("Harbour Lights" in s for s in site.subjects(OWN)) == 1
    assert sum("Harbour Lights" in s for s in site.subjects("fluffyfics")) == 1
    rows = {r.target: r for r in registry.deliveries(story.identity)}
    assert rows["journal"].status == "posted" and rows["journal"].itemid is not None
    assert rows["fluffy"].url == outs[1].url


def test_posted_story_is_skipped_and_again_posts_another_copy(tmp_path: Path, site: Site,
                                                             publisher: Publisher) -> None:
    story = load(tmp_path, "Second Helpings")
    first = publisher.publish(story, ["journal"])[0]
    again = publisher.publish(story, ["journal"])[0]
    assert again.action == "skipped"
    assert first.url in again.message and "--again" in again.message
    assert sum("Second Helpings" in s for s in site.subjects(OWN)) == 1
    copy = publisher.publish(story, ["journal"], again=True)[0]
    assert copy.action == "posted" and copy.url != first.url
    assert sum("Second Helpings" in s for s in site.subjects(OWN)) == 2


def test_moderated_community_queues_the_post_and_it_is_never_resent(
        tmp_path: Path, site: Site, publisher: Publisher) -> None:
    story = load(tmp_path, "Queue Patiently")
    out = publisher.publish(story, ["modq"])[0]
    assert out.action == "queued" and out.ok
    before = site.calls()
    again = publisher.publish(story, ["modq"])[0]
    assert again.action == "skipped" and "moderation" in again.message
    assert site.calls() == before


def test_partial_success_and_retry_retries_only_the_refused_target(
        tmp_path: Path, site: Site, publisher: Publisher, registry: Registry) -> None:
    story = load(tmp_path, "Three Doors")
    outs = actions(publisher.publish(story, ["journal", "fluffy", "closed"]))
    assert outs == {"journal": "posted", "fluffy": "posted", "closed": "failed"}
    failed = registry.latest(story.identity, "closed")
    assert failed is not None and failed.status == "failed" and "fix:" in failed.last_error
    before = site.calls()
    retried = publisher.retry()
    assert [(o.target, o.action) for o in retried] == [("closed", "failed")]
    assert site.calls() == before + 1


def test_changed_story_is_edited_on_every_copy(tmp_path: Path, site: Site,
                                               publisher: Publisher) -> None:
    story = load(tmp_path, "Tidewater", "The first version of the tide.")
    posted = publisher.publish(story, ["journal", "fluffy"])
    changed = load(tmp_path, "Tidewater", "The second version, with a new ending.")
    assert changed.identity == story.identity and changed.content_hash != story.content_hash
    outs = publisher.publish(changed, ["journal", "fluffy"])
    assert actions(outs) == {"journal": "edited", "fluffy": "edited"}
    assert [o.url for o in outs] == [o.url for o in posted]
    for journal in (OWN, "fluffyfics"):
        mine = [e for e in site.entries(journal) if "Tidewater" in e.subject]
        assert len(mine) == 1
        assert "new ending" in mine[0].body
    on_demand = publisher.edit(changed)  # already the current version everywhere
    assert actions(on_demand) == {"journal": "skipped", "fluffy": "skipped"}
    assert all("unchanged" in o.message for o in on_demand)


def test_delete_reaches_every_copy_and_a_vanished_entry_is_gone(
        tmp_path: Path, site: Site, publisher: Publisher, config: Config,
        registry: Registry) -> None:
    story = load(tmp_path, "Paper Boats")
    publisher.publish(story, ["journal", "fluffy"])
    row = registry.latest(story.identity, "fluffy")
    assert row is not None and row.itemid is not None
    # someone deletes the community copy on the site itself
    from crosspost.story.post import RemoteRef
    account = config.accounts["sandbox"]
    with adapter_class(account.site)(account, secret_for("sandbox")) as direct:
        direct.delete("fluffyfics", RemoteRef(row.itemid, row.anum, row.url))
    outs = actions(publisher.delete(story.identity))
    assert outs == {"journal": "deleted", "fluffy": "gone"}
    assert not any("Paper Boats" in s for s in site.subjects(OWN))
    statuses = {r.target: r.status for r in registry.deliveries(story.identity)}
    assert statuses == {"journal": "deleted", "fluffy": "gone"}
    assert publisher.retry() == []


def test_reconcile_adopts_an_entry_posted_before_a_crash(
        tmp_path: Path, site: Site, config: Config, registry: Registry,
        publisher: Publisher) -> None:
    story = load(tmp_path, "Lost Answer")
    post = render_post(story, config, "journal")
    # a run that died after recording its intent (its owner process is gone) …
    from crosspost.state.lock import owner_token
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    claim = registry.claim(lambda row, live: Decision("post"),
                           Intent(dead, 900.0, encode_post(post), post.fingerprint,
                                  post.subject, story.content_hash),
                           identity=story.identity, target="journal")
    assert claim.row is not None and claim.row.status == "pending"
    # … but whose post reached the site
    account = config.accounts["sandbox"]
    with adapter_class(account.site)(account, secret_for("sandbox")) as direct:
        receipt = direct.post(post, None)
    outs = publisher.reconcile()
    assert [(o.action, o.url) for o in outs] == [("posted", receipt.url)]
    before = site.calls()
    assert publisher.publish(story, ["journal"])[0].action == "skipped"
    assert site.calls() == before
    assert sum("Lost Answer" in s for s in site.subjects(OWN)) == 1
    assert "adopted" in [e.action for e in registry.history(story.identity)]


def test_reconcile_of_an_entry_that_never_arrived_makes_it_ready_to_send(
        tmp_path: Path, site: Site, config: Config, registry: Registry,
        publisher: Publisher) -> None:
    story = load(tmp_path, "Never Sent")
    post = render_post(story, config, "journal")
    from crosspost.state.lock import owner_token
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    registry.claim(lambda row, live: Decision("post"),
                   Intent(dead, 900.0, encode_post(post), post.fingerprint, post.subject,
                          story.content_hash), identity=story.identity, target="journal")
    assert [o.action for o in publisher.reconcile()] == ["retry"]
    assert [o.action for o in publisher.retry()] == ["posted"]
    assert sum("Never Sent" in s for s in site.subjects(OWN)) == 1


def test_lost_answer_is_reconciled_without_a_duplicate(tmp_path: Path, site: Site,
                                                      publisher: Publisher,
                                                      registry: Registry) -> None:
    story = load(tmp_path, "Dropped Line")
    site.faults({"kind": "drop_after", "method": "postevent", "count": 1})
    out = publisher.publish(story, ["journal"])[0]
    assert out.action == "posted" and out.url
    assert sum("Dropped Line" in s for s in site.subjects(OWN)) == 1
    hist = [e.action for e in registry.history(story.identity)]
    assert "uncertain" in hist and "adopted" in hist


def test_connection_refused_before_sending_is_a_plain_retry(tmp_path: Path, site: Site,
                                                           publisher: Publisher) -> None:
    story = load(tmp_path, "Knock Twice")
    site.faults({"kind": "drop_before", "method": "postevent", "count": 1})
    out = publisher.publish(story, ["journal"])[0]
    assert out.action == "posted"
    assert sum("Knock Twice" in s for s in site.subjects(OWN)) == 1


@pytest.mark.parametrize("rule", [
    {"kind": "http500", "method": "postevent", "count": 2},
    {"kind": "http429", "method": "postevent", "count": 1, "retry_after": 1},
])
def test_server_errors_and_rate_limits_are_retried(tmp_path: Path, site: Site,
                                                   publisher: Publisher,
                                                   rule: dict[str, Any]) -> None:
    story = load(tmp_path, f"Try Again {rule['kind']}")
    site.faults(rule)
    out = publisher.publish(story, ["journal"])[0]
    assert out.action == "posted"
    assert sum(f"Try Again {rule['kind']}" in s for s in site.subjects(OWN)) == 1


def test_persistent_failure_is_left_for_the_daemon_with_a_next_attempt(
        tmp_path: Path, site: Site, config: Config, publisher: Publisher,
        registry: Registry) -> None:
    publisher.retry_limit = 2
    story = load(tmp_path, "Storm Season")
    site.faults({"kind": "http500", "method": "postevent", "count": 5})
    out = publisher.publish(story, ["journal"])[0]
    assert out.action in ("retry", "uncertain") and not out.ok
    row = registry.latest(story.identity, "journal")
    assert row is not None and row.next_attempt_at is not None
    site.faults()
    assert [o.action for o in publisher.retry()] == ["posted"]
    assert sum("Storm Season" in s for s in site.subjects(OWN)) == 1


def test_failed_login_stops_every_call_for_the_account(
        tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch, config: Config,
        registry: Registry) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "not-the-key")
    story = load(tmp_path, "Wrong Key")
    with Publisher(config, registry) as pub:
        outs = pub.publish(story, ["journal", "fluffy", "den"])
    assert {o.action for o in outs} == {"failed"}
    assert all("fix:" in o.message for o in outs)
    # one failed login, not one per target (the servers ban an IP after a few)
    assert site.calls("sessiongenerate") + site.calls("getchallenge") == 1
    assert site.calls("postevent") == 0


def test_scheduled_story_is_released_when_due(tmp_path: Path, site: Site,
                                             publisher: Publisher,
                                             registry: Registry) -> None:
    from datetime import UTC, datetime, timedelta
    story = load(tmp_path, "Later Tonight")
    at = datetime.now(UTC) + timedelta(hours=1)
    out = publisher.publish(story, ["journal"], at=at)[0]
    assert out.action == "scheduled"
    assert registry.next_release() is not None
    assert publisher.release_due(datetime.now(UTC)) == []
    released = publisher.release_due(at + timedelta(seconds=1))
    assert [o.action for o in released] == ["posted"]
    assert sum("Later Tonight" in s for s in site.subjects(OWN)) == 1


def test_edit_mode_ask_records_needs_edit_and_sends_nothing(
        tmp_path: Path, site: Site, config: Config, registry: Registry) -> None:
    config.settings.edit_mode = "ask"
    story = load(tmp_path, "Ask First", "Before.")
    with Publisher(config, registry) as pub:
        pub.publish(story, ["journal"])
        changed = load(tmp_path, "Ask First", "After, with more words.")
        before = site.calls("editevent")
        out = pub.publish(changed, ["journal"], explicit=False)[0]
        assert out.action == "needs_edit" and "crosspost edit" in out.message
        assert site.calls("editevent") == before
        row = registry.latest(story.identity, "journal")
        assert row is not None and row.status == "needs_edit"
        assert [o.action for o in pub.edit(changed)] == ["edited"]
    row = registry.latest(story.identity, "journal")
    assert row is not None and row.status == "posted"


def test_missed_release_is_held_not_posted(tmp_path: Path, site: Site, config: Config,
                                          publisher: Publisher, registry: Registry) -> None:
    from datetime import UTC, datetime, timedelta
    story = load(tmp_path, "Too Late")
    at = datetime.now(UTC) + timedelta(minutes=1)
    publisher.publish(story, ["journal"], at=at)
    late = at + timedelta(minutes=config.settings.grace_minutes + 1)
    outs = publisher.release_due(late)
    assert [o.action for o in outs] == ["held"]
    assert site.calls() == 0
    assert [r.status for r in registry.scheduled()] == ["held"]


class PostOnlyAdapter(Adapter):
    """A minimal third-party adapter: post/edit/delete only, no ``find`` (the contract's
    default raises NotImplementedError). It reaches the sandbox through the real one."""

    site = "postonly"

    def __init__(self, account: Any, secret: Any) -> None:
        super().__init__(account, secret)
        self.inner = adapter_class("sandbox")(account, secret)

    def post(self, post: Any, journal: str | None) -> Any:
        return self.inner.post(post, journal)

    def edit(self, post: Any, journal: str | None, remote: Any) -> Any:
        return self.inner.edit(post, journal, remote)

    def delete(self, journal: str | None, remote: Any) -> Any:
        return self.inner.delete(journal, remote)

    def close(self) -> None:
        self.inner.close()


def test_site_that_cannot_be_searched_leaves_a_lost_answer_uncertain(
        tmp_path: Path, site: Site, config: Config, registry: Registry) -> None:
    pool = AdapterPool(config, factory=lambda name, acc: PostOnlyAdapter(acc,
                                                                          secret_for(name)))
    story = load(tmp_path, "Unsearchable")
    site.faults({"kind": "drop_after", "method": "postevent", "count": 1})
    with Publisher(config, registry, pool) as pub:
        out = pub.publish(story, ["journal"])[0]
        assert out.action == "uncertain" and not out.ok
        assert "cannot be searched" in out.message and "--force" in out.message
        before = site.calls()
        assert pub.publish(story, ["journal"])[0].action == "uncertain"
        assert site.calls() == before  # nothing re-sent while nobody knows
        # the user looked on the site and says it is not there: sent again; the server's
        # duplicate guard hands back the entry the lost answer was about
        again = pub.retry(out.delivery_id, assume_not_posted=True)
        assert [o.action for o in again] == ["posted"]
    pool.close()
    assert sum("Unsearchable" in s for s in site.subjects(OWN)) == 1


def test_request_that_may_still_arrive_is_not_resent_until_it_cannot(
        tmp_path: Path, site: Site, config: Config, registry: Registry,
        publisher: Publisher) -> None:
    import time
    story = load(tmp_path, "Still In Flight")
    post = render_post(story, config, "journal")
    from crosspost.state.lock import owner_token
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    registry.claim(lambda row, live: Decision("post"),
                   Intent(dead, 900.0, encode_post(post), post.fingerprint, post.subject,
                          story.content_hash, settle_seconds=2.0),
                   identity=story.identity, target="journal")
    first = publisher.reconcile()
    assert [o.action for o in first] == ["uncertain"]
    assert "not on the site yet" in first[0].message
    assert site.calls() == 0
    # 2 s of settle time: the first look (login + lookup) ends well inside it even on a
    # loaded machine; after it has passed, the request can no longer arrive
    time.sleep(2.1)
    assert [o.action for o in publisher.reconcile()] == ["retry"]
    assert [o.action for o in publisher.retry()] == ["posted"]
    assert sum("Still In Flight" in s for s in site.subjects(OWN)) == 1


def test_publish_waits_for_a_possibly_late_request_then_sends_once(
        tmp_path: Path, site: Site, config: Config, registry: Registry,
        publisher: Publisher) -> None:
    story = load(tmp_path, "Patient Sender")
    post = render_post(story, config, "journal")
    from crosspost.state.lock import owner_token
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    registry.claim(lambda row, live: Decision("post"),
                   Intent(dead, 900.0, encode_post(post), post.fingerprint, post.subject,
                          story.content_hash, settle_seconds=0.5),
                   identity=story.identity, target="journal")
    out = publisher.publish(story, ["journal"])[0]
    assert out.action == "posted"
    assert sum("Patient Sender" in s for s in site.subjects(OWN)) == 1


def test_delete_reaches_the_entry_where_it_was_posted_after_the_target_moved(
        tmp_path: Path, site: Site, config: Config, registry: Registry,
        publisher: Publisher) -> None:
    story = load(tmp_path, "Moved House")
    publisher.publish(story, ["fluffy"])
    row = registry.latest(story.identity, "fluffy")
    assert row is not None and (row.account, row.journal) == ("sandbox", "fluffyfics")
    config.targets["fluffy"].community = "writersden"  # the user edits the config later
    assert actions(publisher.delete(story.identity)) == {"fluffy": "deleted"}
    assert not any("Moved House" in s for s in site.subjects("fluffyfics"))


def test_changed_story_is_edited_in_every_copy_made_with_again(
        tmp_path: Path, site: Site, publisher: Publisher) -> None:
    story = load(tmp_path, "Twice Told", "The old telling.")
    publisher.publish(story, ["journal"])
    publisher.publish(story, ["journal"], again=True)
    changed = load(tmp_path, "Twice Told", "The new telling, for both copies.")
    outs = publisher.publish(changed, ["journal"])
    assert sorted(o.action for o in outs) == ["edited", "edited"]
    mine = [e for e in site.entries(OWN) if "Twice Told" in e.subject]
    assert len(mine) == 2 and all("new telling" in e.body for e in mine)
