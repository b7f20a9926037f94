"""The writer's own cut in HTML and Markdown stories (``<lj-cut text="…">``, DW's ``<cut>``):
kept where the writer put it, with the writer's text, as a text story's ``<lj-cut>`` line."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_render_body import well_formed  # same folder (pytest puts it on sys.path)

from crosspost.adapter import Adapter
from crosspost.cli import main
from crosspost.config import Config
from crosspost.errors import StoryError
from crosspost.render import compose
from crosspost.render.body import body_sections
from crosspost.story.model import Cut, Story
from crosspost.story.parse import parse_bytes, parse_file

HTML = Path(__file__).parent / "stories" / "html"
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"

HTML_HEAD = "<b>Title:</b> Lamplight<br>\n<b>Author:</b> quietquill<br>\n"
MD_HEAD = "---\ntitle: Lamplight\nauthor: quietquill\n---\n"
TXT_HEAD = "Title: Lamplight\nAuthor: quietquill\n***\n"


def html_story(body: str) -> Story:
    return parse_bytes((HTML_HEAD + body).encode(), fmt="html")


def md_story(body: str) -> Story:
    return parse_bytes((MD_HEAD + body).encode(), fmt="markdown")


def event(story: Story, **keys: object) -> str:
    """The event HTML the story's target gets (no header block, the default cut text)."""
    cfg = Config(accounts={"a": {"site": "sandbox", "username": "writer"}},
                 targets={"t": {"account": "a", "header_fields": [],
                                "cut_text": "Read {title}", **keys}})
    return compose(story, cfg.rendering_for("t"), target="t", cut=Adapter.cut).html


def cut_parts(html: str) -> tuple[str, str, str]:
    """(above, cut text, inside) of a rendered event with one cut."""
    m = re.fullmatch(r'(?s)(.*?)<lj-cut(?: text="([^"]*)")?>(.*)</lj-cut>', html)
    assert m is not None, html
    return m.group(1).strip(), m.group(2) or "", m.group(3).strip()


# -- HTML: the F7 case and the forms a saved post's cut takes ------------------------------

@pytest.mark.parametrize("cut", [
    '<lj-cut text="read more">\n<p>Behind.</p>\n</lj-cut>\n',  # closed
    '<lj-cut text="read more">\n<p>Behind.</p>\n',  # never closed
    '<lj-cut text="read more" />\n<p>Behind.</p>\n',  # self-closing
    '<lj-cut text="read more"></lj-cut>\n<p>Behind.</p>\n',  # empty, closed at once
    '<LJ-CUT TEXT="read more">\n<p>Behind.</p>\n</LJ-CUT>\n',  # upper case
    '<cut text="read more">\n<p>Behind.</p>\n</cut>\n',  # DW's spelling
])
def test_html_cut_keeps_the_teaser_above_and_the_writers_cut_text(cut: str) -> None:
    s = html_story("<p>Teaser above.</p>\n" + cut)
    assert s.cut is not None and s.cut.text == "read more"
    assert "cut" not in s.body.lower()
    above, text, inside = cut_parts(event(s))
    assert (above, text, inside) == ("<p>Teaser above.</p>", "read more", "<p>Behind.</p>")


def test_html_cut_is_not_doubled_and_its_tags_leave_the_body() -> None:
    html = event(html_story('<p>Teaser.</p><lj-cut text="on"><p>Story.</p></lj-cut>'))
    assert html.count("<lj-cut") == 1 and html.count("</lj-cut>") == 1


def test_html_cut_without_text_takes_the_targets_cut_text() -> None:
    s = html_story("<p>Teaser.</p>\n<lj-cut>\n<p>Story.</p>\n</lj-cut>\n")
    assert s.cut is not None and s.cut.text == ""
    assert s.body[:s.cut.at].strip() == "<p>Teaser.</p>"
    assert cut_parts(event(s))[:2] == ("<p>Teaser.</p>", "Read Lamplight")


def test_html_cut_text_entities_decoded_and_spaces_collapsed() -> None:
    s = html_story('<p>T.</p><cut text="Read  &quot;more&quot;\n &amp; more"><p>S.</p>')
    assert s.cut is not None and s.cut.text == 'Read "more" & more'
    assert '<lj-cut text="Read &quot;more&quot; &amp; more">' in event(s)


def test_html_cut_wrapping_the_whole_story_starts_the_cut_at_the_body() -> None:
    s = parse_file(HTML / "lj-cut-wrapped-body.html")
    assert s.body == "<p>Hidden story text.</p>\n<p>More hidden text.</p>"
    assert s.cut == Cut(0, "Read more")
    assert cut_parts(event(s)) == ("", "Read more",
                                   "<p>Hidden story text.</p>\n<p>More hidden text.</p>")


def test_lj_style_markup_cut_keeps_its_text() -> None:
    s = parse_file(HTML / "lj-style-newlines.html")
    assert s.cut == Cut(0, "the story")


def test_html_cut_after_an_hr_fence_starts_with_the_body() -> None:
    s = html_story('<hr>\n<lj-cut text="in"></lj-cut>\n<p>Story.</p>')
    assert s.body == "<p>Story.</p>" and s.cut == Cut(0, "in")


def test_html_text_after_the_closing_tag_is_inside_the_cut_as_in_text_stories() -> None:
    s = html_story('<p>T.</p><lj-cut text="x"><p>A.</p></lj-cut><p>After.</p>')
    assert cut_parts(event(s))[2] == "<p>A.</p><p>After.</p>"
    txt = parse_bytes((TXT_HEAD + 'T.\n\n<lj-cut text="x">\n\nA.\n\n</lj-cut>\n\nAfter.\n'
                       ).encode(), fmt="text")
    assert "After." in cut_parts(event(txt))[2]


def test_html_second_cut_is_removed_its_content_kept_and_warned() -> None:
    s = html_story('<p>T.</p>\n<lj-cut text="one"><p>A.</p></lj-cut>\n<p>Mid.</p>\n'
                   '<lj-cut text="two"><p>B.</p></lj-cut>\n')
    assert s.cut is not None and s.cut.text == "one"
    above, text, inside = cut_parts(event(s))
    assert (above, text) == ("<p>T.</p>", "one")
    assert [p for p in ("A.", "Mid.", "B.") if p in inside] == ["A.", "Mid.", "B."]
    notes = [str(w) for w in s.warnings]
    assert any("line 4: <lj-cut> marks where the cut starts" in n for n in notes)
    assert any("line 6: only the first <lj-cut> counts" in n for n in notes)


def test_html_cut_inside_a_paragraph_splits_it_into_two_well_formed_parts() -> None:
    s = html_story('<hr><p>Teaser <i>half <lj-cut text="x">way</i> on.</p><p>More.</p>')
    above, _, inside = cut_parts(event(s))
    assert above == "<p>Teaser <i>half </i></p>"
    assert inside == "<p><i>way</i> on.</p><p>More.</p>"
    assert well_formed(above) and well_formed(inside)


def test_html_cut_inside_a_wrapper_keeps_the_wrapper_on_both_sides() -> None:
    s = html_story('<hr><blockquote><p>Kept.</p><lj-cut text="x"><p>Hid.</p></lj-cut>'
                   "</blockquote><p>After.</p>")
    above, _, inside = cut_parts(event(s))
    assert above == "<blockquote><p>Kept.</p></blockquote>"
    assert inside == "<blockquote><p>Hid.</p></blockquote><p>After.</p>"


def test_html_cut_at_the_very_end_means_no_cut_as_in_text_stories() -> None:
    s = html_story('<p>All of it.</p>\n<lj-cut text="x"></lj-cut>\n')
    assert event(s) == "<p>All of it.</p>"
    txt = parse_bytes((TXT_HEAD + 'All of it.\n<lj-cut text="x">\n').encode(), fmt="text")
    assert event(txt) == "<p>All of it.</p>"


def test_html_cut_in_a_comment_or_hidden_element_does_not_count() -> None:
    s = html_story('<p>T. <!-- <lj-cut text="c"> --></p><noscript><lj-cut text="n">'
                   '</noscript><p>A.</p><lj-cut text="real"><p>B.</p>')
    assert s.cut is not None and s.cut.text == "real"
    assert cut_parts(event(s))[:2] == ("<p>T. </p><p>A.</p>", "real")


def test_html_story_without_a_cut_is_unchanged() -> None:
    s = html_story("<p>One.</p>\n<p>Two.</p>\n")
    assert s.cut is None and s.body == "<p>One.</p>\n<p>Two.</p>"
    assert cut_parts(event(s)) == ("", "Read Lamplight", "<p>One.</p>\n<p>Two.</p>")


def test_htm_file_honours_the_cut_too(tmp_path: Path) -> None:
    path = tmp_path / "saved.htm"
    path.write_bytes((HTML_HEAD + '<p>Teaser.</p>\r\n<lj-cut text="more">\r\n<p>Rest.</p>'
                      "\r\n</lj-cut>\r\n").encode())
    s = parse_file(path)
    assert s.body_format == "html" and s.cut is not None and s.cut.text == "more"
    assert cut_parts(event(s)) == ("<p>Teaser.</p>", "more", "<p>Rest.</p>")


def test_target_without_a_cut_shows_the_whole_html_story() -> None:
    s = html_story('<p>Teaser.</p><lj-cut text="x"><p>Story.</p></lj-cut>')
    assert event(s, cut=False) == "<p>Teaser.</p>\n\n<p>Story.</p>"


# -- the story: hash and word count -------------------------------------------------------

def test_moving_the_cut_or_changing_its_text_is_an_edit() -> None:
    base = html_story('<p>A.</p><lj-cut text="x"><p>B.</p><p>C.</p>')
    moved = html_story('<p>A.</p><p>B.</p><lj-cut text="x"><p>C.</p>')
    retitled = html_story('<p>A.</p><lj-cut text="y"><p>B.</p><p>C.</p>')
    assert base.body == moved.body == retitled.body
    assert len({base.content_hash, moved.content_hash, retitled.content_hash}) == 3


def test_a_story_without_a_cut_hashes_as_before() -> None:
    s = Story(fields={"title": "T"}, body="<p>x</p>", body_format="html")
    assert s.content_hash == Story(fields={"title": "T"}, body="<p>x</p>",
                                   body_format="html", cut=None).content_hash
    assert s.content_hash != Story(fields={"title": "T"}, body="<p>x</p>",
                                   body_format="html", cut=Cut(0)).content_hash


def test_cut_tag_does_not_change_the_word_count() -> None:
    cut = html_story('<p>One two.</p><lj-cut text="three four"><p>Five six.</p>')
    plain = html_story("<p>One two.</p><p>Five six.</p>")
    assert cut.word_count == plain.word_count == 4


# -- Markdown -------------------------------------------------------------------------------

@pytest.mark.parametrize("cut", [
    '<lj-cut text="read more">\nBehind.\n</lj-cut>\n',
    '\n<lj-cut text="read more">\n\nBehind.\n',
    '<cut text="read more">\nBehind.\n',
])
def test_markdown_cut_line_keeps_the_teaser_above_and_the_writers_text(cut: str) -> None:
    s = md_story("Teaser *above*.\n" + cut)
    assert s.cut is not None and "cut" not in s.body
    assert cut_parts(event(s)) == ("<p>Teaser <em>above</em>.</p>", "read more",
                                   "<p>Behind.</p>")


def test_markdown_cut_in_code_is_code_not_a_cut() -> None:
    s = md_story("Teaser.\n\n```\n<lj-cut text=\"code\">\n```\n\nUse `<lj-cut>` here.\n\n"
                 "    <lj-cut>\n\nEnd.\n")
    assert s.cut is None and s.body.count("<lj-cut") == 3
    assert "&lt;lj-cut" in event(s)


def test_markdown_reference_link_defined_below_the_cut_works_above_it() -> None:
    s = md_story("See [the map][1].\n\n<lj-cut>\n\nThe road.\n\n[1]: https://example.org/map\n")
    above, _, inside = cut_parts(event(s))
    assert above == '<p>See <a href="https://example.org/map">the map</a>.</p>'
    assert inside == "<p>The road.</p>"


def test_markdown_second_cut_removed_and_warned() -> None:
    s = md_story('A.\n<lj-cut text="one">\nB.\n<lj-cut text="two">\nC.\n')
    assert cut_parts(event(s)) == ("<p>A.</p>", "one", "<p>B.</p>\n<p>C.</p>")
    notes = [str(w) for w in s.warnings]
    assert "line 6: <lj-cut> marks where the cut starts" in notes[0]
    assert "line 8: only the first <lj-cut> counts" in notes[1]


def test_markdown_cut_first_in_the_body_hides_it_all() -> None:
    s = md_story('<lj-cut text="all">\nStory.\n')
    assert s.body == "Story." and s.body_line == 6 and s.cut == Cut(0, "all")


def test_markdown_without_front_matter_honours_the_cut() -> None:
    s = parse_bytes((TXT_HEAD + 'Teaser.\n<lj-cut text="t">\nStory.\n').encode(),
                    fmt="markdown")
    assert cut_parts(event(s)) == ("<p>Teaser.</p>", "t", "<p>Story.</p>")


def test_text_story_with_front_matter_keeps_its_cut_line_in_the_body() -> None:
    s = parse_bytes(b'---\ntitle: T\n---\nTeaser.\n<lj-cut text="t">\nStory.\n', fmt="text")
    assert s.cut is None and '<lj-cut text="t">' in s.body
    assert cut_parts(event(s)) == ("<p>Teaser.</p>", "t", "<p>Story.</p>")


# -- one story, three formats: the same post ------------------------------------------------

SAME = {
    "text": TXT_HEAD + 'Teaser above.\n\n<lj-cut text="read more">\n\nBehind the cut.\n\n'
                       "Second part.\n",
    "markdown": MD_HEAD + 'Teaser above.\n\n<lj-cut text="read more">\n\nBehind the cut.\n\n'
                          "Second part.\n",
    "html": HTML_HEAD + '<p>Teaser above.</p>\n<lj-cut text="read more">\n'
                        "<p>Behind the cut.</p>\n<p>Second part.</p>\n</lj-cut>\n",
}


def test_text_markdown_and_html_stories_give_the_same_sections() -> None:
    sections = {fmt: body_sections(parse_bytes(src.encode(), fmt=fmt))
                for fmt, src in SAME.items()}
    for above, inside, text in sections.values():
        assert (above, text) == ("<p>Teaser above.</p>", "read more")
        assert re.sub(r"\s+", "", inside or "") == "<p>Behindthecut.</p><p>Secondpart.</p>"


def test_preview_of_a_saved_html_post_keeps_its_cut(tmp_path: Path, capsys) -> None:
    outs = {}
    for ext in ("html", "txt"):
        path = tmp_path / f"cut2.{ext}"
        path.write_text(SAME["html" if ext == "html" else "text"], encoding="utf-8")
        main(["--config", str(EXAMPLE_CONFIG), "preview", str(path), "--to", "journal"])
        outs[ext] = capsys.readouterr().out
    html = outs["html"][outs["html"].index("html ("):]
    above, text, inside = cut_parts(html.split("\n", 1)[1].strip())
    assert "<p>Teaser above.</p>" in above and "Behind" not in above
    assert text == "read more" and "<p>Behind the cut.</p>" in inside
    txt = outs["txt"][outs["txt"].index("html ("):]
    assert re.sub(r"\s+", "", txt.split("\n", 1)[1]) == re.sub(r"\s+", "",
                                                                html.split("\n", 1)[1])


# -- any mix of markup: a cut inside the body, halves well-formed ---------------------------

_PIECES = st.sampled_from([
    "<p>", "</p>", "<i>", "</i>", "<div>", "</div>", "<blockquote>", "</blockquote>", "<br>",
    "<hr>", "word ", "***", '<lj-cut text="x">', "</lj-cut>", "<lj-cut>", "<cut>", "</cut>",
    "<lj-cut/>", "<!-- <lj-cut> -->", "<noscript>", "</noscript>", "\n", "&amp;",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join), st.sampled_from(["html", "markdown"]))
def test_any_cut_markup_gives_a_cut_inside_the_body_and_well_formed_halves(
        body: str, fmt: str) -> None:
    head = HTML_HEAD + "<hr>" if fmt == "html" else MD_HEAD
    try:
        s = parse_bytes((head + "<p>start</p>\n" + body).encode(), fmt=fmt)
    except StoryError:
        return
    if s.cut is not None:
        assert 0 <= s.cut.at <= len(s.body)
    above, inside, _ = body_sections(s)
    assert well_formed(above) and well_formed(inside or "")
    assert "lj-cut" not in above.lower() and "lj-cut" not in (inside or "").lower()


def test_inline_cut_does_not_glue_the_words_around_it() -> None:
    h = html_story('<hr>Teaser end<lj-cut text="x">start of rest')
    m = md_story('Teaser end<lj-cut text="x">start of rest\n')
    for s in (h, m):
        assert s.cut is not None and s.word_count == 5
        above, inside, _ = body_sections(s)
        assert "end" in above and "start of rest" in (inside or "")


def test_markdown_cut_in_an_html_comment_does_not_count() -> None:
    s = md_story("Teaser. <!-- <lj-cut text=\"c\"> -->\n\n<lj-cut text=\"real\">\n\nStory.\n")
    assert s.cut is not None and s.cut.text == "real"


@pytest.mark.parametrize("body", [
    "<p>x</p>" + "<div>" * 8_000 + "a<lj-cut>b" + "</div>" * 8_000,  # deep inside
    "<p>t</p>" + '<lj-cut text="a"><p>x</p></lj-cut>' * 5_000,  # many cuts
    "<p>t</p>" + "<lj-cut>" * 5_000 + "deep",  # nested, never closed
])
def test_cut_in_hostile_markup_is_handled_in_linear_time(body: str) -> None:
    start = time.monotonic()
    s = html_story("<hr>" + body)
    above, inside, _ = body_sections(s)
    assert s.cut is not None and well_formed(above) and well_formed(inside or "")
    assert time.monotonic() - start < 20  # generous: the work is linear in size and depth
