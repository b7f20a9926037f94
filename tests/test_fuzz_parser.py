"""Fuzzing the parser: whatever the bytes, ``parse_bytes``/``parse_file`` return a Story or
raise a StoryError (with a path, a sensible line and a message) — never anything else.

Inputs: random bytes, structured stories with truncated headers, enormous lines and header
values, deeply nested and unclosed HTML, invalid and mixed encodings, every body format.
"""

from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reliability.stories import BAD_KINDS, CERTAINLY_BAD, bad_story, good_batch

from crosspost.errors import StoryError
from crosspost.story.model import Story
from crosspost.story.parse import parse_bytes, parse_file

#: CI budget; a longer hunt by hand: CROSSPOST_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz_parser.py
EXAMPLES = int(os.environ.get("CROSSPOST_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FORMATS = st.sampled_from([None, "text", "markdown", "html"])
HEADER_NAMES = ["Title", "By", "Author", "Pairing", "Fandom", "Rating", "Summary", "Notes",
                "ID", "Word Count", "Release", "Post At", "Warnings", "A/N", "Tags", "X-Odd"]


def _check(data: bytes, fmt: str | None = None, path: Path | None = None) -> Story | None:
    """The fuzz contract: a Story (usable) or a StoryError (explained); nothing else."""
    try:
        story = parse_bytes(data, path=path, fmt=fmt)
    except StoryError as exc:
        assert exc.message, "a StoryError needs a message"
        # parse_bytes turns parser crashes into "internal error" StoryErrors so the daemon
        # survives them; for the fuzzer they are still bugs
        assert "internal error" not in exc.message, f"parser crashed: {exc.render()}"
        assert exc.line is None or 1 <= exc.line <= data.count(b"\n") + data.count(b"\r") + 1
        if path is not None:
            assert exc.path == path
        return None
    assert isinstance(story, Story)
    assert isinstance(story.body, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in story.fields.items())
    assert story.body_format in ("text", "markdown", "html")
    assert isinstance(story.identity, str) and story.identity
    assert len(story.content_hash) == 64
    for w in story.warnings:
        str(w)  # every warning renders
    # the same bytes give the same story
    again = parse_bytes(data, path=path, fmt=fmt)
    assert again.content_hash == story.content_hash
    assert again.identity == story.identity
    return story


@FUZZ
@given(data=st.binary(max_size=4000), fmt=FORMATS)
@example(data=b"", fmt=None)
@example(data=b"\xef\xbb\xbf", fmt=None)
@example(data=b"\xff\xfe", fmt=None)
@example(data=b"Title:", fmt=None)
@example(data=b"Title: \xff\xfe\n\n***\n\nbody", fmt=None)
@example(data=b"\x1f\x8b\x08\x00", fmt="html")
@example(data=b"\r\r\r\r", fmt="markdown")
def test_parse_random_bytes_gives_story_or_story_error(data: bytes, fmt: str | None) -> None:
    _check(data, fmt)


@st.composite
def structured_story(draw: st.DrawFn) -> bytes:
    """A header of known and odd fields, a separator, a body; then encoded in some way and
    maybe cut short or corrupted."""
    n = draw(st.integers(0, 8))
    lines = []
    for _ in range(n):
        name = draw(st.sampled_from(HEADER_NAMES) | st.text(min_size=0, max_size=12))
        value = draw(st.text(max_size=60))
        sep = draw(st.sampled_from([": ", ":", " : ", ":\t", " - ", "="]))
        lines.append(f"{name}{sep}{value}")
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append("  " + draw(st.text(max_size=30)))  # a continuation line
    divider = draw(st.sampled_from(["\n\n***\n\n", "\n\n", "\n---\n", "\n", "\n\n~~~\n\n", ""]))
    body = draw(st.text(max_size=400))
    text = "\n".join(lines) + divider + body
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = text.replace("\n", newline)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1",
                                     "cp1252", "utf-32"]))
    data = text.encode(encoding, errors="replace")
    cut = draw(st.none() | st.integers(0, len(data)))
    if cut is not None:
        data = data[:cut]
    if data and draw(st.booleans()):
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 1:]
    return data


@FUZZ
@given(data=structured_story(), fmt=FORMATS)
@example(data=b"Title: 0\n  0\n\n***\n\n", fmt="html")  # found by this fuzzer (bugs.md)
def test_parse_structured_corrupt_stories_give_story_or_story_error(
        data: bytes, fmt: str | None) -> None:
    _check(data, fmt)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(length=st.integers(10_000, 1_500_000), where=st.sampled_from(["header", "body", "title"]),
       char=st.sampled_from(["x", "é", " ", "<", "\t", "*"]))
def test_parse_enormous_lines_give_story_or_story_error(length: int, where: str,
                                                        char: str) -> None:
    big = char * length
    if where == "header":
        text = f"Title: Long Line\nSummary: {big}\n\n***\n\nA body.\n"
    elif where == "title":
        text = f"Title: {big}\nBy: someone\n\n***\n\nA body.\n"
    else:
        text = f"Title: Long Line\nBy: someone\n\n***\n\n{big}\n"
    _check(text.encode("utf-8"))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(depth=st.integers(100, 30_000),
       tag=st.sampled_from(["div", "b", "blockquote", "ul><li", "table><tr><td", "lj-cut",
                            "span"]),
       close=st.booleans(), fmt=st.sampled_from([None, "html", "markdown"]))
def test_parse_deeply_nested_html_gives_story_or_story_error(depth: int, tag: str, close: bool,
                                                             fmt: str | None) -> None:
    opening = f"<{tag}>" * depth
    closing = "".join(f"</{t}>" for t in reversed(tag.split("><"))) * depth if close else ""
    text = f"Title: Deep\nBy: someone\n\n***\n\n{opening}deep{closing}\n"
    _check(text.encode(), fmt)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), kind=st.sampled_from(BAD_KINDS))
def test_parse_generated_bad_files_give_story_or_story_error(seed: int, kind: str) -> None:
    bad = bad_story(random.Random(seed), kind, "fz", seed)
    story = _check(bad.data, path=Path(bad.name))
    if kind in CERTAINLY_BAD:
        assert story is None, f"{kind} should be refused, got {story!r}"


@pytest.mark.parametrize("index", range(12))
def test_parse_generated_good_stories_keep_their_title(index: int) -> None:
    (good,) = good_batch(index, 1, f"g{index}")
    story = _check(good.data, path=Path(good.name))
    assert story is not None, "a well-formed story must parse"
    assert story.title == good.title
    assert story.body.strip()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_parse_bom_encodings_of_a_good_story_keep_the_title(encoding: str) -> None:
    (good,) = good_batch(encoding, 1, "bom")
    data = good.data.decode("utf-8").encode(encoding)
    story = _check(data)
    if story is not None:
        assert story.title == good.title


@pytest.mark.parametrize("junk", [b"\xc3\x28", b"\xa0\xa1", b"\xf0\x28\x8c\xbc", b"\xed\xa0\x80",
                                  codecs.BOM_UTF8 + b"\xff"])
def test_parse_invalid_utf8_sequences_give_story_or_story_error(junk: bytes) -> None:
    (good,) = good_batch("junk", 1, "inv")
    for at in (0, len(good.data) // 3, len(good.data) - 1):
        _check(good.data[:at] + junk + good.data[at:])


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=structured_story())
def test_parse_file_gives_story_or_story_error_naming_the_file(tmp_path: Path,
                                                               data: bytes) -> None:
    path = tmp_path / "fuzzed.txt"
    path.write_bytes(data)
    try:
        story = parse_file(path)
    except StoryError as exc:
        assert exc.path is not None and exc.path.name == "fuzzed.txt"
        assert str(path.name) in exc.render()
    else:
        assert isinstance(story, Story)
    assert path.read_bytes() == data, "the parser must never alter the file"
