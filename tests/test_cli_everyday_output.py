"""Everyday output: tables with headers on a terminal, plain lines in a pipe, filters,
``--json`` that matches docs/JSON.md, colour that honours NO_COLOR, a batch summary and
progress, ``preview --open``, and shell completion of target and account names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a colour (foreground) code; NO_COLOR removes these, bold and dim may stay
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7])[;m]")


def documented_keys(section: str) -> list[str]:
    """The keys listed in the table of ``## section`` in docs/JSON.md."""
    text = (ROOT / "docs" / "JSON.md").read_text(encoding="utf-8")
    part = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", part, re.M)


@pytest.fixture
def posted(tmp_path: Path, sandbox: Any, sandbox_config: Path,
           capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    a = write_story(tmp_path, "alpha", title="Alpha Tea")
    b = write_story(tmp_path, "beta", title="Beta Rain")
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "post", str(a), str(b),
                            "--to", "journal", "--to", "closed")
    assert code == 1, out  # closedfics refuses
    return {"alpha": a, "beta": b}


def test_a_batch_ends_with_one_summary_line(
        posted: dict[str, Path], sandbox_config: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    c = write_story(posted["alpha"].parent, "gamma", title="Gamma Snow")
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "post",
                            str(posted["alpha"]), str(c), "--to", "journal", "--to", "modq")
    assert code == 0, out
    assert out.splitlines()[-1] == ("2 stories: 1 posted, 2 queued, 0 waiting, 0 failed, "
                                    "1 skipped")


def test_status_json_matches_the_documented_schema_and_filters(
        posted: dict[str, Path], sandbox_config: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "status", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 1
    rows = doc["deliveries"]
    assert len(rows) == 4
    assert all(list(r) == documented_keys("status") for r in rows)
    assert {(r["title"], r["target"], r["status"]) for r in rows} == {
        ("Alpha Tea", "journal", "posted"), ("Beta Rain", "journal", "posted"),
        ("Alpha Tea", "closed", "failed"), ("Beta Rain", "closed", "failed")}
    failed = json.loads(run_main(capsys, "--config", str(sandbox_config), "status",
                                 "--state", "failed", "--json")[1])["deliveries"]
    assert {r["target"] for r in failed} == {"closed"} and all(r["error"] for r in failed)
    one = json.loads(run_main(capsys, "--config", str(sandbox_config), "status", "--story",
                              str(posted["beta"]), "--to", "journal", "--json")[1])
    assert [(r["title"], r["target"]) for r in one["deliveries"]] == [("Beta Rain", "journal")]
    assert one["deliveries"][0]["url"].startswith("http")


def test_history_and_queue_json_match_the_documented_schema(
        posted: dict[str, Path], sandbox_config: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "history",
                            str(posted["alpha"]), "--json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc) == ["schema", "story", "title", "events"] and doc["title"] == "Alpha Tea"
    assert all(list(e) == documented_keys("history") for e in doc["events"])
    assert "posted" in {e["action"] for e in doc["events"]}
    later = write_story(posted["alpha"].parent, "later", title="Later On")
    run_main(capsys, "--config", str(sandbox_config), "schedule", str(later), "--at",
             "2031-06-01 09:00", "--to", "journal")
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "queue", "--json")
    releases = json.loads(out)["releases"]
    assert [(r["title"], r["status"], r["release_at"]) for r in releases] == [
        ("Later On", "scheduled", "2031-06-01T09:00:00+00:00")]
    assert all(list(r) == documented_keys("queue") for r in releases)
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "queue", "--to", "fluffy")
    assert out.strip() == "Nothing scheduled."


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crosspost", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_status_on_a_terminal_is_a_table_with_a_header_and_colour_unless_no_color(
        posted: dict[str, Path], sandbox_config: Path) -> None:
    env = {**os.environ, "TTY_COMPATIBLE": "1", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    coloured = _cli({**env, "FORCE_COLOR": "1"}, "status")
    assert coloured.returncode == 0, coloured.stderr
    assert COLOUR.search(coloured.stdout)
    plain = _cli({**env, "NO_COLOR": "1"}, "status")
    assert not COLOUR.search(plain.stdout)
    plain.stdout = ANSI.sub("", plain.stdout)
    header = next(ln for ln in plain.stdout.splitlines() if "TARGET" in ln)
    assert re.search(r"ID\s+STORY\s+TARGET\s+STATE\s+WHERE / WHEN / WHY", header)
    assert re.search(r"Alpha Tea\s+closed\s+failed", plain.stdout)
    piped = _cli({k: v for k, v in env.items() if k != "TTY_COMPATIBLE"}, "status")
    assert "TARGET" not in piped.stdout and "Alpha Tea  [story:" in piped.stdout


def test_post_shows_progress_on_a_terminal_only(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    files = [str(write_story(tmp_path, f"s{i}", title=f"Story {i}")) for i in range(3)]
    env = {**os.environ, "TTY_COMPATIBLE": "1", "NO_COLOR": "1"}
    res = _cli(env, "post", *files, "--to", "journal")
    assert res.returncode == 0, res.stderr
    assert "posting" in res.stderr and "3/3" in res.stderr
    more = [str(write_story(tmp_path, f"t{i}", title=f"Tale {i}")) for i in range(2)]
    res = _cli({**os.environ, "TTY_COMPATIBLE": "0"}, "post", *more, "--to", "journal")
    assert res.returncode == 0 and "posting" not in res.stderr
    assert res.stdout.splitlines()[-1].startswith("2 stories: 2 posted")


def test_preview_open_hands_the_page_to_the_browser(
        tmp_path: Path, sandbox_config: Path) -> None:
    seen = tmp_path / "browser-saw.txt"
    fake = tmp_path / "fake_browser.py"
    fake.write_text(f"import sys\nopen({str(seen)!r}, 'w').write(sys.argv[1])\n",
                    encoding="utf-8")
    story = write_story(tmp_path, "look", title="Look Here")
    env = {**os.environ, "BROWSER": f"{sys.executable} {fake} %s"}
    res = _cli(env, "preview", str(story), "--to", "journal", "--open")
    assert res.returncode == 0, res.stderr
    url = seen.read_text(encoding="utf-8")
    assert url.startswith("file://") and url.endswith(".html")
    page = Path(url.removeprefix("file://")).read_text(encoding="utf-8")
    assert "Look Here" in page


@pytest.mark.parametrize(("shell", "words", "cword"), [
    ("bash", "crosspost status --to f", "3"),
    ("zsh", "crosspost status --to f", "3"),
    ("fish", "crosspost status --to f", "f"),
])
def test_shell_completion_completes_target_names(
        shell: str, words: str, cword: str, sandbox_config: Path) -> None:
    # bash and zsh pass the index of the word being completed, fish the word itself
    env = {**os.environ, "_CROSSPOST_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
           "COMP_CWORD": cword}
    res = subprocess.run([sys.executable, "-m", "crosspost"],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "fluffy" in res.stdout, res.stdout + res.stderr
    assert "journal" not in res.stdout


def test_shell_completion_completes_account_names(sandbox_config: Path) -> None:
    env = {**os.environ, "_CROSSPOST_COMPLETE": "bash_complete",
           "COMP_WORDS": "crosspost login s", "COMP_CWORD": "2"}
    res = subprocess.run([sys.executable, "-m", "crosspost"],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "sandbox" in res.stdout, res.stdout + res.stderr


def test_shell_completion_script_is_printed_for_each_shell() -> None:
    for shell in ("bash", "zsh", "fish"):
        env = {**os.environ, "_CROSSPOST_COMPLETE": f"{shell}_source"}
        res = subprocess.run([sys.executable, "-m", "crosspost"],
                             env=env, capture_output=True, text=True, timeout=60, check=False)
        assert "_CROSSPOST_COMPLETE" in res.stdout, shell


def test_help_does_not_import_the_drawing_library() -> None:
    code = ("import sys\nfrom crosspost.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\nprint('rich' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert res.stdout.strip().endswith("False"), res.stdout + res.stderr


def test_retry_of_several_stories_ends_with_the_summary_line(
        posted: dict[str, Path], sandbox_config: Path, capsys: pytest.CaptureFixture[str]
        ) -> None:
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "retry")
    assert code == 1
    assert out.splitlines()[-1] == "2 stories: 0 posted, 0 queued, 0 waiting, 2 failed"
