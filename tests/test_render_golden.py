"""Golden-file tests for rendering: our own sample stories → the exact post per target.

The expected output lives in tests/golden/<case>.html (subject, tags and options in a
leading comment, then the exact event HTML). After an intended change, refresh with
``CROSSPOST_UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosspost.adapter import Adapter
from crosspost.config import Config
from crosspost.render import compose
from crosspost.story.model import Story

GOLDEN = Path(__file__).resolve().parent / "golden"
# read at import: the autouse fixture in conftest.py removes CROSSPOST_* variables per test
UPDATE = os.environ.get("CROSSPOST_UPDATE_GOLDEN") == "1"

TEXT_BODY = """\
The kettle had been singing for a full minute before Maren noticed it.
She set down the letter, *carefully*, the way you set down something that might bite.

"It's only tea," she told the empty kitchen. "Only **tea**, & nothing <else>."

* * *

By morning the letter was ash_and_dust, and the _kettle_ was cold.
    An indented line, kept in the same paragraph.

***

She wrote back anyway.
"""

MARKDOWN_BODY = """\
Rain on the *harbour* again, and **nobody** came.

A line with a break
right here, and some `code`.

> A remembered voice: _come home_.

~~~

- a list item
- another <script>alert('x')</script>

---

The end, with a [link](https://example.org/tide) and a
<span style="color: teal; position: fixed" onmouseover="x()">teal word</span>.
"""

HTML_BODY = """\
<p>She kept the <i>lantern</i> lit &amp; the door <b>unlatched</b>.</p>
<p onclick="steal()">Nobody came <a href="javascript:alert(1)">that night</a>.</p>
<style>p { display: none }</style>
<hr>
<p>But the <lj user="harbourmaster"> wrote, <em>twice</em>.
<iframe src="https://example.com/embed"></iframe>
<p align="center">* * *</p>
<p>And then <span style="font-style: italic">unclosed <b>bold
"""

FIELDS = {
    "title": "The Kettle & the Letter",
    "author": "Quillfeather",
    "pairing": "Maren/The Letter-Writer",
    "fandom": "Original Work/Epistolary",
    "rating": "PG-13",
    "warnings": "None",
    "summary": "A letter arrives.\nA kettle sings.",
    "notes": "Written for the <tea> prompt.",
    "prompt": "#12, Steam",
}

CASES: dict[str, tuple[Story, dict[str, object]]] = {
    "text_default": (Story(fields=FIELDS, body=TEXT_BODY), {}),
    "text_no_cut_stars_footer": (
        Story(fields=FIELDS, body=TEXT_BODY),
        {"cut": False, "scene_break": "stars", "header_fields": ["title", "rating"],
         "footer": "<p>Thanks for reading, {author}'s readers!</p>"}),
    "markdown_story": (
        Story(fields={**FIELDS, "title": "Harbour Rain", "word_count": "2,000"},
              body=MARKDOWN_BODY, body_format="markdown"),
        {"cut_text": "Read {title}[ ({word_count} words)]", "scene_break": "~ ~ ~"}),
    "html_story": (
        Story(fields={"title": "The Lantern", "author": "Quillfeather", "rating": "NC-17"},
              body=HTML_BODY, body_format="html"),
        {"adult_content": {"nc-17": "explicit"}, "adult_reason": "Rated {rating}",
         "security": "members"}),
    "header_order": (
        Story(fields={**FIELDS, "recipient": "a friend", "release": "tomorrow"},
              body="Short and *sweet*.", labels={"recipient": "Recipient"}),
        {"header_fields": ["rating", "pairing", "summary", "author", "*"],
         "header_line": '<span class="hdr"><b>{label}</b>: {value}</span>',
         "header_labels": {"author": "Written by"},
         "subject": "[Fic] {title}[ \\[{rating}\\]]"}),
}

TAGS = {"fields": {"pairing": "pairing: {value}", "fandom": "fandom: {value}",
                   "rating": "rating: {value}"},
        "constant": ["type: fic", "author: {author}"], "values": {"PG-13": "teen"}}


def render_case(name: str) -> str:
    story, keys = CASES[name]
    cfg = Config(accounts={"a": {"site": "sandbox", "username": "writer"}},
                 targets={"t": {"account": "a", "community": "fluffyfics", "tags": TAGS,
                                **keys}})
    post = compose(story, cfg.rendering_for("t"), target="t", cut=Adapter.cut,
                   community="fluffyfics", username="writer")
    opts = post.options
    return (f"<!-- subject: {post.subject} -->\n<!-- tags: {' | '.join(post.tags)} -->\n"
            f"<!-- options: security={opts.security} comments={opts.comments} "
            f"adult={opts.adult_content} reason={opts.adult_reason} -->\n"
            f"{post.html}\n")


@pytest.mark.parametrize("name", sorted(CASES))
def test_render_matches_golden_file(name):
    actual = render_case(name)
    path = GOLDEN / f"{name}.html"
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with CROSSPOST_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")
