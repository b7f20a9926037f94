"""Story bodies → clean, well-formed HTML (text, Markdown, HTML input)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.render import body_html
from crosspost.render.body import html_body_html, markdown_html, sanitise, text_html
from crosspost.story import Story

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
    out = text_html('Tea & <b>biscuits</b> > "coffee"')
    assert "<b>" not in out
    assert "&amp;" in out and "&lt;b&gt;" in out and "&gt;" in out


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
    ("text", "*a* <b>", "<p><em>a</em> &lt;b&gt;</p>"),
    ("markdown", "*a* <b>x</b>", "<p><em>a</em> <b>x</b></p>"),
    ("html", "<p><em>a</em><script>x</script></p>", "<p><em>a</em></p>"),
])
def test_body_html_follows_body_format(fmt, body, expected):
    assert body_html(Story(fields={"title": "T"}, body=body, body_format=fmt)) == expected
