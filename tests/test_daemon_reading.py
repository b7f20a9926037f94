"""Parsing off the daemon's loop: a slow file is parked (the loop goes on) and taken up
again when its parse is done; past the time bound it is given up. Real parses of a large
HTML story on real threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from crosspost.daemon.files import FileSig
from crosspost.daemon.reading import Reader
from crosspost.errors import StoryError

pytestmark = pytest.mark.timeout(300)

SIG = FileSig(1, 1, 1, 1)
BODY = "<p><b>word</b> <i>more</i> <a href='x'>link</a> text &amp; stuff</p>\n" * 8000
BIG = ("Title: Slow To Read\nBy: writer\n\n***\n\n" + BODY).encode()


def test_reader_parks_a_slow_parse_and_calls_back_when_it_is_done(tmp_path: Path) -> None:
    path = tmp_path / "slow.html"
    done = threading.Event()
    reader = Reader(lambda p: done.set(), inline=0.0, limit=600)
    job = reader.start(path, BIG, SIG, 10**8)
    left = reader.result(path, job)
    assert isinstance(left, float) and 0 < left <= 600
    assert path in reader.parked  # the loop goes on; the file is taken up later
    assert done.wait(240)
    again = reader.resume(path, SIG)
    assert again is job and path not in reader.parked
    story = reader.result(path, again)
    assert not isinstance(story, float) and story.title.startswith("Slow To Read")


def test_reader_gives_up_a_parse_past_its_time_bound(tmp_path: Path) -> None:
    path = tmp_path / "slow.html"
    reader = Reader(inline=0.0, limit=0.0)
    job = reader.start(path, BIG, SIG, 10**8)
    with pytest.raises(StoryError) as err:
        reader.result(path, job)
    assert "took too long to read" in err.value.reason and "plain text" in err.value.fix


def test_reader_drops_the_parse_of_an_older_version(tmp_path: Path) -> None:
    path = tmp_path / "slow.html"
    reader = Reader(inline=0.0, limit=600)
    job = reader.start(path, BIG, SIG, 10**8)
    assert isinstance(reader.result(path, job), float)
    assert reader.resume(path, FileSig(2, 2, 1, 1)) is None  # the file changed since


def test_reader_gives_a_quick_story_at_once_and_a_bad_one_as_its_error(tmp_path: Path
                                                                       ) -> None:
    reader = Reader()
    path = tmp_path / "quick.txt"
    story = reader.result(path, reader.start(path, b"Title: Q\n\n***\n\nBody.\n", SIG, 1000))
    assert not isinstance(story, float) and story.title == "Q"
    with pytest.raises(StoryError):
        reader.result(path, reader.start(path, b"no header at all", SIG, 1000))
    assert not reader.parked
