"""Masterlists end to end against the sandbox: posted with the first story they list,
edited once per batch on post, edit and delete, grouped and ordered as configured, one
line per story from its template; and the pure text function on its own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.config.community import Masterlist
from crosspost.sandbox.world import Entry
from crosspost.workflows.masterlists import Listed, masterlist_html

LISTS = """
[masterlists.all]
target = "journal"
subject = "All my fic"
group_by = ["fandom", "pairing"]
order_by = ["title"]
line = '<a href="{url}">{title}</a>[ ({rating})], {word_count} words[: {summary}]'

[masterlists.torchwood]
subject = "Torchwood fic"
where = { fandom = "Torchwood" }
"""


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


@pytest.fixture
def lists_config(sandbox: Any, sandbox_config_factory: Any,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    path: Path = sandbox_config_factory(sandbox, extra=LISTS)
    return path


def _entry(sandbox: Any, subject: str) -> Entry:
    (found,) = [e for e in sandbox.world.list_entries("writer") if e.subject == subject]
    return found


def _modes(sandbox: Any) -> dict[str, int]:
    return dict(sandbox.stats.snapshot()["modes"])


def test_masterlists_follow_posts_edits_and_deletes_once_per_batch(
        tmp_path: Path, sandbox: Any, lists_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fic"
    a = write_story(folder, "a", "One two three four.", title="Archive Night", id="a",
                    fandom="Torchwood", pairing="Ianto/Jack", summary="Late <work>.")
    b = write_story(folder, "b", "Five six.", title="Blue Box", id="b",
                    fandom="Doctor Who", pairing="Ten/Rose")
    c = write_story(folder, "c", "Seven.", title="Aardvark", id="c", fandom="Torchwood",
                    pairing="Ianto/Jack", rating=None)
    before = _modes(sandbox)
    code, out, err = run(capsys, lists_config, "post", str(a), str(b), str(c),
                         "--to", "journal")
    assert code == 0, out + err
    modes = _modes(sandbox)
    assert modes.get("postevent", 0) - before.get("postevent", 0) == 5  # 3 stories, 2 lists
    assert modes.get("editevent", 0) == before.get("editevent", 0)
    assert re.search(r"^masterlist all → journal: posted http", out, re.M)
    everything = _entry(sandbox, "All my fic").event
    # fandoms in order, then pairings, then titles
    headings = re.findall(r"<h[34]>([^<]+)</h[34]>", everything)
    assert headings == ["Doctor Who", "Ten/Rose", "Torchwood", "Ianto/Jack"]
    assert everything.index(">Aardvark</a>") < everything.index(">Archive Night</a>")
    assert ">Archive Night</a> (PG), 4 words: Late &lt;work&gt;." in everything
    assert ">Aardvark</a>, 1 words" in everything  # no rating: the optional part goes
    torchwood = _entry(sandbox, "Torchwood fic").event
    assert "Blue Box" not in torchwood and "Aardvark" in torchwood
    assert "2 stories" in torchwood

    write_story(folder, "b", "Five six seven.", title="Bigger Box", id="b",
                fandom="Doctor Who", pairing="Ten/Rose")
    before = _modes(sandbox)
    code, out, err = run(capsys, lists_config, "edit", str(b))
    assert code == 0, out + err
    # the story and the "all" list; the Torchwood list does not show it: nothing sent
    assert _modes(sandbox).get("editevent", 0) - before.get("editevent", 0) == 2
    assert ">Bigger Box</a>" in _entry(sandbox, "All my fic").event
    assert "masterlist torchwood" not in out

    code, out, err = run(capsys, lists_config, "delete", str(a), "--yes")
    assert code == 0, out + err
    assert "Archive Night" not in _entry(sandbox, "All my fic").event
    assert "1 story" in _entry(sandbox, "Torchwood fic").event


def test_masterlist_text_groups_orders_and_filters() -> None:
    ml = Masterlist(group_by=["fandom"], order_by=["title"], line="{title}",
                    where={"fandom": "Doctor Who"})
    stories = [
        Listed("s:1", {"title": "Zed", "fandom": "Torchwood/Doctor Who"}, "u1"),
        Listed("s:2", {"title": "Alpha", "fandom": "Doctor Who"}, "u2"),
        Listed("s:3", {"title": "Other One", "fandom": "Merlin"}, "u3"),
    ]
    text = masterlist_html(ml, stories)
    assert "Other One" not in text  # not in the fandom
    assert re.findall(r"<h3>([^<]+)</h3>", text) == ["Doctor Who", "Torchwood/Doctor Who"]
    no_groups = masterlist_html(Masterlist(line="{title}"), stories)
    assert re.findall(r"<li>([^<]+)</li>", no_groups) == ["Alpha", "Other One", "Zed"]
    ungrouped = masterlist_html(Masterlist(group_by=["pairing"], line="{title}"), stories[:1])
    assert "<h3>Other</h3>" in ungrouped


@pytest.mark.parametrize(("extra", "expected"), [
    ("[masterlists.m]\ngroup_by = ['fandm']", "did you mean 'Fandom'?"),
    ("[masterlists.m]\nline = '{title'", "masterlists.m.line"),
    ("[masterlists.m]\ntarget = 'nowhere'", "no target 'nowhere'"),
    ("[masterlists.m]\ngroupby = ['fandom']", "did you mean 'group_by'?"),
])
def test_masterlist_config_mistakes_are_reported(
        sandbox: Any, sandbox_config_factory: Any, extra: str, expected: str) -> None:
    from crosspost.config import load_config
    from crosspost.errors import ConfigError

    cfg = sandbox_config_factory(sandbox, extra=extra)
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert expected in caught.value.message and "masterlists.m" in caught.value.message


def test_a_masterlist_of_one_series_orders_its_parts_by_number() -> None:
    ml = Masterlist(where={"series": "Long Road"}, order_by=["part"], line="{title}")
    stories = [Listed(f"s:{n}", {"title": f"Part {n}", "series": "Long Road",
                                 "part": str(n)}, f"u{n}") for n in (10, 2, 1)]
    stories.append(Listed("s:x", {"title": "Elsewhere", "series": "Other Road"}, "ux"))
    text = masterlist_html(ml, stories)
    assert re.findall(r"<li>([^<]+)</li>", text) == ["Part 1", "Part 2", "Part 10"]
