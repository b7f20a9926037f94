"""Crash scenarios shared by the pytest suites and ``crash_harness.py``.

A *run* is: a fresh scratch folder and state file, a batch of new stories (titles carry the
run's tag), faults switched on in the sandbox, then the real client started and SIGKILLed
``kills`` times at random points, then restarted without kills until it says it is done,
then faults off and one last clean run, then the checks. Each run returns its counts; a run
that breaks a rule raises AssertionError with the details (seed and tag included, so it can
be replayed with ``crash_harness.py --seed``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import (
    JOURNALS,
    Attempt,
    Killer,
    SandboxControl,
    Tally,
    check_entries,
    check_files,
    cli_cmd,
    cli_env,
    drop_files,
    registry_actions,
    run_cli,
    write_config,
)
from .stories import StoryFile, good_batch

#: Faults during crash runs: answers lost after the server acted, requests lost before it
#: did, and delays (some beyond the client's 1 s timeout) that widen the kill windows.
CRASH_FAULTS: list[dict[str, Any]] = [
    {"kind": "drop_after", "method": "postevent", "rate": 0.2},
    {"kind": "drop_before", "method": "postevent", "rate": 0.1},
    {"kind": "delay", "method": "postevent", "rate": 0.3, "delay_ms": 300},
    {"kind": "delay", "method": "postevent", "rate": 0.05, "delay_ms": 1500},
]
CLIENT_TIMEOUT = 1.0
#: makes every subject longer than LJ's 100 characters: LJ cuts it silently, and the
#: reconcile after each kill must still recognise the entries under their cut subjects
LONG_SUFFIX = " — posted by the crash harness with a subject long enough that LJ cuts it short"


@dataclass
class RunResult:
    tag: str
    kills: int = 0
    starts: int = 0
    entries: int = 0
    files: int = 0
    adopted: int = 0
    exits: list[int | None] = field(default_factory=list)


def _fail(tag: str, seed: object, what: str, detail: str, last: Attempt | None = None) -> None:
    tail = ""
    if last is not None:
        tail = f"\nlast client exit={last.returncode}\nstderr tail:\n{last.stderr[-2500:]}"
    raise AssertionError(f"[run {tag}, seed {seed}] {what}\n{detail}{tail}")


def post_run(control: SandboxControl, root: Path, *, seed: object, tag: str, stories: int = 4,
             targets: Sequence[str] = tuple(JOURNALS), kills: int = 6,
             faults: Sequence[dict[str, Any]] = tuple(CRASH_FAULTS),
             max_recover: int = 12, dialect: str = "dw", suffix: str = "") -> RunResult:
    """``crosspost post FILES --to ...`` killed ``kills`` times, then rerun until done.
    ``dialect``: of the sandbox behind ``control``; ``suffix``: added to every subject (a
    long one makes LJ cut the subjects the reconcile must still recognise)."""
    rng = random.Random(f"{seed}:{tag}:kills")
    batch = good_batch(seed, stories, tag)
    folder = root / "stories"
    paths = drop_files(folder, batch)
    cfg = write_config(root, control.url, targets=targets, timeout=CLIENT_TIMEOUT,
                       dialect=None if dialect == "dw" else dialect,
                       subject="{title}" + suffix.replace("{", "{{").replace("}", "}}"))
    env = cli_env(root, dialect)
    args = ["post", *map(str, paths)]
    for t in targets:
        args += ["--to", t]
    cmd = cli_cmd(cfg, *args)
    res = RunResult(tag)
    killer = Killer(rng, progress=control.calls)
    control.set_faults(list(faults), seed=f"{seed}:{tag}:faults")
    last: Attempt | None = None
    try:
        # kill phase: ends after ``kills`` kills, or when a run finishes the batch by itself
        retry_cmd = cli_cmd(cfg, "retry")
        finished = False
        while res.kills < kills and res.starts < kills * 3:
            # mostly the same post command again; sometimes `crosspost retry` is killed
            this = retry_cmd if res.starts and rng.random() < 0.25 else cmd
            last = killer.run(this, env=env, cwd=root, kill=True)
            res.starts += 1
            res.kills += last.killed
            res.exits.append(last.returncode)
            _no_traceback(last, tag, seed)
            if last.returncode == 0 and this is cmd:
                finished = True
                break
        # restart until the client itself says everything is delivered (exit 0)
        for i in range(0 if finished else max_recover):
            rerun = cmd if i % 2 == 0 else retry_cmd
            last = killer.run(rerun, env=env, cwd=root, kill=False)
            res.starts += 1
            res.exits.append(last.returncode)
            _no_traceback(last, tag, seed)
            if last.returncode == 0 and rerun is cmd:
                finished = True
                break
        if not finished:
            _fail(tag, seed, f"not done after {max_recover} restarts without kills",
                  f"exits: {res.exits}", last)
    finally:
        control.clear_faults()
    # one clean run: must find everything done and post nothing new
    before = control.calls()
    final = run_cli(cfg, *args, env=env)
    if final.returncode != 0:
        _fail(tag, seed, "clean rerun failed", final.stdout[-2000:],
              Attempt(False, final.returncode, 0, final.stdout, final.stderr))
    if control.calls() != before:
        _fail(tag, seed, "clean rerun of a finished batch sent postevent again",
              f"postevent calls {before} → {control.calls()}")
    _check(control, folder, batch, targets, tag, seed, res, last, suffix=suffix)
    return res


def _check(control: SandboxControl, folder: Path, batch: Sequence[StoryFile],
           targets: Sequence[str], tag: str, seed: object, res: RunResult,
           last: Attempt | None, *, inbox_empty: bool = False, suffix: str = "") -> None:
    entries = check_entries(control, batch, targets, tag=tag, suffix=suffix)
    if entries.problems():
        _fail(tag, seed, "exactly-once violated", entries.problems(), last)
    files = check_files(folder, batch)
    if files.lost or (inbox_empty and files.inbox):
        _fail(tag, seed, "story files lost, altered or left behind",
              files.problems(inbox_empty=inbox_empty), last)
    res.entries += entries.checked
    res.files += files.checked
    res.adopted += registry_actions(folder.parent / "state.sqlite3")["adopted"]


def _no_traceback(attempt: Attempt, tag: str, seed: object) -> None:
    if "Traceback (most recent call last)" in attempt.stderr:
        _fail(tag, seed, "the client printed a traceback", "", attempt)


# -- the daemon ----------------------------------------------------------------------------

class Daemon:
    """A ``crosspost watch`` subprocess."""

    def __init__(self, cfg: Path, env: dict[str, str], cwd: Path,
                 args: Sequence[str] = ("--rescan", "1", "--settle", "0.3")) -> None:
        self.cmd = cli_cmd(cfg, "-v", "watch", *args)
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen[str] | None = None
        self.log = cwd / "daemon.log"

    def start(self) -> None:
        with open(self.log, "a", encoding="utf-8") as log:
            log.write(f"--- start {time.time():.3f}\n")
            self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd,
                                         stdout=log, stderr=subprocess.STDOUT, text=True,
                                         start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> bool:
        if not self.alive():
            return False
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return True

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait; returns the exit code (SIGKILL after ``timeout``)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def wait_until(pred: Any, timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return bool(pred())


def daemon_run(control: SandboxControl, root: Path, *, seed: object, tag: str,
               stories: int = 4, targets: Sequence[str] = tuple(JOURNALS), kills: int = 5,
               faults: Sequence[dict[str, Any]] = tuple(CRASH_FAULTS),
               settle: float = 90.0) -> RunResult:
    """``crosspost watch`` SIGKILLed ``kills`` times while stories arrive, then left running
    until every story is posted everywhere and moved out of the inbox."""
    rng = random.Random(f"{seed}:{tag}:daemon")
    batch = good_batch(seed, stories, tag)
    folder = root / "stories"
    folder.mkdir(parents=True, exist_ok=True)
    cfg = write_config(root, control.url, targets=targets, timeout=CLIENT_TIMEOUT,
                       stories_dir=folder)
    env = cli_env(root)
    daemon = Daemon(cfg, env, root)
    res = RunResult(tag)
    pending = list(batch)
    # half the stories are there before the first start, the rest arrive over the kills
    first = max(1, len(pending) // 2)
    drop_files(folder, pending[:first])
    pending = pending[first:]
    control.set_faults(list(faults), seed=f"{seed}:{tag}:faults")
    try:
        for _ in range(kills):
            daemon.start()
            res.starts += 1
            if pending and rng.random() < 0.6:
                time.sleep(rng.uniform(0.0, 0.8))
                drop_files(folder, [pending.pop(0)])
            if rng.random() < 0.5:
                goal = control.calls() + rng.randint(1, 4)
                wait_until(lambda g=goal: control.calls() >= g or not daemon.alive(),
                           timeout=8.0, step=0.005)
                time.sleep(rng.uniform(0, 0.03))
            else:
                time.sleep(rng.uniform(0.2, 2.5))
            if not daemon.alive():
                _fail(tag, seed, f"daemon exited by itself (code {daemon.proc.returncode})"
                      if daemon.proc else "daemon did not start", daemon.tail())
            res.kills += daemon.kill()
            if pending and rng.random() < 0.5:  # a file arrives while the daemon is down
                drop_files(folder, [pending.pop(0)])
        drop_files(folder, pending)
        daemon.start()
        res.starts += 1

        def done() -> bool:
            if not daemon.alive():
                return True
            c = check_entries(control, batch, targets, tag=tag)
            if c.missing:
                return False
            return not check_files(folder, batch).inbox  # nothing left in the inbox
        wait_until(done, timeout=settle, step=0.3)
        if not daemon.alive():
            _fail(tag, seed, "daemon exited by itself", daemon.tail())
        control.clear_faults()
        # a quiet moment: a duplicate-posting daemon would post again now
        time.sleep(1.0)
        code = daemon.stop()
        if code not in (0, -signal.SIGTERM, 128 + signal.SIGTERM, 130):
            _fail(tag, seed, f"daemon stopped with exit code {code}", daemon.tail())
    finally:
        daemon.kill()
        control.clear_faults()
    if "Traceback (most recent call last)" in daemon.tail(10**7):
        _fail(tag, seed, "the daemon logged a traceback", daemon.tail())
    try:
        _check(control, folder, batch, targets, tag, seed, res, None, inbox_empty=True)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\ndaemon log tail:\n{daemon.tail()}") from None
    return res


def add(tally: Tally, res: RunResult) -> None:
    tally.runs += 1
    tally.kills += res.kills
    tally.starts += res.starts
    tally.entries += res.entries
    tally.files += res.files
    tally.extra["adopted_after_crash"] = tally.extra.get("adopted_after_crash", 0) + res.adopted
