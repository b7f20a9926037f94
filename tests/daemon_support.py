"""Helpers for the daemon tests: a config for the sandbox, the real ``crosspost watch`` in a
subprocess, story files, and polling with a deadline."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

#: target name → community (None = the account's own journal `writer`)
COMMUNITIES: dict[str, str | None] = {"journal": None, "fluffy": "fluffyfics",
                                      "modq": "modfics", "closed": "closedfics",
                                      "den": "writersden"}


def write_config(root: Path, url: str, *, targets: Iterable[str] = ("journal",),
                 settings: dict[str, Any] | None = None) -> Path:
    """``root/config.toml``: the sandbox account, the given targets, state and stories
    folder inside ``root``."""
    values: dict[str, Any] = {"state_file": (root / "state.sqlite3").as_posix(),
                              "stories_dir": (root / "stories").as_posix(), "timezone": "UTC",
                              **(settings or {})}
    lines = ["[settings]"] + [f"{key} = {json.dumps(val)}" for key, val in values.items()]
    lines += ["", "[accounts.sandbox]", 'site = "sandbox"', 'username = "writer"',
              f'server = "{url}"', "timeout = 10.0", "", "[defaults]", 'subject = "{title}"']
    for name in targets:
        lines += ["", f"[targets.{name}]", 'account = "sandbox"']
        if COMMUNITIES.get(name):
            lines.append(f'community = "{COMMUNITIES[name]}"')
    (root / "stories").mkdir(parents=True, exist_ok=True)
    cfg = root / "config.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def env_for(root: Path) -> dict[str, str]:
    """A subprocess environment whose user folders and keyring live inside ``root``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPOST_")}
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                "XDG_DATA_HOME": str(home / ".local/share"),
                "XDG_CACHE_HOME": str(home / ".cache"),
                "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
                "CROSSPOST_SECRET_SANDBOX": "sandbox-key", "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1", "TZ": "UTC"})
    return env


def story_text(title: str, body: str = "", header: dict[str, str] | None = None) -> str:
    """A plain-text story: header (Title, By, Rating, then ``header``), fence, body."""
    lines = [f"Title: {title}", "By: writer", "Rating: PG"]
    lines += [f"{k}: {v}" for k, v in (header or {}).items()]
    body = body or f"The first line of {title}.\n\nThe last line of {title}."
    return "\n".join(lines) + "\n\n***\n\n" + body + "\n"


def drop(folder: Path, name: str, text: str) -> Path:
    """Save a file the way many editors do: a temporary name, then a rename into place."""
    tmp = folder / f".{name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / name)
    return folder / name


def wait_for(pred: Callable[[], Any], timeout: float = 45.0, step: float = 0.1) -> Any:
    """Poll ``pred`` until it returns something truthy; that value, or the last falsy one.
    The deadline is generous (a loaded CI machine); a passing wait returns at once."""
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value or time.monotonic() >= end:
            return value
        time.sleep(step)


class Watch:
    """``python -m crosspost --config CFG watch`` in a subprocess, its log in a file."""

    def __init__(self, cfg: Path, *args: str) -> None:
        self.cfg = cfg
        self.args = args or ("--rescan", "1", "--settle", "0.5")
        self.log = cfg.parent / "watch.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._offset = 0

    def start(self, ready_timeout: float = 45.0) -> Watch:
        self._offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crosspost", "--config", str(self.cfg), "-v", "watch",
                 *self.args], env=env_for(self.cfg.parent), cwd=self.cfg.parent,
                stdout=out, stderr=subprocess.STDOUT)
        if not wait_for(lambda: "already known" in self.output() or not self.alive(),
                        ready_timeout) or not self.alive():
            raise AssertionError(f"the daemon did not start:\n{self.output()}")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        """What this run logged so far."""
        try:
            with open(self.log, "rb") as fh:
                fh.seek(self._offset)
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM; the exit code (the test fails if it does not stop in time)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"the daemon ignored SIGTERM:\n{self.output()}") from None
        return int(self.proc.returncode)

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait()


def run_cli(cfg: Path, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crosspost", "--config", str(cfg), *args],
                          env=env_for(cfg.parent), cwd=cfg.parent, text=True,
                          capture_output=True, timeout=timeout, check=False)


class Site:
    """What the sandbox holds, read over its HTTP control API (as another process would)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def entries(self, journal: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.url}/_sandbox/entries", params={"journal": journal}, timeout=10)
        r.raise_for_status()
        data = r.json()
        rows = data.get("entries", data) if isinstance(data, dict) else data
        return list(rows)

    def calls(self, method: str = "postevent") -> int:
        """How many ``method`` requests the sandbox has received so far (any outcome)."""
        r = httpx.get(f"{self.url}/_sandbox/stats", timeout=10)
        r.raise_for_status()
        return int((r.json().get("modes") or {}).get(method, 0))

    def subjects(self, journal: str = "writer") -> list[str]:
        return [str(e.get("subject", "")) for e in self.entries(journal)]

    def body(self, journal: str, subject: str) -> str:
        for e in self.entries(journal):
            if e.get("subject") == subject:
                return str(e.get("event", e.get("body", e.get("html", ""))))
        return ""
