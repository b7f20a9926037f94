"""Edits and deletes with lost answers: every copy ends edited (once, no new entry) or
deleted, and a delete whose answer was lost is not retried for ever when the entry is gone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from reliability.harness import (
    JOURNALS,
    SandboxControl,
    check_entries,
    cli_env,
    drop_files,
    journal_name,
    run_cli,
    write_config,
)
from reliability.stories import good_batch

TARGETS = tuple(JOURNALS)
ADDED = "A paragraph added in revision two."


def _to(*extra: str) -> list[str]:
    args = list(extra)
    for t in TARGETS:
        args += ["--to", t]
    return args


def _until_zero(cfg: Path, env: dict[str, str], args: list[str], rounds: int = 8) -> str:
    out = ""
    for _ in range(rounds):
        proc = run_cli(cfg, *args, env=env)
        out = proc.stdout + proc.stderr
        assert "Traceback" not in out, out
        if proc.returncode == 0:
            return out
        time.sleep(1.0)
    raise AssertionError(f"`crosspost {' '.join(args[:2])}` never finished:\n{out}")


def test_faults_edits_with_lost_answers_reach_every_copy_once(sandbox: Any,
                                                             tmp_path: Path) -> None:
    control = SandboxControl(sandbox.url)
    batch = good_batch("edits", 2, "ed")
    paths = drop_files(tmp_path / "stories", batch)
    cfg = write_config(tmp_path, sandbox.url, timeout=2.0, retry_limit=1)
    env = cli_env(tmp_path)
    _until_zero(cfg, env, _to("post", *map(str, paths)))
    for story, path in zip(batch, paths, strict=True):
        path.write_bytes(story.data + f"\n{ADDED}\n".encode())
    control.set_faults([{"kind": "drop_after", "method": "editevent", "rate": 0.5},
                        {"kind": "drop_before", "method": "editevent", "rate": 0.3}])
    for path in paths:
        run_cli(cfg, "edit", str(path), env=env)
    control.clear_faults()
    for path in paths:
        _until_zero(cfg, env, ["edit", str(path)])
    entries = check_entries(control, batch, TARGETS, tag="ed")
    assert not entries.problems(), entries.problems()
    for target in TARGETS:
        for e in control.entries(journal_name(target)):
            assert ADDED in e.body, f"{journal_name(target)}: {e.subject!r} not edited"
    control.close()


def test_faults_delete_with_lost_answers_deletes_every_copy_and_finishes(
        sandbox: Any, tmp_path: Path) -> None:
    """Every delete's answer is lost after the site deleted the entry: the next attempt
    meets "no such entry" (302) and must record the copy as deleted, not retry for ever."""
    control = SandboxControl(sandbox.url)
    (story,) = good_batch("deletes", 1, "dl")
    (path,) = drop_files(tmp_path / "stories", [story])
    cfg = write_config(tmp_path, sandbox.url, timeout=2.0, retry_limit=1)
    env = cli_env(tmp_path)
    _until_zero(cfg, env, _to("post", str(path)))
    assert not check_entries(control, [story], TARGETS).problems()
    control.set_faults([{"kind": "drop_after", "method": "editevent", "rate": 1.0}])
    proc = run_cli(cfg, "delete", str(path), "--yes", env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    control.clear_faults()
    for target in TARGETS:
        assert control.entries(journal_name(target)) == [], "the site deleted them"
    _until_zero(cfg, env, ["delete", str(path), "--yes"])
    history = run_cli(cfg, "history", str(path), env=env)
    assert history.returncode == 0, history.stdout + history.stderr
    assert "delet" in history.stdout.lower() or "gone" in history.stdout.lower()
    # nothing is left to retry
    retry = run_cli(cfg, "retry", env=env)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    control.close()
