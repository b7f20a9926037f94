"""What `crosspost post | edit | delete | retry | cancel` tell the user (QA Q3, Q4, Q6, Q7,
Q16, Q25, Q26): each note once, the site's own words labelled, a missing secret as one
error before anything is recorded, declining a delete, wrong ids, help texts."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.sandbox.server import SandboxServer

TAG_RULES = ('[targets.fluffy.tags]\n'
             'fields = { pairing = "pairing: {value}", fandom = "fandom: {value}" }\n')
LEFT_OUT = "left out (the community does not have these tags and this account may not create them)"


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


@pytest.mark.parametrize("dialect", ["dw", "lj"])
def test_left_out_tags_are_noted_once_with_our_reading_first(
        tmp_path: Path, dialect: str, sandbox_factory: Callable[..., SandboxServer],
        sandbox_config_factory: Callable[..., Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    server = sandbox_factory(dialect)
    # allow_new: the tags are sent, so the site itself refuses the new one
    cfg = sandbox_config_factory(server, dialect="lj" if dialect == "lj" else None,
                                 extra=TAG_RULES + "allow_new = true\n",
                                 secret="sandbox-password" if dialect == "lj" else "sandbox-key")
    story = write_story(tmp_path, "lamp", pairing="Jack Harkness/Ianto Jones")
    code, out, _ = run(capsys, cfg, "post", str(story), "--to", "fluffy")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("fluffy: posted http") and "(" not in lines[0]
    assert lines[1] == f"  {LEFT_OUT}: pairing: jack harkness/ianto jones"
    assert out.count(LEFT_OUT) == 1 and out.count("left out") == 1
    # the site's own sentence (LJ: a misleading "maximum tags limit") only as a quote
    site_lines = [ln for ln in lines[1:] if "tag" in ln.lower() and LEFT_OUT not in ln
                  and "allow_new" not in ln]
    assert site_lines and all(ln.startswith("  the site says: ") for ln in site_lines), out
    assert len(lines) == len(set(lines))


def test_missing_secret_is_one_error_before_any_delivery(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "locked", title="Under Lock")
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    code, out, err = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                         "--to", "fluffy")
    assert code == 2, out + err
    assert out == "" and err.count("error:") == 1 and "CROSSPOST_SECRET_SANDBOX" in err
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "nothing posted yet" in out  # no failed rows to clean up
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--to", "fluffy")
    assert code == 0 and out.count("posted http") == 2


def test_missing_secret_stops_edit_and_delete_before_any_call(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "kept", title="Kept Safe")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    write_story(tmp_path, "kept", "A new ending.", title="Kept Safe")
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    for cmd in (["edit", str(story)], ["delete", str(story), "--yes"]):
        code, out, err = run(capsys, sandbox_config, *cmd)
        assert code == 2 and out == "" and err.count("error:") == 1, (cmd, out, err)
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "posted" in out and "failed" not in out


class _Terminal(io.StringIO):
    """Typed answers on a terminal (click reads them from sys.stdin)."""

    def isatty(self) -> bool:
        return True


def test_declining_the_delete_confirmation_deletes_nothing(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "keep", title="Keep Me")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    monkeypatch.setattr(sys, "stdin", _Terminal("n\n"))
    code, out, err = run(capsys, sandbox_config, "delete", str(story))
    assert code == 0, out + err
    assert "nothing deleted" in out and "interrupted" not in out + err
    code, out, _ = run(capsys, sandbox_config, "status")
    assert "posted" in out and "deleted" not in out


def test_cancel_or_reschedule_of_a_wrong_id_is_a_user_error(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, sandbox_config, "cancel", "999")
    assert code == 2 and "no delivery 999" in err and "crosspost queue" in err
    story = write_story(tmp_path, "now", title="Right Now")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    code, _, err = run(capsys, sandbox_config, "reschedule", "1", "--at", "+1h")
    assert code == 2 and "is posted" in err and "crosspost queue" in err


def test_edit_and_delete_help_say_every_target_where_the_story_is_posted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def help_text(cmd: str) -> str:
        code, out, _ = run(capsys, tmp_path / "none.toml", cmd, "--help")
        assert code == 0
        return " ".join(out.split())

    for cmd in ("edit", "delete"):
        text = help_text(cmd)
        assert "every target where the story is posted" in text
        assert "every auto target" not in text
    assert "every auto target" in help_text("post")


def test_edit_mode_ask_names_the_story_file(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__EDIT_MODE", "ask")
    story = write_story(tmp_path, "asked", title="Ask First")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    write_story(tmp_path, "asked", "Changed, a little.", title="Ask First")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 0 and "changed, not edited" in out
    assert f"`crosspost edit {story}`" in out and "FILE" not in out


def test_cancelling_a_scheduled_story_by_delete_needs_no_secret(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "later", title="Not Today")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--at", "+1d")
    assert code == 0 and "scheduled for" in out
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX")
    code, out, err = run(capsys, sandbox_config, "delete", str(story), "--yes")
    assert code == 0 and "cancelled" in out, out + err
