"""Shared plumbing for the measurements: the run context, a sandbox in its own process,
its HTTP control API, and config files for the sandbox account."""

from __future__ import annotations

import importlib
import itertools
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "sandbox"
USER = "writer"
API_KEY = "sandbox-key"
SECRET_ENV = {"CROSSPOST_SECRET_SANDBOX": API_KEY}


class NotMeasured(Exception):
    """A measurement cannot be taken (a component is missing); the message says why."""


@dataclass
class Context:
    """What every measurement gets: sizes depend on ``quick``."""

    workdir: Path
    quick: bool = False
    latency_ms: float = 0.0
    python: str = sys.executable
    log: list[str] = field(default_factory=list)

    def size(self, full: T, quick: T) -> T:
        return quick if self.quick else full

    def scratch(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def note(self, text: str) -> None:
        """Say something about the run (stderr; and once in BENCHMARKS.md's notes)."""
        if text not in self.log:
            print(f"  · {text}", file=sys.stderr, flush=True)
            self.log.append(text)


def child_env(home: Path | None = None) -> dict[str, str]:
    """Environment for crosspost subprocesses: the sandbox secret, no user config leaking in,
    keyring pointed at a throw-away file backend."""
    env = dict(os.environ)
    env.update(SECRET_ENV)
    env.pop("CROSSPOST_CONFIG", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if home is not None:
        env["XDG_CONFIG_HOME"] = str(home / "xdg-config")
        env["XDG_DATA_HOME"] = str(home / "xdg-data")
        env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    return env


def require(module: str, what: str, *names: str) -> Any:
    """Import ``module`` (and check it has ``names``) or raise NotMeasured naming what is
    missing."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise NotMeasured(f"{what} not available yet ({exc})") from None
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise NotMeasured(f"{what} not available yet ({module} has no {', '.join(missing)})")
    return mod


# -- the sandbox ------------------------------------------------------------------------------

_serial = itertools.count(1)


class Sandbox:
    """A SandboxServer running in a child process (``with Sandbox(...) as sb: sb.url``)."""

    def __init__(self, ctx: Context, **options: Any) -> None:
        self.ctx = ctx
        self.options = options
        self.url = ""
        self.skipped: list[str] = []
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Sandbox:
        require("crosspost.sandbox", "the sandbox", "SandboxServer")
        log = self.ctx.workdir / f"sandbox-{next(_serial)}.log"  # a file: a pipe could fill
        with open(log, "w", encoding="utf-8") as err:
            self._proc = subprocess.Popen(
                [self.ctx.python, "-m", "bench.sandbox_host", json.dumps(self.options)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                cwd=ROOT, env=child_env(self.ctx.workdir))
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait()
            lines = log.read_text(encoding="utf-8").strip().splitlines() or ["no output"]
            raise NotMeasured(f"the sandbox did not start: {lines[-1]}")
        info = json.loads(line)
        self.url = info["url"].rstrip("/")
        self.skipped = info["skipped"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    # -- control API --
    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (or POST with a JSON ``body``) ``<url>/_sandbox/<path>``; parsed JSON back."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_sandbox/{path}", data=data,
                                     headers={"Content-Type": "application/json"},
                                     method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None

    def stats(self) -> dict[str, Any]:
        out = self.control("stats")
        assert isinstance(out, dict)
        return out

    def reset_stats(self) -> None:
        self.control("reset-stats", {})


def connections(stats: dict[str, Any]) -> int:
    """TCP connections the sandbox accepted, from its stats."""
    return int(stats["connections"])


def total_requests(stats: dict[str, Any]) -> int:
    """Every protocol request the sandbox served (control calls are not counted)."""
    return int(stats["requests"])


# -- config -------------------------------------------------------------------------------

def _toml(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def write_config(folder: Path, url: str, *, targets: Mapping[str, str | None] | None = None,
                 account: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
                 ) -> Path:
    """A config.toml for the sandbox account. ``targets``: name → community (None = own
    journal); default one target ``journal``. State file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    acct = {"site": "sandbox", "username": USER, "server": url, **(account or {})}
    sets = {"state_file": str(folder / "state.sqlite3"), "timezone": "UTC", **(settings or {})}
    lines = ["[settings]"]
    lines += [f"{k} = {_toml(v)}" for k, v in sets.items()]
    lines += ["", f"[accounts.{ACCOUNT}]"]
    lines += [f"{k} = {_toml(v)}" for k, v in acct.items()]
    for name, community in (targets or {"journal": None}).items():
        lines += ["", f"[targets.{name}]", f'account = "{ACCOUNT}"']
        if community:
            lines.append(f'community = "{community}"')
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class InProcess:
    """crosspost's own engine in this process: config → registry → Publisher.

    ``with InProcess(config_path) as cp: cp.publish(path, targets)``. Opening it loads the
    config and opens the registry (as a ``crosspost post`` run does); call :meth:`preload`
    first so that importing the modules stays out of a timing."""

    @staticmethod
    def preload() -> tuple[Any, Any, Any]:
        """Import everything a publish touches (engine, parser, registry, config, renderer,
        the sandbox adapter), so timings measure work, not first imports."""
        mods = (require("crosspost.delivery", "the delivery engine", "Publisher"),
                require("crosspost.story.parse", "the parser", "parse_file"),
                require("crosspost.state.registry", "the registry", "Registry"))
        require("crosspost.render", "the renderer", "render_post")
        from crosspost.adapter import adapter_class
        from crosspost.config import load_config  # noqa: F401

        try:
            adapter_class("sandbox")
            # the adapter's HTTP client (httpx) is imported on its first connection
            importlib.import_module("crosspost_adapters.lj.client")
            importlib.import_module("httpcore")  # httpx imports it when a client is made
        except Exception as exc:
            raise NotMeasured(f"the sandbox adapter cannot be loaded ({exc})") from None
        from crosspost.config.secrets import keyring_backend

        keyring_backend()  # the keyring finds its backends once per process (an import cost)
        return mods

    def __init__(self, config_path: Path) -> None:
        self.delivery, self.parse, registry = self.preload()
        from crosspost.config import load_config

        self.config = load_config(config_path)
        self.registry = registry.Registry.for_config(self.config)
        self.publisher = self.delivery.Publisher(self.config, self.registry)

    def publish(self, path: Path, targets: list[str] | None = None) -> list[Any]:
        """Parse ``path`` and publish it; raises if any target did not end posted/queued."""
        story = self.parse.parse_file(path)
        outcomes: list[Any] = self.publisher.publish(story, targets)
        bad = [o for o in outcomes if o.action not in ("posted", "queued")]
        if bad:
            o = bad[0]
            raise RuntimeError(f"{o.target}: {o.action} {o.message}".strip())
        return outcomes

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.publisher.close()
        self.registry.close()

