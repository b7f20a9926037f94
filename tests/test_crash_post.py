"""Crash harness, ``crosspost post``: SIGKILL the real client at random points while it posts
a batch to three targets through a sandbox that drops answers, then rerun the same command
until it is done. Never twice, never lost.

More runs by hand: ``python tests/reliability/crash_harness.py --runs 200``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import SandboxControl, Tally, emit
from reliability.scenarios import LONG_SUFFIX, add, post_run

#: CI budget: RUNS × KILLS SIGKILLs (override with CROSSPOST_CRASH_RUNS for a longer soak).
RUNS = int(os.environ.get("CROSSPOST_CRASH_RUNS", "4"))
KILLS = 6
SEED = os.environ.get("CROSSPOST_CRASH_SEED", "20261124")


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_crash_post_batch_killed_at_random_points_posts_each_story_once(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    tally = Tally("crash harness: crosspost post")
    try:
        for i in range(RUNS):
            res = post_run(control, tmp_path / f"run{i}", seed=SEED, tag=f"cp{i}", stories=6,
                           kills=KILLS)
            add(tally, res)
    finally:
        control.close()
        emit(request.config, tally.line())
    assert tally.kills >= RUNS * KILLS // 2, f"too few kills landed: {tally.line()}"
    assert tally.entries == RUNS * 6 * 3


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_crash_post_lj_cut_subjects_killed_at_random_points_posts_each_story_once(
        sandbox_lj: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox_lj.url)
    tally = Tally("crash harness: crosspost post, LJ dialect, cut subjects")
    try:
        res = post_run(control, tmp_path / "lj", seed=SEED, tag="cl0", stories=4, kills=KILLS,
                       dialect="lj", suffix=LONG_SUFFIX)
        add(tally, res)
    finally:
        control.close()
        emit(request.config, tally.line())
    assert tally.entries == 4 * 3
