"""Prompt tables end to end against the sandbox: fills posted in a batch create or edit the
table post once, edits and deletes of a fill edit it, `crosspost tables` shows the
progress, `check` warns about unknown tables and prompts and prompts already filled, and a
table post whose answer was lost is reconciled, never posted twice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.sandbox.world import Entry
from crosspost.workflows.tables import match_prompt

TABLE = """
[tables.25fluffyfics]
prompts = ["Beginnings", "Middles", "Parting", "Rain", "Home"]
target = "journal"
"""


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_MAX_WAIT_SECONDS", "2")


@pytest.fixture
def table_config(sandbox: Any, sandbox_config_factory: Any, fast: None) -> Path:
    path: Path = sandbox_config_factory(sandbox, extra=TABLE)
    return path


def _fill(folder: Path, name: str, title: str, prompt: str, table: str = "25fluffyfics"
          ) -> Path:
    return write_story(folder, name, f"The story called {title}, in a few words.",
                       title=title, table=table, prompt=prompt)


def _table_posts(sandbox: Any) -> list[Entry]:
    return [e for e in sandbox.world.list_entries("writer")
            if e.subject.startswith("25fluffyfics prompt table")]


def _modes(sandbox: Any) -> dict[str, int]:
    return dict(sandbox.stats.snapshot()["modes"])


def _delta(before: dict[str, int], after: dict[str, int], mode: str) -> int:
    return after.get(mode, 0) - before.get(mode, 0)


def test_prompt_matches_by_number_text_or_both() -> None:
    prompts = ("Beginnings", "Middles", "Parting")
    assert [match_prompt(prompts, t) for t in ("3", "3, Parting", "parting", "#3",
                                               "3. Parting")] == [3, 3, 3, 3, 3]
    assert [match_prompt(prompts, t) for t in ("4", "3, Rain", "Rain", "")] == [None] * 4


def test_a_batch_of_fills_posts_the_table_post_once_then_edits_it_once(
        tmp_path: Path, sandbox: Any, table_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fills"
    first = [_fill(folder, "a", "Arrival", "1"), _fill(folder, "b", "Goodbye", "3, Parting"),
             _fill(folder, "c", "Downpour", "rain")]
    before = _modes(sandbox)
    code, out, err = run(capsys, table_config, "post", *map(str, first), "--to", "journal")
    assert code == 0, out + err
    after = _modes(sandbox)
    assert _delta(before, after, "postevent") == 4  # three stories and one table post
    assert _delta(before, after, "editevent") == 0
    (table,) = _table_posts(sandbox)
    assert table.subject == "25fluffyfics prompt table (3/5)"
    assert "3/5 prompts filled" in table.event
    assert re.search(r"^table 25fluffyfics → journal: posted http", out, re.M)
    for title in ("Arrival", "Goodbye", "Downpour"):
        assert f">{title}</a>" in table.event
    assert "<li>Middles</li>" in table.event and "<li>Home</li>" in table.event

    # two more fills in one batch: the table post is edited once, not twice
    more = [_fill(folder, "d", "Halfway", "2, Middles"), _fill(folder, "e", "Hearth", "5")]
    before = _modes(sandbox)
    code, out, err = run(capsys, table_config, "post", *map(str, more), "--to", "journal")
    assert code == 0, out + err
    after = _modes(sandbox)
    assert _delta(before, after, "postevent") == 2
    assert _delta(before, after, "editevent") == 1
    (table,) = _table_posts(sandbox)
    assert table.subject == "25fluffyfics prompt table (5/5)"

    # nothing changed: no request for the table post
    before = _modes(sandbox)
    code, out, _ = run(capsys, table_config, "post", *map(str, more), "--to", "journal")
    assert code == 0 and "table 25fluffyfics" not in out
    assert _delta(before, _modes(sandbox), "editevent") == 0

    code, out, _ = run(capsys, table_config, "tables")
    assert code == 0
    assert re.search(r"^25fluffyfics: 5/5 filled → http", out, re.M)
    assert re.search(r"^\s+3\. Parting: Goodbye \(http", out, re.M)


def test_editing_and_deleting_a_fill_edits_the_table_post(
        tmp_path: Path, sandbox: Any, table_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fills"
    one = write_story(folder, "one", "First words.", title="First Draft", id="fill-1",
                      table="25 Fluffy Fics", prompt="4")
    two = _fill(folder, "two", "Second", "5, Home")
    code, out, err = run(capsys, table_config, "post", str(one), str(two), "--to", "journal")
    assert code == 0, out + err
    write_story(folder, "one", "First words.", title="Final Title", id="fill-1",
                table="25 Fluffy Fics", prompt="4")
    code, out, err = run(capsys, table_config, "edit", str(one))
    assert code == 0, out + err
    assert re.search(r"^table 25fluffyfics → journal: edited", out, re.M)
    (table,) = _table_posts(sandbox)
    assert ">Final Title</a>" in table.event and "First Draft" not in table.event
    code, out, err = run(capsys, table_config, "delete", str(two), "--yes")
    assert code == 0, out + err
    (table,) = _table_posts(sandbox)
    assert table.subject == "25fluffyfics prompt table (1/5)"
    assert "<li>Home</li>" in table.event and "Second" not in table.event


def test_check_warns_about_unknown_tables_prompts_and_filled_prompts(
        tmp_path: Path, sandbox: Any, table_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fills"
    posted = _fill(folder, "posted", "Taken", "3")
    assert run(capsys, table_config, "post", str(posted), "--to", "journal")[0] == 0
    unknown_table = _fill(folder, "t", "Wrong Table", "3", table="50angstyfics")
    unknown_prompt = _fill(folder, "p", "Wrong Prompt", "9")
    again = _fill(folder, "g", "Again", "Parting")
    code, out, err = run(capsys, table_config, "check", str(unknown_table),
                         str(unknown_prompt), str(again), "--to", "journal")
    text = out + err
    assert code == 0, text  # warnings: the stories can still be posted
    assert "Table: '50angstyfics' is not one of your tables (25fluffyfics)" in text
    assert "Prompt: '9' is not a prompt of table '25fluffyfics'" in text
    assert "prompt 3 of table '25fluffyfics' is already filled by 'Taken'" in text


def test_a_table_post_whose_answer_was_lost_is_reconciled_not_posted_twice(
        tmp_path: Path, sandbox: Any, table_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "fills"
    story = _fill(folder, "lost", "Lost Answer", "1")
    # the story's post goes through; the table post is committed, but its answer is lost
    sandbox.faults.add("drop_after", "postevent", after=1, count=1)
    code, out, err = run(capsys, table_config, "post", str(story), "--to", "journal")
    assert code == 0, out + err
    assert re.search(r"^table 25fluffyfics → journal: posted http\S+ \(found on the site "
                     r"after an interrupted attempt; not sent again\)", out, re.M), out + err
    assert len(_table_posts(sandbox)) == 1
    before = _modes(sandbox)
    code, out, err = run(capsys, table_config, "post", str(story), "--to", "journal")
    assert code == 0 and "table 25fluffyfics" not in out, out + err
    assert _delta(before, _modes(sandbox), "postevent") == 0
    assert len(_table_posts(sandbox)) == 1  # never a second copy
    code, out, _ = run(capsys, table_config, "tables")
    assert re.search(r"^25fluffyfics: 1/5 filled → http", out, re.M), out


def test_table_config_mistakes_are_reported(sandbox: Any, sandbox_config_factory: Any
                                            ) -> None:
    from crosspost.config import load_config
    from crosspost.errors import ConfigError

    for extra, expected in [
        ("[tables.t]\ntarget = 'journal'", "a table needs its prompts"),
        ("[tables.t]\nprompts = ['a']\ntarget = 'jurnal'", "no target 'jurnal'"),
        ("[tables.t]\nprompt = ['a']", "did you mean 'prompts'?"),
    ]:
        cfg = sandbox_config_factory(sandbox, extra=extra)
        with pytest.raises(ConfigError) as caught:
            load_config(cfg)
        assert expected in caught.value.message and "tables.t" in caught.value.message


def test_the_watcher_keeps_the_table_post_up_to_date_once_per_batch(
        tmp_path: Path, sandbox: Any, table_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = table_config.read_text(encoding="utf-8")
    text = re.sub(r'(\[targets\.(fluffy|modq|closed|den)\]\naccount = "sandbox")',
                  r"\1\nauto = false", text)  # the writer's own journal only
    table_config.write_text(text, encoding="utf-8")
    folder = tmp_path / "stories"
    for name, title, prompt in (("a", "Arrival", "1"), ("b", "Goodbye", "Parting"),
                                ("c", "Downpour", "4, Rain")):
        _fill(folder, name, title, prompt)
    before = _modes(sandbox)
    code, _, err = run(capsys, table_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    after = _modes(sandbox)
    assert _delta(before, after, "postevent") == 4, err
    assert _delta(before, after, "editevent") == 0, err
    (table,) = _table_posts(sandbox)
    assert table.subject == "25fluffyfics prompt table (3/5)"
    assert "crosspost:table:25fluffyfics → journal: posted" in err
    _fill(folder, "d", "Hearth", "Home")
    code, _, err = run(capsys, table_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    assert _delta(after, _modes(sandbox), "editevent") == 1, err
    (table,) = _table_posts(sandbox)
    assert table.subject == "25fluffyfics prompt table (4/5)"


def test_prompts_from_a_file_next_to_the_config(
        tmp_path: Path, sandbox: Any, sandbox_config_factory: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = sandbox_config_factory(sandbox, extra="""
[tables.angst]
prompts_file = "angst.txt"
""")
    code, _, err = run(capsys, cfg, "tables")
    assert code == 2
    assert "cannot read the prompts file" in err and "angst.txt" in err
    assert "prompts_file" in err and "Traceback" not in err
    (tmp_path / "angst.txt").write_text("# claimed in May\n1. Storm\n2) Silence\n\nAshes\n",
                                        encoding="utf-8")
    code, out, err = run(capsys, cfg, "tables", "--all")
    assert code == 0, err
    assert "angst: 0/3 filled → not posted yet" in out
    assert re.findall(r"^\s+\d\. (\w+)$", out, re.M) == ["Storm", "Silence", "Ashes"]


def test_a_refused_table_post_is_not_sent_again_until_its_text_changes(
        tmp_path: Path, sandbox: Any, sandbox_config_factory: Any, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = sandbox_config_factory(sandbox, extra="""
[tables.closedtable]
prompts = ["One", "Two"]
target = "closed"
""")
    folder = tmp_path / "fills"
    one = _fill(folder, "one", "First Fill", "1", table="closedtable")
    code, out, err = run(capsys, cfg, "post", str(one), "--to", "journal")
    assert code == 0, out + err  # the story is fine; its table post is refused
    assert re.search(r"^table closedtable → closed: failed: .*closedfics", out, re.M), out
    before = _modes(sandbox)
    code, out, err = run(capsys, cfg, "post", str(one), "--to", "journal")
    assert code == 0 and "table closedtable" not in out, out + err
    assert _delta(before, _modes(sandbox), "postevent") == 0
    two = _fill(folder, "two", "Second Fill", "2", table="closedtable")
    code, out, err = run(capsys, cfg, "post", str(two), "--to", "journal")
    assert re.search(r"^table closedtable → closed: failed", out, re.M), out + err


def test_twenty_fills_posted_in_one_batch_edit_the_table_post_once(
        tmp_path: Path, sandbox: Any, sandbox_config_factory: Any, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    prompts = ", ".join(f'"Prompt {n}"' for n in range(1, 26))
    cfg = sandbox_config_factory(sandbox, extra=f"""
[tables.big]
prompts = [{prompts}]
""")
    folder = tmp_path / "fills"
    first = _fill(folder, "f0", "Opening Fill", "1", table="big")
    assert run(capsys, cfg, "post", str(first), "--to", "journal")[0] == 0
    batch = [_fill(folder, f"f{n}", f"Fill Number {n}", str(n), table="big")
             for n in range(2, 22)]
    before = _modes(sandbox)
    code, out, err = run(capsys, cfg, "post", *map(str, batch), "--to", "journal")
    assert code == 0, out + err
    after = _modes(sandbox)
    assert _delta(before, after, "postevent") == 20
    assert _delta(before, after, "editevent") == 1  # the table post, once
    (table,) = [e for e in sandbox.world.list_entries("writer")
                if e.subject.startswith("big prompt table")]
    assert table.subject == "big prompt table (21/25)"
