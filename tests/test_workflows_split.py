"""Long stories in parts, end to end against an LJ-dialect sandbox (entries of at most
65,535 characters): split at scene breaks first, then between paragraphs, never inside a
tag; posted as "Title (Part 1 of 2)" and linked to each other; `check` and `preview` show
the split; an edit touches only the part that changed; a delete removes every part; and a
`crosspost post` killed in the middle of the parts, run again, leaves each part exactly
once."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from daemon_support import env_for

from crosspost.workflows.split import pack, split_units

LJ_EVENT_CHARS = 65_535


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


def _scene(label: str, paragraphs: int) -> str:
    line = f"{label} " + "and the road went on under the rain, " * 12
    return "\n\n".join(f"{line.strip()} ({i})" for i in range(paragraphs))


def _long_story(folder: Path, scenes: tuple[int, ...] = (55, 55, 55),
                last: str = "") -> Path:
    """Three scenes of ~25,000 characters: two fit in one LJ entry, three do not."""
    body = "\n\n* * *\n\n".join(_scene(f"Scene{i + 1}", n) for i, n in enumerate(scenes))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "epic.txt"
    path.write_text(f"Title: The Long Rain\nBy: quietquill\nRating: PG\nID: rain\n\n***\n\n"
                    f"{body}{last}\n", encoding="utf-8")
    return path


@pytest.fixture
def lj_config(sandbox_lj: Any, sandbox_config_factory: Any,
              monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    path: Path = sandbox_config_factory(sandbox_lj, dialect="lj", secret="sandbox-password")
    return path


def _parts(sandbox: Any) -> dict[str, Any]:
    return {e.subject: e for e in sandbox.world.list_entries("writer")
            if e.subject.startswith("The Long Rain")}


def _links(event: str) -> list[str]:
    block = event[event.index("<!-- crosspost:series -->"):]
    return re.findall(r">([^<]+)</a>", block)


def test_split_points_are_scene_breaks_first_then_paragraphs_never_inside_a_tag() -> None:
    body = "A1\n\nA2 <i>one\n\ntwo</i> end\n\n***\n\nB1\n\nB2"
    units = split_units(body, "text")
    assert units == ["A1", "A2 <i>one\n\ntwo</i> end", "***", "B1", "B2"]

    def under(n: int) -> Callable[[list[str]], bool]:
        return lambda us: sum(len(u) for u in us) <= n

    assert pack(units, "text", under(30)) == [["A1", "A2 <i>one\n\ntwo</i> end"],
                                               ["B1", "B2"]]
    assert pack(units, "text", under(22)) == [["A1"], ["A2 <i>one\n\ntwo</i> end"],
                                               ["B1", "B2"]]
    html = "<p>one</p>\n<div>\n<p>two</p>\n</div>\n<hr>\n<p>three</p>"
    assert split_units(html, "html") == ["<p>one</p>", "<div>\n<p>two</p>\n</div>", "<hr>",
                                         "<p>three</p>"]
    with pytest.raises(ValueError):
        pack(["x" * 50], "text", under(10))


def test_a_long_story_is_posted_in_linked_parts_split_at_a_scene_break(
        tmp_path: Path, sandbox_lj: Any, lj_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _long_story(tmp_path / "drafts")
    code, out, err = run(capsys, lj_config, "check", str(path), "--to", "journal")
    assert code == 0, out + err
    assert "too long for one entry: posted in 2 parts" in out + err
    code, out, err = run(capsys, lj_config, "preview", str(path), "--to", "journal")
    assert code == 0, err
    assert "== journal (part 1 of 2) →" in out and "== journal (part 2 of 2) →" in out
    assert "subject: The Long Rain (Part 2 of 2)" in out

    code, out, err = run(capsys, lj_config, "post", str(path), "--to", "journal")
    assert code == 0, out + err
    parts = _parts(sandbox_lj)
    assert sorted(parts) == ["The Long Rain (Part 1 of 2)", "The Long Rain (Part 2 of 2)"]
    one, two = parts["The Long Rain (Part 1 of 2)"], parts["The Long Rain (Part 2 of 2)"]
    assert all(len(p.event) <= LJ_EVENT_CHARS for p in (one, two))
    # every part shows the whole story's word count (its band and rules are the story's)
    assert one.event.count("16,170") == two.event.count("16,170") == 1
    # scenes 1 and 2 together, scene 3 on its own: the split is the scene break
    assert "Scene2" in one.event and "Scene3" not in one.event
    assert "Scene3" in two.event and "Scene2" not in two.event
    # no index entry for this series: previous and next only
    assert _links(one.event) == ["The Long Rain (Part 2 of 2) »"]
    assert _links(two.event) == ["« The Long Rain (Part 1 of 2)"]

    # a typo fixed in the last scene edits the part that holds it, not the other
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Scene3 and the road", "Scene3 and the lane", 1), encoding="utf-8")
    edits = sandbox_lj.stats.snapshot()["modes"].get("editevent", 0)
    code, out, err = run(capsys, lj_config, "post", str(path), "--to", "journal")
    assert code == 0, out + err
    parts = _parts(sandbox_lj)
    assert "Scene3 and the lane" in parts["The Long Rain (Part 2 of 2)"].event
    assert "«" in parts["The Long Rain (Part 2 of 2)"].event  # relinked after the edit
    # the part's edit, then its links again; part 1 untouched
    assert sandbox_lj.stats.snapshot()["modes"].get("editevent", 0) - edits == 2
    assert parts["The Long Rain (Part 1 of 2)"].event == one.event

    code, out, err = run(capsys, lj_config, "delete", str(path), "--yes")
    assert code == 0, out + err
    assert _parts(sandbox_lj) == {}


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_post_killed_in_the_middle_of_the_parts_posts_each_part_exactly_once(
        tmp_path: Path, sandbox_lj: Any, lj_config: Path) -> None:
    path = _long_story(tmp_path / "drafts", scenes=(55, 55, 55, 55, 55, 55))
    env = env_for(tmp_path)
    env["CROSSPOST_SECRET_SANDBOX"] = "sandbox-password"
    env["CROSSPOST_SETTINGS__RETRY_BASE_SECONDS"] = "0.01"
    cmd = [sys.executable, "-m", "crosspost", "--config", str(lj_config), "post", str(path),
           "--to", "journal"]
    # a part claimed but lost to the kill is looked for again only once its request can no
    # longer land (the account's timeout and a grace): a short timeout keeps that short
    text = lj_config.read_text(encoding="utf-8")
    shorter = text.replace("[accounts.sandbox]\n", "[accounts.sandbox]\ntimeout = 5\n", 1)
    assert shorter != text
    lj_config.write_text(shorter, encoding="utf-8")
    # each post waits a little at the site, so the kill lands with a part in flight
    sandbox_lj.faults.add("delay", "postevent", delay_ms=700, rate=1.0)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_parts(sandbox_lj)) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()  # in the middle: part 1 is up, part 2 is on its way
    proc.communicate(timeout=30)
    assert 1 <= len(_parts(sandbox_lj)) < 3
    sandbox_lj.faults.clear()
    # run again until done, as a user would: a part the kill left "uncertain" is settled
    # once its lost request can no longer land ("will look again")
    deadline = time.monotonic() + 60
    while True:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90,
                              check=False)
        if done.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert done.returncode == 0, done.stdout + done.stderr
    subjects = [e.subject for e in sandbox_lj.world.list_entries("writer")]
    parts = sorted(s for s in subjects if s.startswith("The Long Rain"))
    assert len(parts) == len(set(parts)) == 3, subjects  # never twice, never lost
    assert parts == [f"The Long Rain (Part {i} of 3)" for i in (1, 2, 3)]
    middle = _parts(sandbox_lj)["The Long Rain (Part 2 of 3)"].event
    assert _links(middle) == ["« The Long Rain (Part 1 of 3)", "The Long Rain (Part 3 of 3) »"]


def test_a_story_in_parts_fills_its_prompt_and_is_listed_once_at_its_first_part(
        tmp_path: Path, sandbox_lj: Any, sandbox_config_factory: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    cfg = sandbox_config_factory(sandbox_lj, dialect="lj", secret="sandbox-password",
                                 extra="""
[tables.rainy]
prompts = ["Storm", "Drizzle"]

[masterlists.all]
subject = "Everything"
line = '<a href="{url}">{title}</a>'
""")
    path = _long_story(tmp_path / "drafts")
    text = path.read_text(encoding="utf-8").replace("ID: rain\n",
                                                    "ID: rain\nTable: rainy\nPrompt: 1\n")
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, cfg, "post", str(path), "--to", "journal")
    assert code == 0, out + err
    entries = {e.subject: e for e in sandbox_lj.world.list_entries("writer")}
    first = re.search(r"^journal: posted (\S+)", out, re.M)
    assert first is not None
    table = entries["rainy prompt table (1/2)"].event
    listing = entries["Everything"].event
    for event in (table, listing):
        assert event.count("<a href=") == 1
        assert f'<a href="{first.group(1)}">The Long Rain</a>' in event


def test_dry_run_lists_the_parts(tmp_path: Path, sandbox_lj: Any, lj_config: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = _long_story(tmp_path / "drafts")
    code, out, err = run(capsys, lj_config, "post", "--dry-run", str(path), "--to", "journal")
    assert code == 0, out + err
    assert re.findall(r"^journal: would post '([^']+)'", out, re.M) == [
        "The Long Rain (Part 1 of 2)", "The Long Rain (Part 2 of 2)"]
    assert _parts(sandbox_lj) == {}


def test_edit_reaches_every_part_of_a_story_in_parts(
        tmp_path: Path, sandbox_lj: Any, lj_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _long_story(tmp_path / "drafts")
    assert run(capsys, lj_config, "post", str(path), "--to", "journal")[0] == 0
    _long_story(tmp_path / "drafts", last="\n\nAn epilogue line.")
    code, out, err = run(capsys, lj_config, "edit", str(path))
    assert code == 0, out + err
    assert len(re.findall(r"^journal: edited http", out, re.M)) == 2, out
    parts = _parts(sandbox_lj)
    assert "An epilogue line." in parts["The Long Rain (Part 2 of 2)"].event
    # the edit sent the parts as rendered; their links are put back right after
    assert _links(parts["The Long Rain (Part 1 of 2)"].event) == [
        "The Long Rain (Part 2 of 2) »"]
    assert _links(parts["The Long Rain (Part 2 of 2)"].event) == [
        "« The Long Rain (Part 1 of 2)"]


def test_the_watcher_posts_a_long_story_in_linked_parts_and_files_it_away(
        tmp_path: Path, sandbox_lj: Any, lj_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = lj_config.read_text(encoding="utf-8")
    text = re.sub(r'(\[targets\.(fluffy|modq|closed|den)\]\naccount = "sandbox")',
                  r"\1\nauto = false", text)  # the writer's own journal only
    lj_config.write_text(text, encoding="utf-8")
    folder = tmp_path / "stories"
    _long_story(folder)
    code, _, err = run(capsys, lj_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    parts = _parts(sandbox_lj)
    assert sorted(parts) == ["The Long Rain (Part 1 of 2)", "The Long Rain (Part 2 of 2)"]
    assert _links(parts["The Long Rain (Part 1 of 2)"].event) == [
        "The Long Rain (Part 2 of 2) »"]
    assert (folder / "posted" / "epic.txt").exists() and not (folder / "epic.txt").exists()
    # a second pass has nothing to do
    edits = sandbox_lj.stats.snapshot()["modes"].get("editevent", 0)
    code, _, err = run(capsys, lj_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    assert sandbox_lj.stats.snapshot()["modes"].get("editevent", 0) == edits
    assert len(_parts(sandbox_lj)) == 2
