"""Concurrency: several ``crosspost post`` runs at once on the same batch, and a ``crosspost
post`` while the daemon is handling the same files, must not double-post; a second daemon on
the same state file is refused.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import (
    JOURNALS,
    SandboxControl,
    check_entries,
    check_files,
    cli_cmd,
    cli_env,
    drop_files,
    run_cli,
    write_config,
)
from reliability.scenarios import Daemon, wait_until
from reliability.stories import good_batch

TARGETS = tuple(JOURNALS)
#: slow postevent answers widen the windows where two runs overlap
SLOW = [{"kind": "delay", "method": "postevent", "rate": 1.0, "delay_ms": 150}]


def _post_args(paths: list[Path]) -> list[str]:
    args = ["post", *map(str, paths)]
    for t in TARGETS:
        args += ["--to", t]
    return args


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_crash_three_post_runs_at_once_post_each_story_once(sandbox: Any,
                                                            tmp_path: Path) -> None:
    control = SandboxControl(sandbox.url)
    batch = good_batch("concurrent", 4, "cc")
    paths = drop_files(tmp_path / "stories", batch)
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0)
    env = cli_env(tmp_path)
    args = _post_args(paths)
    control.set_faults(SLOW)
    procs = [subprocess.Popen(cli_cmd(cfg, *args), env=env, cwd=tmp_path, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    control.clear_faults()
    for (_, err) in outs:
        assert "Traceback" not in err, err
    # whatever the runs said (one may have found rows busy), a rerun completes the batch
    for _ in range(3):
        proc = run_cli(cfg, *args, env=env)
        if proc.returncode == 0:
            break
        time.sleep(1)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    entries = check_entries(control, batch, TARGETS, tag="cc")
    assert not entries.problems(), entries.problems()
    assert entries.checked == len(batch) * len(TARGETS)
    assert not check_files(tmp_path / "stories", batch).lost
    control.close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_crash_post_while_the_daemon_takes_the_same_files_posts_each_once(
        sandbox: Any, tmp_path: Path) -> None:
    control = SandboxControl(sandbox.url)
    folder = tmp_path / "stories"
    folder.mkdir()
    batch = good_batch("daemon+post", 4, "dp")
    cfg = write_config(tmp_path, sandbox.url, timeout=5.0, stories_dir=folder)
    env = cli_env(tmp_path)
    daemon = Daemon(cfg, env, tmp_path)
    daemon.start()
    control.set_faults(SLOW)
    try:
        # copies of the files outside the watched folder, posted by hand at the same time
        paths = drop_files(tmp_path / "by-hand", batch)
        time.sleep(1.5)  # the daemon is up
        drop_files(folder, batch)
        proc = run_cli(cfg, *_post_args(paths), env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
        control.clear_faults()
        posted = wait_until(
            lambda: not check_entries(control, batch, TARGETS, tag="dp").missing, timeout=60)
        assert daemon.alive(), daemon.tail()
        assert posted, daemon.tail()
        entries = check_entries(control, batch, TARGETS, tag="dp")
        assert not entries.problems(), f"{entries.problems()}\n{daemon.tail()}"
        assert entries.checked == len(batch) * len(TARGETS)
        # the daemon's files all end in posted/, also those another run delivered meanwhile
        moved = wait_until(lambda: not check_files(folder, batch).inbox, timeout=45)
        assert moved, (f"left in the inbox although posted: {check_files(folder, batch).inbox}"
                       f"\n{daemon.tail()}")
        assert daemon.stop() == 0, daemon.tail()
    finally:
        daemon.kill()
    assert not check_files(folder, batch).lost
    control.close()


def test_crash_second_daemon_on_the_same_state_file_is_refused(sandbox: Any,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    cfg = write_config(tmp_path, sandbox.url, stories_dir=folder)
    env = cli_env(tmp_path)
    first = Daemon(cfg, env, tmp_path)
    first.start()
    try:
        assert wait_until(lambda: "watching" in first.tail() or not first.alive(), 45)
        assert first.alive(), first.tail()
        second = run_cli(cfg, "watch", "--rescan", "1", env=env, timeout=30)
        assert second.returncode == 4, second.stdout + second.stderr
        assert "another crosspost daemon" in second.stderr
        assert "fix" in second.stderr
        assert first.alive()
    finally:
        first.stop()
        first.kill()
