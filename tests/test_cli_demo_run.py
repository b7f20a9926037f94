"""`crosspost demo --exit`: posts the sample story to a throw-away sandbox, shows each
copy's notes (tags the community did not have), and leaves no temporary folder behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from crosspost.cli import main


@pytest.fixture
def demo_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")  # restored afterwards
    return tmp_path


def run_demo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        main(["demo", "--exit", "--port", "0", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().out


def test_demo_shows_the_tags_left_out_at_the_community(
        demo_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_demo(capsys)
    assert code == 0
    assert "journal: posted http://127.0.0.1:" in out
    assert "fluffyfics: posted http://127.0.0.1:" in out
    community = out[out.index("fluffyfics: posted"):]
    assert "pairing: sherlock holmes/john watson" in community
    assert "the sandbox has stopped" in out


def test_demo_removes_its_temporary_folder_when_it_stops(
        demo_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_demo(capsys)
    assert code == 0
    assert list(demo_tmp.glob("crosspost-demo-*")) == []


def test_demo_keep_leaves_the_folder_and_says_where(
        demo_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_demo(capsys, "--keep")
    assert code == 0
    (kept,) = demo_tmp.glob("crosspost-demo-*")
    assert f"kept the demo's files in {kept}" in out
    assert (kept / "config.toml").is_file() and (kept / "state.sqlite3").is_file()
