"""Stories the parser refuses: each error names the file, the line and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosspost.errors import StoryError
from crosspost.story.parse import parse_bytes, parse_file

BAD = Path(__file__).parent / "stories" / "bad"


def refused(name: str) -> StoryError:
    with pytest.raises(StoryError) as err:
        parse_file(BAD / name)
    exc = err.value
    assert exc.path == BAD / name
    assert exc.fix, "every story error tells the writer what to do"
    assert str(BAD / name) in exc.message
    return exc


def test_missing_title() -> None:
    exc = refused("no-title.txt")
    assert "missing Title" in exc.reason and exc.line == 1
    assert "Title:" in exc.fix


def test_misspelt_title_suggests_the_right_name() -> None:
    exc = refused("misspelt-title.txt")
    assert "missing Title" in exc.reason
    assert "line 1 says 'Titel': did you mean 'Title'?" in exc.fix


def test_empty_title() -> None:
    exc = refused("empty-title.txt")
    assert "Title field is empty" in exc.reason and exc.line == 1


@pytest.mark.parametrize("name, line", [
    ("no-body.txt", 3), ("no-body-only-fences.txt", 3), ("header-only-no-fence.txt", 3),
    ("truncated-header.txt", 2),
])
def test_no_body(name: str, line: int) -> None:
    exc = refused(name)
    assert "no story text" in exc.reason and exc.line == line
    assert "write the story below the header" in exc.fix


@pytest.mark.parametrize("name", ["starts-with-prose.txt", "title-line-without-name.txt"])
def test_header_not_found_when_file_starts_with_prose(name: str) -> None:
    exc = refused(name)
    assert "no header found" in exc.reason and exc.line == 1
    assert "if line 1 is the title, write 'Title: ' before it" in exc.fix


def test_stray_line_inside_header_is_named() -> None:
    exc = refused("stray-line-in-header.txt")
    assert exc.line == 3
    assert "'this line has no name and no colon'" in exc.reason
    assert "indent it to continue the field above" in exc.fix


@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "the file is empty"),
    ("blank-lines-only.txt", "only blank lines"),
    ("bom-only.txt", "only blank lines"),
    ("binary.bin", "binary file"),
    ("nul-bytes.txt", "binary file"),
    ("utf16-no-bom.txt", "binary file"),
    ("word-document.docx", "Word .docx"),
    ("saved-as-rtf.txt", "RTF file"),
])
def test_empty_and_binary_files(name: str, reason: str) -> None:
    exc = refused(name)
    assert reason in exc.reason
    assert exc.line is None


def test_word_document_fix_says_save_as_text() -> None:
    assert "save it as plain text" in refused("word-document.docx").fix


@pytest.mark.parametrize("name, reason, line", [
    ("front-matter-unclosed.md", "no closing '---' line", 1),
    ("front-matter-not-mapping.md", "not a list of 'name: value' lines", 2),
    ("front-matter-invalid-yaml.md", "not valid YAML", 5),
    ("front-matter-no-title.md", "missing Title", 2),
])
def test_markdown_front_matter_errors(name: str, reason: str, line: int) -> None:
    exc = refused(name)
    assert reason in exc.reason and exc.line == line


def test_invalid_yaml_error_points_at_where_the_problem_started() -> None:
    assert "quoted scalar on line 3" in refused("front-matter-invalid-yaml.md").reason


@pytest.mark.parametrize("name, reason", [
    ("html-no-header.html", "no header found"),
    ("html-no-title.html", "missing Title"),
    ("html-no-body.html", "no story text"),
])
def test_html_errors(name: str, reason: str) -> None:
    assert reason in refused(name).reason


def test_file_too_large_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"Title: Big\n***\n" + b"word " * 300)
    with pytest.raises(StoryError) as err:
        parse_file(path, max_bytes=1000)
    assert "too large" in err.value.reason
    assert "1,000 bytes" in err.value.reason and "1,515 bytes" in err.value.reason
    assert parse_file(path, max_bytes=2000).title == "Big"


def test_default_size_limit_is_five_million_bytes(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.write(b"Title: Huge\n***\n")
        fh.truncate(5_000_001)
    with pytest.raises(StoryError) as err:
        parse_file(path)
    assert "5,000,000 bytes" in err.value.reason


def test_parse_bytes_honours_max_bytes() -> None:
    with pytest.raises(StoryError, match="too large"):
        parse_bytes(b"Title: x\n***\nbody\n", max_bytes=5)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StoryError) as err:
        parse_file(tmp_path / "nope.txt")
    assert "does not exist" in err.value.reason


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(StoryError) as err:
        parse_file(tmp_path)
    assert "folder" in err.value.reason


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("Title: x\n***\nbody\n")
    path.chmod(0)
    with pytest.raises(StoryError) as err:
        parse_file(path)
    assert "permission" in err.value.reason


def test_unknown_format_argument() -> None:
    with pytest.raises(StoryError) as err:
        parse_bytes(b"Title: x\n***\nbody\n", fmt="docx")
    assert "text, markdown, html" in err.value.fix


def test_enormous_line_in_header_is_a_clear_error() -> None:
    data = b"Title: x\n" + b"y" * 3_000_000 + b"\n***\nbody\n"
    with pytest.raises(StoryError) as err:
        parse_bytes(data)
    assert err.value.line == 2
    assert len(err.value.message) < 500  # the line is quoted, but shortened


def test_enormous_line_in_body_is_fine() -> None:
    s = parse_bytes(b"Title: x\n***\n" + b"word " * 600_000 + b"\n")
    assert s.word_count == 600_000


def test_enormous_header_value_is_fine() -> None:
    s = parse_bytes(b"Title: x\nSummary: " + b"long " * 200_000 + b"\n***\nbody\n")
    assert len(s.fields["summary"]) == 999_999


def test_errors_carry_the_given_path_from_parse_bytes() -> None:
    with pytest.raises(StoryError) as err:
        parse_bytes(b"", path=Path("some/where.txt"))
    assert err.value.path == Path("some/where.txt")
    assert err.value.message.startswith("some/where.txt: ")


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(StoryError) as err:
        parse_file(fifo)
    assert "not a regular file" in err.value.reason


def test_path_through_a_file_is_missing(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(StoryError, match="does not exist"):
        parse_file(tmp_path / "plain" / "story.txt")
