"""Bytes in any common encoding and line ending read the same; odd bytes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.errors import StoryError
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


# -- other scripts in legacy encodings (Windows-1251, Shift-JIS …) --------------------------

RUSSIAN = ("Title: Летний вечер\nAuthor: someone\n***\n"
           "Это история о том, как мы встретились летом. Всё кончилось хорошо.\n")
JAPANESE = ("Title: 夏の日\nAuthor: someone\n***\n"
            "私たちは夏に出会いました。それはとても長い話でしたが、最後は幸せでした。"
            "駅の前で待っていると、彼女が走ってきた。\n")


@pytest.mark.parametrize(("text", "codec", "shown"), [
    (RUSSIAN, "cp1251", "Windows-1251"), (RUSSIAN, "koi8_r", "KOI8-R"),
    (JAPANESE, "shift_jis", "Shift-JIS"), (JAPANESE, "euc_jp", "EUC-JP"),
])
def test_russian_and_japanese_legacy_files_are_read_in_their_own_encoding(
        tmp_path: Path, text: str, codec: str, shown: str) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes(text.encode(codec))
    s = parse_file(path)
    title = text.split("\n", 1)[0].removeprefix("Title: ")
    assert s.title == title
    assert s.body == text.split("***\n", 1)[1].strip()
    assert len(s.warnings) == 1
    assert "not UTF-8" in s.warnings[0].message and shown in s.warnings[0].message
    assert "Windows-1252" not in s.warnings[0].message


def test_a_legacy_file_too_short_to_tell_is_refused_not_posted_as_mojibake(
        tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes("Title: Привет\n***\nbody\n".encode("cp1251"))
    with pytest.raises(StoryError) as err:
        parse_file(path)
    assert err.value.path == path and err.value.line == 1
    assert "cannot be told for sure" in err.value.reason
    assert "UTF-8" in err.value.fix


def test_western_legacy_files_still_read_as_windows_1252() -> None:
    text = "Title: Grüße aus Köln\n***\nÉlodie était là, à côté de l’hôtel — “Ça va?”\n"
    s = parse_bytes(text.encode("cp1252"))
    assert s.title == "Grüße aus Köln"
    assert s.body == text.split("***\n", 1)[1].strip()
    assert "Windows-1252" in s.warnings[0].message
