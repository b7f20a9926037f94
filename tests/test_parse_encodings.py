"""Bytes in any common encoding and line ending read the same; odd bytes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.story.parse import parse_bytes, parse_file

TEXT = Path(__file__).parent / "stories" / "text"
QUOTED = "“It’s late,” she said — and it was."


@pytest.mark.parametrize("name", ["crlf-line-endings.txt", "cr-line-endings.txt"])
def test_crlf_and_cr_line_endings_read_like_lf(name: str) -> None:
    raw = (TEXT / name).read_bytes()
    assert b"\r" in raw  # the fixture really has the line ending it is named for
    s = parse_file(TEXT / name)
    assert s.fields == {"title": "Line Endings", "author": "quietquill", "rating": "G"}
    assert s.body == "First paragraph.\n\nSecond paragraph."
    assert s.body_line == 7
    assert "\r" not in s.body


def test_mixed_line_endings() -> None:
    s = parse_file(TEXT / "mixed-line-endings.txt")
    assert s.title == "Mixed"
    assert s.body == "One.\n\nTwo."


def test_same_story_in_every_line_ending_has_same_content_hash() -> None:
    hashes = {parse_file(TEXT / n).content_hash
              for n in ("crlf-line-endings.txt", "cr-line-endings.txt")}
    lf = (TEXT / "crlf-line-endings.txt").read_bytes().replace(b"\r\n", b"\n")
    hashes.add(parse_bytes(lf).content_hash)
    assert len(hashes) == 1


@pytest.mark.parametrize("name", ["utf8-bom.txt", "utf8-no-bom.txt", "utf16-le-bom.txt"])
def test_unicode_files_with_and_without_bom(name: str) -> None:
    s = parse_file(TEXT / name)
    assert s.title == "Café “Quotes”"  # no BOM character glued to the first field name
    assert s.body == QUOTED
    assert s.warnings == ()


def test_utf8_bom_is_not_part_of_the_title_key() -> None:
    assert (TEXT / "utf8-bom.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "title" in parse_file(TEXT / "utf8-bom.txt").fields


def test_cp1252_smart_quotes_fall_back_with_a_warning() -> None:
    raw = (TEXT / "cp1252-smart-quotes.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    s = parse_file(TEXT / "cp1252-smart-quotes.txt")
    assert s.title == "Café “Quotes”"
    assert s.body == QUOTED
    assert len(s.warnings) == 1
    assert "Windows-1252" in s.warnings[0].message and s.warnings[0].line == 1


def test_undefined_cp1252_bytes_do_not_crash() -> None:
    s = parse_bytes(b"Title: Odd \x81\x8d bytes\n***\nbody \x9d here\n")
    assert s.title.startswith("Odd")
    assert "body" in s.body


def test_control_characters_removed_with_warning() -> None:
    s = parse_bytes(b"Title: Bell\x07 Title\n***\nA body\x0b with\x1b controls.\n")
    assert s.title == "Bell Title"
    assert s.body == "A body with controls."
    assert any("control characters" in w.message for w in s.warnings)


def test_tabs_and_newlines_are_not_control_characters() -> None:
    s = parse_bytes(b"Title: Tabs\n***\n\tIndented\tbody.\n")
    assert s.body == "\tIndented\tbody."
    assert s.warnings == ()


def test_truncated_utf8_sequence_falls_back_with_warning() -> None:
    s = parse_bytes("Title: Cut “Short\n***\nbody ends mid-character ".encode() + b"\xe2\x80")
    assert s.body.startswith("body ends mid-character")
    assert s.warnings[0].line == 3 and "Windows-1252" in s.warnings[0].message


def test_utf8_bom_followed_by_invalid_bytes() -> None:
    s = parse_bytes(b"\xef\xbb\xbfTitle: Junk \xc3\x28 here\n***\nbody\n")
    assert s.title.startswith("Junk")
    assert "title" in s.fields  # the BOM did not stick to the field name
    assert any("Windows-1252" in w.message for w in s.warnings)


def test_utf16_big_endian_with_bom() -> None:
    s = parse_bytes("Title: Wide\n***\nbody\n".encode("utf-16-be").join([b"\xfe\xff", b""]))
    assert s.title == "Wide" and s.body == "body"
