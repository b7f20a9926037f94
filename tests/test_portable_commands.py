"""The main commands run with the POSIX-only modules unavailable, as on Windows.

A ``sitecustomize`` on PYTHONPATH sets ``sys.modules[name] = None`` for fcntl, termios, pwd,
grp, resource, tty and pty before crosspost starts, so any import of them on a command's
path fails, as it would on Windows. (macOS has them all; Windows has none.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from storyfiles import write_story

POSIX_ONLY = ("fcntl", "termios", "pwd", "grp", "resource", "tty", "pty")

SHIM = (
    "import sys\n"
    f"for _name in {POSIX_ONLY!r}:\n"
    "    sys.modules[_name] = None  # as on Windows: importing it fails\n"
)


@pytest.fixture
def windowsish(tmp_path: Path) -> dict[str, str]:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(shim), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crosspost", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_shim_really_blocks_the_posix_only_modules(windowsish: dict[str, str]) -> None:
    probe = subprocess.run([sys.executable, "-c", "import fcntl"], env=windowsish,
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode != 0 and "fcntl" in probe.stderr


def test_main_commands_run_without_posix_only_modules(
        tmp_path: Path, sandbox: Any, sandbox_config: Path, windowsish: dict[str, str]) -> None:
    env = {**windowsish, "CROSSPOST_CONFIG": str(sandbox_config),
           "CROSSPOST_SECRET_SANDBOX": "sandbox-key"}
    story = write_story(tmp_path / "stories", "portable", title="Portable Tea")
    steps = [
        ("--help",),
        ("init", "--example"),
        ("check", str(story)),
        ("preview", str(story), "--to", "fluffy"),
        ("post", str(story), "--to", "journal"),
        ("status",),
        ("history", str(story)),
        ("queue",),
        ("watch", "--once"),
    ]
    for args in steps:
        res = _run(env, *args)
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        for name in POSIX_ONLY:
            assert f"import of {name} halted" not in res.stderr, (args, res.stderr)
    status = _run(env, "status")
    assert "Portable Tea" in status.stdout and "posted" in status.stdout
