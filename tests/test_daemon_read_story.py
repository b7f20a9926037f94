"""Reading a story file of the watched folder: never through a link to outside it, and only
the very file that was scanned (real files, links and hard links in a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosspost.daemon.files import FileSig, NotTheScannedFile, read_story
from crosspost.errors import StoryError

TEXT = b"Title: T\n\n***\n\nbody\n"
needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt",
                                 reason="links need privileges on Windows")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "stories").mkdir()
    (tmp_path / "outside.txt").write_bytes(b"Title: Private\n\n***\n\nsecret\n")
    return tmp_path / "stories"


def _scanned(path: Path) -> FileSig:
    return FileSig.of(path.stat())


def test_read_story_reads_the_file_scanned(folder: Path) -> None:
    path = folder / "s.txt"
    path.write_bytes(TEXT)
    assert read_story(path, folder, _scanned(path), 1000) == TEXT


def test_read_story_file_replaced_after_the_scan_is_not_read(folder: Path) -> None:
    path = folder / "s.txt"
    path.write_bytes(TEXT)
    sig = _scanned(path)
    other = folder / ".new"
    other.write_bytes(b"Title: Other\n\n***\n\nother\n")
    os.replace(other, path)
    with pytest.raises(NotTheScannedFile) as err:
        read_story(path, folder, sig, 1000)
    assert err.value.kind == "changed"


@needs_links
def test_read_story_file_swapped_for_a_link_to_outside_is_not_read(folder: Path) -> None:
    path = folder / "s.txt"
    path.write_bytes(TEXT)
    sig = _scanned(path)
    path.unlink()
    path.symlink_to(folder.parent / "outside.txt")
    with pytest.raises(NotTheScannedFile) as err:
        read_story(path, folder, sig, 1000)
    assert err.value.kind == "link"


@needs_links
def test_read_story_link_inside_the_folder_is_read_through(folder: Path) -> None:
    real = folder / "real.txt"
    real.write_bytes(TEXT)
    link = folder / "link.txt"
    link.symlink_to(real)
    assert read_story(link, folder, _scanned(link), 1000) == TEXT


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links here")
def test_read_story_hard_link_to_outside_is_not_read_but_one_inside_is(folder: Path
                                                                       ) -> None:
    linked = folder / "linked.txt"
    os.link(folder.parent / "outside.txt", linked)
    with pytest.raises(NotTheScannedFile) as err:
        read_story(linked, folder, _scanned(linked), 1000)
    assert err.value.kind == "link" and "hard link" in err.value.reason
    (folder / "posted").mkdir()
    own = folder / "own.txt"
    own.write_bytes(TEXT)
    os.link(own, folder / "posted" / "own.txt")  # both names are in the folder
    assert read_story(own, folder, _scanned(own), 1000) == TEXT


def test_read_story_too_large_is_a_story_error_with_the_size(folder: Path) -> None:
    path = folder / "big.txt"
    path.write_bytes(TEXT * 100)
    with pytest.raises(StoryError) as err:
        read_story(path, folder, _scanned(path), 100)
    assert f"{len(TEXT) * 100:,} bytes" in err.value.message
