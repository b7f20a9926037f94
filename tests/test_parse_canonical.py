"""The canonical example story from the team's shared folder (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.story.parse import parse_file
from crosspost.story.parse.fences import is_fence

EXAMPLE = Path(__file__).resolve().parents[2] / "shared/examples/come-back-and-stay.txt"

pytestmark = pytest.mark.skipif(not EXAMPLE.exists(), reason="../shared example not present")


def test_canonical_example_header_fields() -> None:
    s = parse_file(EXAMPLE)
    assert s.title == "Come Back and Stay"
    assert s.author == "angstytimelord"
    assert s.labels["author"] == "By"
    assert s.fields["pairing"] == "Ianto Jones/Tenth Doctor"
    assert s.fields["fandom"] == "Torchwood/Doctor Who"
    assert s.fields["rating"] == "PG"
    assert s.fields["table"] == "25fluffyfics"
    assert s.fields["prompt"] == "22, Parting"
    assert s.fields["disclaimer"].startswith("This is entirely a product of my imagination")
    assert s.fields["disclaimer"].endswith("Please do not sue.")
    assert s.warnings == ()


def test_canonical_example_body() -> None:
    s = parse_file(EXAMPLE)
    assert s.body_format == "text"
    assert s.body.startswith('"Ianto, it\'s not going to be forever."')
    assert not s.body.rstrip().endswith("***")
    assert not any(is_fence(line) for line in s.body.split("\n")[-3:])
    assert s.body_line == 12
    assert s.word_count > 1000
    assert s.identity == "story:angstytimelord/come-back-and-stay"
