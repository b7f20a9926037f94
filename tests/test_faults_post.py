"""Fault injection: requests failing in assorted ways (HTTP 500, 429 with Retry-After, the
request lost before the server saw it, the answer lost after the server acted, answers slower
than the client's timeout) while the real CLI posts a batch to several targets. ``crosspost
post`` then ``crosspost retry`` until done: every story on every target exactly once.
"""

from __future__ import annotations

import random
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
    run_cli,
    write_config,
)
from reliability.stories import good_batch, good_story

CLIENT_TIMEOUT = 1.0
TARGETS = tuple(JOURNALS)


def _post_args(paths: list[Path], targets: tuple[str, ...] = TARGETS) -> list[str]:
    args = ["post", *map(str, paths)]
    for t in targets:
        args += ["--to", t]
    return args


def _until_done(cfg: Path, env: dict[str, str], args: list[str], *, rounds: int) -> list[int]:
    """``crosspost post`` once, then ``crosspost retry`` until it exits 0."""
    codes = []
    proc = run_cli(cfg, *args, env=env)
    codes.append(proc.returncode)
    assert "Traceback" not in proc.stderr, proc.stderr
    for _ in range(rounds):
        if codes[-1] == 0:
            break
        proc = run_cli(cfg, "retry", env=env)
        codes.append(proc.returncode)
        assert "Traceback" not in proc.stderr, proc.stderr
    assert codes[-1] == 0, f"not done after {rounds} retries: exits {codes}\n{proc.stdout}\n" \
                           f"{proc.stderr[-3000:]}"
    return codes


def _finish_clean(control: SandboxControl, cfg: Path, env: dict[str, str],
                  args: list[str]) -> None:
    """Faults off, the same command again: it must find everything done and send nothing."""
    control.clear_faults()
    before = control.calls()
    proc = run_cli(cfg, *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert control.calls() == before, "a finished batch was posted again"


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_faults_30_percent_of_requests_fail_each_story_posted_once(
        sandbox: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    control = SandboxControl(sandbox.url)
    batch = good_batch("faults30", 8, "f30")
    folder = tmp_path / "stories"
    paths = drop_files(folder, batch)
    cfg = write_config(tmp_path, sandbox.url, timeout=CLIENT_TIMEOUT, retry_limit=3)
    env = cli_env(tmp_path)
    args = _post_args(paths)
    stats0 = control.stats()
    # each kind once for certain, then 30% at random
    control.set_faults(faults_sure(timeout=CLIENT_TIMEOUT) + faults_30(timeout=CLIENT_TIMEOUT))
    tally = Tally("fault injection 30%: post + retry")
    try:
        codes = _until_done(cfg, env, args, rounds=15)
        stats = control.stats()
        _finish_clean(control, cfg, env, args)
        entries = check_entries(control, batch, TARGETS, tag="f30")
        files = check_files(folder, batch)
        tally.runs = 1
        tally.starts = len(codes) + 1
        tally.add_check(entries, files)
        tally.extra["requests"] = stats["requests"] - stats0["requests"]
        tally.extra["faults_injected"] = faults_fired(stats0, stats)
        tally.extra["deliveries"] = len(batch) * len(TARGETS)
    finally:
        control.clear_faults()
        control.close()
        emit(request.config, tally.line())
    assert not entries.problems(), entries.problems()
    assert not files.problems(), files.problems()
    assert entries.checked == len(batch) * len(TARGETS)
    assert tally.extra["faults_injected"] >= len(faults_sure()), \
        "the faults did not fire: the test proves too little"


@pytest.mark.parametrize("kind", ["drop_after", "drop_before", "delay"])
def test_faults_every_postevent_answer_lost_then_retry_posts_each_once(
        sandbox: Any, tmp_path: Path, kind: str) -> None:
    """Every postevent fails in the same way: after the server acted (drop_after, a delay
    past the timeout) or before (drop_before). The retry must adopt what is there and post
    only what is not — the server's duplicate guard remembers only the last post, so this
    needs a real reconcile."""
    control = SandboxControl(sandbox.url)
    tag = {"drop_after": "ada", "drop_before": "adb", "delay": "ade"}[kind]
    batch = good_batch(f"all-{kind}", 4, tag)
    folder = tmp_path / "stories"
    paths = drop_files(folder, batch)
    cfg = write_config(tmp_path, sandbox.url, timeout=CLIENT_TIMEOUT, retry_limit=1)
    env = cli_env(tmp_path)
    args = _post_args(paths)
    rule: dict[str, Any] = {"kind": kind, "method": "postevent", "rate": 1.0}
    if kind == "delay":
        rule["delay_ms"] = int(CLIENT_TIMEOUT * 1000) + 500
    control.set_faults([rule])
    try:
        proc = run_cli(cfg, *args, env=env)
        assert proc.returncode != 0, "every post failed, the run must say so"
        assert "Traceback" not in proc.stderr, proc.stderr
        control.clear_faults()
        _until_done(cfg, env, ["retry"], rounds=5)
        _finish_clean(control, cfg, env, args)
        entries = check_entries(control, batch, TARGETS, tag=tag)
        assert not entries.problems(), entries.problems()
        assert entries.checked == len(batch) * len(TARGETS)
        assert not check_files(folder, batch).problems()
    finally:
        control.clear_faults()
        control.close()


def test_faults_lj_cut_subject_with_lost_answer_is_not_posted_twice(
        sandbox_lj: Any, tmp_path: Path) -> None:
    """LJ cuts long subjects silently. When the answer to such a post is lost and another
    post follows (so the server's duplicate guard forgets it), the reconcile must still
    recognise the entry under its cut subject."""
    control = SandboxControl(sandbox_lj.url)
    rng = random.Random(11)
    long_one = good_story(rng, "ljcut", 1)
    data = long_one.data.decode().replace(f"Title: {long_one.title}",
                                          f"Title: {long_one.title} " + "and so on " * 15)
    folder = tmp_path / "stories"
    first = folder / "long.txt"
    folder.mkdir()
    first.write_bytes(data.encode())
    second = good_story(rng, "ljcut", 2)
    drop_files(folder, [second])
    cfg = write_config(tmp_path, sandbox_lj.url, targets=["journal"], dialect="lj",
                       timeout=CLIENT_TIMEOUT, retry_limit=1)
    env = cli_env(tmp_path, "lj")
    control.set_faults([{"kind": "drop_after", "method": "postevent", "rate": 1.0}])
    try:
        proc = run_cli(cfg, "post", str(first), "--to", "journal", env=env)
        assert proc.returncode != 0
        control.clear_faults()
        proc = run_cli(cfg, "post", str(folder / second.name), "--to", "journal", env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        _until_done(cfg, env, ["retry"], rounds=3)
        proc = run_cli(cfg, "post", str(first), "--to", "journal", env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        subjects = [e.subject for e in control.entries("writer")]
        cut = [s for s in subjects if s.startswith(long_one.title)]
        assert len(cut) == 1, f"the cut-subject story is on LJ {len(cut)} times: {subjects}"
        assert subjects.count(second.title) == 1
    finally:
        control.clear_faults()
        control.close()


def test_faults_transient_protocol_faults_are_retried_to_completion(sandbox: Any,
                                                                   tmp_path: Path) -> None:
    """The site's own temporary faults (501/502/503 database trouble, 405 post frequency, a
    SOAP "Server" fault) are retried; nothing is refused for good, nothing doubles."""
    control = SandboxControl(sandbox.url)
    batch = good_batch("protocol-faults", 4, "pf")
    paths = drop_files(tmp_path / "stories", batch)
    cfg = write_config(tmp_path, sandbox.url, timeout=CLIENT_TIMEOUT, retry_limit=2)
    env = cli_env(tmp_path)
    args = _post_args(paths)
    server_fault = {"kind": "fault", "code": "Server",
                    "message": "Can't call method on an undefined value"}
    codes = (501, 502, 503, 405)
    # each fault once for certain (so the test always proves something), then at random
    rules: list[dict[str, Any]] = [
        {"kind": "fault", "method": "postevent", "count": 1, "after": i, "code": code}
        for i, code in enumerate(codes)]
    rules.append({**server_fault, "method": "*", "count": 1, "after": 1})
    rules += [{"kind": "fault", "method": "postevent", "rate": 0.1, "code": code}
              for code in codes]
    rules.append({**server_fault, "method": "*", "rate": 0.05})
    stats0 = control.stats()
    control.set_faults(rules)
    try:
        _until_done(cfg, env, args, rounds=15)
        fired = faults_fired(stats0, control.stats())
        _finish_clean(control, cfg, env, args)
    finally:
        control.clear_faults()
    assert fired >= len(codes) + 1, f"only {fired} faults fired: the test proves too little"
    entries = check_entries(control, batch, TARGETS, tag="pf")
    assert not entries.problems(), entries.problems()
    assert entries.checked == len(batch) * len(TARGETS)
    control.close()
