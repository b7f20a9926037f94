"""Cold start: ``crosspost --help``, ``preview`` and ``post`` against ``python -c pass``.

Each command runs several times, interleaved with the baseline so drifts in machine load hit
both; the median wall time is reported. The slowest imports of each command (from
``python -X importtime``) go into the notes, to show where start-up time goes.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .corpus import make_story
from .harness import Context, NotMeasured, Sandbox, child_env, write_config
from .report import Row, median, ms, ratio


def _time(name: str, cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise NotMeasured(f"`{name}` exited {proc.returncode}: {tail[:120]}")
    return took


def _imports(python: str, args: list[str], env: dict[str, str], cwd: Path
             ) -> list[tuple[int, str]]:
    """(cumulative µs, module) for each import ``python -X importtime ARGS`` reports."""
    proc = subprocess.run([python, "-X", "importtime", *args], env=env, cwd=cwd,
                          capture_output=True, text=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return rows


def slowest_imports(python: str, args: list[str], env: dict[str, str], cwd: Path,
                    top: int = 4) -> str:
    """The ``top`` slowest third-party/stdlib imports (cumulative) that ``python ARGS`` adds
    to a bare interpreter's, naming a package rather than its submodules."""
    bare = {name for _, name in _imports(python, ["-c", "pass"], env, cwd)}
    rows = _imports(python, args, env, cwd)
    picked: list[str] = []
    for _, name in sorted(rows, reverse=True):
        if name in bare or name.split(".")[0] in ("crosspost", "crosspost_adapters") or any(
                name.startswith(p + ".") for p in picked):
            continue
        picked.append(name)
        if len(picked) == top:
            break
    took = {n: us for us, n in rows}
    return ", ".join(f"{n} {took[n] / 1000:.0f} ms" for n in picked)


POST = "cold start: crosspost post (one story)"


def run(ctx: Context) -> list[Row]:
    runs = ctx.size(15, 2)
    with Sandbox(ctx) as sb:  # no injected latency: start-up cost, not the network's
        return _run(ctx, runs, sb.url)


def _run(ctx: Context, runs: int, url: str) -> list[Row]:
    work = ctx.scratch("coldstart")
    env = child_env(work)
    py = ctx.python
    stories = []
    for i in range(runs + 2):  # `post` needs a new story each time (or it only skips)
        stories.append(work / f"cold-{i}.txt")
        stories[-1].write_bytes(make_story(i, "text", words=800).data)
    cfg = write_config(work, url)
    cli = ["-m", "crosspost", "--config", str(cfg)]
    measured: dict[str, Callable[[int], list[str]]] = {
        "cold start: crosspost --help": lambda i: ["-m", "crosspost", "--help"],
        "cold start: crosspost preview": lambda i: [*cli, "preview", str(stories[0])],
        POST: lambda i: [*cli, "post", str(stories[i])],
    }
    commands: dict[str, Callable[[int], list[str]]] = {
        "python -c pass": lambda i: ["-c", "pass"], **measured}
    # the user's path is the console script; importtime needs `python -m crosspost`
    exe = str(Path(py).with_name("crosspost"))

    def argv(name: str, i: int) -> list[str]:
        args = commands[name](i)
        return [exe, *args[2:]] if args[:2] == ["-m", "crosspost"] else [py, *args]

    times: dict[str, list[float]] = {k: [] for k in commands}
    broken: dict[str, str] = {}
    for name in commands:  # warm the page cache once
        try:
            _time(name, argv(name, 0), env, work)
        except NotMeasured as exc:
            broken[name] = str(exc)
    if "python -c pass" in broken:
        raise NotMeasured(broken["python -c pass"])
    for i in range(1, runs + 1):  # interleaved, so load drift hits every command alike
        for name in commands:
            if name not in broken:
                times[name].append(_time(name, argv(name, i), env, work))
    base = median(times["python -c pass"])
    rows = []
    for label, args in measured.items():
        if label in broken:
            rows.append(Row.missing(label, broken[label].removeprefix("`" + label + "` ")))
            continue
        took = median(times[label])
        heavy = "not looked at in --quick" if ctx.quick else slowest_imports(
            py, args(runs + 1), env, work)
        extra = "; 3 requests to the local sandbox" if label == POST else ""
        rows.append(Row(label, ms(took), f"{ms(base)} (python -c pass)", ratio(took, base),
                        f"median of {runs}{extra}; slowest imports: {heavy or 'none'}"))
    return rows
