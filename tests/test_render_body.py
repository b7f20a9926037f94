"""Story bodies → clean, well-formed HTML (text, Markdown, HTML input)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.render import body_html
from crosspost.render.body import html_body_html, markdown_html, sanitise, text_html
from crosspost.story.model import Story

VOID = {"br", "hr", "img", "wbr", "col"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.ok = False


def well_formed(fragment: str) -> bool:
    checker = _Checker()
    checker.feed(fragment)
    checker.close()
    return checker.ok and not checker.stack


# -- text ---------------------------------------------------------------------------------

def test_text_paragraphs_from_blank_lines():
    assert text_html("One.\n\nTwo.\n\n\n\nThree.") == "<p>One.</p>\n\n<p>Two.</p>\n\n<p>Three.</p>"


def test_text_single_newline_kept_as_br():
    assert text_html("line one\nline two") == "<p>line one<br>\nline two</p>"


def test_text_italic_and_bold():
    out = text_html("*soft* and _quiet_ and **loud**")
    assert out == "<p><em>soft</em> and <em>quiet</em> and <strong>loud</strong></p>"


def test_text_underscores_inside_words_stay():
    assert text_html("snake_case_name") == "<p>snake_case_name</p>"


def test_text_html_special_characters_escaped():
    out = text_html('Tea & biscuits > "coffee", a < b, Q&A, <3')
    assert out == '<p>Tea &amp; biscuits &gt; "coffee", a &lt; b, Q&amp;A, &lt;3</p>'


def test_text_inline_html_tags_of_the_allow_list_pass_through():
    out = text_html('She said <i>no</i> & meant <b>it</b>, <em>really</em> <strong>so</strong>'
                    ' <u>u</u> <s>s</s> <a href="https://example.org/" onclick="x">link</a>'
                    '<br><span style="color: red; position: fixed">red</span>')
    assert out == ('<p>She said <i>no</i> &amp; meant <b>it</b>, <em>really</em> '
                   '<strong>so</strong> <u>u</u> <s>s</s> <a href="https://example.org/">'
                   'link</a><br><span style="color:red">red</span></p>')


def test_text_tag_like_words_that_are_not_html_show_as_written():
    out = text_html("Maren had <not> noticed <grin> <g>")
    assert out == "<p>Maren had &lt;not&gt; noticed &lt;grin&gt; &lt;g&gt;</p>"


def test_text_html_outside_the_allow_list_is_removed_and_script_content_dropped():
    out = text_html("<marquee>moving</marquee> <script>alert(1)</script>done "
                    '<a href="javascript:x()">j</a>')
    assert "marquee" not in out and "alert" not in out and "javascript" not in out
    assert "moving" in out and "done" in out and ">j</a>" in out


def test_text_entities_are_read_as_characters():
    assert text_html("wait&hellip; &amp; then") == "<p>wait… &amp; then</p>"


def test_text_blockquote_and_center_over_lines_are_blocks_without_stray_breaks():
    out = text_html("Before.\n\n<blockquote>\nline one\nline two\n</blockquote>\n\n"
                    "<center>The End</center>")
    assert out.startswith("<p>Before.</p>")
    assert "<blockquote>line one<br>\nline two</blockquote>" in out
    assert "<center>The End</center>" in out and "<p></p>" not in out
    assert well_formed(out)


def test_text_lj_cut_tags_are_removed_from_the_body():
    out = text_html('Teaser.\n\n<lj-cut text="more">\n\nStory.\n\n</lj-cut>')
    assert out == "<p>Teaser.</p>\n\n<p>Story.</p>"


@pytest.mark.parametrize("fence", ["***", "* * *", "---", "~~~", "-----", "###"])
def test_text_fence_lines_are_scene_breaks(fence):
    out = text_html(f"Before.\n\n{fence}\n\nAfter.")
    assert out == '<p>Before.</p>\n\n<hr width="40%">\n\n<p>After.</p>'


def test_text_scene_break_as_stars():
    out = text_html("A.\n\n***\n\nB.", "stars")
    assert '<p style="text-align: center;">* * *</p>' in out


def test_text_scene_break_custom_text_escaped():
    assert '<p style="text-align: center;">&lt;3 ~ &lt;3</p>' in text_html("A.\n***\nB.", "<3 ~ <3")


def test_text_scene_break_at_edges_or_doubled_is_tidied():
    out = text_html("***\n\nA.\n\n***\n\n***\n\nB.\n\n***")
    assert out.count("<hr") == 1
    assert out.startswith("<p>A.</p>") and out.endswith("<p>B.</p>")


def test_text_paragraph_indentation_stripped():
    assert text_html("    Indented start.\n\tTabbed.") == "<p>Indented start.<br>\nTabbed.</p>"


@settings(max_examples=150)
@given(st.text(alphabet=st.sampled_from(list("ab *_<>&\n\"'`[]()#~-")), max_size=200))
def test_text_output_always_well_formed(body):
    assert well_formed(text_html(body))


# -- Markdown -----------------------------------------------------------------------------

def test_markdown_emphasis_and_breaks():
    out = markdown_html("*soft* and **loud**\nnext line\n\nSecond para.")
    assert out == ("<p><em>soft</em> and <strong>loud</strong><br>\nnext line</p>\n"
                   "<p>Second para.</p>")


@pytest.mark.parametrize("fence", ["***", "* * *", "~~~", "---"])
def test_markdown_fences_are_scene_breaks(fence):
    out = markdown_html(f"Before.\n\n{fence}\n\nAfter.", "stars")
    assert out == ('<p>Before.</p>\n<p style="text-align: center;">* * *</p>\n'
                   "<p>After.</p>")


def test_markdown_fence_inside_code_block_is_code():
    out = markdown_html("```\n***\n```")
    assert "<pre><code>***" in out and "<hr" not in out


def test_markdown_raw_html_is_sanitised():
    out = markdown_html('Hi <script>alert(1)</script><span onclick="x">there</span>')
    assert "script" not in out and "onclick" not in out and "there" in out


# -- HTML -----------------------------------------------------------------------------------

@pytest.mark.parametrize("evil, gone", [
    ("<script>alert(1)</script>", "alert"),
    ("<style>p{color:red}</style>", "color"),
    ('<iframe src="https://example.com/x"></iframe>', "iframe"),
    ('<object data="x.swf"><embed src="x.swf"></object>', "swf"),
    ('<p onclick="steal()">x</p>', "steal"),
    ('<a href="javascript:steal()">x</a>', "javascript"),
    ('<img src="x.png" onerror="steal()">', "steal"),
    ('<lj-embed id="1"/>', "embed"),
    ('<span style="background-image: url(javascript:steal())">x</span>', "javascript"),
])
def test_html_dangerous_markup_removed(evil, gone):
    out = html_body_html(f"<p>keep</p>{evil}")
    assert gone not in out
    assert "keep" in out


def test_html_cut_tags_in_input_removed_content_kept():
    out = html_body_html('<p>a</p><lj-cut text="x"><p>b</p></lj-cut><cut><p>c</p></cut>')
    assert "cut" not in out and "<p>b</p>" in out and "<p>c</p>" in out


def test_html_user_tags_become_plain_names():
    assert html_body_html('<p>for <lj user="friend_1"> and <user name="pal"></p>') == \
        "<p>for friend_1 and pal</p>"


def test_html_formatting_kept():
    src = ('<p align="center"><i>it</i> <b>b</b> <span style="color: red">r</span> '
           '<a href="https://example.org/">l</a></p>')
    out = html_body_html(src)
    assert out == ('<p align="center"><i>it</i> <b>b</b> <span style="color:red">r</span> '
                   '<a href="https://example.org/">l</a></p>')


def test_html_scene_breaks_use_the_configured_marker():
    out = html_body_html("<p>A</p><hr><p>* * *</p><p>B</p><hr/><p>C</p>", "stars")
    assert out.count("* * *") == 2
    assert "<hr" not in out


def test_html_unclosed_tags_made_well_formed():
    out = html_body_html("<p><i>open <b>and</p><div>loose")
    assert well_formed(out)


HTML_PIECES = ["<p>", "</p>", "<i>", "</i>", "</b>", "<b>", "<hr>", "<script>", "x", " ", "&",
               "<a href='javascript:x'>", "<br/>", "<div>", "</div>", "***", "<lj-cut>"]


@settings(max_examples=150)
@given(st.lists(st.sampled_from(HTML_PIECES), max_size=40).map("".join))
def test_html_output_always_well_formed_and_safe(body):
    out = html_body_html(body)
    assert well_formed(out)
    assert "<script" not in out and "javascript:" not in out


def test_sanitise_is_idempotent():
    once = sanitise('<p style="color: red" onclick="x">a <i>b</p>')
    assert sanitise(once) == once


# -- dispatch -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, body, expected", [
    ("text", "*a* <b>x</b> <grin>", "<p><em>a</em> <b>x</b> &lt;grin&gt;</p>"),
    ("markdown", "*a* <b>x</b>", "<p><em>a</em> <b>x</b></p>"),
    ("html", "<p><em>a</em><script>x</script></p>", "<p><em>a</em></p>"),
])
def test_body_html_follows_body_format(fmt, body, expected):
    assert body_html(Story(fields={"title": "T"}, body=body, body_format=fmt)) == expected


_TEXT_PIECES = st.sampled_from([
    "<i>", "</i>", "<b>", "</b>", "<blockquote>", "</blockquote>", "<center>", "</center>",
    '<a href="https://example.org/">', '<a href="javascript:alert(1)">', "</a>", "<br>",
    "<hr>", '<span style="color: red" onmouseover="x">', "</span>", "<script>", "</script>",
    "<marquee>", "<lj-cut>", "</lj-cut>", "<grin>", "a < b", "Q&A", "&amp;", "word", " ",
    "\n", "\n\n", "***", "*em*",
])


@settings(max_examples=150)
@given(st.lists(_TEXT_PIECES, max_size=40).map("".join))
def test_text_with_html_tags_always_renders_well_formed_and_safe(body):
    out = text_html(body)
    assert well_formed(out)
    low = out.lower()
    assert "<script" not in low and "javascript:" not in low and "onmouseover" not in low
    assert "<marquee" not in low and "lj-cut" not in low
