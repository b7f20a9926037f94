"""Fuzzing the daemon: many generated bad files (random bytes, truncated headers, enormous
lines, deep HTML, invalid encodings…) and some good ones dropped into the folder a real
``crosspost watch`` subprocess watches. The daemon never crashes; each bad file is set aside
in failed/ with its report; the good ones are posted; no file is lost or altered.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import (
    SandboxControl,
    Tally,
    check_entries,
    check_files,
    cli_env,
    drop_files,
    emit,
    write_config,
)
from reliability.scenarios import Daemon, wait_until
from reliability.stories import CERTAINLY_BAD, StoryFile, bad_batch, good_batch

from crosspost.errors import StoryError
from crosspost.story.parse import parse_bytes

TARGETS = ("journal", "fluffy")
#: another seed hunts with other files: CROSSPOST_FUZZ_SEED=x pytest tests/test_fuzz_daemon.py
SEED = os.environ.get("CROSSPOST_FUZZ_SEED", "daemon-fuzz-1")


def _refused_by_parser(f: StoryFile) -> bool:
    try:
        parse_bytes(f.data, path=Path(f.name))
    except StoryError:
        return True
    return False


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_fuzz_daemon_sets_bad_files_aside_posts_good_ones_loses_nothing(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    folder = tmp_path / "stories"
    folder.mkdir()
    good = good_batch(SEED, 5, "fzg")
    bad = bad_batch(SEED, "fzb", per_kind=3)
    files = good + bad
    names = [f.name for f in files]
    assert len(set(names)) == len(names)
    refused = {f.name for f in bad if _refused_by_parser(f)}
    assert {f.name for f in bad if f.kind in CERTAINLY_BAD} <= refused
    cfg = write_config(tmp_path, sandbox.url, targets=TARGETS, timeout=5.0,
                       stories_dir=folder)
    daemon = Daemon(cfg, cli_env(tmp_path), tmp_path)
    tally = Tally("daemon fuzz")
    # a third of the files are waiting when the daemon starts, the rest arrive in bursts
    drop_files(folder, files[::3])
    daemon.start()
    try:
        rest = [f for i, f in enumerate(files) if i % 3]
        for i in range(0, len(rest), 7):
            time.sleep(0.3)
            drop_files(folder, rest[i:i + 7])
            assert daemon.alive(), f"daemon died:\n{daemon.tail()}"
        empties = {f.name for f in files if not f.data}

        def settled() -> bool:
            left = {p.name for p in folder.iterdir() if p.is_file()}
            if left - empties:
                return False
            return not check_entries(control, good, TARGETS, tag="fzg").missing
        wait_until(lambda: settled() or not daemon.alive(), timeout=150, step=0.5)
        assert daemon.alive(), f"daemon died:\n{daemon.tail()}"
        left = sorted(p.name for p in folder.iterdir() if p.is_file())
        assert set(left) <= empties, f"files never handled: {left}\n{daemon.tail()}"
        time.sleep(0.5)
        code = daemon.stop()
        assert code == 0, f"daemon exit code {code}\n{daemon.tail()}"
    finally:
        daemon.kill()

    log = daemon.tail(10**7)
    assert "Traceback (most recent call last)" not in log, daemon.tail()
    # nothing lost or altered: every file's exact bytes are still somewhere under the folder
    fc = check_files(folder, files)
    assert not fc.lost, fc.problems()
    failed, posted = folder / "failed", folder / "posted"
    # every file the parser refuses is in failed/ with its report naming it
    reports = 0
    for f in bad:
        if f.name in empties:
            assert (folder / f.name).read_bytes() == f.data
            continue
        if f.name in refused:
            dest = failed / f.name
            assert dest.exists() and dest.read_bytes() == f.data, f"{f.name} not in failed/"
            report = failed / f"{f.name}.error.txt"
            assert report.exists(), f"no report for {f.name}"
            assert f.name in report.read_text(encoding="utf-8"), "the report must name the file"
            reports += 1
        else:  # parsed: posted, or set aside with a report — never lost
            in_posted = (posted / f.name).exists()
            in_failed = (failed / f.name).exists()
            assert in_posted or in_failed, f"{f.name} neither posted nor failed"
            if in_failed:
                assert (failed / f"{f.name}.error.txt").exists(), f"no report for {f.name}"
                reports += 1
    # the good ones are posted everywhere exactly once and moved to posted/
    entries = check_entries(control, good, TARGETS, tag="fzg")
    assert not entries.problems(), entries.problems()
    for f in good:
        assert (posted / f.name).read_bytes() == f.data
    # the bad files that did parse and post were posted once each too
    extra = check_entries(control, [], TARGETS, tag="fzbbad")
    assert not extra.duplicates, extra.duplicates
    tally.runs = 1
    tally.starts = 1
    tally.add_check(entries, fc)
    tally.extra["bad_files"] = len(bad)
    tally.extra["refused_by_parser"] = len(refused)
    tally.extra["reports"] = reports
    control.close()
    emit(request.config, tally.line())
