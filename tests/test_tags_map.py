"""Header fields → tags per target: templates, splitting, value map, constants, notes."""

from __future__ import annotations

from crosspost.config import TagRules
from crosspost.render.tags import map_tags
from crosspost.story.model import Story

FLUFFY = TagRules(
    fields={"pairing": "pairing: {value}", "fandom": "fandom: {value}",
            "rating": "rating: {value}"},
    constant=["type: fic"],
    values={"PG-13": "teen"},
)


def story(**fields: str) -> Story:
    return Story(fields={"title": "Tea", **fields}, body="Some words.")


def test_fields_become_tags_in_config_order():
    s = story(rating="PG", fandom="Torchwood", pairing="Ianto Jones/Tenth Doctor")
    tags, notes = map_tags(s, FLUFFY)
    assert tags == ["pairing: ianto jones/tenth doctor", "fandom: torchwood", "rating: pg",
                    "type: fic"]
    assert notes == []


def test_fandom_splits_on_slash_comma_semicolon():
    tags, _ = map_tags(story(fandom="Torchwood/Doctor Who; Merlin, Spooks"),
                       TagRules(fields={"fandom": "{value}"}))
    assert tags == ["torchwood", "doctor who", "merlin", "spooks"]


def test_fandom_with_an_ampersand_in_its_name_stays_whole():
    tags, _ = map_tags(story(fandom="Pride & Prejudice - Jane Austen, Law & Order: SVU"),
                       TagRules(fields={"fandom": "fandom: {value}"}))
    assert tags == ["fandom: pride & prejudice - jane austen", "fandom: law & order: svu"]


def test_pairing_never_splits_on_slash():
    tags, _ = map_tags(story(pairing="Jack/Ianto, Gwen/Rhys; John/Sherlock"),
                       TagRules(fields={"pairing": "{value}"}))
    assert tags == ["jack/ianto", "gwen/rhys", "john/sherlock"]


def test_characters_and_warnings_split_on_comma_and_semicolon():
    s = story(characters="Ianto Jones, The Doctor; Jack", warnings="Angst; Character death")
    tags, _ = map_tags(s, TagRules(fields={"characters": "character: {value}",
                                          "warnings": "warning: {value}"}))
    assert tags == ["character: ianto jones", "character: the doctor", "character: jack",
                    "warning: angst", "warning: character death"]


def test_split_override_per_target():
    rules = TagRules(fields={"pairing": "{value}"}, split={"pairing": ["/", ","]})
    tags, _ = map_tags(story(pairing="Jack/Ianto"), rules)
    assert tags == ["jack", "ianto"]


def test_value_map_case_insensitive():
    tags, _ = map_tags(story(rating="pg-13"), FLUFFY)
    assert "rating: teen" in tags


def test_value_map_to_empty_drops_the_value():
    rules = TagRules(fields={"rating": "rating: {value}"}, values={"Gen": ""})
    assert map_tags(story(rating="Gen"), rules)[0] == []


def test_several_templates_per_field():
    rules = TagRules(fields={"fandom": ["fandom: {value}", "{value}"]})
    assert map_tags(story(fandom="Merlin"), rules)[0] == ["fandom: merlin", "merlin"]


def test_constant_tag_templates_reach_fields():
    rules = TagRules(constant=["author: {author}", "beta: {beta}", "type: fic"])
    tags, _ = map_tags(story(author="AngstyWriter"), rules)
    assert tags == ["author: angstywriter", "type: fic"]


def test_templates_reach_other_fields_by_name():
    rules = TagRules(fields={"pairing": "{fandom}: {value}"})
    assert map_tags(story(pairing="A/B", fandom="Merlin"), rules)[0] == ["merlin: a/b"]


def test_unknown_story_fields_can_be_mapped():
    s = Story(fields={"title": "T", "recipient": "Friend"}, body="x")
    assert map_tags(s, TagRules(fields={"recipient": "for: {value}"}))[0] == ["for: friend"]


def test_duplicates_removed_order_kept():
    rules = TagRules(fields={"fandom": "{value}", "characters": "{value}"})
    tags, _ = map_tags(story(fandom="Merlin, Arthur", characters="arthur, Gwen"), rules)
    assert tags == ["merlin", "arthur", "gwen"]


def test_long_tag_cut_and_reported():
    rules = TagRules(fields={"pairing": "pairing: {value}"})
    s = story(pairing="Ianto Jones/The Tenth Doctor in his Brown Suit")
    tags, notes = map_tags(s, rules)
    assert tags == ["pairing: ianto jones/the tenth doctor in"]
    assert len(notes) == 1 and "cut to" in notes[0] and "40" in notes[0]


def test_invalid_tag_dropped_with_note():
    rules = TagRules(constant=["<>", "ok"])
    tags, notes = map_tags(story(), rules)
    assert tags == ["ok"]
    assert len(notes) == 1 and "dropped" in notes[0]


def test_missing_field_gives_no_tags():
    assert map_tags(story(), FLUFFY)[0] == ["type: fic"]


def test_value_map_can_name_a_whole_value_before_splitting():
    rules = TagRules(fields={"fandom": "fandom: {value}"},
                     values={"Torchwood/Doctor Who": "whoniverse"})
    assert map_tags(story(fandom="torchwood / doctor who"), rules)[0] == ["fandom: whoniverse"]
    assert map_tags(story(fandom="Torchwood/Merlin"), rules)[0] == ["fandom: torchwood",
                                                                     "fandom: merlin"]
