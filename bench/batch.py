"""HTTP requests per post and wall time for a 20-post batch: crosspost vs the naive client.

Both post the same number of generated stories to the account's own journal on the same
sandbox, one after the other in the same run. The sandbox's own stats count the requests and
the TCP connections each side used. crosspost's side is the real path: parse, render, record
intent, post, record outcome, for each file.
"""

from __future__ import annotations

import time

from .baseline import post_all, split_story
from .corpus import write_corpus
from .harness import (
    Context,
    InProcess,
    NotMeasured,
    Sandbox,
    connections,
    total_requests,
    write_config,
)
from .report import Row, median, ms, secs, versus


def run(ctx: Context) -> list[Row]:
    count = ctx.size(20, 3)
    words = ctx.size(1500, 300)
    InProcess.preload()
    work = ctx.scratch("batch")
    mine = write_corpus(work / "crosspost", count, words=words, formats=("text",))
    theirs = write_corpus(work / "baseline", count, words=words, formats=("text",),
                          start=count)
    with Sandbox(ctx, latency_ms=ctx.latency_ms) as sb:
        cfg = write_config(work, sb.url)
        sb.reset_stats()
        start = time.perf_counter()
        each = []
        with InProcess(cfg) as cp:  # closing ends the session: part of the batch's cost
            for path in mine:
                t0 = time.perf_counter()
                cp.publish(path, ["journal"])
                each.append(time.perf_counter() - t0)
        took = time.perf_counter() - start
        mine_stats = sb.stats()
        sb.reset_stats()
        base = post_all(sb.url, [(*split_story(p.read_bytes()), None) for p in theirs])
        base_stats = sb.stats()
    if base.failures:
        raise NotMeasured(f"the baseline client failed {len(base.failures)} post(s): "
                          f"{', '.join(base.failures[:3])}")
    req, breq = total_requests(mine_stats) / count, total_requests(base_stats) / count
    conn, bconn = connections(mine_stats), connections(base_stats)
    lat = f"{ctx.latency_ms:g} ms injected latency"
    return [
        Row(f"HTTP requests per post ({count}-post batch)", f"{req:.2f}", f"{breq:.2f}",
            versus(breq, req, "fewer", "more"),
            f"connections opened: {conn} vs {bconn}; {lat}"),
        Row(f"{count}-post batch wall time", secs(took), secs(base.seconds),
            versus(base.seconds, took),
            f"first post {ms(each[0])} (client, secret, session), then median "
            f"{ms(median(each[1:]))}/post (parse, render, registry writes, post); {lat}"),
    ]
