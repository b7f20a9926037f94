"""User errors that involve a site: a refusal and a missing secret reach the user as the
site's words plus a fix, with the documented exit code and never a traceback, whatever the
command. Runs against the real sandbox over HTTP.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import run_main as run_cli
from storyfiles import write_story


def assert_reported(code: int, out: str, err: str, *, codes: set[int], mentions: str) -> None:
    """A message naming ``mentions``, a fix line, one of ``codes``, no traceback."""
    text = out + err
    assert "Traceback" not in text
    assert code in codes, text
    assert mentions.lower() in text.lower(), text
    assert "fix:" in text, text


def inject(sandbox: Any, **rule: Any) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json={"rules": [rule]},
               timeout=10).raise_for_status()


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_MAX_WAIT_SECONDS", "1")
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_LIMIT", "2")


@pytest.fixture
def story(tmp_path: Path) -> Path:
    return write_story(tmp_path / "drafts", "ferry", title="The Last Ferry")


def posted(capsys: pytest.CaptureFixture[str], cfg: Path, story: Path) -> None:
    code, out, err = run_cli(capsys, "--config", str(cfg), "post", str(story),
                             "--to", "journal")
    assert code == 0 and "journal: posted" in out, out + err


def test_post_to_a_community_that_refuses_gives_the_site_words_and_a_fix(
        sandbox: Any, sandbox_config: Path, story: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "post", str(story),
                             "--to", "closed")
    assert_reported(code, out, err, codes={1}, mentions="closedfics")
    assert "closed: failed" in out
    assert "join the community" in out


def test_retry_of_a_refused_delivery_reports_it_again(
        sandbox: Any, sandbox_config: Path, story: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, "--config", str(sandbox_config), "post", str(story), "--to", "closed")
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "retry")
    assert_reported(code, out, err, codes={1}, mentions="closedfics")


@pytest.mark.parametrize("command", ["edit", "delete"])
def test_edit_or_delete_refused_by_the_site_is_reported(
        command: str, sandbox: Any, sandbox_config: Path, story: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    posted(capsys, sandbox_config, story)
    story.write_text(story.read_text(encoding="utf-8") + "\nOne more line.\n",
                     encoding="utf-8")
    inject(sandbox, kind="fault", method="editevent", code=300, count=5)
    args = ["edit", str(story)] if command == "edit" else ["delete", str(story), "--yes"]
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), *args)
    assert_reported(code, out, err, codes={1, 3}, mentions="journal")
    assert "fault 300" in out + err


def test_login_check_with_a_wrong_key_exits_3_and_stores_nothing(
        sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    monkeypatch.setattr(sys, "stdin", io.StringIO("not-the-key\n"))
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "login", "sandbox",
                             "--stdin", "--check")
    assert_reported(code, out, err, codes={3}, mentions="did not accept")
    assert "not-the-key" not in out + err
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "login", "sandbox",
                             "--stored")
    assert_reported(code, out, err, codes={2}, mentions="CROSSPOST_SECRET_SANDBOX")


@pytest.mark.parametrize("command", ["post", "edit", "delete"])
def test_missing_secret_names_the_variable_and_the_keyring_fix(
        command: str, sandbox: Any, sandbox_config: Path, story: Path, fast: None,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if command != "post":
        posted(capsys, sandbox_config, story)
        story.write_text(story.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    args = {"post": ["post", str(story), "--to", "journal"],
            "edit": ["edit", str(story)],
            "delete": ["delete", str(story), "--yes"]}[command]
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), *args)
    assert_reported(code, out, err, codes={1, 2}, mentions="no password or API key")
    assert "CROSSPOST_SECRET_SANDBOX" in out + err
    assert "crosspost login" in out + err or "keyring" in out + err


def test_preview_needs_no_secret(sandbox: Any, sandbox_config: Path, story: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "preview", str(story),
                             "--to", "journal")
    assert code == 0, out + err
    assert "The Last Ferry" in out


def test_watch_once_without_secret_keeps_the_story_and_says_why(
        sandbox: Any, sandbox_config: Path, tmp_path: Path, fast: None,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    dropped = write_story(tmp_path / "stories", "harbour", title="Harbour Lights")
    story_bytes = dropped.read_bytes()
    code, out, err = run_cli(capsys, "--config", str(sandbox_config), "watch", "--once")
    assert "Traceback" not in out + err
    assert code == 0, out + err
    reports = "".join(r.read_text(encoding="utf-8")
                      for r in (tmp_path / "stories").rglob("*.error.txt"))
    assert "CROSSPOST_SECRET_SANDBOX" in out + err + reports
    kept = list((tmp_path / "stories").rglob("harbour.txt"))
    assert kept and kept[0].read_bytes() == story_bytes, "the story file must never be lost"


def test_real_command_line_prints_error_and_fix_not_a_traceback(tmp_path: Path) -> None:
    """The installed entry point, in a child process, for a missing config file."""
    proc = subprocess.run([sys.executable, "-m", "crosspost", "--config",
                           str(tmp_path / "missing.toml"), "status"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("error: ") and "fix:" in proc.stderr
