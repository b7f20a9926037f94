"""Running the ``crosspost`` CLI in-process from tests, and reading the sandbox back."""

from __future__ import annotations

import pytest
from reliability.harness import Entry, SandboxControl

from crosspost.cli import main


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``crosspost ARGV`` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


def titled(url: str, journal: str, title: str) -> list[Entry]:
    """The sandbox's entries in ``journal`` whose subject names ``title``."""
    control = SandboxControl(url)
    try:
        return [e for e in control.entries(journal) if title in e.subject]
    finally:
        control.close()
