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
    assert "expected in this demo" in community  # not mistaken for a failure
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


def test_demo_stopped_by_sigterm_removes_its_folder(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPOST_")}
    env.update(TMPDIR=str(tmp_path), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "crosspost", "demo", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "Press Ctrl-C" in line:
                break
        assert list(tmp_path.glob("crosspost-demo-*")), "".join(seen)
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "stopped" in rest
    assert list(tmp_path.glob("crosspost-demo-*")) == []
