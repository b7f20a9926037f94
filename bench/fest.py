"""A fest: 500 stories released to 10 communities over a simulated month, under Dreamwidth's
request budgets; and a day of hourly releases.

The stories are scheduled up front (``publish(at=...)``, as ``crosspost post --at`` or a
``Release:`` header does), then released by the daemon's own pass,
``Publisher.release_due(now)``, at simulated times: five batches of 100 stories, six days
apart (a fest's reveals), each after a pause that lets the site's budget refill. The
clock is simulated (the release times, and the age of the adapter's session); the HTTP and
the sandbox are real, with DW's limiter on: 100 requests per window per user with a
session, 30 per IP without, the 60 s window scaled down (``WINDOW``) to keep the run
short; crosspost's pacing window is scaled the same way.

Per batch: none released early (``release_due`` a minute before the batch time must release
nothing), every entry posted, the wall time against the floor the budget allows at the
configured concurrency: ``(ceil(R / 100) - 1)`` full windows for ``R`` requests, plus the
last window's requests in waves of ``PER_SITE`` round trips. Memory: this process's peak
RSS (VmHWM) after the first hundred stories and at the end. The day: 24 hourly releases of
one story to the 10 communities, requests per post from the sandbox's counts (the session
is reused between releases and renewed once it is 20 hours old).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .corpus import write_corpus
from .harness import Context, InProcess, NotMeasured, Sandbox, require, total_requests, write_config
from .report import Row, secs
from .sandbox_host import community_names

USER_BUDGET = 100  # DW: requests per 60 s per user with a session cookie (reference §8)
ANON_BUDGET = 30  # DW: requests per 60 s per IP without one
WINDOW = 4.0  # seconds: DW's 60 s scaled 15×


def _hwm_kib() -> int | None:
    """This process's peak resident set (VmHWM), Linux only."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _floor(requests: int, budget: int, window: float, width: int, rtt: float) -> float:
    """The least time ``requests`` take under ``budget`` per ``window`` with ``width`` in
    flight: full windows, then the rest in waves."""
    full = max(0, math.ceil(requests / budget) - 1)
    rest = requests - full * budget
    return full * window + math.ceil(rest / width) * rtt


class _Clock:
    """The simulated wall clock the adapter's session ages by."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at.timestamp()


def run(ctx: Context) -> list[Row]:
    client = require("crosspost_adapters.lj.client", "the LJ adapter", "PACING_PERIOD")
    from crosspost.delivery.pool import PER_SITE

    stories = ctx.size(500, 12)
    count = ctx.size(10, 3)
    batches = ctx.size(5, 3)
    budget = ctx.size(USER_BUDGET, 10)
    anon = ctx.size(ANON_BUDGET, 5)
    window = ctx.size(WINDOW, 1.0)
    rtt = ctx.latency_ms / 1000
    InProcess.preload()
    work = ctx.scratch("fest")
    paths = write_corpus(work / "stories", stories, words=ctx.size(800, 200), formats=("text",))
    day_paths = write_corpus(work / "day", 24, words=200, formats=("text",), start=stories)
    targets = {f"c{i:02d}": name for i, name in enumerate(community_names(count), 1)}
    saved = client.PACING_PERIOD
    client.PACING_PERIOD = window * 61.0 / 60.0  # the adapter's window, scaled like the site's
    try:
        with Sandbox(ctx, latency_ms=ctx.latency_ms, bench_communities=count, rate_limit=True,
                     rate_user_per_min=budget, rate_anon_per_min=anon,
                     rate_window=window) as sb:
            if sb.skipped:
                raise NotMeasured(f"the sandbox has no {', '.join(sb.skipped)} option")
            cfg = write_config(work, sb.url, targets=targets,
                               account={"requests_per_minute": budget})
            month = _month(ctx, sb, cfg, paths, list(targets), batches, (budget, anon),
                           window, PER_SITE, rtt)
            day = _day(sb, cfg, day_paths, list(targets))
    finally:
        client.PACING_PERIOD = saved
    return _rows(month, day, stories, count, batches, budget, window)


def _month(ctx: Context, sb: Sandbox, cfg: Path, paths: list[Path], targets: list[str],
           batches: int, budget: tuple[int, int], window: float, width: int, rtt: float
           ) -> dict[str, Any]:
    budget, anon = budget
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    times = [start + timedelta(days=30 // batches * b, hours=12) for b in range(batches)]
    per = math.ceil(len(paths) / batches)
    out: dict[str, Any] = {"early": 0, "posted": 0, "ratios": [], "took": [], "floors": [],
                           "requests": 0, "posts": 0, "logins": 0, "http_429": 0}
    with InProcess(cfg) as cp:
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            story = cp.parse.parse_file(path)
            cp.publisher.publish(story, targets, at=times[i // per])
        out["schedule_s"] = time.perf_counter() - t0
        clock = _Clock(times[0])
        cp.publisher.pool.adapter("sandbox").client.auth.clock = clock
        released = 0
        hwm_first: int | None = None
        for b, at in enumerate(times):
            time.sleep(window * 61.0 / 60.0)  # days pass: the site's budget refills
            clock.at = at - timedelta(minutes=1)
            out["early"] += len(cp.publisher.release_due(at - timedelta(minutes=1)))
            clock.at = at
            sb.reset_stats()
            t1 = time.perf_counter()
            outcomes = cp.publisher.release_due(at)
            took = time.perf_counter() - t1
            stats = sb.stats()
            posted = sum(o.action == "posted" for o in outcomes)
            out["posted"] += posted
            reqs = total_requests(stats)
            modes = stats["modes"]
            logins = modes.get("getchallenge", 0) + modes.get("sessiongenerate", 0)
            # login calls count against the per-IP budget, the rest against the user's;
            # a login comes first, one round trip after the other
            floor = logins * rtt + max(_floor(reqs - logins, budget, window, width, rtt),
                                       _floor(logins, anon, window, width, rtt))
            out["took"].append(took)
            out["floors"].append(floor)
            out["ratios"].append(took / floor if floor > 0 else float("nan"))
            out["requests"] += reqs
            out["posts"] += posted
            out["logins"] += stats["modes"].get("sessiongenerate", 0)
            out["http_429"] += int(stats["http_429"])
            released += len({o.identity for o in outcomes})
            if hwm_first is None and released >= min(100, len(paths)):
                hwm_first = _hwm_kib()
            ctx.note(f"fest batch {b + 1}: {posted} posts, {reqs} requests in {secs(took)} "
                     f"(budget floor {secs(floor)})")
        out["hwm_first"], out["hwm_end"] = hwm_first, _hwm_kib()
    return out


def _day(sb: Sandbox, cfg: Path, paths: list[Path], targets: list[str]) -> dict[str, Any]:
    """24 hourly releases of one story each, from a fresh start (no saved session)."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=40)
    with InProcess(cfg) as cp:
        for hour, path in enumerate(paths):
            cp.publisher.publish(cp.parse.parse_file(path), targets,
                                 at=start + timedelta(hours=hour))
        clock = _Clock(start)
        adapter = cp.publisher.pool.adapter("sandbox")
        adapter.client.auth.clock = clock
        adapter.client.auth.expire()  # a first start: no session kept from the month
        sb.reset_stats()
        posted = 0
        for hour in range(len(paths)):
            clock.at = start + timedelta(hours=hour)
            posted += sum(o.action == "posted" for o in cp.publisher.release_due(clock.at))
        stats = sb.stats()
    return {"posted": posted, "requests": total_requests(stats),
            "logins": stats["modes"].get("sessiongenerate", 0),
            "http_429": int(stats["http_429"])}


def _rows(m: dict[str, Any], d: dict[str, Any], stories: int, count: int, batches: int,
          budget: int, window: float) -> list[Row]:
    expected = stories * count
    worst = max(m["ratios"])
    scale = (f"{budget} requests / {window:g} s per user (the site's {budget} per 60 s, "
             f"scaled {60 / window:g}×)")
    hwm = ("not measured (no /proc)" if m["hwm_first"] is None or m["hwm_end"] is None else
           f"{m['hwm_end'] / 1024:.1f} MiB at the end vs {m['hwm_first'] / 1024:.1f} MiB after "
           f"the first 100 ({(m['hwm_end'] / m['hwm_first'] - 1) * 100:+.1f}%)")
    return [
        Row(f"fest: {stories} stories → {count} communities over a simulated month",
            f"{m['posted']} of {expected} posted; worst batch {worst:.2f}× its floor",
            "the budget's floor", f"early: {m['early']}; 429s: {m['http_429']}",
            f"{batches} batches {30 // batches} days apart; {scale}; batch times "
            f"{', '.join(secs(t) for t in m['took'])} against floors "
            f"{', '.join(secs(f) for f in m['floors'])}; scheduling {stories} stories took "
            f"{secs(m['schedule_s'])}"),
        Row("fest: requests per post over the month", f"{m['requests'] / max(1, m['posts']):.3f}",
            "1.00 (one request per post)", f"{m['logins']} logins in {len(m['took'])} batches",
            "the session is renewed once it is 20 hours old (simulated), never per release"),
        Row("fest: peak RSS (VmHWM), end vs after 100 stories", hwm, "", "target within 10%",
            "the benchmark process: engine, registry, adapter (the sandbox runs apart)"),
        Row("daemon day: 24 hourly releases → communities, requests per post",
            f"{d['requests'] / max(1, d['posted']):.3f}", "1.00 (one request per post)",
            f"{d['logins']} logins, {d['posted']} posts, 429s: {d['http_429']}",
            "from a fresh start (no saved session): one login, reused by every release, "
            "renewed once at 20 hours"),
    ]
