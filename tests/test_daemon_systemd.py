"""The systemd user unit runs `crosspost watch` and is a valid unit file."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[1] / "contrib" / "systemd" / "crosspost.service"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_systemd_unit_runs_the_watcher_and_restarts_on_failure_only() -> None:
    unit = _unit()
    assert unit["Service"]["ExecStart"].endswith("crosspost watch")
    assert unit["Service"]["Restart"] == "on-failure"
    # config / state errors (exit 2, 4) are not retried in a loop
    assert set(unit["Service"]["RestartPreventExitStatus"].split()) == {"2", "4"}
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "default.target"  # a user unit


def test_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    exe = Path(sys.executable).with_name("crosspost")
    if not exe.exists():
        pytest.skip("the crosspost script is not installed next to this python")
    copy = tmp_path / "crosspost.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace("%h/.local/bin/crosspost",
                                                             str(exe)), encoding="utf-8")
    res = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True,
                         timeout=60, check=False)
    assert res.returncode == 0, res.stderr
