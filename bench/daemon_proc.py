"""``crosspost watch`` as a real subprocess, with its JSON log lines read as they come, and
its CPU time and memory read from /proc."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .harness import ROOT, Context, NotMeasured, child_env

CLK_TCK = os.sysconf("SC_CLK_TCK")


class DaemonProc:
    """``with DaemonProc(ctx, config) as d: d.wait_event("scan")``. ``started`` is the
    monotonic time just before the process was spawned."""

    def __init__(self, ctx: Context, config: Path, *extra: str) -> None:
        self.cmd = [str(Path(ctx.python).with_name("crosspost")), "--log-json", "--config",
                    str(config), "watch", *extra]
        self.env = child_env(config.parent)
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.other: list[str] = []
        self._cond = threading.Condition()
        self._proc: subprocess.Popen[str] | None = None
        self.started = 0.0

    def __enter__(self) -> DaemonProc:
        self.started = time.monotonic()
        self._proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, text=True,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            now = time.monotonic()
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            with self._cond:
                if isinstance(data, dict):
                    self.events.append((now, data))
                else:
                    self.other.append(line.rstrip())
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_event(self, name: str, timeout: float, start: int = 0) -> tuple[float, dict[str, Any]]:
        """The first log record with ``event == name`` from index ``start`` on: (monotonic
        time it was read, record). NotMeasured if the daemon exits or times out first."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for when, rec in self.events[start:]:
                    if rec.get("event") == name:
                        return when, rec
                assert self._proc is not None
                left = end - time.monotonic()
                if self._proc.poll() is not None or left <= 0:
                    why = "exited" if self._proc.poll() is not None else f"took over {timeout:g} s"
                    last = [r.get("message", "") for _, r in self.events[-2:]] + self.other[-2:]
                    raise NotMeasured(f"the daemon {why} before logging {name!r} "
                                      f"(last: {' | '.join(last)[:160]})")
                self._cond.wait(min(left, 0.5))

    def cpu_seconds(self) -> float:
        """user + system CPU time used so far (/proc/<pid>/stat)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def memory_kib(self, key: str = "VmHWM") -> int:
        """A /proc/<pid>/status value in KiB (VmHWM: peak resident set)."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise NotMeasured(f"/proc/{self.pid}/status has no {key}")

    def __exit__(self, *exc: object) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
