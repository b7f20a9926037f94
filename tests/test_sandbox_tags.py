"""Sandbox tag rules (§5): canonicalisation, add/control permissions per dialect, visibility."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable

import pytest
from ljclient import LJ

from crosspost.sandbox import SandboxServer

NEW_TAG_MESSAGE = ("You are not allowed to create new tags for this journal; the entry was not "
                   "tagged with fandom: sherlock.")


def _tags(server: SandboxServer, journal: str) -> list[list[str]]:
    return [e.tags for e in server.world.list_entries(journal)]


def test_tags_are_canonicalised(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(usejournal="fluffyfics",
                         props={"taglist": "  Type:   FIC ,Rating: PG,type: fic"})
    assert _tags(sandbox, "fluffyfics") == [["type: fic", "rating: pg"]]


def test_taglist_may_be_an_array(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(usejournal="fluffyfics", props={"taglist": ["type: fic",
                                                                     "rating: pg"]})
    assert _tags(sandbox, "fluffyfics") == [["type: fic", "rating: pg"]]


def test_long_tags_are_truncated_to_40_chars(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(props={"taglist": "x" * 60})
    assert _tags(sandbox, "writer") == [["x" * 40]]


def test_dw_member_with_a_new_tag_gets_no_tags_and_a_message(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(usejournal="fluffyfics",
                               props={"taglist": "type: fic, fandom: sherlock"})
    assert res["itemid"] and res["message"] == NEW_TAG_MESSAGE
    assert _tags(sandbox, "fluffyfics") == [[]]
    assert "fandom: sherlock" not in sandbox.world.require("fluffyfics").tags


def test_lj_member_with_a_new_tag_keeps_existing_tags_with_a_warning(
        sandbox_lj: SandboxServer) -> None:
    res = LJ(sandbox_lj.url, secret="sandbox-password").post(
        usejournal="fluffyfics", props={"taglist": "type: fic, fandom: sherlock"})
    assert res["itemid"] and "message" not in res
    assert len(res["warnings"]) == 1 and "fandom: sherlock" in res["warnings"][0]
    assert _tags(sandbox_lj, "fluffyfics") == [["type: fic"]]


def test_maintainer_creates_new_tags(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(usejournal="writersden", props={"taglist": "fandom: sherlock"})
    assert "message" not in res
    assert _tags(sandbox, "writersden") == [["fandom: sherlock"]]
    assert "fandom: sherlock" in sandbox.world.require("writersden").tags


def test_no_add_permission_is_312_and_never_313(sandbox: SandboxServer) -> None:
    sandbox.world.update("fluffyfics", tag_add="private")
    with pytest.raises(xmlrpc.client.Fault) as err:
        LJ(sandbox.url).post(usejournal="fluffyfics", props={"taglist": "type: fic"})
    assert err.value.faultString == ("Client error: Not allowed to add tags to entries in this "
                                     "journal")
    assert LJ(sandbox.url).post(usejournal="fluffyfics")["itemid"]


def test_dw_tags_max_drops_all_tags_with_a_message(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(tags_max=1)
    res = LJ(server.url).post(props={"taglist": "one, two"})
    assert res["message"].startswith("Adding this tag would exceed your maximum of 1 tags")
    assert _tags(server, "writer") == [[]]


def test_seeded_tags_are_visible_to_members(sandbox: SandboxServer) -> None:
    names = {t["name"] for t in LJ(sandbox.url).call("getusertags",
                                                     usejournal="fluffyfics")["tags"]}
    assert names == {"pairing: ianto jones/tenth doctor", "fandom: torchwood",
                     "fandom: doctor who", "rating: pg", "rating: teen", "type: fic"}


def test_getusertags_hides_unused_tags_from_members(sandbox: SandboxServer) -> None:
    writer, mod = LJ(sandbox.url), LJ(sandbox.url, "mod", "mod-key")
    sandbox.world.add_tags("fluffyfics", "fandom: sherlock")

    def names(lj: LJ) -> set[str]:
        return {t["name"] for t in lj.call("getusertags", usejournal="fluffyfics")["tags"]}

    assert "fandom: sherlock" not in names(writer)
    assert "fandom: sherlock" in names(mod)
    mod.post(usejournal="fluffyfics", props={"taglist": "fandom: sherlock"})
    tags = writer.call("getusertags", usejournal="fluffyfics")["tags"]
    assert next(t for t in tags if t["name"] == "fandom: sherlock") == {
        "name": "fandom: sherlock", "display": 1, "uses": 1, "security_level": "public",
        "security": {"public": 1, "private": 0, "protected": 0, "groups": {}}}


def test_getusertags_hides_tags_used_only_on_private_entries(sandbox: SandboxServer) -> None:
    mod = LJ(sandbox.url, "mod", "mod-key")
    sandbox.world.add_tags("writersden", "secret", "members")
    mod.post(usejournal="writersden", security="private", props={"taglist": "secret"})
    mod.post(usejournal="writersden", security="usemask", allowmask=1, event="members",
             props={"taglist": "members"})
    sandbox.world.set_role("writersden", "reader", member=True)
    names = [t["name"] for t in LJ(sandbox.url, "reader", "sandbox-password").call(
        "getusertags", usejournal="writersden")["tags"]]
    assert "members" in names and "secret" not in names
    levels = {t["name"]: t["security_level"] for t in mod.call(
        "getusertags", usejournal="writersden")["tags"]}
    assert levels["secret"] == "private" and levels["members"] == "protected"


def test_lj_getusertags_uses_friends_wording(sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url, "mod", "sandbox-password")
    lj.post(usejournal="writersden", security="usemask", allowmask=1,
            props={"taglist": "members only"})
    tag = next(t for t in lj.call("getusertags", usejournal="writersden")["tags"]
               if t["name"] == "members only")
    assert tag["security_level"] == "friends" and tag["security"]["friends"] == 1


def test_dw_non_ascii_tag_names_arrive_double_encoded(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(usejournal="writersden", props={"taglist": "fandom: pokémon"})
    names = [t["name"] for t in lj.call("getusertags", usejournal="writersden")["tags"]]
    assert "fandom: pokÃ©mon" in names
    # the same tag inside getevents' taglist prop is base64 (bytes)
    event = lj.events(usejournal="writersden")[0]
    assert event["props"]["taglist"] == "fandom: pokémon".encode()


def test_lj_non_ascii_tag_names_arrive_as_base64(sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url, secret="sandbox-password")
    lj.post(usejournal="writersden", props={"taglist": "Fandom: Pokémon"})
    names = [t["name"] for t in lj.call("getusertags", usejournal="writersden")["tags"]]
    assert "Fandom: Pokémon".encode() in names  # LJ lower-cases only pure-ASCII tags


def test_edit_with_unchanged_tags_gives_no_message(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics", props={"taglist": "type: fic"})
    sandbox.world.update("fluffyfics", tag_add="private")
    edit = lj.edit(res["itemid"], usejournal="fluffyfics", event="new text",
                   props={"taglist": "Type: Fic"})
    assert "message" not in edit
    changed = lj.edit(res["itemid"], usejournal="fluffyfics", event="new text",
                      props={"taglist": "rating: pg"})
    assert changed["message"] == "You are not allowed to tag entries in this journal."
    assert _tags(sandbox, "fluffyfics") == [["type: fic"]]


def test_dw_edit_with_a_new_tag_leaves_tags_unchanged(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics", props={"taglist": "type: fic"})
    edit = lj.edit(res["itemid"], usejournal="fluffyfics", event="v2",
                   props={"taglist": "type: fic, fandom: sherlock"})
    assert edit["message"] == NEW_TAG_MESSAGE
    assert _tags(sandbox, "fluffyfics") == [["type: fic"]]
    lj.edit(res["itemid"], usejournal="fluffyfics", event="v3",
            props={"taglist": "type: fic, rating: pg"})
    assert _tags(sandbox, "fluffyfics") == [["type: fic", "rating: pg"]]


def test_dw_members_cannot_remove_tags_on_edit(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics", props={"taglist": "type: fic, rating: pg"})
    edit = lj.edit(res["itemid"], usejournal="fluffyfics", event="v2",
                   props={"taglist": "type: fic"})
    assert edit["message"].startswith("You are not allowed to remove tags")
    assert _tags(sandbox, "fluffyfics") == [["type: fic", "rating: pg"]]
    den = lj.post(usejournal="writersden", props={"taglist": "type: fic, draft"})
    assert "message" not in lj.edit(den["itemid"], usejournal="writersden", event="v2",
                                    props={"taglist": "type: fic"})
    assert _tags(sandbox, "writersden") == [["type: fic"]]


def test_ij_drops_new_tags_silently(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory("ij")
    res = LJ(server.url, secret="sandbox-password").post(
        usejournal="fluffyfics", props={"taglist": "type: fic, fandom: sherlock"})
    assert "warnings" not in res and "message" not in res
    assert _tags(server, "fluffyfics") == [["type: fic"]]


def test_lj_accepts_journal_as_usejournal(sandbox_lj: SandboxServer) -> None:
    LJ(sandbox_lj.url, secret="sandbox-password").post(journal="fluffyfics")
    assert len(sandbox_lj.world.list_entries("fluffyfics")) == 1
