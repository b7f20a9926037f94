"""The preview HTML page: self-contained, cut shown as a visible marker, values escaped."""

from __future__ import annotations

from crosspost.render.preview_html import TargetPreview, entry_view, preview_page
from crosspost.story.post import Post


def test_lj_cut_becomes_visible_markers():
    view = entry_view('<p>h</p><lj-cut text="Read &amp; weep"><p>s</p></lj-cut>')
    assert '<div class="cut-marker">✂ cut: “Read &amp; weep”' in view
    assert '<div class="behind-cut"><p>s</p></div>' in view
    assert "end of the cut" in view and "lj-cut" not in view


def test_dw_cut_and_cut_without_text_become_markers():
    view = entry_view("<cut><p>s</p></cut>")
    assert "(no link text)" in view and "<cut" not in view and "</cut>" not in view


def test_page_shows_each_target_escaped():
    post = Post(target="t", subject="A <b> & B", html='<lj-cut text="x"><p>s</p></lj-cut>',
                tags=("fandom: a<b",), notes=("tag cut",))
    item = TargetPreview(post=post, destination="Sandbox as writer, own journal",
                         props={"taglist": "fandom: a<b"}, hints=["later thing"])
    page = preview_page("Title <x>", "/tmp/story.txt", [("t", item)],
                        {"t": {"security": "public"}})
    assert "<title>Preview: Title &lt;x&gt;</title>" in page
    assert "<code>A &lt;b&gt; &amp; B</code>" in page
    assert "<span>fandom: a&lt;b</span>" in page
    assert "<li>tag cut</li>" in page and '<li class="hint">later thing</li>' in page
    assert "<td>security</td><td>public</td>" in page
    assert "&lt;lj-cut text=&quot;x&quot;&gt;" in page  # the exact source, escaped
    assert "http" not in page  # self-contained: nothing loaded from elsewhere
