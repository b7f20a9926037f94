"""429s met while posting 50 entries under a 30-requests-per-minute budget (target: 0).

To keep the run short, time is scaled 10×: the sandbox's limiter allows 30 requests per 6 s
(anonymous and per-user buckets alike) and crosspost's account budget is 30 requests per
6.1 s (its pacing window, normally 61 s, scaled the same way; the account's
``requests_per_minute`` stays 30). The naive baseline posts the same entries against a fresh
sandbox with the same limiter, counting the 429s it meets (a naive client gives up on them).
"""

from __future__ import annotations

import time

from .baseline import post_all, split_story
from .corpus import write_corpus
from .harness import Context, InProcess, Sandbox, require, write_config
from .report import Row, secs

BUDGET = 30
WINDOW = 6.0  # seconds; 60 s scaled by 1/10


def _limited(ctx: Context, budget: int, window: float) -> Sandbox:
    return Sandbox(ctx, rate_limit=True, rate_anon_per_min=budget, rate_user_per_min=budget,
                   rate_window=window)


def run(ctx: Context) -> list[Row]:
    client = require("crosspost_adapters.lj.client", "the LJ adapter", "PACING_PERIOD")
    count = ctx.size(50, 8)
    budget = ctx.size(BUDGET, 4)
    window = ctx.size(WINDOW, 1.0)
    InProcess.preload()
    work = ctx.scratch("pacing")
    mine = write_corpus(work / "crosspost", count, words=300, formats=("text",))
    theirs = write_corpus(work / "baseline", count, words=300, formats=("text",), start=count)
    saved = client.PACING_PERIOD
    client.PACING_PERIOD = window * 61.0 / 60.0  # the adapter's window, scaled like the server's
    try:
        with _limited(ctx, budget, window) as sb:
            if sb.skipped:
                return [Row.missing(f"429s met posting {count} entries under a budget",
                                    f"the sandbox has no {', '.join(sb.skipped)} option")]
            cfg = write_config(work, sb.url, account={"requests_per_minute": budget})
            with InProcess(cfg) as cp:
                start = time.perf_counter()
                for path in mine:
                    cp.publish(path, ["journal"])
                took = time.perf_counter() - start
            got = sb.stats()
    finally:
        client.PACING_PERIOD = saved
    with _limited(ctx, budget, window) as sb:
        base = post_all(sb.url, [(*split_story(p.read_bytes()), None) for p in theirs])
    scale = f"{budget} requests / {window:g} s (= {budget}/min scaled {60 / window:g}×)"
    floor = max(0.0, (count - budget) / budget * window)  # the budget's own minimum
    return [Row(f"429s met posting {count} entries under a {budget}/min budget",
                f"{int(got['http_429'])} (all {count} posted in {secs(took)})",
                f"{base.http_429} ({base.posted} of {count} posted in {secs(base.seconds)})",
                "target 0",
                f"scaled: {scale}; a leaky bucket of that size admits {count} "
                f"single-request posts in ≥ {secs(floor)}")]

