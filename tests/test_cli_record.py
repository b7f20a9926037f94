"""`crosspost retry` of several stories names each story above its lines; `crosspost status`
after every copy was deleted says so instead of "nothing posted yet"."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from reliability.harness import SandboxControl
from storyfiles import write_story


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


def test_retry_of_two_stories_names_each_story_above_its_urls(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_LIMIT", "1")
    one = write_story(tmp_path, "one", title="Story One")
    two = write_story(tmp_path, "two", title="Story Two")
    control = SandboxControl(sandbox.url)
    try:  # both posts refused for now (DW's database-lock fault): left for `retry`
        control.set_faults([{"kind": "fault", "method": "postevent", "count": 2,
                             "code": 503}])
        code, out, _ = run(capsys, sandbox_config, "post", str(one), str(two), "--to", "journal")
        assert code == 1 and out.count("not posted yet") == 2, out
        assert out.count("\n  fix: the site is having trouble; crosspost retries later") == 2
        control.clear_faults()
    finally:
        control.close()
    code, out, _ = run(capsys, sandbox_config, "retry")
    assert code == 0, out
    blocks = re.findall(r"^== (Story \w+) \((\S+)\) ==\njournal: posted http\S+$", out, re.M)
    assert blocks == [("Story One", str(one)), ("Story Two", str(two))], out


def test_status_after_every_copy_was_deleted_points_to_all(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "brief", title="Brief Life")
    assert run(capsys, sandbox_config, "post", str(story), "--to", "journal")[0] == 0
    assert run(capsys, sandbox_config, "delete", str(story), "--yes")[0] == 0
    code, out, _ = run(capsys, sandbox_config, "status")
    assert code == 0
    assert out.strip() == ("nothing on the sites (1 deleted or cancelled copy: "
                           "`crosspost status --all`)")
    code, out, _ = run(capsys, sandbox_config, "status", "--all")
    assert "Brief Life" in out and "deleted" in out


def test_history_finds_a_story_by_its_id_line_without_the_prefix(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "fest", title="Fest Entry", ID="midwinter-007")
    assert run(capsys, sandbox_config, "post", str(story), "--to", "journal")[0] == 0
    code, out, _ = run(capsys, sandbox_config, "history", "midwinter-007")
    assert code == 0 and out.startswith("id:midwinter-007\n") and "posted" in out
