"""`crosspost check --online` against the sandbox: posting access, moderation, tag rights
and the mapped tags a community lacks, found by logging in, never by posting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.config import load_config
from crosspost.delivery.checkup import check_targets, failing_targets

TAGS = '''
[defaults.tags]
constant = ["type: fic", "status: complete"]
fields = { fandom = "fandom: {value}" }
'''


def _nothing_posted(sandbox: Any) -> bool:
    journals = ("writer", "fluffyfics", "modfics", "closedfics", "writersden")
    return all(not sandbox.world.list_entries(j) for j in journals) and not sandbox.world.queued()


def test_check_online_fails_a_community_the_account_may_not_post_to(
        sandbox: Any, sandbox_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_main(capsys, "--config", str(sandbox_config), "check", "--online")
    assert code == 1
    assert "FAIL  closed: this account may not post to closedfics (fix: join closedfics" in out
    assert "ok    fluffy: writer (Sandbox Writer) on" in out
    assert "ok    journal:" in out
    assert "1 target(s) would fail: closed" in err
    assert _nothing_posted(sandbox)


def test_check_online_names_mapped_tags_the_community_lacks(
        tmp_path: Path, sandbox: Any, sandbox_config_factory: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = sandbox_config_factory(sandbox, extra=TAGS)
    story = write_story(tmp_path, "tea", title="Tea", fandom="Torchwood, Merlin")
    code, out, _ = run_main(capsys, "--config", str(cfg), "check", "--online", "--to",
                            "fluffy", "--to", "den", str(story))
    assert code == 0, out
    lines = out.splitlines()
    lacking = [ln for ln in lines if ln.startswith("warn  fluffy:")]
    assert len(lacking) == 1
    assert "lacks mapped tag(s) status: complete, fandom: merlin" in lacking[0]
    assert "fix: ask a maintainer of fluffyfics to create them" in lacking[0]
    # tags a community has are never listed; each community is judged by its own tags
    den = [ln for ln in lines if ln.startswith("warn  den:")]
    assert "lacks mapped tag(s) status: complete, fandom: torchwood, fandom: merlin:" in den[0]
    assert _nothing_posted(sandbox)


def test_check_online_notes_moderation_and_json_has_one_object_per_finding(
        sandbox: Any, sandbox_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "check", "--online",
                            "--to", "modq", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["level"] for r in rows} >= {"ok", "note"}
    assert all(set(r) == {"online", "target", "level", "message", "fix"} for r in rows)
    assert any("moderated" in r["message"] for r in rows if r["level"] == "note")


def test_check_online_reports_a_wrong_api_key_as_a_failing_login(
        sandbox: Any, sandbox_config_factory: Any) -> None:
    cfg = sandbox_config_factory(sandbox, secret="not-the-key")
    findings = check_targets(load_config(cfg), ["journal", "fluffy"])
    assert failing_targets(findings) == ["journal", "fluffy"]
    assert all(f.message.startswith("account sandbox:") for f in findings)


def test_check_without_files_or_online_is_a_usage_error(
        sandbox_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(capsys, "--config", str(sandbox_config), "check")
    assert code == 2
    assert "--online" in err


def test_check_online_knows_a_community_is_moderated_once_an_entry_was_queued(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "check", "--online",
                            "--to", "modq")
    assert "modfics is moderated:" not in out and "does not tell" in out  # cannot tell yet
    story = write_story(tmp_path, "q", title="Queued One")
    assert run_main(capsys, "--config", str(sandbox_config), "post", str(story), "--to",
                    "modq")[0] == 0
    code, out, _ = run_main(capsys, "--config", str(sandbox_config), "check", "--online",
                            "--to", "modq")
    assert code == 0
    assert "note  modq: modfics is moderated (earlier entries there were queued)" in out
