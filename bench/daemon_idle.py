"""The daemon's idle cost with 10,000 already-posted stories in the watched folder.

The stories stay in the folder (``posted_dir = ""``), so every start must recognise each of
them. The registry is filled through its own API as a run of the daemon would leave it (a
story row, a posted delivery and a files-table row per file) rather than by posting 10,000
entries. Then ``crosspost watch`` starts as a real subprocess:

- start time: spawn → the log line that ends the start-up scan ("N file(s) already known");
- steady CPU: /proc/<pid>/stat user+system time over an idle window, with rescans every
  ``RESCAN`` seconds (more often than the 30 s default, so the window includes some);
- peak RSS: VmHWM from /proc/<pid>/status at the end.

Baseline in the same run: the same daemon on an empty folder with an empty registry.
"""

from __future__ import annotations

import time
from pathlib import Path

from .corpus import write_corpus
from .daemon_proc import DaemonProc
from .harness import Context, NotMeasured, Sandbox, require, write_config
from .report import Row, median, ms, versus

RESCAN = 5.0
DEFAULT_RESCAN = 30.0


def populate(registry_path: Path, paths: list[Path]) -> None:
    """Record every file as posted, the way the daemon's intake leaves a posted story."""
    parse = require("crosspost.story.parse", "the parser", "parse_file")
    registry = require("crosspost.state.registry", "the registry", "Registry")
    plan = require("crosspost.delivery.plan", "the delivery decisions", "Decision")
    Intent = registry.Intent
    with registry.Registry(registry_path) as reg:
        # a throw-away fixture: skip the fsync of every one of the ~40,000 transactions
        reg._db.execute("PRAGMA synchronous = OFF")
        for n, path in enumerate(paths, 1):
            story = parse.parse_file(path)
            st = path.stat()
            reg.upsert_story(story.identity, title=story.title, path=str(path),
                             content_hash=story.content_hash)
            claim = reg.claim(lambda row, live: plan.Decision("post"),
                              Intent(owner="bench", content_hash=story.content_hash,
                                     subject=story.title),
                              identity=story.identity, target="journal")
            reg.finish(claim.row.id, "posted", itemid=n, anum=n % 256,
                       url=f"https://sandbox.invalid/{n * 256 + n % 256}.html")
            reg.record_file(path, size=st.st_size, mtime_ns=st.st_mtime_ns,
                            raw_sha256=story.raw_sha256, identity=story.identity,
                            state="posted")


def _measure(ctx: Context, folder: Path, url: str, idle: float) -> dict[str, float]:
    """Start the daemon on ``folder``; with ``idle`` > 0 also sample CPU and memory."""
    cfg = write_config(folder.parent, url,
                       settings={"stories_dir": str(folder), "posted_dir": ""})
    with DaemonProc(ctx, cfg, "--rescan", f"{RESCAN:g}") as d:
        ready, rec = d.wait_event("scan", timeout=300)
        out = {"start": ready - d.started, "known": float(rec.get("message", "0").split()[0])}
        if idle > 0:
            time.sleep(0.5)
            cpu0, t0 = d.cpu_seconds(), time.monotonic()
            time.sleep(idle)
            cpu1, t1 = d.cpu_seconds(), time.monotonic()
            out.update(cpu=(cpu1 - cpu0) / (t1 - t0), rss=d.memory_kib("VmHWM") / 1024)
        return out


def run(ctx: Context) -> list[Row]:
    require("crosspost.daemon.runner", "the daemon", "run_daemon")
    if not Path("/proc/self/stat").exists():
        raise NotMeasured("CPU time and peak RSS are read from /proc (Linux only)")
    count = ctx.size(10_000, 200)
    idle = ctx.size(10.0, 0.5)
    rounds = ctx.size(3, 1)
    work = ctx.scratch("daemon")
    empty = work / "empty" / "stories"
    empty.mkdir(parents=True)
    full = work / "full" / "stories"
    t0 = time.perf_counter()
    paths = write_corpus(full, count, words=300, variety=50)
    populate(full.parent / "state.sqlite3", paths)
    ctx.note(f"{count} stories written and registered in {time.perf_counter() - t0:.1f} s")
    with Sandbox(ctx) as sb:
        # starts alternate between the two folders so load drift hits both; the last start
        # of each also samples CPU and memory
        starts: dict[str, list[float]] = {"empty": [], "full": []}
        for _ in range(rounds - 1):
            starts["empty"].append(_measure(ctx, empty, sb.url, 0)["start"])
            starts["full"].append(_measure(ctx, full, sb.url, 0)["start"])
        base = _measure(ctx, empty, sb.url, idle)
        mine = _measure(ctx, full, sb.url, idle)
    base["start"] = median([*starts["empty"], base["start"]])
    mine["start"] = median([*starts["full"], mine["start"]])
    if int(mine["known"]) != count:
        ctx.note(f"the daemon knew {mine['known']:.0f} of {count} files at start")
    label = f"{count:,}"
    return [
        Row(f"daemon start, {label} posted stories", ms(mine["start"]),
            f"{ms(base['start'])} (empty folder)", versus(base["start"], mine["start"]),
            f"spawn → start-up scan done, median of {rounds}; {mine['known']:.0f} files "
            f"recognised without reading them; files left in the folder (posted_dir = \"\"), "
            f"the worst case: the default posted/ subfolder is never scanned"),
        Row("daemon steady CPU while idle", f"{mine['cpu'] * 100:.2f} %",
            f"{base['cpu'] * 100:.2f} % (empty folder)",
            f"≈ {mine['cpu'] * RESCAN / DEFAULT_RESCAN * 100:.2f} % at the default rescan",
            f"{label} stories; {idle:g} s window with a rescan every {RESCAN:g} s: ≈ "
            f"{ms(mine['cpu'] * RESCAN)} CPU per rescan (default: every "
            f"{DEFAULT_RESCAN:g} s)"),
        Row("daemon peak RSS (VmHWM)", f"{mine['rss']:.1f} MiB",
            f"{base['rss']:.1f} MiB (empty folder)",
            f"+{mine['rss'] - base['rss']:.1f} MiB", f"{label} stories"),
    ]
