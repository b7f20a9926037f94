"""The daemon lock and owner liveness work without POSIX-only modules (Windows, macOS)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crosspost.state.lock import DaemonLock, pid_alive

#: run Python with fcntl & co. unavailable, as on Windows
BLOCK = ("import sys\nfor _m in ('fcntl','termios','pwd','grp','resource','tty','pty'):\n"
         "    sys.modules[_m] = None\n")


def _probe(state: Path, body: str) -> subprocess.CompletedProcess[str]:
    code = BLOCK + ("from pathlib import Path\nfrom crosspost.state.lock import DaemonLock\n"
                    "from crosspost.errors import StateError\n" + body)
    return subprocess.run([sys.executable, "-c", code, str(state)], capture_output=True,
                          text=True, timeout=60, check=False)


def test_pid_alive_tells_a_running_process_from_a_finished_one() -> None:
    assert pid_alive(os.getpid())
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    assert not pid_alive(0)


def test_second_daemon_is_refused_naming_the_first_pid_without_fcntl(tmp_path: Path) -> None:
    state = tmp_path / "s.db"
    with DaemonLock(state):
        res = _probe(state, "try:\n    DaemonLock(Path(sys.argv[1])).acquire()\n"
                            "except StateError as e:\n    print(e.message); sys.exit(3)\n")
    assert res.returncode == 3, res.stderr
    assert "another crosspost daemon is running" in res.stdout
    assert f"pid {os.getpid()}" in res.stdout
    assert "fcntl" not in res.stderr


def test_a_crashed_daemons_soft_lock_is_taken_over(tmp_path: Path) -> None:
    """Without an OS lock call the lock is a file: a dead owner's file must not block."""
    state = tmp_path / "s.db"
    crashed = _probe(state, "l = DaemonLock(Path(sys.argv[1])).acquire()\n"
                            "import os; os._exit(0)\n")  # dies holding the lock
    assert crashed.returncode == 0, crashed.stderr
    again = _probe(state, "l = DaemonLock(Path(sys.argv[1])).acquire()\nprint('acquired')\n"
                          "l.release()\n")
    assert again.returncode == 0, again.stderr
    assert "acquired" in again.stdout


def test_release_lets_the_next_daemon_in_and_removes_the_pid_file(tmp_path: Path) -> None:
    state = tmp_path / "s.db"
    lock = DaemonLock(state).acquire()
    assert lock.pid_path.read_text().strip() == str(os.getpid())
    lock.release()
    assert not lock.pid_path.exists()
    DaemonLock(state).acquire().release()
