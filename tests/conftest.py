"""Shared fixtures: an isolated environment per test, and real sandbox servers over HTTP.

- autouse: keyring uses keyrings.alt's plaintext file backend in a per-test temp dir; XDG
  dirs point there too; no ``CROSSPOST_*`` variable from the outer environment leaks in.
- ``sandbox`` / ``sandbox_lj``: a running in-process SandboxServer (dw / lj dialect) with
  fresh in-memory state; ``.url``, ``.world``, ``.faults``, ``.stats``.
- ``sandbox_factory(dialect="dw", state_path=None, **options)``: start more servers.
- ``sandbox_config``: a config.toml for account ``sandbox`` (user ``writer``) on the
  ``sandbox`` server, with targets journal/fluffy/modq/closed/den; sets
  ``CROSSPOST_SECRET_SANDBOX`` and ``CROSSPOST_CONFIG``; returns the Path.
- ``sandbox_config_factory(server, dialect=None, **kw)``: the same for another server.
- ``write_story`` (also importable: ``from storyfiles import write_story``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from crosspost_adapters.lj import pacing, tagcache
from hypothesis import HealthCheck, settings
from keyrings.alt.file import PlaintextKeyring
from storyfiles import write_sandbox_config, write_story

from crosspost.sandbox import SandboxServer

__all__ = ["write_story"]

# Property tests must not fail by chance on a slow, loaded CI machine: no per-example
# deadline, no "too slow" health check, and the same examples on every run (derandomize; no
# example database). Tests that set these themselves keep their own values. Hunt with fresh
# random examples by hand: CROSSPOST_HYPOTHESIS_PROFILE=explore pytest ...
settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "explore", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("CROSSPOST_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keyring file backend and XDG dirs in a temp dir; no outer CROSSPOST_* variables; no
    process-wide adapter state (pacers, tag caches keyed by server URL) left by an earlier
    test — a new sandbox may well get an earlier one's port, hence its URL."""
    pacing.forget_pacers()
    tagcache.forget()
    home = tmp_path_factory.mktemp("env")
    for name in list(os.environ):
        if name.startswith("CROSSPOST_"):
            monkeypatch.delenv(name, raising=False)
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR", "NO_COLOR"):  # tables and colour: tests ask
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"),
                     ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    yield home
    pacing.forget_pacers()
    tagcache.forget()


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    """Start extra sandbox servers: ``sandbox_factory(dialect="lj", state_path=p, **opts)``."""
    servers: list[SandboxServer] = []

    def make(dialect: str = "dw", state_path: Path | None = None, **options: Any
             ) -> SandboxServer:
        server = SandboxServer(state_path=state_path, dialect=dialect, **options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """A running dw-dialect sandbox with fresh in-memory state."""
    return sandbox_factory("dw")


@pytest.fixture
def sandbox_lj(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    """A running lj-dialect sandbox with fresh in-memory state."""
    return sandbox_factory("lj")


@pytest.fixture
def sandbox_config_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                           ) -> Callable[..., Path]:
    """``make(server, dialect=None, name="config.toml", extra="")`` → a config Path."""

    def make(server: SandboxServer, dialect: str | None = None, name: str = "config.toml",
             extra: str = "", secret: str = "sandbox-key") -> Path:
        stories = tmp_path / "stories"
        stories.mkdir(exist_ok=True)
        path = write_sandbox_config(tmp_path / name, server.url,
                                    state_file=tmp_path / "state.sqlite3",
                                    stories_dir=stories, dialect=dialect, extra=extra)
        monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", secret)
        monkeypatch.setenv("CROSSPOST_CONFIG", str(path))
        return path

    return make


@pytest.fixture
def sandbox_config(sandbox: SandboxServer, sandbox_config_factory: Callable[..., Path]) -> Path:
    """config.toml for the ``sandbox`` fixture's server (see the module docstring)."""
    return sandbox_config_factory(sandbox)


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    """The OS keyring replaced by a plain file in ``tmp_path`` (the one part we mock: we
    do not own the OS keyring)."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
