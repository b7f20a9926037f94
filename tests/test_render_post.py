"""Story + target rendering → Post: header, cut, footer, subject limits, options, tags."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_render_body import well_formed  # same folder (pytest puts it on sys.path)

from crosspost.adapter import Adapter, SiteLimits
from crosspost.config import Config, Rendering
from crosspost.errors import StoryError
from crosspost.render import compose
from crosspost.render.tags import normalise_tag
from crosspost.story.model import Story


def rendering(**keys: object) -> Rendering:
    cfg = Config(accounts={"a": {"site": "sandbox", "username": "writer"}},
                 targets={"t": {"account": "a", **keys}})
    return cfg.rendering_for("t")


def story(body: str = "Once upon a time.", **fields: str) -> Story:
    return Story(fields={"title": "Tea Time", "author": "Quill", **fields}, body=body,
                 path=Path("tea-time.txt"))


DEFAULT_LIMITS = SiteLimits()


def render(s: Story, limits: SiteLimits = DEFAULT_LIMITS, **keys: object):
    return compose(s, rendering(**keys), target="t", cut=Adapter.cut, limits=limits,
                   site="Testsite", community="comm", username="writer")


# -- header -------------------------------------------------------------------------------

def test_header_lists_wanted_fields_in_target_order_skipping_empty():
    post = render(story(rating="PG", pairing="A/B", summary=""),
                  header_fields=["rating", "summary", "pairing", "title"], cut=False)
    header = post.html.split("\n\n")[0]
    assert header == ("<p><b>Rating:</b> PG<br>\n<b>Pairing:</b> A/B<br>\n"
                      "<b>Title:</b> Tea Time</p>")


def test_header_values_escaped_and_multiline_kept():
    post = render(story(summary='Tea & <cake>\n"Second" line'), header_fields=["summary"])
    assert ("<b>Summary:</b> Tea &amp; &lt;cake&gt;<br>\n&quot;Second&quot; line"
            in post.html)


def test_header_line_template_gets_label_value_key_and_fields():
    post = render(story(rating="PG"), header_fields=["rating"],
                  header_line="<i>{key}</i>|{label}|{value}|{title}")
    assert "<p><i>rating</i>|Rating|PG|Tea Time</p>" in post.html


def test_header_word_count_computed_when_absent():
    post = render(story(body="one two three four"), header_fields=["word_count"])
    assert "<b>Word Count:</b> 4" in post.html


def test_header_word_count_from_header_when_given():
    post = render(story(word_count="1,500"), header_fields=["Words"])
    assert "<b>Word Count:</b> 1,500" in post.html


def test_header_labels_override():
    post = render(story(author="Quill"), header_fields=["author"],
                  header_labels={"By": "Written by"})
    assert "<b>Written by:</b> Quill" in post.html


def test_header_unknown_field_uses_writers_label():
    s = Story(fields={"title": "T", "recipient": "Friend"}, body="x",
              labels={"recipient": "Recipient"})
    post = render(s, header_fields=["recipient"])
    assert "<b>Recipient:</b> Friend" in post.html


def test_header_star_adds_every_other_field_in_file_order():
    s = Story(fields={"title": "T", "zeta": "z", "author": "Q", "alpha": "a", "release": "x"},
              body="x", labels={"zeta": "Zeta", "alpha": "Alpha"})
    post = render(s, header_fields=["author", "*"])
    assert ("<b>Author:</b> Q<br>\n<b>Title:</b> T<br>\n<b>Zeta:</b> z<br>\n"
            "<b>Alpha:</b> a</p>") in post.html
    assert "Release" not in post.html


def test_no_header_fields_means_no_header():
    post = render(story(), header_fields=[], cut=False)
    assert post.html == "<p>Once upon a time.</p>"


# -- cut and footer -----------------------------------------------------------------------

def test_header_above_cut_story_inside():
    post = render(story(), header_fields=["title"])
    header, rest = post.html.split("\n\n", 1)
    assert header == "<p><b>Title:</b> Tea Time</p>"
    assert rest == '<lj-cut text="Tea Time">\n<p>Once upon a time.</p>\n</lj-cut>'


def test_text_story_own_lj_cut_marks_where_the_cut_starts_with_its_text():
    body = ('A teaser above the cut.\n\n<lj-cut text="Read on">\n\nThe story.\n\n'
            "</lj-cut>\n\nMore story.")
    post = render(story(body), header_fields=["title"], cut_text="Read {title}")
    header, teaser, rest = post.html.split("\n\n", 2)
    assert header == "<p><b>Title:</b> Tea Time</p>"
    assert teaser == "<p>A teaser above the cut.</p>"
    assert rest == ('<lj-cut text="Read on">\n<p>The story.</p>\n\n<p>More story.</p>\n'
                    "</lj-cut>")
    assert well_formed(post.html)


def test_text_story_own_cut_without_text_uses_the_targets_cut_text():
    post = render(story("Teaser.\n<cut>\nStory."), header_fields=[], cut_text="Read {title}")
    assert post.html == ('<p>Teaser.</p>\n\n<lj-cut text="Read Tea Time">\n<p>Story.</p>\n'
                         "</lj-cut>")


def test_text_story_own_cut_is_dropped_when_the_target_has_no_cut():
    post = render(story("Teaser.\n\n<lj-cut>\n\nStory."), header_fields=[], cut=False)
    assert post.html == "<p>Teaser.</p>\n\n<p>Story.</p>"


def test_cut_text_template():
    post = render(story(word_count="900"), cut_text="Read {title} ({word_count} words)")
    assert '<lj-cut text="Read Tea Time (900 words)">' in post.html


def test_cut_off_puts_story_inline():
    post = render(story(), cut=False, header_fields=[])
    assert "cut" not in post.html


def test_cut_markup_comes_from_the_site():
    def dw_cut(text: str, inner: str) -> str:
        return f'<cut text="{text}">{inner}</cut>'

    post = compose(story(), rendering(), target="t", cut=dw_cut)
    assert '<cut text="Tea Time">' in post.html and "lj-cut" not in post.html


def test_footer_after_the_cut_with_escaped_values():
    post = render(story(author="<Q>"), footer="<p>Thanks, {author}!</p>")
    assert post.html.endswith("</lj-cut>\n\n<p>Thanks, &lt;Q&gt;!</p>")


def test_scene_break_style_per_target():
    post = render(story(body="A.\n\n***\n\nB."), scene_break="stars")
    assert '<p style="text-align: center;">* * *</p>' in post.html


# -- subject --------------------------------------------------------------------------------

def test_subject_from_default_template():
    post = render(story(pairing="A/B", rating="PG"))
    assert post.subject == "Tea Time (A/B, PG)"


def test_subject_optional_groups_vanish():
    assert render(story()).subject == "Tea Time"


def test_subject_angle_brackets_escaped_and_one_line():
    post = render(story(), subject="{title} <3\n  {author}")
    assert post.subject == "Tea Time &lt;3 Quill"


def test_subject_too_long_for_rejecting_site_is_a_story_error():
    limits = SiteLimits(subject_chars=20, subject_overflow="reject")
    with pytest.raises(StoryError) as err:
        render(story(pairing="Somebody/Someone Else"), limits)
    text = err.value.render()
    assert "'t'" in text and "20 characters" in text and "Testsite" in text
    assert "shorten the title" in text and "targets.t.subject" in text
    assert err.value.path == Path("tea-time.txt")


def test_subject_over_byte_limit_names_bytes():
    limits = SiteLimits(subject_chars=100, subject_bytes=20)
    with pytest.raises(StoryError, match="bytes"):
        render(Story(fields={"title": "€" * 10}, body="x"), limits)


def test_subject_too_long_for_truncating_site_is_cut_with_note():
    limits = SiteLimits(subject_chars=12, subject_overflow="truncate")
    post = render(story(), limits, subject="{title} and more words")
    assert post.subject == "Tea Time and"
    assert any("subject" in n and "12 characters" in n for n in post.notes)


def test_event_too_long_is_a_story_error():
    limits = SiteLimits(event_chars=50)
    with pytest.raises(StoryError) as err:
        render(story(body="word " * 40), limits)
    assert "50 characters" in err.value.message and "split" in err.value.fix


# -- options and tags -------------------------------------------------------------------------

def test_options_from_target():
    post = render(story(), security="members", comments=False, screening="anonymous",
                  userpic="pen", props={"current_music": "rain"})
    opts = post.options
    assert (opts.security, opts.comments, opts.screening, opts.userpic) == \
        ("members", False, "R", "pen")
    assert opts.extra_props == {"current_music": "rain"}


def test_adult_content_from_rating_case_insensitive():
    keys = {"adult_content": {"NC-17": "explicit", "R": "concepts"},
            "adult_reason": "Rated {rating}"}
    post = render(story(rating="nc17"), **keys)
    assert post.options.adult_content == "explicit"
    assert post.options.adult_reason == "Rated nc17"
    assert render(story(rating="r"), **keys).options.adult_content == "concepts"


def test_unmapped_rating_leaves_journal_default():
    post = render(story(rating="PG"), adult_content={"NC-17": "explicit"},
                  adult_reason="x")
    assert post.options.adult_content is None and post.options.adult_reason is None


def test_tags_and_notes_in_post():
    post = render(story(fandom="Merlin/Spooks"),
                  tags={"fields": {"fandom": "fandom: {value}"}, "constant": ["type: fic"]})
    assert post.tags == ("fandom: merlin", "fandom: spooks", "type: fic")


def test_tag_templates_reach_computed_values():
    post = render(story(), tags={"constant": ["in: {community}", "by: {username}"]})
    assert post.tags == ("in: comm", "by: writer")


def test_when_passed_through():
    when = datetime(2026, 1, 2, 3, 4)
    post = compose(story(), rendering(), target="t", cut=Adapter.cut, when=when)
    assert post.when == when and post.target == "t"


# -- properties -------------------------------------------------------------------------------

FIELD_TEXT = st.text(alphabet=st.sampled_from(list("aZ <>&\"'*_/,;\n{}[]é€")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(title=FIELD_TEXT.filter(str.strip), pairing=FIELD_TEXT, summary=FIELD_TEXT,
       body=st.text(alphabet=st.sampled_from(list("ab *_<>&\n-~")), max_size=120))
def test_any_story_renders_well_formed_and_escaped(title, pairing, summary, body):
    s = Story(fields={"title": title, "pairing": pairing, "summary": summary}, body=body)
    post = render(s, tags={"fields": {"pairing": "p: {value}"}, "constant": ["{summary}"]})
    assert well_formed(post.html)
    assert "<script" not in post.html and "\n" not in post.subject
    for tag in post.tags:
        assert normalise_tag(tag) == tag


# -- placeholders (Pairing: none) ---------------------------------------------------------

def test_placeholder_pairing_none_gives_no_tag_and_no_subject_group():
    rules = {"fields": {"pairing": "pairing: {value}"}}
    post = render(story(pairing="none", rating="G", characters="N/A", warnings=" Gen "),
                  tags=rules)
    assert post.subject == "Tea Time"
    assert post.tags == ()
    # the header block above the cut shows what the writer wrote
    assert "<b>Pairing:</b> none" in post.html


def test_placeholder_in_cut_text_and_footer_is_empty():
    post = render(story(pairing="N/A"), cut_text="{title}[ ({pairing})]",
                  footer="<p>[Pairing: {pairing}]</p>")
    assert 'text="Tea Time"' in post.html or ">Tea Time<" in post.html
    assert "N/A)" not in post.html and "Pairing: N/A</p>" not in post.html


def test_placeholder_dash_is_empty_but_real_values_and_title_are_kept():
    rules = {"fields": {"pairing": "pairing: {value}", "fandom": "fandom: {value}"}}
    post = render(story(pairing="-", fandom="None Of The Above"), tags=rules)
    assert post.tags == ("fandom: none of the above",)
    titled = compose(Story(fields={"title": "None"}, body="x"), rendering(), target="t",
                     cut=Adapter.cut)
    assert titled.subject == "None"


def test_placeholders_are_configurable_and_can_be_turned_off():
    off = render(story(pairing="none", rating="G"), placeholders=[])
    assert off.subject == "Tea Time (none, G)"
    own = render(story(pairing="nobody", rating="G"), placeholders=["Nobody"])
    assert own.subject == "Tea Time"
