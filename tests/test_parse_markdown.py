"""Markdown stories: YAML front matter, or a text header, over a Markdown body."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.errors import StoryError
from crosspost.story.parse import parse_bytes, parse_file

MD = Path(__file__).parent / "stories" / "md"


def test_front_matter_fields_and_markdown_body() -> None:
    s = parse_file(MD / "front-matter.md")
    assert s.body_format == "markdown"
    assert s.fields == {"title": "Lanterns in the Fog", "author": "quietquill",
                        "pairing": "Ada Vance/Mira Holt", "fandom": "Harbour Lights",
                        "rating": "PG", "summary": "Two keepers and a foggy night."}
    assert s.body == "The fog came in *thick* and **fast**.\n\n---\n\nBy morning it was gone."
    assert s.body_line == 11
    assert s.word_count == 12


def test_front_matter_lists_joined_with_commas() -> None:
    s = parse_file(MD / "front-matter-lists.md")
    assert s.fields["fandom"] == "Harbour Lights, Station Seven"
    assert s.fields["characters"] == "Ada Vance, Mira Holt, Jon Reyes"
    assert s.fields["warnings"] == ""


def test_front_matter_release_mapping_gives_per_target_times() -> None:
    s = parse_file(MD / "front-matter-release-per-target.md")
    assert s.releases == {None: "2026-12-01 12:00", "fluffy": "2026-12-05 09:00",
                          "myjournal": "2026-12-06 18:00"}
    assert s.fields["release"] == "2026-12-01 12:00"


def test_front_matter_values_kept_as_written_not_yaml_typed() -> None:
    s = parse_file(MD / "front-matter-values-as-written.md")
    assert s.fields == {"title": "1984", "author": "yes", "rating": "no",
                        "word_count": "0012", "release": "2026-12-05", "id": "007"}
    assert s.identity == "id:007"
    assert s.word_count == 12


def test_front_matter_with_colon_in_title_read_as_header_lines() -> None:
    s = parse_file(MD / "front-matter-colon-in-title.md")
    assert s.title == "Keepers: A Lighthouse Story"
    assert any("not valid YAML" in w.message for w in s.warnings)


def test_invalid_yaml_that_is_plain_header_lines_is_read_with_warning() -> None:
    s = parse_file(MD / "front-matter-invalid-yaml-read-as-header.md")
    assert s.fields["summary"] == "[unclosed, list"
    assert s.warnings[0].line == 4


def test_front_matter_closed_by_dots() -> None:
    s = parse_file(MD / "front-matter-dots-closing.md")
    assert s.title == "Dots Close It"
    assert s.body == "The body after a YAML document end marker."


def test_markdown_without_front_matter_uses_text_header() -> None:
    s = parse_file(MD / "no-front-matter-text-header.md")
    assert s.body_format == "markdown"
    assert s.title == "Markdown Without Front Matter"
    assert s.body == "A *Markdown* body under a text header.\n\n* * *\n\nSecond scene."


def test_front_matter_unknown_keys_warned_with_lines() -> None:
    s = parse_file(MD / "front-matter-unknown-and-duplicate.md")
    assert s.fields["titel"] == "typo kept" and s.fields["mood"] == "calm"
    hints = {w.line: w.hint for w in s.warnings}
    assert hints == {4: "did you mean 'Title'?", 5: ""}


@pytest.mark.parametrize("suffix", [".md", ".markdown", ".MD"])
def test_markdown_chosen_by_extension(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"story{suffix}"
    path.write_text("---\ntitle: T\n---\nbody\n")
    assert parse_file(path).body_format == "markdown"


def test_fmt_argument_overrides_extension() -> None:
    data = b"---\ntitle: T\n---\nbody *here*\n"
    assert parse_bytes(data, path=Path("x.txt"), fmt="markdown").body_format == "markdown"
    assert parse_bytes(data, fmt="markdown").title == "T"


def test_yaml_alias_bomb_is_not_expanded() -> None:
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        lines.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{', '.join(['*' + prev] * 9)}]")
    lines += ["title: bomb", "---", "body"]
    # 9**9 values if expanded; the flattening budget stops it, and the lines are then read
    # as plain header lines, as written
    s = parse_bytes("\n".join(lines).encode(), fmt="markdown")
    assert s.title == "bomb"
    assert s.fields["i"].startswith("&i [*h, *h")
    assert any("not valid YAML" in w.message for w in s.warnings)


def test_deeply_nested_yaml_value_kept_as_written() -> None:
    value = "[" * 5000 + "]" * 5000
    s = parse_bytes(f"---\ntitle: x\nsummary: {value}\n---\nbody\n".encode(),
                    fmt="markdown")
    assert s.fields["summary"] == value
    assert s.warnings[0].line == 2


def test_deeply_nested_yaml_that_is_not_header_lines_is_a_story_error() -> None:
    data = b"---\ntitle: x\n" + b"[" * 3000 + b"\n---\nbody\n"
    with pytest.raises(StoryError) as err:
        parse_bytes(data, fmt="markdown")
    assert "front matter" in err.value.reason


# -- hostile Markdown: linear time, bounded nesting ---------------------------------------

@pytest.mark.timeout(60)  # a hang guard: the scan was quadratic (minutes for this line)
def test_a_markdown_line_of_100000_cut_tags_parses_in_linear_time() -> None:
    data = b"---\ntitle: Many Cuts\n---\n" + b"<lj-cut>x</lj-cut> " * 100_000 + b"end\n"
    s = parse_bytes(data, fmt="markdown")
    assert s.cut is not None and s.body.startswith("x")


def test_markdown_html_nested_past_the_bound_is_refused_with_line_and_fix() -> None:
    # the sanitiser's time grows with the square of the depth: minutes at render time
    data = b"---\ntitle: Deep\n---\nIntro.\n\n" + b"<div>" * 100_000 + b"x\n"
    with pytest.raises(StoryError) as err:
        parse_bytes(data, path=Path("deep.md"))
    assert "nested too deeply" in err.value.reason and err.value.line == 6
    assert err.value.path == Path("deep.md") and "close the tags" in err.value.fix
