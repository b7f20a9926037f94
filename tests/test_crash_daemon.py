"""Crash harness, ``crosspost watch``: SIGKILL the real daemon at random points while stories
arrive in its folder and the sandbox drops answers; each restart reconciles what was in
flight. At the end every story is on every target exactly once, and every file is in
posted/, byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import SandboxControl, Tally, emit
from reliability.scenarios import add, daemon_run

RUNS = int(os.environ.get("CROSSPOST_CRASH_DAEMON_RUNS", "3"))
KILLS = 5
SEED = os.environ.get("CROSSPOST_CRASH_SEED", "20261124")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_crash_daemon_killed_at_random_points_posts_each_story_once(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    tally = Tally("crash harness: crosspost watch")
    try:
        for i in range(RUNS):
            res = daemon_run(control, tmp_path / f"run{i}", seed=SEED, tag=f"cd{i}", stories=4,
                             kills=KILLS)
            add(tally, res)
    finally:
        control.close()
        emit(request.config, tally.line())
    assert tally.kills >= RUNS * KILLS // 2, f"too few kills landed: {tally.line()}"
    assert tally.entries == RUNS * 4 * 3
