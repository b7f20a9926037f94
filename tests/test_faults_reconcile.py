"""Reconcile under adversarial timing: a request still being processed when the restarted
client looks for it, a journal with more entries than one ``getevents`` page, a story that
changed while its post was uncertain. Each must end with exactly one entry per target.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from ljclient import LJ
from reliability.harness import (
    SandboxControl,
    check_entries,
    cli_cmd,
    cli_env,
    drop_files,
    run_cli,
    write_config,
)
from reliability.scenarios import wait_until
from reliability.stories import good_batch


def _until_zero(cfg: Path, env: dict[str, str], *args: str, seconds: float) -> int:
    """Run ``crosspost ARGS`` until it exits 0 or ``seconds`` pass; the last exit code."""
    end = time.monotonic() + seconds
    while True:
        proc = run_cli(cfg, *args, env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
        if proc.returncode == 0 or time.monotonic() > end:
            return proc.returncode
        time.sleep(1.0)


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_faults_request_still_in_flight_at_restart_is_not_posted_twice(
        sandbox: Any, tmp_path: Path) -> None:
    """The client dies while the server is still working on its postevent (a slow server).
    The restarted client looks for the entry before the server has stored it: "not there"
    then does not mean "never will be". Posting again at once, then anything else by the
    same account (so the server's one-entry duplicate guard forgets it), gives two entries
    when the slow request lands. The reconcile must wait for such a request to settle."""
    control = SandboxControl(sandbox.url)
    a, b = good_batch("inflight", 2, "if")
    pa, pb = drop_files(tmp_path / "stories", [a, b])
    cfg = write_config(tmp_path, sandbox.url, targets=["den"], timeout=5.0)
    env = cli_env(tmp_path)
    control.set_faults([{"kind": "delay", "method": "postevent", "count": 1,
                         "delay_ms": 3000}])
    first = subprocess.Popen(cli_cmd(cfg, "post", str(pa), "--to", "den"), env=env,
                             cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_until(lambda: control.calls() >= 1, timeout=30, step=0.01)
    finally:
        first.kill()
        first.wait()
    # restart at once (the slow request is still being processed), then post something else
    run_cli(cfg, "post", str(pa), "--to", "den", env=env)
    assert run_cli(cfg, "post", str(pb), "--to", "den", env=env).returncode == 0
    time.sleep(5.0)  # the slow request has landed by now
    code = _until_zero(cfg, env, "post", str(pa), "--to", "den", seconds=90)
    assert code == 0
    entries = check_entries(control, [a, b], ["den"], tag="if")
    assert not entries.problems(), entries.problems()
    control.close()


def test_faults_lost_answers_in_a_busy_journal_are_reconciled(sandbox: Any,
                                                             tmp_path: Path) -> None:
    """The journal already holds more entries than one ``getevents lastn`` page (50), so a
    missing entry is looked for with ``syncitems`` — several rows at once, whose look-ups
    must not trip the site's "same lastsync three times" guard (406) for ever."""
    control = SandboxControl(sandbox.url)
    lj = LJ(sandbox.url)
    for i in range(60):
        lj.post(event=f"<p>Filler entry {i}.</p>", subject=f"Filler {i}")
    batch = good_batch("busy", 5, "bz")
    paths = drop_files(tmp_path / "stories", batch)
    cfg = write_config(tmp_path, sandbox.url, targets=["journal"], timeout=2.0,
                       retry_limit=1)
    env = cli_env(tmp_path)
    # half the answers are lost after the server stored the entry, half before
    control.set_faults([{"kind": "drop_after", "method": "postevent", "rate": 0.5},
                        {"kind": "drop_before", "method": "postevent", "rate": 1.0}])
    proc = run_cli(cfg, "post", *map(str, paths), "--to", "journal", env=env)
    assert proc.returncode != 0
    control.clear_faults()
    code = _until_zero(cfg, env, "retry", seconds=60)
    assert code == 0, run_cli(cfg, "retry", env=env).stdout
    entries = check_entries(control, batch, ["journal"], tag="bz")
    assert not entries.problems(), entries.problems()
    assert entries.checked == len(batch)
    control.close()


def test_faults_story_changed_while_its_post_was_uncertain_is_edited_not_reposted(
        sandbox: Any, tmp_path: Path) -> None:
    """The answer to a post is lost; the writer then fixes a typo and posts again. The entry
    made from the old text must be found (reconciled with what was sent) and edited — not
    left behind next to a second entry with the new text."""
    control = SandboxControl(sandbox.url)
    (story,) = good_batch("changed", 1, "ch")
    (path,) = drop_files(tmp_path / "stories", [story])
    cfg = write_config(tmp_path, sandbox.url, targets=["journal", "fluffy"], timeout=2.0,
                       retry_limit=1)
    env = cli_env(tmp_path)
    control.set_faults([{"kind": "drop_after", "method": "postevent", "rate": 1.0}])
    proc = run_cli(cfg, "post", str(path), "--to", "journal", "--to", "fluffy", env=env)
    assert proc.returncode != 0
    control.clear_faults()
    path.write_bytes(story.data + b"\nA line added after the lost answer.\n")
    code = _until_zero(cfg, env, "post", str(path), "--to", "journal", "--to", "fluffy",
                       seconds=60)
    assert code == 0
    for journal in ("writer", "fluffyfics"):
        mine = [e for e in control.entries(journal) if e.subject == story.title]
        assert len(mine) == 1, f"{journal}: {len(mine)} entries for one story"
        assert "A line added after the lost answer." in mine[0].body
    control.close()
