"""Series navigation end to end against the sandbox: each part's entry links to the
previous and next parts and the series' index; posting part 3 edits part 2 to add its
"next" link; a delete relinks the neighbours; nothing is sent when the links are current;
an edit whose answer is lost is settled without a second entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.sandbox.world import Entry
from crosspost.workflows.series import Part, navigation_html, part_number, with_navigation

SERIES = """
[series]

[masterlists.road]
subject = "The Long Road: index"
where = { series = "The Long Road" }
order_by = ["part"]
"""


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


@pytest.fixture
def series_config(sandbox: Any, sandbox_config_factory: Any,
                  monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    path: Path = sandbox_config_factory(sandbox, extra=SERIES)
    return path


def _part(folder: Path, n: int, title: str) -> Path:
    return write_story(folder, f"part{n}", f"Part {n} of the road, told plainly.",
                       title=title, id=f"road-{n}", series="The Long Road", part=f"{n} of 3")


def _entry(sandbox: Any, title: str) -> Entry:
    (found,) = [e for e in sandbox.world.list_entries("writer") if e.subject.startswith(title)]
    return found


def _edits(sandbox: Any) -> int:
    return int(sandbox.stats.snapshot()["modes"].get("editevent", 0))


def _posts(sandbox: Any) -> int:
    return int(sandbox.stats.snapshot()["modes"].get("postevent", 0))


def _links(event: str) -> list[str]:
    block = event[event.index("<!-- crosspost:series -->"):]
    return re.findall(r">([^<]+)</a>", block)


def test_parts_link_to_each_other_and_posting_a_part_edits_the_one_before(
        tmp_path: Path, sandbox: Any, series_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "road"
    one, two, three = (_part(folder, 1, "Setting Out"), _part(folder, 2, "Halfway"),
                       _part(folder, 3, "Arrival"))
    code, out, err = run(capsys, series_config, "post", str(one), "--to", "journal")
    assert code == 0, out + err
    index_url = re.search(r"^masterlist road → journal: posted (\S+)", out, re.M)
    assert index_url, out
    # part 1 alone: only the index link
    assert "navigation of 'Setting Out' → journal: edited" in out, out + err
    assert _links(_entry(sandbox, "Setting Out").event) == ["The Long Road"]

    edits = _edits(sandbox)
    code, out, err = run(capsys, series_config, "post", str(two), "--to", "journal")
    assert code == 0, out + err
    # the new part gets its links, part 1 its "next" link, the index the new part
    assert _edits(sandbox) - edits == 3, out
    first, second = _entry(sandbox, "Setting Out").event, _entry(sandbox, "Halfway").event
    assert _links(first) == ["The Long Road", "Halfway »"]
    assert _links(second) == ["« Setting Out", "The Long Road"]
    assert f'href="{index_url.group(1)}"' in second
    url_two = re.search(r"^journal: posted (\S+)", out, re.M)
    assert url_two and f'href="{url_two.group(1)}"' in first

    # nothing changed: nothing is sent
    edits, posts = _edits(sandbox), _posts(sandbox)
    code, out, err = run(capsys, series_config, "post", str(two), "--to", "journal")
    assert code == 0, out + err
    assert (_edits(sandbox), _posts(sandbox)) == (edits, posts)

    code, out, err = run(capsys, series_config, "post", str(three), "--to", "journal")
    assert code == 0, out + err
    assert _links(_entry(sandbox, "Halfway").event) == ["« Setting Out", "The Long Road",
                                                        "Arrival »"]
    assert _links(_entry(sandbox, "Arrival").event) == ["« Halfway", "The Long Road"]
    assert _links(_entry(sandbox, "Setting Out").event) == ["The Long Road", "Halfway »"]

    code, out, err = run(capsys, series_config, "delete", str(two), "--yes")
    assert code == 0, out + err
    assert _links(_entry(sandbox, "Setting Out").event) == ["The Long Road", "Arrival »"]
    assert _links(_entry(sandbox, "Arrival").event) == ["« Setting Out", "The Long Road"]


def test_a_navigation_edit_whose_answer_is_lost_is_settled_without_a_second_entry(
        tmp_path: Path, sandbox: Any, series_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "road"
    one, two = _part(folder, 1, "Setting Out"), _part(folder, 2, "Halfway")
    assert run(capsys, series_config, "post", str(one), "--to", "journal")[0] == 0
    # the masterlist's edit passes; the first navigation edit is applied, its answer lost
    sandbox.faults.add("drop_after", "editevent", after=1, count=1)
    code, out, err = run(capsys, series_config, "post", str(two), "--to", "journal")
    assert code == 0, out + err
    assert sandbox.stats.snapshot()["faults_injected"].get("drop_after") == 1
    sandbox.faults.clear()
    edits, posts = _edits(sandbox), _posts(sandbox)
    code, out, err = run(capsys, series_config, "post", str(two), "--to", "journal")
    assert code == 0, out + err
    assert (_edits(sandbox), _posts(sandbox)) == (edits, posts)  # all settled already
    entries = sandbox.world.list_entries("writer")
    assert sorted(e.subject.split(" (")[0] for e in entries) == [
        "Halfway", "Setting Out", "The Long Road: index"]
    assert _links(_entry(sandbox, "Setting Out").event) == ["The Long Road", "Halfway »"]
    assert _links(_entry(sandbox, "Halfway").event) == ["« Setting Out", "The Long Road"]


def test_navigation_text_is_a_pure_function_of_the_parts() -> None:
    parts = [Part("a", "Road", 1, "One"), Part("b", "Road", 2, "Two"),
             Part("c", "Road", 3, "Three")]
    urls = {"a": "https://x/1", "c": "https://x/3"}  # part 2 is not posted (yet)
    template = '[<a href="{previous_url}">{previous_title}</a>][|<a href="{next_url}">' \
               '{next_title}</a>]'
    assert navigation_html(template, parts[0], parts, urls) == '|<a href="https://x/3">Three</a>'
    assert navigation_html(template, parts[2], parts, urls) == '<a href="https://x/1">One</a>'
    assert navigation_html(template, parts[0], parts[:1], urls) == ""
    event = with_navigation("<p>story</p>", "NAV")
    assert with_navigation(event, "NEW") == with_navigation("<p>story</p>", "NEW")
    assert with_navigation(event, "") == "<p>story</p>"
    assert [part_number(t) for t in ("3", "Part 3", "3 of 5", "Chapter Three")] == \
        [3, 3, 3, None]


def test_series_navigation_template_mistakes_are_reported(
        sandbox: Any, sandbox_config_factory: Any) -> None:
    from crosspost.config import load_config
    from crosspost.errors import ConfigError

    cfg = sandbox_config_factory(sandbox, extra="[series]\nnavigation = '{prev_url}'")
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert "series.navigation: unknown value {prev_url}" in caught.value.message


def test_the_watcher_links_parts_including_those_already_moved_to_posted(
        tmp_path: Path, sandbox: Any, series_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = series_config.read_text(encoding="utf-8")
    text = re.sub(r'(\[targets\.(fluffy|modq|closed|den)\]\naccount = "sandbox")',
                  r"\1\nauto = false", text)  # the writer's own journal only
    series_config.write_text(text, encoding="utf-8")
    folder = tmp_path / "stories"
    _part(folder, 1, "Setting Out")
    _part(folder, 2, "Halfway")
    code, _, err = run(capsys, series_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    assert (folder / "posted" / "part2.txt").exists()
    assert _links(_entry(sandbox, "Setting Out").event) == ["The Long Road", "Halfway »"]
    _part(folder, 3, "Arrival")
    code, _, err = run(capsys, series_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    # part 2's file is in posted/ now: it is read from there
    assert _links(_entry(sandbox, "Halfway").event) == ["« Setting Out", "The Long Road",
                                                        "Arrival »"]
    assert _links(_entry(sandbox, "Arrival").event) == ["« Halfway", "The Long Road"]
