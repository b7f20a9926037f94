"""Posting, editing, deleting and finding entries on the sandbox over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from crosspost_adapters.lj import pacing, tagcache
from crosspost_adapters.lj.sites import Sandbox

from crosspost.config import Account
from crosspost.errors import AccessError, EntryGoneError, TooLargeError
from crosspost.story.post import Post, PostOptions, body_fingerprint

KEY = "sandbox-key"
PASSWORD = "sandbox-password"


@pytest.fixture(autouse=True)
def _fresh_shared_state() -> Iterator[None]:
    pacing.forget_pacers()
    tagcache.forget()
    yield
    pacing.forget_pacers()
    tagcache.forget()


def make(url: str, *, dialect: str | None = None, secret: str | None = None,
         username: str = "writer", **kw: Any) -> Sandbox:
    account = Account(site="sandbox", username=username, server=url, dialect=dialect,  # type: ignore[arg-type]
                      **kw)
    value = secret or (PASSWORD if dialect == "lj" else KEY)
    return Sandbox(account, lambda: value)


def story(subject: str = "Tea at the Hub", *, tags: tuple[str, ...] = (),
          html: str = "<p>Ianto made the coffee.</p>\n<p>The Doctor stayed.</p>",
          **opts: Any) -> Post:
    return Post(target="t", subject=subject, html=html, tags=tags,
                options=PostOptions(**opts))


def read_back(adapter: Sandbox, journal: str | None, itemid: int) -> dict[str, Any]:
    res = adapter.client.call("getevents", {"selecttype": "one", "itemid": itemid,
                                            "lineendings": "unix"}, journal=journal)
    events = res.get("events") or []
    assert len(events) == 1
    return events[0]


def test_own_journal_post_returns_itemid_anum_and_url(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story(), None)
    assert receipt.status == "posted"
    assert receipt.remote is not None
    assert receipt.remote.itemid >= 1
    assert receipt.remote.anum is not None
    assert receipt.remote.ditemid == receipt.remote.itemid * 256 + receipt.remote.anum
    assert str(receipt.remote.ditemid) in receipt.url
    page = httpx.get(receipt.url)
    assert page.status_code == 200
    assert "Tea at the Hub" in page.text


def test_own_journal_by_name_is_the_own_journal(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story("Named own journal"), "writer")
        assert receipt.remote is not None
        entry = read_back(adapter, None, receipt.remote.itemid)
    assert entry["subject"] == "Named own journal"


def test_community_post_keeps_existing_tags(sandbox: Any) -> None:
    tags = ("fandom: torchwood", "rating: pg")
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story(tags=tags), "fluffyfics")
        assert receipt.status == "posted"
        assert receipt.dropped_tags == ()
        assert receipt.remote is not None
        entry = adapter.client.call("getevents", {"selecttype": "one",
                                                  "itemid": receipt.remote.itemid},
                                    journal="fluffyfics")["events"][0]
    assert sorted(t.strip() for t in entry["props"]["taglist"].split(",")) == sorted(tags)


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_member_new_tag_is_left_out_and_reported(request: pytest.FixtureRequest,
                                                 dialect: str) -> None:
    server = request.getfixturevalue("sandbox" if dialect == "dw" else "sandbox_lj")
    tags = ("fandom: torchwood", "brand new tag")
    with make(server.url, dialect=dialect) as adapter:
        receipt = adapter.post(story(f"New tag on {dialect}", tags=tags), "fluffyfics")
        assert receipt.dropped_tags == ("brand new tag",)
        assert any("brand new tag" in m for m in receipt.messages)
        assert receipt.remote is not None
        entry = adapter.client.call("getevents", {"selecttype": "one",
                                                  "itemid": receipt.remote.itemid},
                                    journal="fluffyfics")["events"][0]
    # the existing tag survives: the new one did not make DW drop every tag
    assert entry["props"]["taglist"] == "fandom: torchwood"


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_maintainer_may_create_tags_when_allowed(request: pytest.FixtureRequest,
                                                 dialect: str) -> None:
    server = request.getfixturevalue("sandbox" if dialect == "dw" else "sandbox_lj")
    with make(server.url, dialect=dialect) as adapter:
        receipt = adapter.post(story(f"Den {dialect}", tags=("type: fic", "fresh den tag"),
                                     allow_new_tags=True), "writersden")
        assert receipt.dropped_tags == ()
        assert "fresh den tag" in adapter.tag_policy("writersden").existing


def test_moderated_community_queues_the_entry(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story("For the queue"), "modfics")
    assert receipt.status == "queued"
    assert receipt.remote is None
    assert any("moderation queue" in m for m in receipt.messages)


def test_not_a_member_gets_access_error(sandbox: Any) -> None:
    with make(sandbox.url) as adapter, pytest.raises(AccessError) as info:
        adapter.post(story("Closed door"), "closedfics")
    assert info.value.code == 300
    assert not info.value.transient
    assert "Don't have access to requested journal" in info.value.message
    assert "closedfics" in info.value.fix


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_unicode_round_trip(request: pytest.FixtureRequest, dialect: str) -> None:
    server = request.getfixturevalue("sandbox" if dialect == "dw" else "sandbox_lj")
    subject = "Über den Wolken — ☕ «1984»"
    html = "<p>Ça va? Ünïcödé, 漢字 and 🦖.</p>"
    tags = ("fandom: über", "mood: ☕")
    with make(server.url, dialect=dialect) as adapter:
        receipt = adapter.post(story(subject, html=html, tags=tags), None)
        assert receipt.remote is not None
        entry = read_back(adapter, None, receipt.remote.itemid)
        names = {t["name"] for t in adapter.client.call("getusertags", {})["tags"]}
    assert entry["subject"] == subject
    assert entry["event"] == html
    assert body_fingerprint(entry["subject"], entry["event"]) == \
        story(subject, html=html).fingerprint
    assert set(tags) <= names  # tag names come back double-encoded and are undone


def test_digit_only_subject_comes_back_as_text(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story("1984"), None)
        assert receipt.remote is not None
        assert read_back(adapter, None, receipt.remote.itemid)["subject"] == "1984"


def test_edit_replaces_subject_and_text(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        first = adapter.post(story("Draft", security="members"), "fluffyfics")
        assert first.remote is not None
        edited = adapter.edit(story("Final", html="<p>Better.</p>", security="members"),
                              "fluffyfics", first.remote)
        assert edited.status == "edited"
        assert edited.remote is not None
        assert edited.remote.itemid == first.remote.itemid
        entry = adapter.client.call("getevents", {"selecttype": "one",
                                                  "itemid": first.remote.itemid},
                                    journal="fluffyfics")["events"][0]
    assert entry["subject"] == "Final"
    assert entry["event"] == "<p>Better.</p>"
    assert entry.get("security") == "usemask"
    assert entry.get("allowmask") == 1


def test_delete_then_delete_again_is_entry_gone(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story("Short-lived"), None)
        assert receipt.remote is not None
        gone = adapter.delete(None, receipt.remote)
        assert gone.status == "deleted"
        with pytest.raises(EntryGoneError) as info:
            adapter.delete(None, receipt.remote)
        with pytest.raises(EntryGoneError):
            adapter.edit(story("Too late"), None, receipt.remote)
    assert info.value.code == 302
    assert not info.value.transient


def test_find_recognises_our_entry(sandbox: Any) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    when = datetime(2023, 5, 6, 7, 8)
    mine = story("Find me", html="<p>Needle.</p>")
    with make(sandbox.url) as adapter:
        adapter.post(story("Other entry", html="<p>Hay.</p>"), "fluffyfics")
        receipt = adapter.post(mine, "fluffyfics")
        adapter.post(story("Later entry", html="<p>More hay.</p>"), "fluffyfics")
        found = adapter.find("fluffyfics", mine, since)
        missing = adapter.find("fluffyfics", story("Never posted"), since)
        dated = Post(target="t", subject="Dated", html="<p>d</p>", when=when)
        adapter.post(dated, None)
        found_dated = adapter.find(None, dated, since)
        wrong_time = adapter.find(None, Post(target="t", subject="Dated", html="<p>d</p>",
                                             when=when + timedelta(hours=1)), since)
    assert found is not None and receipt.remote is not None
    assert found.remote.itemid == receipt.remote.itemid
    assert found.fingerprint == mine.fingerprint
    assert missing is None
    assert found_dated is not None
    assert wrong_time is None


def test_subject_too_long_is_refused_on_dw_and_cut_on_lj(sandbox: Any, sandbox_lj: Any) -> None:
    long_subject = "€" * 86  # 258 bytes: DW's 255-byte limit (§14)
    with make(sandbox.url) as adapter, pytest.raises(TooLargeError) as info:
        adapter.post(story(long_subject), None)
    assert info.value.code == 411
    assert not info.value.transient
    assert "Subject too long" in info.value.message
    with make(sandbox_lj.url, dialect="lj") as adapter:
        receipt = adapter.post(story(long_subject), None)
        assert receipt.remote is not None
        stored = read_back(adapter, None, receipt.remote.itemid)["subject"]
        found = adapter.find(None, story(long_subject), None)
    assert len(stored.encode()) <= 255
    assert found is not None  # recognised although the site cut the subject


def test_post_too_large(sandbox_lj: Any) -> None:
    with make(sandbox_lj.url, dialect="lj") as adapter, pytest.raises(TooLargeError) as info:
        adapter.post(story(html="<p>" + "x" * 70_000 + "</p>"), None)
    assert info.value.code == 409
    assert "Post too large" in info.value.message


def test_members_only_security_in_community(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        receipt = adapter.post(story("Members only", security="members"), "fluffyfics")
        assert receipt.remote is not None
        entry = adapter.client.call("getevents", {"selecttype": "one",
                                                  "itemid": receipt.remote.itemid},
                                    journal="fluffyfics")["events"][0]
    assert entry["security"] == "usemask"
    assert entry["allowmask"] == 1


def test_check_login_lists_usejournals(sandbox: Any) -> None:
    with make(sandbox.url) as adapter:
        who = adapter.check_login()
    assert "writer" in who
    assert adapter.usejournals is not None and "fluffyfics" in adapter.usejournals


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_hidden_existing_tag_is_kept_and_only_new_one_dropped(request: pytest.FixtureRequest,
                                                              dialect: str) -> None:
    # with tags.allow_new the tags are sent and what the site refused is settled afterwards
    server = request.getfixturevalue("sandbox" if dialect == "dw" else "sandbox_lj")
    server.world.add_tags("fluffyfics", "hidden gem")  # never used: members cannot see it
    with make(server.url, dialect=dialect) as adapter:
        assert "hidden gem" not in adapter.tag_policy("fluffyfics").existing
        receipt = adapter.post(story(f"Hidden {dialect}",
                                     tags=("hidden gem", "fandom: torchwood", "made up tag"),
                                     allow_new_tags=True),
                               "fluffyfics")
        assert receipt.remote is not None
        entry = adapter.client.call("getevents", {"selecttype": "one",
                                                  "itemid": receipt.remote.itemid},
                                    journal="fluffyfics")["events"][0]
    assert receipt.dropped_tags == ("made up tag",)
    stored = sorted(t.strip() for t in entry["props"]["taglist"].split(","))
    assert stored == ["fandom: torchwood", "hidden gem"]


def test_member_with_only_known_tags_costs_one_request(sandbox: Any) -> None:
    with make(sandbox.url, use_sessions=False) as adapter:
        adapter.post(story("Known only", tags=("fandom: torchwood",)), "fluffyfics")
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["postevent"] == 1
    assert "editevent" not in modes


def test_tag_check_failure_after_post_keeps_the_post(sandbox_lj: Any) -> None:
    sandbox_lj.faults.add("http500", "getevents", code=503, count=5)
    with make(sandbox_lj.url, dialect="lj") as adapter:
        receipt = adapter.post(story("Tags unchecked", tags=("fandom: torchwood", "odd tag"),
                                     allow_new_tags=True), "fluffyfics")
    assert receipt.status == "posted"
    assert any("could not check which tags" in m for m in receipt.messages)


def test_find_looks_past_the_latest_fifty_with_syncitems(sandbox: Any) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    mine = Post(target="t", subject="Buried", html="<p>Deep down.</p>",
                when=datetime(2020, 1, 1, 12, 0))
    with make(sandbox.url) as adapter:
        receipt = adapter.post(mine, None)
        for n in range(52):  # newer entries: lastn (by entry date) no longer reaches ours
            adapter.post(Post(target="t", subject=f"Noise {n}", html=f"<p>noise {n}</p>",
                              when=datetime(2021, 1, 1, 12, 0) + timedelta(minutes=n)), None)
        found = adapter.find(None, mine, since)
    assert found is not None and receipt.remote is not None
    assert found.remote.itemid == receipt.remote.itemid
    # lastn, then syncitems (both cut short), then the one candidate in full
    assert sandbox.stats.snapshot()["modes"]["getevents"] == 3


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_without_allow_new_only_the_communitys_tags_are_sent_where_members_may_create(
        request: pytest.FixtureRequest, dialect: str) -> None:
    server = request.getfixturevalue("sandbox" if dialect == "dw" else "sandbox_lj")
    server.world.update("fluffyfics", tag_control="members")  # members may create tags
    with make(server.url, dialect=dialect) as adapter:
        receipt = adapter.post(story(f"No new tags {dialect}",
                                     tags=("fandom: torchwood", "made up tag")), "fluffyfics")
        assert receipt.remote is not None
        entry = read_back(adapter, "fluffyfics", receipt.remote.itemid)
    assert "made up tag" not in server.world.require("fluffyfics").tags
    assert entry["props"]["taglist"] == "fandom: torchwood"
    assert receipt.dropped_tags == ("made up tag",)
    assert any("made up tag" in m and "allow_new" in m for m in receipt.messages)


def test_find_reads_only_what_identifies_the_entry(sandbox: Any) -> None:
    long_text = "<p>" + "A long chapter of the story. " * 700 + "</p>"  # ~20 kB each
    sizes: list[int] = []

    def count(response: Any) -> None:
        response.read()
        sizes.append(len(response.content))

    with make(sandbox.url) as adapter:
        mine = story("The one to find", html=long_text + "<p>mine</p>")
        receipt = adapter.post(mine, None)
        for n in range(49):
            adapter.post(story(f"Chapter {n}", html=long_text + f"<p>{n}</p>"), None)
        adapter.client.transport.client.event_hooks["response"].append(count)
        found = adapter.find(None, mine, None)
    assert found is not None and receipt.remote is not None
    assert found.remote.itemid == receipt.remote.itemid
    # 50 entries of ~20 kB: the whole look-up reads about one of them, not all fifty
    assert sum(sizes) < 3 * len(long_text.encode()), sizes


def test_find_reads_candidates_one_by_one_where_multiple_is_unknown(sandbox_lj: Any) -> None:
    with make(sandbox_lj.url, dialect="lj") as adapter:
        mine = story("Old fork")
        receipt = adapter.post(mine, None)
        # an old LJ fork without selecttype "multiple": the second getevents is refused
        sandbox_lj.faults.add("fault", "getevents", code=200, after=1, count=1,
                              message="Bad selecttype value")
        found = adapter.find(None, mine, None)
    assert found is not None and receipt.remote is not None
    assert found.remote.itemid == receipt.remote.itemid
