"""Property tests: the parser returns a Story or raises StoryError on *any* input, and the
fields and body of a well-formed story come back exactly as written.

They call ``crosspost.story.parse._parse``, the parser without the safety net that turns an
unexpected exception into an "internal error" StoryError, so a parser bug fails here.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crosspost.errors import StoryError
from crosspost.story.fields import BY_KEY, FIELDS, lookup
from crosspost.story.markup import strip_html_tags
from crosspost.story.model import Story, count_words, field_key
from crosspost.story.parse import _parse
from crosspost.story.parse.fences import is_fence
from crosspost.story.parse.header import release_target

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: CI budget; hunt longer with CROSSPOST_PARSE_EXAMPLES=20000
EXAMPLES = int(os.environ.get("CROSSPOST_PARSE_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
FORMATS = st.sampled_from([None, "text", "markdown", "html"])
SUFFIXES = st.sampled_from([None, "s.txt", "s.md", "s.html", "s"])


def story_or_story_error(data: bytes, fmt: str | None, name: str | None) -> None:
    path = Path(name) if name else None
    try:
        story = _parse(data, path=path, fmt=fmt, max_bytes=None)
    except StoryError as exc:
        assert exc.fix and exc.reason
        assert exc.line is None or exc.line >= 1
        return
    assert isinstance(story, Story)
    assert story.title.strip()
    assert story.body.strip()
    texts = [*story.fields, *story.fields.values(), *story.labels.values(), story.body,
             *(str(w) for w in story.warnings), *(t or "" for t in story.releases),
             *story.releases.values()]
    for text in texts:
        text.encode("utf-8")  # no lone surrogates
        assert not CONTROL.search(text), f"control character left in {text!r}"
    assert story.word_count >= 0
    assert story.identity
    assert story.content_hash


@SETTINGS
@given(data=st.binary(max_size=3000), fmt=FORMATS, name=SUFFIXES)
@example(data=b"", fmt=None, name=None)
@example(data=b"\xff\xfe", fmt=None, name=None)
@example(data=b"\xef\xbb\xbf---\n---\n", fmt="markdown", name=None)
@example(data=b"Title: 0\n  0\n\n***\n\n", fmt="html", name=None)
@example(data=b"<b>Title:</b> x<br>y<!--", fmt="html", name=None)
def test_arbitrary_bytes_give_story_or_story_error(data: bytes, fmt: str | None,
                                                   name: str | None) -> None:
    story_or_story_error(data, fmt, name)


HEADERISH = st.sampled_from(["Title: x\n", "By: y\n", "***\n", "---\n", "\n", "  cont\n",
                             "<b>Title:</b> t<br>", "<hr>", "<p>", "</p>", "<div>", "&amp;",
                             "release (a): 1\n", "---\ntitle: [a, *b]\n---\n", "\r", "é"])


@SETTINGS
@given(text=st.lists(st.one_of(HEADERISH, st.text(max_size=40)), max_size=30).map("".join),
       fmt=FORMATS)
def test_arbitrary_text_gives_story_or_story_error(text: str, fmt: str | None) -> None:
    story_or_story_error(text.encode("utf-8", "surrogatepass"), fmt, None)


# --- round trips ---------------------------------------------------------------------------

SAFE = st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))
VALUE = st.text(SAFE, min_size=1, max_size=40).map(lambda v: " ".join(v.split())).filter(bool)
KNOWN_NAMES = st.sampled_from([n for spec in FIELDS for n in spec.names if spec.key != "title"])
UNKNOWN_NAMES = st.from_regex(r"X-[A-Za-z]{1,10}( [A-Za-z]{1,8})?", fullmatch=True)
PARAGRAPH = st.text(SAFE, min_size=1, max_size=60).map(str.strip).filter(
    lambda p: bool(p) and not is_fence(p))
SCENE_BREAK = st.sampled_from(["***", "* * *", "~~~", "###"])


def canonical_key(name: str) -> str:
    spec = lookup(name)
    return spec.key if spec is not None else field_key(name)


@st.composite
def header_and_body(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[str]]:
    names = draw(st.lists(st.one_of(KNOWN_NAMES, UNKNOWN_NAMES), max_size=8,
                          unique_by=canonical_key))
    pairs = [("Title", draw(VALUE))] + [(n, draw(VALUE)) for n in names]
    body = draw(st.lists(st.one_of(PARAGRAPH, PARAGRAPH, SCENE_BREAK), min_size=1, max_size=8))
    if is_fence(body[0]):
        body.insert(0, draw(PARAGRAPH))
    if is_fence(body[-1]):
        body.append(draw(PARAGRAPH))
    return pairs, body


def expected_fields(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {canonical_key(name): value for name, value in pairs}


@SETTINGS
@given(story=header_and_body(), fence=st.sampled_from(["***", "* * *", "---", "~~~", ""]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]), closing=st.booleans(),
       bom=st.booleans())
def test_text_header_and_body_round_trip(story: tuple[list[tuple[str, str]], list[str]],
                                         fence: str, newline: str, closing: bool,
                                         bom: bool) -> None:
    pairs, body = story
    lines = [f"{name}: {value}" for name, value in pairs]
    lines += [fence or "", *"\n\n".join(body).split("\n")]
    if closing:
        lines.append("***")
    data = (("\ufeff" if bom else "") + newline.join(lines) + newline).encode()
    s = _parse(data, path=None, fmt=None, max_bytes=None)
    assert s.fields == expected_fields(pairs)
    assert s.labels == {canonical_key(n): n for n, _ in pairs}
    assert s.body == "\n\n".join(body)
    assert s.body_line == len(pairs) + 2
    assert not [w for w in s.warnings if "given twice" in w.message]
    unknown = {field_key(n) for n, _ in pairs if lookup(n) is None}
    assert {w.line for w in s.warnings} == {i + 1 for i, (n, _) in enumerate(pairs)
                                              if field_key(n) in unknown}


@SETTINGS
@given(story=header_and_body())
def test_yaml_front_matter_round_trip(story: tuple[list[tuple[str, str]], list[str]]) -> None:
    pairs, body = story
    front = [f"{json.dumps(name)}: {json.dumps(value)}" for name, value in pairs]
    data = "\n".join(["---", *front, "---", *"\n\n".join(body).split("\n")]).encode()
    s = _parse(data, path=Path("story.md"), fmt=None, max_bytes=None)
    assert s.body_format == "markdown"
    assert s.fields == expected_fields(pairs)
    assert s.body == "\n\n".join(body)


@SETTINGS
@given(target=st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True), when=VALUE,
       form=st.sampled_from(["Release ({t})", "Release for {t}", "Post-At [{t}]",
                             "post date ({t})"]))
def test_per_target_release_round_trip(target: str, when: str, form: str) -> None:
    name = form.format(t=target)
    assert release_target(name) == target
    s = _parse(f"Title: T\n{name}: {when}\n***\nbody\n".encode(), path=None, fmt=None,
               max_bytes=None)
    assert s.releases == {target: when}
    assert "release" not in s.fields and s.warnings == ()


def test_every_known_name_is_its_own_field() -> None:
    for spec in FIELDS:
        for name in spec.names:
            assert lookup(name) is BY_KEY[spec.key]
            assert lookup(name.upper()) is BY_KEY[spec.key]


@SETTINGS
@given(text=st.text(st.sampled_from("ab1_-'’ .,\n<>&;#é日\u0301"), max_size=80))
def test_word_count_counts_tokens_with_a_letter_or_digit(text: str) -> None:
    # HTML tags in a text story (<a>, <b>) are markup, not words; "<ab>" is prose
    tokens = re.findall(r"[\w'’-]+", strip_html_tags(text))
    assert count_words(text) == sum(1 for t in tokens if any(c.isalnum() for c in t))


@SETTINGS
@given(story=header_and_body())
def test_html_bold_label_header_round_trip(story: tuple[list[tuple[str, str]], list[str]]
                                          ) -> None:
    pairs, body = story
    paragraphs = [p for p in body if not is_fence(p)]
    head = "".join(f"<b>{html.escape(n)}:</b> {html.escape(v)}<br>\n" for n, v in pairs)
    paras = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    s = _parse(f"{head}<hr>\n{paras}\n<p>***</p>\n".encode(), path=Path("s.html"), fmt=None,
               max_bytes=None)
    assert s.body_format == "html"
    assert s.fields == expected_fields(pairs)
    assert s.body == paras


# --- header lines: the unmarked-name shortcut reads exactly what the header pattern reads ---

def _match_by_pattern(line: str) -> tuple[str, str] | None:
    """``match_header`` as the header pattern alone reads a line (its reference)."""
    from crosspost.story.parse.header import _HEADER_RE, MAX_NAME_WORDS

    if not line or line[0] in " \t":
        return None
    m = _HEADER_RE.match(line)
    if m is None:
        return None
    name = m.group("name").strip()
    if ". " in name or name.count(" ") >= MAX_NAME_WORDS:
        return None
    return name, m.group("value").strip()


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["Title", "Word Count", "A/N", "Beta'd By", "x" * 59, "x" * 61, "Ünï",
                     "Ⅻ", "2nd", "_x", "**", "*", "__", "é’", "a. b", "a b c d e f g"]),
    st.text(alphabet=" \t:/\n*_.a1é²’(),\u3000\xa0", max_size=6)), max_size=6).map("".join))
@example("Title: Come Back and Stay")
@example("Link: http://example.com")
@example("Title \t : x\ny")
@example("Note (a,b): x")
def test_header_line_shortcut_reads_what_the_pattern_reads(line: str) -> None:
    from crosspost.story.parse.header import match_header

    assert match_header(line) == _match_by_pattern(line)
