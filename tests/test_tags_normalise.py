"""Tag normalisation to what LJ-code sites accept (reference §5)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crosspost.render.tags import TAG_MAX_BYTES, TAG_MAX_CHARS, normalise_tag


def test_lower_case_and_whitespace_squeezed():
    assert normalise_tag("  Fandom:   Doctor\tWho ") == "fandom: doctor who"


def test_commas_become_spaces():
    assert normalise_tag("tea, earl grey") == "tea earl grey"


def test_angle_brackets_removed():
    assert normalise_tag("<b>bold</b> tag") == "b bold /b tag"


def test_leading_underscore_removed():
    assert normalise_tag("__private tag") == "private tag"


def test_nothing_valid_left_gives_none():
    assert normalise_tag(" , <> _ ") is None
    assert normalise_tag("") is None


def test_long_tag_cut_at_word_boundary():
    tag = normalise_tag("pairing: a very long pairing name that goes on and on forever")
    assert tag == "pairing: a very long pairing name that"
    assert len(tag) <= TAG_MAX_CHARS


def test_long_tag_without_spaces_cut_hard():
    assert normalise_tag("x" * 50) == "x" * 40


def test_multibyte_tag_respects_byte_limit():
    tag = normalise_tag("ü" * 45)
    assert tag is not None
    assert len(tag.encode()) <= TAG_MAX_BYTES
    assert len(tag) == 40


def test_non_ascii_lower_cased():
    assert normalise_tag("Über Fandom") == "über fandom"


@given(st.text(max_size=120))
def test_normalised_tags_always_pass_the_servers_rules(text):
    tag = normalise_tag(text)
    if tag is None:
        return
    assert tag == tag.strip() and tag
    assert len(tag) <= TAG_MAX_CHARS and len(tag.encode()) <= TAG_MAX_BYTES
    assert not any(c in tag for c in ",<>\r\n\t")
    assert not tag.startswith("_")
    assert "  " not in tag
    assert normalise_tag(tag) == tag
