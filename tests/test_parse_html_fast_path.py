"""The HTML fast path (a linear scan, no tree) against the BeautifulSoup tree path it stands in
for: whenever the scan accepts a document, header (fields, warnings, line numbers) and body
(text byte for byte, start line, cut) are exactly the tree path's — ``Story.content_hash``
hashes the body, so any difference would resend every posted HTML story on the next edit.
It must accept the usual stories (so it cannot pass by declining everything), and the
documents it declines still parse right (through the tree)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.errors import StoryError
from crosspost.story.parse import parse_bytes
from crosspost.story.parse.decode import decode
from crosspost.story.parse.html import parse_html, parse_html_tree
from crosspost.story.parse.htmlcost import cannot_be_too_complex, refuse_if_too_complex
from crosspost.story.parse.htmlscan import scan_html

TESTS = Path(__file__).parent
HTML = TESTS / "stories" / "html"
sys.path.insert(0, str(TESTS.parent))
from bench.corpus import make_story  # noqa: E402  (the benchmark's own generated stories)

HEAD = "<b>Title:</b> Lamplight<br>\n<b>Author:</b> quietquill<br>\n"


def _tree(text: str) -> object:
    """The tree path's answer: (header, body), or the StoryError it raises."""
    try:
        if not cannot_be_too_complex(text):
            refuse_if_too_complex(text, None)
        return parse_html_tree(text, None, guarded=True)
    except StoryError as exc:
        return exc


def _agree(text: str) -> bool:
    """Assert the fast path, when it accepts ``text``, gives the tree path's answer exactly;
    returns whether it accepted."""
    if not cannot_be_too_complex(text):
        try:
            refuse_if_too_complex(text, None)
        except StoryError:
            return False  # refused before either path runs
    fast = scan_html(text, None)
    if fast is None:
        return False
    slow = _tree(text)
    assert not isinstance(slow, StoryError), f"fast path accepted what the tree refuses: {slow}"
    assert fast[0] == slow[0], "header differs"
    assert fast[1] == slow[1], "body differs"
    return True


def _strings_of(test_file: Path) -> list[str]:
    """The HTML-looking string constants written in a test module."""
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    return sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and isinstance(n.value, str) and "<" in n.value and len(n.value) > 4})


FIXTURES = sorted(p for p in HTML.iterdir() if p.suffix in (".html", ".htm"))
TEST_STRINGS = [s for f in ("test_parse_html.py", "test_parse_html_cut.py")
                for s in _strings_of(TESTS / f)]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fast_path_matches_tree_on_every_html_fixture_and_accepts_them(path: Path) -> None:
    assert _agree(decode(path.read_bytes()).text), f"the fast path declined {path.name}"


def test_fast_path_matches_tree_on_the_html_tests_inputs() -> None:
    accepted = 0
    for text in TEST_STRINGS:
        for doc in (text, HEAD + text):
            accepted += _agree(doc)
    assert accepted > len(TEST_STRINGS) // 2  # the usual ones go the fast way


@pytest.mark.parametrize("index", range(6))
def test_fast_path_accepts_bench_corpus_stories_exactly(index: int) -> None:
    text = make_story(index, "html", words=400).data.decode("utf-8")
    assert _agree(text)
    assert _agree(text.replace("Title:", "<b>Title:</b>").replace("\n", "<br>\n", 6))


TYPICAL = {
    "saved Dreamwidth entry": (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>quill: Lamplight</title>\n<script>var site = {a: 1};</script>\n"
        '<link rel="stylesheet" href="/s.css">\n<!--[if lt IE 9]><script src="/h.js"></script>'
        "<![endif]-->\n</head>\n<body class=\"page-entry\">\n"
        '<div id="canvas"><div class="inner">\n<ul class="nav"><li><a href="/">Home</a></li>'
        '</ul>\n<div class="entry-content">\n<b>Title:</b> Lamplight<br />\n'
        "<b>Author:</b> quill<br />\n<b>Fandom:</b> Harbour Lights &amp; Co<br />\n"
        '<b>Rating:</b> PG<br />\n<hr />\n<p>The lamp went out. Mira didn&rsquo;t mind.</p>\n'
        '<lj-cut text="Read on…">\n<p>Morning came <em>slowly</em>.</p>\n'
        "<p>&nbsp;</p>\n<p>***</p>\n</div>\n</div></div>\n"
        '<div class="footer">12 comments</div>\n</body>\n</html>\n'),
    "hand-written page": (
        "<html><body>\n<p>Title: Lamplight<br>\nAuthor: quill</p>\n<hr>\n"
        "<p>It was late.</p>\n<p>* * *</p>\n<p>Later still &mdash; &#8220;quiet&#8221;.</p>\n"
        "</body></html>\n"),
    "LJ-style newlines": (
        "Title: Lamplight\nAuthor: quill\n\n***\n\nThe site turns <i>these</i> into breaks."
        "\n\n<lj-cut text=\"more\">Second part.\nThird line.\n</lj-cut>\n"),
    "unclosed paragraphs": (
        HEAD + "<hr>\n<p>One\n<p>Two <em>three</em>\n<p>Four\n"),
    "cut between paragraphs": (
        HEAD + '<hr>\n<p>Teaser.</p>\n<lj-cut text="Read &amp; weep">\n<p>Rest.</p>\n'
        "</lj-cut>\n<p>After.</p>\n<cut>\n<p>Later cut.</p>\n"),
    "attributes bs4 rewrites": (
        HEAD + '<hr>\n<p class="a  b" ALIGN=center data-x=\'say "hi"\'>One</p>\n'
        '<p><img src="x.png" alt="a &amp; b"><br><a href="/?a=1&amp;b=2" title=\'x "y"\'>l</a></p>'
        "\n"),
    "closing fence inside a div": HEAD + "<hr>\n<div><p>One</p>\n<p>***</p>\n</div>\n",
    "Word's namespaced tags": HEAD + "<hr>\n<p>One<o:p></o:p><O:P>&nbsp;</O:P></p>\n",
    "page saved from Word": (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"\n'
        'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
        '<meta http-equiv=Content-Type content="text/html; charset=windows-1252">\n'
        "<meta name=Generator content=\"Microsoft Word 15\">\n<title>Lamplight</title>\n"
        "<!--[if gte mso 9]><xml>\n <o:DocumentProperties>\n  <o:Author>quill</o:Author>\n"
        " </o:DocumentProperties>\n</xml><![endif]-->\n<style>\n<!--\n"
        " p.MsoNormal, li.MsoNormal\n\t{mso-style-unhide:no;\n\tmargin:0cm;}\n-->\n"
        "</style>\n</head>\n<body lang=EN-GB style='tab-interval:36.0pt'>\n"
        "<div class=WordSection1>\n<p class=MsoNormal><b>Title:</b> Lamplight<o:p></o:p></p>"
        "\n\n<p class=MsoNormal><b>Author:</b> quill<o:p></o:p></p>\n\n"
        "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n\n<p class=MsoNormal>The lamp went out. "
        "Mira didn&#8217;t\nmind; the <i>tea</i> was hot.<o:p></o:p></p>\n\n"
        "<p class=MsoNormal style='text-indent:36.0pt'><span style='mso-spacerun:yes'>"
        "&nbsp;</span>Morning came.<o:p></o:p></p>\n\n</div>\n</body>\n</html>\n"),
    "paragraphs one per line, some not plain": (
        HEAD + "<hr>\n<p>One <em>a</em>.</p>\n<p>Two &amp; three.</p>\n<p>Four > five.</p>\n"
        "<p></p>\n<p>Six <b>b</b>  <i>c</i>.</p>\n<p>Seven\nlines.</p>\n<p>***</p>\n"),
    "comments and a closing fence": (
        HEAD + "<hr>\n<!-- chapter 1 -->\n<p>Text &gt; more, a <3 b, Tom & Jerry.</p>\n"
        "<p>* * *</p>\n<p>End.</p>\n<p>~~~</p>\n"),
}


@pytest.mark.parametrize("name", sorted(TYPICAL))
def test_fast_path_accepts_typical_documents_exactly(name: str) -> None:
    assert _agree(TYPICAL[name]), f"the fast path declined a {name}"


HARD = {
    "Word's list markup (a marked section: html.parser releases read it apart)": (
        HEAD + "<hr>\n<p>One<![if !supportLists]>·<![endif]></p>\n"),
    "unknown entity": HEAD + "<hr>\n<p>Fish &chips; and &copy</p>\n",
    "CDATA": HEAD + "<hr>\n<p>One <![CDATA[x]]> two</p>\n",
    "cut inside a paragraph": HEAD + '<hr>\n<p>Teaser <lj-cut text="more">rest</p>\n',
    "script in the body": HEAD + "<hr>\n<p>One</p><script>x()</script>\n<p>Two</p>\n",
    "duplicate attribute": HEAD + '<hr>\n<p class="a" class="b">One</p>\n',
    "number in the Windows-1252 gap": HEAD + "<hr>\n<p>One &#150; two</p>\n",
    "'<' before a letter, never closed": HEAD + "<hr>\n<p>One <two</p>\n",
    "'>' inside an attribute value": HEAD + '<hr>\n<p title="a>b">One</p>\n',
    "control character from an attribute's reference": HEAD + '<hr>\n<p title="a&#12;b">One'
                                                        "</p>\n",
    "meta charset in the body (bs4 writes its own)": HEAD + '<hr>\n<p>One</p><meta '
                                                     'charset="windows-1252">\n',
    "markup inside a title (newer html.parser reads it as text)": (
        "<html><head><title>A <b>bold</b> title</title></head><body>\n" + HEAD
        + "<hr>\n<p>One</p>\n"),
    "script holding a comment opener": (
        "<script><!-- var a = 1; --></script>\n" + HEAD + "<hr>\n<p>One</p>\n"),
    "processing instruction": HEAD + "<hr>\n<?xml version='1.0'?><p>One</p>\n",
}


@pytest.mark.parametrize("name", sorted(HARD))
def test_fast_path_declines_hard_documents_and_the_tree_reads_them(name: str) -> None:
    text = HARD[name]
    assert scan_html(text, None) is None
    header, body = parse_html(text, None)
    assert (header, body) == _tree(text)
    assert header.fields["title"] == "Lamplight"
    assert "One" in body.text or "rest" in body.text or "Teaser" in body.text \
        or "Fish" in body.text


def test_cut_inside_a_paragraph_still_split_by_the_tree_path() -> None:
    story = parse_bytes(HARD["cut inside a paragraph"].encode(), fmt="html")
    assert story.body == "<p>Teaser </p><p>rest</p>"
    assert story.cut is not None and story.cut.text == "more"


# --- generated documents: whatever the scan accepts, it reads as the tree does ---

_NAMES = ["p", "P", "em", "b", "i", "div", "span", "blockquote", "center", "lj-cut", "cut",
          "a", "td", "li", "ul", "pre", "textarea", "title", "h1", "script", "style", "u",
          "font", "table", "tr", "head", "noscript", "rt", "template", "lj", "user", "meta",
          "xmp", "strong", "o:p", "O:P", "v:shape"]
_ATTRS = ["", ' class="a  b"', ' text="Read more"', " text='x &amp; y'", " href=x",
          ' title="a>b"', ' TITLE="Q"', " disabled", ' a="1" a="2"', ' style="color: red"',
          ' alt="say &quot;hi&quot;"', " data-x='it\"s'", ' user="quill"',
          ' title="a&#12;b"']
_TEXT = st.text(alphabet=" \n\tabcXY*-:;#é’\xa0", max_size=10)
_BITS = st.one_of(
    _TEXT,
    st.sampled_from(["&amp;", "&lt;", "&gt;", "&nbsp;", "&rsquo;", "&#39;", "&#x2019;",
                     "&foo;", "& ", "&", "<3", "a < b", ">", "&#128;", "&#1;",
                     "&#12;", "&Tab;", "&NewLine;"]),
    st.builds(lambda n, a, s: f"<{n}{a}{s}>", st.sampled_from(_NAMES), st.sampled_from(_ATTRS),
              st.sampled_from(["", "", " ", "/", " /"])),
    st.builds(lambda n: f"</{n}>", st.sampled_from(_NAMES)),
    st.sampled_from(["<br>", "<br/>", "<br />", "<hr>", "<HR/>", '<img src="x.png">', "</br>",
                     "<!-- c -->", "<!-- a--b -->", "<!--", "-->",
                     "<style><!-- p {a: b} --></style>", "<style><!-- a </b> --></style>",
                     "<!-- <p>x</p> -->", "<!--[if IE]><b>x</b><![endif]-->",
                     "<!DOCTYPE html>", "***", "<p>***</p>",
                     "* * *", "\n\n", "Title: X", "<b>Title:</b> X<br>", "Author: y\n",
                     "Rating: PG<br>\n", "<hr/>\n", "Summary: a<br>b<br>\n"]),
)
_HEADS = st.sampled_from([HEAD, HEAD + "<hr>\n", "Title: T\nAuthor: a\n\n***\n\n",
                          "<p><b>Title:</b> T</p>\n<p>Author: a</p>\n", "", "<html><body>\n"
                          + HEAD, "<div class='entry'>\n" + HEAD + "<hr />\n"])


@settings(max_examples=600, deadline=None)
@given(head=_HEADS, bits=st.lists(_BITS, max_size=30))
def test_whatever_the_fast_path_accepts_it_reads_as_the_tree_does(head: str,
                                                                    bits: list[str]) -> None:
    _agree(head + "".join(bits))


@settings(max_examples=300, deadline=None)
@given(bits=st.lists(st.sampled_from([
    "<p>", "</p>", "<em>", "</em>", "One two.", " ", "\n", "<br>", "<lj-cut text=\"c\">",
    "</lj-cut>", "<cut>", "***", "<p>* * *</p>", "<div>", "</div>", "&amp;", "x &gt; y"]),
    max_size=40))
def test_story_shaped_documents_agree_and_mostly_go_fast(bits: list[str]) -> None:
    _agree(HEAD + "<hr>\n" + "".join(bits))


# --- runs of paragraphs one per line (a story's body): what the one-match reading sees ---

_SEGMENT = st.sampled_from([
    "Rain on the glass.", "word", " ", "  ", "\t", "\n", "\n\n", " \n", "\xa0", "\u3000",
    "<em>lamp</em>", "<em> </em>", "<em></em>", "<b>  </b>", "<i>\t</i>", "<strong>x</strong>",
    "a > b", "&amp;", "***", "* * *", "<em>a</em> <b>b</b>", "<em>a</em>  <b>b</b>",
    "<u>a</u>\t<s>b</s>", "<em>unclosed", "</em>", "Title: X"])
_PARAGRAPH = st.lists(_SEGMENT, max_size=5).map(lambda segs: f"<p>{''.join(segs)}</p>")


@settings(max_examples=400, deadline=None)
@given(paragraphs=st.lists(_PARAGRAPH, min_size=1, max_size=12),
       joins=st.lists(st.sampled_from(["\n", "\n", "\n", "", "\n\n", " \n", "\n  "]),
                      min_size=12, max_size=12))
def test_runs_of_paragraphs_agree_blank_and_odd_ones_included(paragraphs: list[str],
                                                                 joins: list[str]) -> None:
    body = paragraphs[0] + "".join(j + p for j, p in zip(joins, paragraphs[1:], strict=False))
    _agree(HEAD + "<hr>\n" + body + "\n")
    _agree("Title: Lamplight\nAuthor: quietquill\n\n***\n\n" + body + "\n")


def test_plain_runs_with_inline_text_go_fast() -> None:
    body = "\n".join(["<p>One <em>two</em> three.</p>", "<p><b>Four</b> five!</p>",
                      "<p>Six</p>"] * 5)
    assert _agree(HEAD + "<hr>\n" + body + "\n")
