"""The crash / fault harness: run the real ``crosspost`` CLI or daemon in a subprocess
against a sandbox with injected faults, kill it with SIGKILL at random points, restart it,
and check the end state: every story on every target exactly once, every story file still
there, byte for byte.

Pieces (all usable from tests and from ``crash_harness.py``):

- :class:`SandboxControl` — the sandbox's HTTP control API (faults, entries, stats);
- :func:`write_config` / :func:`cli_env` / :func:`cli_cmd` — a config for the sandbox
  account with small timeouts, an environment confined to a scratch folder;
- :class:`Killer` — start a command, SIGKILL it at a random time or after a random amount of
  server-side progress, report whether it was killed or exited by itself;
- :func:`check_entries` / :func:`check_files` — the exactly-once and nothing-lost checks;
- :class:`Tally` — the counts printed at the end.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from .stories import StoryFile

#: target name → the sandbox journal it posts into (demo world, see the sandbox).
JOURNALS: dict[str, str | None] = {
    "journal": None,        # the account's own journal: `writer`
    "fluffy": "fluffyfics",  # members may post
    "den": "writersden",     # writer maintains it
}
OWN_JOURNAL = "writer"


def journal_name(target: str) -> str:
    j = JOURNALS[target]
    return j if j is not None else OWN_JOURNAL


# -- the sandbox's control API ------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """An entry as the sandbox stores it."""

    journal: str
    itemid: int
    subject: str
    body: str


class SandboxControl:
    """Client of ``<url>/_sandbox/...`` (faults, entries, stats)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def set_faults(self, rules: Sequence[dict[str, Any]], *, seed: int | str | None = None
                   ) -> None:
        """Replace the fault rules (``[]`` clears them); ``seed`` reseeds the sandbox's dice
        for ``rate`` rules, so a run meets the same faults in the same order of requests."""
        data: dict[str, Any] = {"rules": list(rules)}
        if seed is not None:
            data["seed"] = seed
        r = self._http.post(f"{self.url}/_sandbox/faults", json=data)
        r.raise_for_status()

    def clear_faults(self) -> None:
        self.set_faults([])

    def entries(self, journal: str) -> list[Entry]:
        r = self._http.get(f"{self.url}/_sandbox/entries", params={"journal": journal})
        r.raise_for_status()
        data = r.json()
        rows = data.get("entries", data) if isinstance(data, dict) else data
        out = []
        for row in rows:
            body = row.get("event", row.get("body", row.get("html", "")))
            out.append(Entry(journal=journal, itemid=int(row.get("itemid") or 0),
                             subject=str(row.get("subject", "")), body=str(body)))
        return out

    def stats(self) -> dict[str, Any]:
        r = self._http.get(f"{self.url}/_sandbox/stats")
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def calls(self, method: str = "postevent") -> int:
        """How many ``method`` requests the sandbox has received so far (any outcome)."""
        return method_count(self.stats(), method)


def method_count(stats: dict[str, Any], method: str) -> int:
    """The request count for protocol mode ``method`` in the sandbox's stats snapshot
    (``{"modes": {"postevent": N, ...}, ...}``)."""
    modes = stats.get("modes") or {}
    return int(modes.get(method, 0))


def faults_30(method: str | None = None, *, timeout: float = 1.0) -> list[dict[str, Any]]:
    """Five kinds of failure, 7% each, checked in turn: 1 - 0.93**5 ≈ 30% of requests fail
    (server error, 429 with Retry-After 1, lost before or after the server acted, an answer
    slower than a client ``timeout``)."""
    rules: list[dict[str, Any]] = [
        {"kind": "http500", "rate": 0.07},
        {"kind": "http429", "rate": 0.07, "retry_after": 1},
        {"kind": "drop_before", "rate": 0.07},
        {"kind": "drop_after", "rate": 0.07},
        {"kind": "delay", "rate": 0.07, "delay_ms": int(timeout * 1000) + 1000},
    ]
    for r in rules:
        r["method"] = method or "*"
    return rules


def faults_sure(method: str | None = None, *, timeout: float = 1.0) -> list[dict[str, Any]]:
    """The five kinds of :func:`faults_30`, each firing once for certain among the first
    dozen requests: put them before ``faults_30`` so that a run proves something however
    the dice fall (at 30%, a run of ~25 requests sees no fault at all once in 10**4)."""
    kinds: list[dict[str, Any]] = [
        {"kind": "http500"},
        {"kind": "http429", "retry_after": 1},
        {"kind": "drop_before"},
        {"kind": "drop_after"},
        {"kind": "delay", "delay_ms": int(timeout * 1000) + 1000},
    ]
    return [{**rule, "method": method or "*", "count": 1, "after": 2 * i}
            for i, rule in enumerate(kinds)]


def faults_fired(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Faults the sandbox injected between two ``stats()`` snapshots."""
    return (sum(after.get("faults_injected", {}).values())
            - sum(before.get("faults_injected", {}).values()))


# -- config and environment ----------------------------------------------------------------

def write_config(root: Path, url: str, *, targets: Iterable[str] = tuple(JOURNALS),
                 timeout: float = 2.0, retry_limit: int = 8, dialect: str | None = None,
                 stories_dir: Path | None = None, subject: str = "{title}",
                 settings: dict[str, Any] | None = None) -> Path:
    """Write ``root/config.toml`` for the sandbox account; state lives in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    lines = ["[settings]", f'state_file = "{(root / "state.sqlite3").as_posix()}"',
             f"retry_limit = {retry_limit}"]
    if stories_dir is not None:
        lines.append(f'stories_dir = "{stories_dir.as_posix()}"')
    for key, val in (settings or {}).items():
        lines.append(f"{key} = {_toml(val)}")
    lines += ["", "[accounts.sandbox]", 'site = "sandbox"', 'username = "writer"',
              f'server = "{url}"', f"timeout = {timeout}"]
    if dialect:
        lines.append(f'dialect = "{dialect}"')
    lines += ["", "[defaults]", f"subject = {_toml(subject)}"]
    for name in targets:
        lines += ["", f"[targets.{name}]", 'account = "sandbox"']
        if JOURNALS.get(name):
            lines.append(f'community = "{JOURNALS[name]}"')
    cfg = root / "config.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def _toml(val: Any) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    if isinstance(val, int | float):
        return repr(val)
    if isinstance(val, str):
        return '"' + val.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(val, list | tuple):
        return "[" + ", ".join(_toml(v) for v in val) + "]"
    raise TypeError(val)


#: the sandbox's secrets for `writer`: DW code takes the API key, LJ code the password
SECRETS = {"dw": "sandbox-key", "lj": "sandbox-password"}


def cli_env(root: Path, dialect: str = "dw") -> dict[str, str]:
    """Environment for a client subprocess: the sandbox secret, and every user folder
    (config, data, cache, keyring) inside ``root`` so nothing is written outside it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPOST_")}
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_STATE_HOME": str(home / ".local/state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "CROSSPOST_SECRET_SANDBOX": SECRETS[dialect],
        "PYTHONUNBUFFERED": "1",
    })
    return env


def cli_cmd(cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crosspost", "--config", str(cfg), *args]


def run_cli(cfg: Path, *args: str, env: dict[str, str], timeout: float = 120.0,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``crosspost --config CFG ARGS`` to completion."""
    return subprocess.run(cli_cmd(cfg, *args), env=env, cwd=cwd or cfg.parent, text=True,
                          capture_output=True, timeout=timeout, check=False)


# -- killing at random points --------------------------------------------------------------

@dataclass
class Attempt:
    """One start of the client: killed by us, or exited with ``returncode``."""

    killed: bool
    returncode: int | None
    seconds: float
    stdout: str = ""
    stderr: str = ""


class Killer:
    """Start a command and SIGKILL it at a random point.

    Two ways of choosing the point, picked at random each time:

    - *timed* (share ``timed_share``): after a random delay in ``[0, estimate]``, where
      ``estimate`` follows how long runs that ended by themselves took (so kills land in
      start-up, reconcile or mid-batch);
    - *progress* (the rest): once the sandbox has received a random number (1..``max_steps``)
      of further ``postevent`` requests, plus a tiny random delay — this lands in the middle
      of a batch however fast or slow the machine is.
    """

    def __init__(self, rng: random.Random, *, progress: Callable[[], int] | None = None,
                 estimate: float = 2.0, max_steps: int = 3, timed_share: float = 0.3) -> None:
        self.rng = rng
        self.progress = progress
        self.estimate = estimate
        self.max_steps = max_steps
        self.timed_share = timed_share

    def run(self, cmd: list[str], *, env: dict[str, str], cwd: Path, kill: bool,
            timeout: float = 120.0) -> Attempt:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        killed = False
        try:
            if kill:
                killed = self._kill_later(proc, timeout)
            out, err = proc.communicate(timeout=max(1.0, timeout - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            out, err = proc.communicate()
            raise AssertionError(f"client did not finish in {timeout}s: {cmd}\n{err[-3000:]}"
                                 ) from None
        took = time.monotonic() - start
        if not killed:
            # learn how long a whole run takes, so timed kills stay inside it
            self.estimate = 0.7 * self.estimate + 0.3 * max(took, 0.3)
        return Attempt(killed, None if killed else proc.returncode, took, out, err)

    def _kill_later(self, proc: subprocess.Popen[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if self.progress is not None and self.rng.random() >= self.timed_share:
            try:
                base = self.progress()
            except httpx.HTTPError:
                base = None
            if base is not None:
                goal = base + self.rng.randint(1, self.max_steps)
                while proc.poll() is None and time.monotonic() < deadline:
                    try:
                        if self.progress() >= goal:
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.005)
                time.sleep(self.rng.uniform(0, 0.03))
                return _kill_group(proc)
        delay = self.rng.uniform(0.0, self.estimate * 1.1)
        try:
            proc.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            return _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL the process group; True when the process was still running."""
    if proc.poll() is not None:
        return False
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    proc.wait()
    return True


# -- end-state checks ----------------------------------------------------------------------

@dataclass
class EntryCheck:
    checked: int = 0
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)

    def problems(self) -> str:
        parts = []
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicated: " + "; ".join(self.duplicates[:20]))
        if self.missing:
            parts.append(f"{len(self.missing)} missing: " + "; ".join(self.missing[:20]))
        if self.strays:
            parts.append(f"{len(self.strays)} unexpected: " + "; ".join(self.strays[:20]))
        return "\n".join(parts)


def check_entries(control: SandboxControl, stories: Sequence[StoryFile], targets: Iterable[str],
                  *, tag: str | None = None, suffix: str = "") -> EntryCheck:
    """Every story on every target exactly once (by subject, and by subject+body).

    The expected subject is the title (+ ``suffix``, when the config's subject template adds
    one), cut to 100 characters as LJ stores long subjects. Entries whose subject does not
    contain ``tag`` (when given) belong to other runs and are ignored; an entry carrying the
    tag but no known subject is reported as unexpected.
    """
    res = EntryCheck()
    titles = {expected_subject(s.title, suffix) for s in stories}
    for target in targets:
        journal = journal_name(target)
        entries = [replace(e, subject=e.subject.strip()) for e in control.entries(journal)
                   if tag is None or tag in e.subject]
        by_subject = Counter(e.subject for e in entries)
        by_content = Counter((e.subject, _norm_body(e.body)) for e in entries)
        res.checked += len(entries)
        for (subject, _), n in by_content.items():
            if n > 1:
                res.duplicates.append(f"{journal}: {subject!r} ×{n} (same body)")
        for subject, n in by_subject.items():
            if n > 1 and all(c == 1 for (s, _), c in by_content.items() if s == subject):
                res.duplicates.append(f"{journal}: {subject!r} ×{n} (different bodies)")
            if subject not in titles:
                res.strays.append(f"{journal}: {subject!r}")
        for title in sorted(titles - set(by_subject)):
            res.missing.append(f"{journal}: {title!r}")
    return res


def expected_subject(title: str, suffix: str = "") -> str:
    """The subject an entry for ``title`` carries: ``title + suffix``, cut to 100 chars."""
    return (title + suffix)[:100].strip()


def _norm_body(body: str) -> str:
    return hashlib.sha256(body.replace("\r", "").strip().encode()).hexdigest()


@dataclass
class FileCheck:
    checked: int = 0
    lost: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    inbox: list[str] = field(default_factory=list)
    where: Counter[str] = field(default_factory=Counter)

    def problems(self, *, inbox_empty: bool = False) -> str:
        parts = []
        if self.lost:
            parts.append(f"{len(self.lost)} lost or altered: " + "; ".join(self.lost[:20]))
        if self.copies:
            parts.append(f"{len(self.copies)} with extra copies: " + "; ".join(self.copies[:20]))
        if inbox_empty and self.inbox:
            parts.append(f"{len(self.inbox)} still in the inbox: " + "; ".join(self.inbox[:20]))
        return "\n".join(parts)


def check_files(folder: Path, stories: Sequence[StoryFile]) -> FileCheck:
    """Every story's exact bytes exist somewhere under ``folder`` (the folder itself,
    posted/, failed/ …). ``where`` counts the sub-folder ("." = the inbox) of each copy;
    ``inbox`` lists stories with a copy still at the top level; ``copies`` those found more
    than once."""
    res = FileCheck()
    found: dict[str, list[Path]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), []).append(path)
    wanted = Counter(hashlib.sha256(s.data).hexdigest() for s in stories)
    for story in stories:
        res.checked += 1
        digest = hashlib.sha256(story.data).hexdigest()
        paths = found.get(digest, [])
        if not paths:
            res.lost.append(story.name)
            continue
        rels = [p.relative_to(folder) for p in paths]
        if len(paths) > wanted[digest]:
            res.copies.append(f"{story.name}: " + ", ".join(map(str, rels)))
        for rel in rels:
            res.where[rel.parts[0] if len(rel.parts) > 1 else "."] += 1
        if any(len(rel.parts) == 1 for rel in rels):
            res.inbox.append(story.name)
    return res


def registry_actions(state_file: Path) -> Counter[str]:
    """How often each action appears in the registry's history (read-only): shows that the
    interesting paths ran (``adopted`` = found on the site after an interrupted attempt)."""
    if not state_file.exists():
        return Counter()
    db = sqlite3.connect(f"file:{state_file}?mode=ro", uri=True, timeout=10)
    try:
        return Counter({str(a): int(n) for a, n in
                        db.execute("SELECT action, COUNT(*) FROM events GROUP BY action")})
    except sqlite3.Error:
        return Counter()
    finally:
        db.close()


def drop_files(folder: Path, stories: Iterable[StoryFile]) -> list[Path]:
    """Write story files the way an editor saves: to a temporary name, then rename."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for s in stories:
        tmp = folder / f".{s.name}.part"
        tmp.write_bytes(s.data)
        os.replace(tmp, folder / s.name)
        out.append(folder / s.name)
    return out


# -- counts --------------------------------------------------------------------------------

@dataclass
class Tally:
    """Counts printed at the end of a harness run."""

    name: str
    runs: int = 0
    kills: int = 0
    starts: int = 0
    entries: int = 0
    duplicates: int = 0
    missing: int = 0
    files: int = 0
    lost: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def add_check(self, entries: EntryCheck, files: FileCheck | None = None) -> None:
        self.entries += entries.checked
        self.duplicates += len(entries.duplicates)
        self.missing += len(entries.missing)
        if files is not None:
            self.files += files.checked
            self.lost += len(files.lost)

    def line(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.extra.items())
        return (f"[{self.name}] runs={self.runs} starts={self.starts} kills={self.kills} "
                f"entries checked={self.entries} duplicates={self.duplicates} "
                f"missing={self.missing} files checked={self.files} lost={self.lost}{extra}")


def emit(config: Any, line: str) -> None:
    """Print ``line`` so it shows in CI logs even when pytest captures output (capture is
    suspended around the write, like ``capsys.disabled()``)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter") if config else None
    capman = config.pluginmanager.get_plugin("capturemanager") if config else None
    if reporter is None:
        out = sys.__stdout__ or sys.stdout
        out.write(line + "\n")
        out.flush()
        return
    ctx = capman.global_and_fixture_disabled() if capman is not None else nullcontext()
    with ctx:
        reporter.write("\n")
        reporter.write_line(line)
