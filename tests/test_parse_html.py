"""HTML stories: saved posts with bold labels, fragments, cuts; hostile nesting."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crosspost.errors import StoryError
from crosspost.story.parse import parse_bytes, parse_file

HTML = Path(__file__).parent / "stories" / "html"


def test_saved_post_bold_labels_header_and_body_fragment() -> None:
    s = parse_file(HTML / "saved-post-bold-labels.html")
    assert s.body_format == "html"
    assert s.fields == {"title": "The Lighthouse Keeper", "author": "quietquill",
                        "pairing": "Ada Vance/Mira Holt",
                        "fandom": "Harbour Lights & Station Seven", "rating": "PG",
                        "summary": "Two keepers, one lamp."}
    assert s.body.startswith("<p>The lamp went out at midnight. Mira didn’t mind.</p>")
    assert s.body.endswith("<p>Morning came <i>slowly</i>, and then all at once.</p>")
    assert '<p style="text-align:center">* * *</p>' in s.body  # scene break kept
    assert "<p>***</p>" not in s.body  # closing fence dropped
    for chrome in ("Log in", "3 comments", "<b>Title:</b>", "<hr", "tracking"):
        assert chrome not in s.body
    assert s.body_line == 20


def test_saved_post_word_count_ignores_markup_and_entities() -> None:
    s = parse_file(HTML / "saved-post-bold-labels.html")
    assert s.word_count == 17


def test_paragraph_per_field_header() -> None:
    s = parse_file(HTML / "paragraph-per-field.html")
    assert s.fields == {"title": "Tea at Four", "author": "quietquill", "rating": "G"}
    assert s.body == "<p>The kettle sang.</p>\n<p>She poured.</p>"
    assert s.body_line == 4


def test_fragment_without_fence_body_starts_at_first_non_header_line() -> None:
    s = parse_file(HTML / "fragment-no-fence.html")
    assert s.author == "quietquill"
    assert s.body.startswith("First line of the story.<br/>")
    assert "By:" not in s.body
    assert s.body_line == 3


def test_lj_cut_wrapper_unwrapped_from_body() -> None:
    s = parse_file(HTML / "lj-cut-wrapped-body.html")
    assert "lj-cut" not in s.body
    assert s.body == "<p>Hidden story text.</p>\n<p>More hidden text.</p>"


def test_entities_and_comments_do_not_count_as_words() -> None:
    s = parse_file(HTML / "entities-word-count.html")
    assert s.title == "Entities & Words"
    assert s.word_count == 5


def test_per_target_release_in_html_header() -> None:
    s = parse_file(HTML / "release-per-target.html")
    assert s.releases == {None: "2026-12-01 12:00", "fluffy": "2026-12-05 09:00"}


def test_htm_extension_with_plain_text_content() -> None:
    s = parse_file(HTML / "plain-text-in-html-file.htm")
    assert s.body_format == "html"
    assert s.title == "Plain Text in an HTM File"
    assert s.body == "Just text, no tags."


def test_header_and_body_in_one_text_node() -> None:
    s = parse_bytes(b"Title: 0\n  0\n\n***\n\n", fmt="html")
    assert s.title == "0" and s.body == "0"


#: headers above the first paragraph, as hand-written HTML has them (also read by the fast
#: path's test, which collects this module's HTML strings)
PLAIN_HEADER = ("Title: Lamplight\nAuthor: quill\nRating: G\n\n***\n\n"
                "<p>The lamp went out.</p>\n<p>Morning came.</p>\n")
BOLD_LABELS_NO_BR = ("<b>Title:</b> Lamplight\n<b>Author:</b> quill\n<hr>\n"
                     "<p>The lamp went out.</p>\n")
TEXT_ABOVE_FIRST_PARAGRAPH = ("Title: Lamplight\nAuthor: quill\n***\nIt was late.\n"
                              "<p>Later still.</p>\n")
TEXT_AFTER_FIRST_PARAGRAPH = ("<p>Title: Lamplight<br>Author: quill</p>\n<hr>\n"
                              "Summary: not a field,\njust story text.\n<p>More.</p>\n")


def test_plain_header_lines_above_paragraphs_are_read_line_by_line() -> None:
    # a newline is a space in HTML with <p>, but not in the lines above the first paragraph
    s = parse_bytes(PLAIN_HEADER.encode(), fmt="html")
    assert s.fields == {"title": "Lamplight", "author": "quill", "rating": "G"}
    assert s.body == "<p>The lamp went out.</p>\n<p>Morning came.</p>"
    assert s.body_line == 7


def test_bold_labels_one_per_source_line_without_br_are_separate_fields() -> None:
    s = parse_bytes(BOLD_LABELS_NO_BR.encode(), fmt="html")
    assert s.fields == {"title": "Lamplight", "author": "quill"}
    assert s.body == "<p>The lamp went out.</p>"


def test_story_text_above_the_first_paragraph_starts_the_body() -> None:
    s = parse_bytes(TEXT_ABOVE_FIRST_PARAGRAPH.encode(), fmt="html")
    assert s.title == "Lamplight"
    assert s.body == "It was late.\n<p>Later still.</p>"
    assert s.body_line == 4


def test_newlines_after_the_first_paragraph_are_spaces_again() -> None:
    s = parse_bytes(TEXT_AFTER_FIRST_PARAGRAPH.encode(), fmt="html")
    assert s.fields == {"title": "Lamplight", "author": "quill"}
    assert s.body.startswith("Summary: not a field,\njust story text.")


@pytest.mark.parametrize("depth", [500, 5_000])
def test_deep_but_closed_nesting_parses(depth: int) -> None:
    body = "<div>" * depth + "<p>deep words</p>" + "</div>" * depth
    s = parse_bytes(f"<b>Title:</b> Deep<br><hr>{body}".encode(), fmt="html")
    assert s.title == "Deep"
    assert "deep words" in s.body
    assert s.word_count == 2


@pytest.mark.parametrize("html", [
    "<b>Title:</b> x<br>" + "<div>" * 200_000 + "story",
    "<b>Title:</b> x<br>" + "<div>" * 3_000 + "line<br>" * 3_000,
    "<div>" * 20_000 + "<b>Title:</b> x<br>" + "story<br>" * 20_000,
])
def test_hostile_nesting_is_refused_quickly(html: str) -> None:
    start = time.monotonic()
    with pytest.raises(StoryError) as err:
        parse_bytes(html.encode(), fmt="html")
    assert "nested too deeply" in err.value.reason
    assert "close the tags" in err.value.fix
    assert time.monotonic() - start < 20  # generous: refused by a linear pre-scan


def test_many_unclosed_paragraphs_still_parse() -> None:
    html = "<b>Title:</b> Old Style<br><hr>" + "<p>A paragraph of story.\n" * 2_000
    s = parse_bytes(html.encode(), fmt="html")
    assert s.word_count == 8_000


def test_unclosed_comment_and_cdata_do_not_crash() -> None:
    for tail in ("<!-- never closed", "<![CDATA[ never closed", "<script>never closed"):
        data = f"<b>Title:</b> T<br><hr><p>words</p>{tail}".encode()
        s = parse_bytes(data, fmt="html")
        assert s.title == "T"


def test_lj_style_markup_without_br_breaks_lines_at_newlines() -> None:
    s = parse_file(HTML / "lj-style-newlines.html")
    assert s.fields == {"title": "Written for LJ", "author": "quietquill", "rating": "G"}
    assert s.body.startswith("The site turns these newlines into line breaks")
    assert "<center>* * *</center>" in s.body and "lj-cut" not in s.body
    assert s.body_line == 6


def test_newline_inside_a_wrapped_html_value_is_a_space() -> None:
    s = parse_file(HTML / "wrapped-summary-in-source.html")
    assert s.fields["summary"] == ("A summary long enough that the writer wrapped it in the "
                                   "HTML source.")
    assert s.fields["rating"] == "G"
    assert s.body == "<p>The story.</p>"


def test_html_value_over_two_lines_before_a_fence_stays_in_header() -> None:
    s = parse_file(HTML / "multi-line-summary.html")
    assert s.fields["summary"] == "The first line of the summary,\nand its second line."
    assert s.fields["rating"] == "G"
    assert s.body.startswith("<p>Note: the story starts here.</p>")
    assert "<p>Rating: not a header, this is story.</p>" in s.body


def test_story_lines_after_an_unfenced_html_header_stay_story() -> None:
    s = parse_file(HTML / "fragment-no-fence.html")
    assert s.body.count("line of the story") == 2


def test_too_many_elements_is_refused_with_line_and_fix_before_building_a_tree() -> None:
    # 100,000 flat tags: bs4 would take ~20 s and ~200 MB; refused by the linear pre-scan
    html = "<b>Title:</b> Flat<br><hr>\n" + "<br>x\n" * 100_000
    with pytest.raises(StoryError) as err:
        parse_bytes(html.encode(), path=Path("flat.html"))
    assert "too many elements" in err.value.reason
    assert err.value.path == Path("flat.html") and err.value.line is not None
    assert err.value.line > 50_000 and "split the story" in err.value.fix


def test_nesting_refusal_names_the_line_where_it_went_too_deep() -> None:
    html = "<b>Title:</b> x<br><hr>\n" + "<div>\n" * 20_000 + "story"
    with pytest.raises(StoryError) as err:
        parse_bytes(html.encode(), path=Path("deep.html"))
    assert err.value.line is not None and 9_000 < err.value.line < 11_000
