"""Fault injection against the daemon: 30% of every request (logins, reads, posts) fails in
assorted ways while ``crosspost watch`` posts a batch to three targets. The daemon keeps
retrying on its own until every story is on every target exactly once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import (
    JOURNALS,
    SandboxControl,
    Tally,
    check_entries,
    check_files,
    cli_env,
    drop_files,
    emit,
    faults_30,
    faults_fired,
    faults_sure,
    registry_actions,
    write_config,
)
from reliability.scenarios import Daemon, wait_until
from reliability.stories import good_batch

TARGETS = tuple(JOURNALS)
CLIENT_TIMEOUT = 1.0
#: Faults stay on this long at most, then the daemon must finish within SETTLE. With the
#: default 2 s backoff base a delivery fails at most 5 times in FAULT_PHASE (its waits are
#: at least 2^(k-1) s), so its next try is due within 2·2^4 = 32 s: the run cannot miss the
#: deadline by bad luck, which faults left on for the whole wait could (seven failures in a
#: row of one of 18 deliveries pushed the last try past 150 s: about one run in a thousand).
FAULT_PHASE = 30.0
SETTLE = 150.0


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_faults_daemon_30_percent_of_requests_fail_each_story_posted_once(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    folder = tmp_path / "stories"
    folder.mkdir()
    batch = good_batch("daemon-faults", 6, "df")
    cfg = write_config(tmp_path, sandbox.url, timeout=CLIENT_TIMEOUT, stories_dir=folder)
    daemon = Daemon(cfg, cli_env(tmp_path), tmp_path)
    stats0 = control.stats()
    # each kind once for certain, then 30% at random
    control.set_faults(faults_sure(timeout=CLIENT_TIMEOUT) + faults_30(timeout=CLIENT_TIMEOUT))
    tally = Tally("fault injection 30%: daemon")
    try:
        daemon.start()
        for story in batch:
            drop_files(folder, [story])
            time.sleep(0.2)

        def done() -> bool:
            return (not daemon.alive()
                    or (not check_entries(control, batch, TARGETS, tag="df").missing
                        and not check_files(folder, batch).inbox))
        start = time.monotonic()
        wait_until(done, timeout=FAULT_PHASE, step=0.5)
        stats = control.stats()
        control.clear_faults()
        wait_until(done, timeout=SETTLE - (time.monotonic() - start), step=0.5)
        assert daemon.alive(), daemon.tail()
        time.sleep(1.0)  # a quiet moment: a double-posting daemon would post again now
        assert daemon.stop() == 0, daemon.tail()
    finally:
        daemon.kill()
        control.clear_faults()
    entries = check_entries(control, batch, TARGETS, tag="df")
    files = check_files(folder, batch)
    tally.runs, tally.starts = 1, 1
    tally.add_check(entries, files)
    tally.extra["requests"] = stats["requests"] - stats0["requests"]
    tally.extra["faults_injected"] = faults_fired(stats0, stats)
    tally.extra["adopted"] = registry_actions(tmp_path / "state.sqlite3")["adopted"]
    emit(request.config, tally.line())
    assert not entries.problems(), f"{entries.problems()}\n{daemon.tail()}"
    assert not files.problems(inbox_empty=True), f"{files.problems(inbox_empty=True)}"
    assert entries.checked == len(batch) * len(TARGETS)
    assert "Traceback (most recent call last)" not in daemon.tail(10**7)
    assert tally.extra["faults_injected"] >= len(faults_sure())
    control.close()
