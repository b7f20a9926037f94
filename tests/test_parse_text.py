"""Plain-text stories: header lines, fences, aliases, continuation lines, releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.story.model import Story
from crosspost.story.parse import parse_bytes, parse_file
from crosspost.story.parse.fences import is_fence

STORIES = Path(__file__).parent / "stories"
TEXT = STORIES / "text"


def story(name: str) -> Story:
    return parse_file(TEXT / name)


def test_basic_star_fence_header_and_body() -> None:
    s = story("basic-star-fence.txt")
    assert s.title == "The Lighthouse Keeper"
    assert s.author == "quietquill"
    assert s.fields["pairing"] == "Ada Vance/Mira Holt"
    assert s.fields["fandom"] == "Harbour Lights"
    assert s.fields["rating"] == "G"
    assert s.fields["summary"] == "Two keepers, one lamp."
    assert s.body_format == "text"
    assert s.body.startswith("The lamp went out at midnight")
    assert s.body.endswith('"You could have waited for morning," Ada said from the dark.')
    assert "***" not in s.body  # the closing fence is not part of the body
    assert s.body_line == 10
    assert s.warnings == ()


@pytest.mark.parametrize("name, fence", [
    ("fence-spaced-stars.txt", "* * *"),
    ("fence-dashes.txt", "---"),
    ("fence-tilde.txt", "~~~"),
    ("fence-long-dashes.txt", "-----"),
    ("fence-underscores.txt", "___"),
    ("fence-hashes.txt", "###"),
    ("fence-equals.txt", "====="),
    ("fence-mixed-tilde-star.txt", "~*~*~"),
    ("fence-word-oOo.txt", "oOo"),
])
def test_any_common_fence_ends_header_and_closes_body(name: str, fence: str) -> None:
    s = story(name)
    assert s.title == f"Fenced With {name.removesuffix('.txt')}"
    assert s.body == "The kettle sang on the stove.\n\nShe poured two cups."
    assert fence not in s.body
    assert s.body_line == 4


def test_blank_line_ends_header_without_fence() -> None:
    s = story("blank-line-no-fence.txt")
    assert s.fields == {"title": "No Fence Needed", "author": "quietquill", "rating": "G"}
    assert s.body.startswith("The header above ends at the blank line")
    assert s.body.endswith("A second paragraph, to be sure.")
    assert s.body_line == 5


def test_scene_breaks_inside_body_are_kept_as_lines() -> None:
    s = story("scene-breaks-kept.txt")
    lines = s.body.split("\n")
    assert lines[0] == "Scene one: the harbour at dawn."
    assert "* * *" in lines and "~~~" in lines
    assert [ln for ln in lines if is_fence(ln)] == ["* * *", "~~~"]
    assert lines[-1] == "Scene three: the lamp at night."  # closing *** dropped


def test_no_closing_fence_keeps_whole_body() -> None:
    s = story("no-closing-fence.txt")
    assert s.body == "The story just stops here, with no closing fence."


def test_every_alias_maps_to_its_canonical_field() -> None:
    s = story("aliases-all.txt")
    assert s.fields == {
        "title": "Every Alias", "author": "quietquill", "pairing": "Ada Vance/Mira Holt",
        "characters": "Ada, Mira, the cat", "fandom": "Harbour Lights", "rating": "PG-13",
        "warnings": "storms, mild peril", "summary": "A test of every alias.",
        "word_count": "1,234", "disclaimer": "Not mine.", "notes": "Thanks for reading.",
        "prompt": "7, Lanterns", "table": "30lanterns", "series": "Keepers",
        "part": "2 of 5", "beta": "seaglass", "spoilers": "none",
        "genre": "fluff, hurt/comfort", "release": "2026-12-05 09:00", "id": "keepers-02",
        "tags": "lighthouses, tea",
    }
    assert s.labels["author"] == "Written By"
    assert s.labels["notes"] == "A/N"
    assert s.warnings == ()
    assert s.identity == "id:keepers-02"


@pytest.mark.parametrize("header, key", [
    ("By", "author"), ("Author", "author"), ("Writer", "author"),
    ("Pairing", "pairing"), ("Pairings", "pairing"), ("Relationship", "pairing"),
    ("Ship", "pairing"), ("Characters", "characters"), ("Fandom", "fandom"),
    ("Fandoms", "fandom"), ("Rating", "rating"), ("Warnings", "warnings"),
    ("Content Notes", "warnings"), ("Contains", "warnings"), ("Summary", "summary"),
    ("Word Count", "word_count"), ("Length", "word_count"), ("Disclaimer", "disclaimer"),
    ("Notes", "notes"), ("Author's Notes", "notes"), ("A/N", "notes"), ("Prompt", "prompt"),
    ("Theme", "prompt"), ("Claim", "prompt"), ("Table", "table"), ("Series", "series"),
    ("Part", "part"), ("Chapter", "part"), ("Beta", "beta"), ("Spoilers", "spoilers"),
    ("Release", "release"), ("Post-At", "release"), ("Post Date", "release"),
])
def test_issue_alias_list(header: str, key: str) -> None:
    s = parse_bytes(f"Title: T\n{header}: some value\n***\nbody\n".encode())
    assert s.fields[key] == "some value"
    assert s.labels[key] == header
    assert s.warnings == ()


def test_field_names_are_case_insensitive() -> None:
    s = story("case-insensitive-names.txt")
    assert s.title == "Shouting Header"
    assert s.fields["pairing"] == "Ada Vance/Mira Holt"
    assert s.fields["fandom"] == "Harbour Lights"
    assert s.labels["title"] == "TITLE"  # the writer's spelling, for display


def test_unknown_fields_kept_and_warned_with_did_you_mean() -> None:
    s = story("unknown-fields-kept.txt")
    assert s.fields["fandon"] == "Harbour Lights"
    assert s.fields["cross_posted_to"] == "my own journal"
    assert s.fields["mood"] == "hopeful"
    assert s.labels["cross_posted_to"] == "Cross-posted to"
    by_line = {w.line: w for w in s.warnings}
    assert "Fandon" in by_line[3].message and by_line[3].hint == "did you mean 'Fandom'?"
    assert "Cross-posted to" in by_line[4].message and by_line[4].hint == ""
    assert "{mood}" in by_line[5].message


def test_duplicate_fields_later_wins_multivalue_joins_and_warns() -> None:
    s = story("duplicate-fields.txt")
    assert s.title == "Second Title"
    assert s.fields["pairing"] == "Ada Vance/Mira Holt, Jon Reyes/Lee Park"
    messages = [str(w) for w in s.warnings]
    assert any("line 4" in m and "'Title' given twice (also on line 1)" in m for m in messages)
    assert any("line 5" in m and "both values are kept" in m for m in messages)


def test_indented_lines_continue_the_field_above_joined_with_a_space() -> None:
    s = story("multiline-summary.txt")
    assert s.fields["summary"] == ("The first line of a summary that goes on "
                                   "and on, over an indented second line, "
                                   "and a tab-indented third line.")
    assert s.fields["fandom"] == "Harbour Lights"  # one-line fields join with a space
    assert s.body == "The body."


def test_header_paragraphs_before_fence_stay_in_header() -> None:
    s = story("header-paragraphs-before-fence.txt")
    assert s.fields["summary"] == ("set apart by a blank line, with a continuation.\n\n"
                                   "A second indented paragraph of the summary.")
    assert s.fields["notes"] == "also apart."
    assert s.body == "The story itself."


def test_story_whose_first_lines_look_like_header_stays_story() -> None:
    s = story("body-dialogue-looks-like-header.txt")
    assert set(s.fields) == {"title", "author"}
    assert s.body.startswith("Ada: Is the lamp lit?\nMira: Since dusk.\n***\nAda: Good.")
    assert s.body_line == 4


def test_release_header_goes_to_every_target() -> None:
    s = story("release-general.txt")
    assert s.releases == {None: "2026-12-05 09:00"}
    assert s.fields["release"] == "2026-12-05 09:00"


def test_per_target_release_headers() -> None:
    s = story("release-per-target.txt")
    assert s.releases == {None: "2026-12-01 12:00", "fluffy": "2026-12-05 09:00",
                          "myjournal": "2026-12-06 18:00", "den": "tomorrow 9am"}
    assert s.warnings == ()
    assert "release_fluffy" not in s.fields


def test_post_date_alias_kept_as_written() -> None:
    assert story("post-date-alias.txt").releases == {None: "+2h"}


def test_word_count_from_header_wins_else_counted() -> None:
    assert story("word-count-given.txt").word_count == 1500
    assert story("no-closing-fence.txt").word_count == 9


def test_id_header_gives_identity() -> None:
    s = story("id-field.txt")
    assert s.identity == "id:keepers-01"
    assert story("basic-star-fence.txt").identity == "story:quietquill/the-lighthouse-keeper"


def test_markdown_bold_names_accepted() -> None:
    s = story("markdown-bold-names.txt")
    assert s.fields == {"title": "Bold Names", "author": "quietquill", "rating": "G"}


def test_opening_fence_before_header() -> None:
    s = story("opening-fence-front-matter.txt")
    assert s.title == "Fenced Header"
    assert s.body == "The body after a YAML-looking header."


def test_leading_blank_lines_skipped() -> None:
    s = story("leading-blank-lines.txt")
    assert s.title == "Starts Low"
    assert s.body_line == 7


def test_url_value_is_not_split_at_its_colon() -> None:
    s = story("url-value.txt")
    assert s.fields["art"] == "https://example.org/art.png"


def test_file_without_extension_is_text() -> None:
    s = story("no-extension")
    assert s.body_format == "text"
    assert s.title == "No Extension"


def test_raw_sha256_is_hash_of_file_bytes() -> None:
    import hashlib

    path = TEXT / "basic-star-fence.txt"
    assert parse_file(path).raw_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_story_path_recorded() -> None:
    path = TEXT / "basic-star-fence.txt"
    assert parse_file(path).path == path
    assert parse_bytes(path.read_bytes()).path is None


def test_plain_text_path_imports_neither_bs4_nor_yaml() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom crosspost.story.parse import parse_bytes\n"
            "parse_bytes(b'Title: x\\nTitel: y\\n***\\nbody\\n')\n"
            "print(sorted(m for m in ('bs4', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_text_file_with_yaml_front_matter_lists() -> None:
    s = story("yaml-front-matter-with-list.txt")
    assert s.body_format == "text"
    assert s.fields["fandom"] == "Harbour Lights, Station Seven"
    assert s.body == "A plain-text story with YAML front matter."


def test_text_file_opening_dashes_then_dash_scene_break_is_not_front_matter() -> None:
    s = story("dash-fence-then-dash-scene-break.txt")
    assert s.fields == {"title": "Dashes Everywhere", "author": "quietquill"}
    assert s.body == "First scene.\n---\nSecond scene."
    assert s.warnings == ()


def test_titles_of_only_punctuation_get_distinct_identities() -> None:
    one = parse_bytes(b"Title: ???\nBy: quietquill\n***\nbody\n")
    two = parse_bytes(b"Title: !!!\nBy: quietquill\n***\nbody\n")
    assert one.identity != two.identity
    assert one.identity.startswith("story:quietquill/")


# -- HTML tags in a text story (rendered by crosspost.render.body) --------------------------

def test_text_html_tags_outside_the_allow_list_are_warned_about_with_their_line() -> None:
    s = parse_bytes(b"Title: T\nBy: me\n***\nShe said <i>no</i> & meant <b>it</b>.\n\n"
                    b"<marquee>Look</marquee> <div>x</div> <marquee>again</marquee>\n")
    shown = [str(w) for w in s.warnings]
    assert shown[0].startswith("line 6: <marquee> is not one of the HTML tags a .txt story")
    assert shown[1].startswith("line 6: <div> is not one of")
    assert len(shown) == 2  # one warning per tag name; <i> and <b> are fine


def test_text_script_tag_is_warned_about_as_removed_with_its_content() -> None:
    s = parse_bytes(b"Title: T\nBy: me\n***\nHi.\n<script>alert(1)</script>\n")
    assert [w.line for w in s.warnings] == [5]
    assert "removed together with its content" in s.warnings[0].message


def test_text_tag_like_words_and_bare_angle_brackets_are_not_warned_about() -> None:
    s = parse_bytes(b"Title: T\nBy: me\n***\na < b, Q&A, <3, <grin>, <lj user=\"bob\">\n")
    assert s.warnings == ()


def test_text_own_lj_cut_is_noted_and_a_second_one_warned_about() -> None:
    s = parse_bytes(b'Title: T\nBy: me\n***\nTeaser.\n<lj-cut text="more">\nStory.\n'
                    b"</lj-cut>\n<cut>\n")
    assert [w.line for w in s.warnings] == [5, 8]
    assert "marks where the cut starts" in s.warnings[0].message
    assert "only the first <cut> counts" in s.warnings[1].message
    assert [w.level for w in s.warnings] == ["note", "warning"]  # the first is no mistake


def test_markdown_and_html_stories_get_no_text_tag_warnings() -> None:
    s = parse_bytes(b"---\ntitle: T\nauthor: me\n---\n<marquee>x</marquee>\n",
                    path=Path("s.md"))
    assert s.warnings == ()


def test_continuation_line_after_br_keeps_its_line_break() -> None:
    s = parse_bytes(b"Title: T\nBy: me\nSummary: A poem:<br>\n  roses are red,<BR/>\n"
                    b"  violets are blue\n  and so on.\n***\nbody\n")
    assert s.fields["summary"] == "A poem:\nroses are red,\nviolets are blue and so on."


def test_wrapped_summary_renders_without_a_break_mid_sentence() -> None:
    from crosspost.render.header import html_values

    s = parse_bytes(b"Title: T\nBy: me\nSummary: a lamp left burning\n"
                    b"  in a window for someone who is late.\n***\nbody\n")
    assert html_values(s.fields)["summary"] == ("a lamp left burning in a window for someone "
                                                "who is late.")


def test_word_count_of_a_text_story_skips_its_html_tags() -> None:
    s = parse_bytes(b'Title: T\nBy: me\n***\nShe said <a href="https://example.org/x">no</a>,'
                    b" <i>twice</i>; a < b.\n")
    assert s.word_count == 6
