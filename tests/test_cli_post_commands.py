"""`crosspost post | edit | delete | retry | history | status` against the sandbox: the
lines people read and the exit codes scripts rely on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main, titled
from reliability.harness import SandboxControl
from storyfiles import write_story


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_BASE_SECONDS", "0.01")
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_MAX_WAIT_SECONDS", "2")


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


def test_post_prints_urls_and_skips_what_is_already_posted(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "kettle", title="Kettle Song")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--to", "fluffy")
    assert code == 0
    urls = re.findall(r"^(journal|fluffy): posted (\S+)$", out, re.M)
    assert sorted(t for t, _ in urls) == ["fluffy", "journal"]
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    assert code == 0
    journal_url = dict(urls)["journal"]
    assert f"journal: skipped: already posted at {journal_url} (use --again" in out
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal", "--again")
    assert code == 0 and "journal: posted " in out
    assert len(titled(sandbox.url, "writer", "Kettle Song")) == 2


def test_post_exit_code_is_one_when_a_target_is_refused(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "doors", title="Closed Doors")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--to", "closed", "--to", "modq")
    assert code == 1
    assert re.search(r"^journal: posted http", out, re.M)
    assert re.search(r"^closed: failed \[delivery \d+\]: .*closedfics", out, re.M)
    assert "fix:" in out
    assert re.search(r"^modq: queued for moderation", out, re.M)
    code, out, _ = run(capsys, sandbox_config, "retry")
    assert code == 1
    assert re.findall(r"^(\w+): ", out, re.M) == ["closed"]
    assert out.startswith("closed: failed [delivery ")


def test_post_of_a_broken_story_or_unknown_target_is_a_usage_error(
        tmp_path: Path, sandbox_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "fine", title="Fine Story")
    code, _, err = run(capsys, sandbox_config, "post", str(story), "--to", "nowhere")
    assert code == 2 and "nowhere" in err
    missing = tmp_path / "missing.txt"
    code, _, err = run(capsys, sandbox_config, "post", str(missing), "--to", "journal")
    assert code == 2 and "missing.txt" in err


def test_edit_history_status_and_delete(tmp_path: Path, sandbox: Any, sandbox_config: Path,
                                        fast: None, capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "lamp", "The first telling of the story.", title="Lamp Lit")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--to", "den")
    assert code == 0
    write_story(tmp_path, "lamp", "The second telling, longer and kinder.", title="Lamp Lit")
    code, out, _ = run(capsys, sandbox_config, "edit", str(story))
    assert code == 0
    assert re.search(r"^journal: edited http", out, re.M)
    assert re.search(r"^den: edited http", out, re.M)
    body = titled(sandbox.url, "writer", "Lamp Lit")[0].body
    assert "second telling" in body

    code, out, _ = run(capsys, sandbox_config, "history", str(story))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("story:") or lines[0].startswith("id:")
    posted = [ln for ln in lines if " posted " in ln]
    assert len(posted) == 2 and all("http" in ln for ln in posted)
    assert all(re.match(r"  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", ln) for ln in lines[1:])
    assert sum(" edited " in ln for ln in lines) == 2

    code, out, _ = run(capsys, sandbox_config, "status")
    assert code == 0 and "Lamp Lit" in out
    rows = re.findall(r"^\s+(\d+)\s+(\w+)\s+(\w+)\s+(\S*)", out, re.M)
    assert {(t, s) for _, t, s, _ in rows} == {("journal", "posted"), ("den", "posted")}

    den_id = next(i for i, t, _, _ in rows if t == "den")
    code, out, _ = run(capsys, sandbox_config, "delete", den_id, "--yes")
    assert code == 0 and out.startswith("den: deleted")
    assert titled(sandbox.url, "writersden", "Lamp Lit") == []
    assert len(titled(sandbox.url, "writer", "Lamp Lit")) == 1
    code, out, _ = run(capsys, sandbox_config, "delete", str(story), "--yes")
    assert code == 0 and "journal: deleted" in out and "den: skipped: already deleted" in out
    assert titled(sandbox.url, "writer", "Lamp Lit") == []


def test_history_of_something_unknown_says_how_to_find_it(
        tmp_path: Path, sandbox_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, sandbox_config, "history", "no-such-thing")
    assert code == 2 and "crosspost status" in err


@pytest.mark.slow
def test_two_concurrent_post_runs_make_exactly_one_entry(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    story = write_story(tmp_path, "race", title="Photo Finish")
    # slow answers keep the first run's claim open while the second one arrives
    control = SandboxControl(sandbox.url)
    control.set_faults([{"kind": "delay", "method": "postevent", "rate": 1.0,
                         "delay_ms": 1500}])
    control.close()
    cmd = [sys.executable, "-m", "crosspost", "--config", str(sandbox_config), "post",
           str(story), "--to", "journal", "--to", "fluffy"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=dict(os.environ)) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    # each target is posted by one run; the other finds it posted (0) or still being sent
    # (busy: 1, run again) — the runs may each win one target, so both may say busy
    assert all(p.returncode in (0, 1) for p in procs), results
    for proc, (out, _) in zip(procs, results, strict=True):
        assert proc.returncode == 0 or "busy: another crosspost run is sending it" in out
    assert len(titled(sandbox.url, "writer", "Photo Finish")) == 1
    assert len(titled(sandbox.url, "fluffyfics", "Photo Finish")) == 1
    outs = "".join(out for out, _ in results)
    assert outs.count("journal: posted") == 1 and outs.count("fluffy: posted") == 1
    assert "Traceback" not in "".join(err for _, err in results)


def test_post_at_schedules_and_status_shows_the_release(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "later", title="Not Yet")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--at", "+2h")
    assert code == 0
    assert re.match(r"journal: scheduled for \d{4}-\d\d-\d\d \d\d:\d\d .*\(in 2 h\)", out)
    assert "crosspost watch" in out
    assert titled(sandbox.url, "writer", "Not Yet") == []
    code, out, _ = run(capsys, sandbox_config, "status")
    assert re.search(r"journal\s+scheduled\s+release at \d{4}-", out)


def test_dry_run_says_what_would_happen_and_sends_nothing(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "dry", title="Dry Land")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--dry-run")
    assert code == 0
    assert out.startswith("journal: would post 'Dry Land")
    assert titled(sandbox.url, "writer", "Dry Land") == []
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    code, out, _ = run(capsys, sandbox_config, "post", str(story), "--to", "journal",
                       "--dry-run")
    assert out.startswith("journal: would skip") and "already posted" in out


def test_delete_without_yes_and_without_a_terminal_asks_for_yes(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, fast: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "keep", title="Keep Me")
    run(capsys, sandbox_config, "post", str(story), "--to", "journal")
    code, _, err = run(capsys, sandbox_config, "delete", str(story))
    assert code == 2 and "--yes" in err
    assert len(titled(sandbox.url, "writer", "Keep Me")) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX-only")
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_during_post_prints_what_was_done_and_points_to_retry(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, presses: int) -> None:
    import signal
    import time

    stories = [write_story(tmp_path, f"s{i}", title=f"Interrupted {i}") for i in range(3)]
    control = SandboxControl(sandbox.url)
    control.set_faults([{"kind": "delay", "method": "postevent", "rate": 1.0,
                         "delay_ms": 700}])
    control.close()
    cmd = [sys.executable, "-m", "crosspost", "--config", str(sandbox_config), "post",
           *map(str, stories), "--to", "journal", "--to", "fluffy"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # the first story's two posts, then Ctrl-C during the second
        lines.append(line)
        if line.startswith("== Interrupted 1"):
            break
    time.sleep(0.3)
    for _ in range(presses):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.1)
    rest, err = proc.communicate(timeout=60)
    out = "".join(lines) + rest
    assert proc.returncode == 130, (out, err)
    assert "internal error" not in err and "Traceback" not in err, err
    assert "ProgrammingError" not in out + err
    assert "interrupted: this is where each story stands" in err
    posted = re.findall(r"^(journal|fluffy): Interrupted 0: posted (http\S+)$", out, re.M)
    assert len(posted) == 2, out
    assert re.search(r"^\w+: Interrupted 2: not sent: run `crosspost post .*s2", out, re.M)
    assert "`crosspost retry`" in err
    # what was under way is settled by `crosspost retry`, never posted twice
    code = subprocess.run([sys.executable, "-m", "crosspost", "--config", str(sandbox_config),
                           "retry"], capture_output=True, text=True, timeout=120).returncode
    assert code == 0
    for i in (0, 1):
        assert len(titled(sandbox.url, "writer", f"Interrupted {i}")) <= 1
