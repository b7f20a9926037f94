"""Templates: fields by name, optional groups, literals, syntax errors."""

from __future__ import annotations

import pytest

from crosspost.story.template import TemplateError, check, fields_in, fill, fill_optional

SUBJECT = "{title}[ ({pairing}[, {rating}])]"


def test_fill_fields_by_name():
    assert fill("{title} by {author}", {"title": "Tea", "author": "Me"}) == "Tea by Me"


def test_fill_missing_field_renders_empty_not_keyerror():
    assert fill("{title}|{nonesuch}|", {"title": "Tea"}) == "Tea||"


def test_fill_placeholder_names_match_like_header_names():
    values = {"pairing": "A/B", "word_count": "1,200", "cross_posted_to": "x"}
    assert fill("{Pairings} {Word Count} {Cross-posted to}", values) == "A/B 1,200 x"


def test_optional_group_kept_when_its_field_is_filled():
    assert fill(SUBJECT, {"title": "Tea", "pairing": "A/B", "rating": "PG"}) == "Tea (A/B, PG)"


def test_nested_optional_group_vanishes_alone():
    assert fill(SUBJECT, {"title": "Tea", "pairing": "A/B"}) == "Tea (A/B)"


def test_optional_group_vanishes_when_its_own_fields_are_empty():
    assert fill(SUBJECT, {"title": "Tea", "rating": "PG"}) == "Tea"
    assert fill(SUBJECT, {"title": "Tea"}) == "Tea"


def test_group_without_fields_keeps_its_brackets():
    assert fill("[Fic] {title}", {"title": "Tea"}) == "[Fic] Tea"


def test_group_of_only_nested_groups_vanishes_when_all_do():
    tpl = "x[ <[{a}][{b}]>]"
    assert fill(tpl, {}) == "x"
    assert fill(tpl, {"b": "B"}) == "x <B>"


def test_literal_braces_and_brackets():
    assert fill(r"{{x}} \[{a}\] \\", {"a": "A"}) == "{x} [A] \\"


@pytest.mark.parametrize("bad", ["{title", "title}", "[{a}", "{a}]", "{}", "{a[b}"])
def test_syntax_errors_raise_template_error(bad):
    with pytest.raises(TemplateError):
        fill(bad, {})
    assert check(bad)


def test_check_accepts_good_template():
    assert check(SUBJECT) is None


def test_fields_in_lists_nested_fields():
    assert fields_in(SUBJECT) == {"title", "pairing", "rating"}


def test_fill_optional_vanishes_when_all_fields_empty():
    assert fill_optional("author: {author}", {}) == ""
    assert fill_optional("author: {author}", {"author": "Me"}) == "author: Me"
    assert fill_optional("type: fic", {}) == "type: fic"
