"""Community tag filtering: only existing tags unless the account may create them."""

from __future__ import annotations

from crosspost.adapter import TagPolicy, filter_tags

TAGS = ["fandom: torchwood", "pairing: new/pair", "type: fic"]


def test_may_create_keeps_everything():
    assert filter_tags(TAGS, TagPolicy(can_create=True)) == (TAGS, [])


def test_member_keeps_only_existing_tags():
    policy = TagPolicy(can_create=False, existing=frozenset({"fandom: torchwood", "type: fic"}))
    assert filter_tags(TAGS, policy) == (["fandom: torchwood", "type: fic"],
                                         ["pairing: new/pair"])


def test_existing_tags_compared_case_insensitively():
    policy = TagPolicy(can_create=False, existing=frozenset({"Fandom: Torchwood"}))
    kept, _ = filter_tags(["fandom: torchwood"], policy)
    assert kept == ["fandom: torchwood"]


def test_no_tag_rights_drops_everything():
    assert filter_tags(TAGS, TagPolicy(can_tag=False)) == ([], TAGS)


def test_empty_tag_list():
    assert filter_tags([], TagPolicy(can_create=False)) == ([], [])
