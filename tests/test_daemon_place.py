"""Placing a story handed over by a person (the dashboard's "add a story") into the stories
folder: checked first, nothing written on a problem, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.daemon.placing import place_dropped
from crosspost.errors import StoryError

STORY = b"Title: Placed\nBy: writer\n\n***\n\nThe story.\n"


def test_place_dropped_writes_the_bytes_under_the_name(tmp_path: Path) -> None:
    dest = place_dropped(tmp_path, "placed.txt", STORY, max_bytes=10_000)
    assert dest == tmp_path / "placed.txt" and dest.read_bytes() == STORY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["placed.txt"]  # no temporary left


def test_place_dropped_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "placed.txt").write_bytes(b"the writer's own")
    dest = place_dropped(tmp_path, "placed.txt", STORY, max_bytes=10_000)
    assert dest.name == "placed-2.txt"
    assert (tmp_path / "placed.txt").read_bytes() == b"the writer's own"


@pytest.mark.parametrize(("name", "data", "words"), [
    ("../escape.txt", STORY, "folder part"),
    ("sub/x.txt", STORY, "folder part"),
    (".hidden.txt", STORY, "not a story file name"),
    ("story.docx", STORY, "not a story file name"),
    ("notes.exe", STORY, "not a story file name"),
    ("empty.txt", b"", "empty"),
    ("big.txt", STORY + b"x" * 200, "too large"),
    ("broken.txt", b"Title: T\nRat", "not a 'Name: value' line"),
])
def test_place_dropped_refuses_with_the_fix_and_writes_nothing(
        tmp_path: Path, name: str, data: bytes, words: str) -> None:
    folder = tmp_path / "stories"
    with pytest.raises(StoryError) as err:
        place_dropped(folder, name, data, max_bytes=100)
    assert words in err.value.message and err.value.fix
    assert not folder.exists() or not any(folder.iterdir())
