"""Fan-out: one story to 20 communities on a server answering with 50 ms latency.

crosspost publishes the story once with 20 community targets (its engine fans out
concurrently, bounded per site); the naive baseline posts it to the 20 communities one after
the other. Same sandbox, same run. Reported as wall-time ratio baseline ÷ crosspost.
"""

from __future__ import annotations

import time

from .baseline import post_all, split_story
from .corpus import make_story
from .harness import Context, InProcess, NotMeasured, Sandbox, total_requests, write_config
from .report import Row, secs, versus
from .sandbox_host import community_names

LATENCY_MS = 50


def run(ctx: Context) -> list[Row]:
    count = ctx.size(20, 3)
    InProcess.preload()
    work = ctx.scratch("fanout")
    communities = community_names(count)
    story = make_story(1, "text", words=ctx.size(1500, 300))
    path = work / story.name
    path.write_bytes(story.data)
    with Sandbox(ctx, latency_ms=LATENCY_MS, bench_communities=count) as sb:
        targets = {f"c{i:02d}": name for i, name in enumerate(communities, 1)}
        cfg = write_config(work, sb.url, targets=targets)
        sb.reset_stats()
        start = time.perf_counter()
        with InProcess(cfg) as cp:
            cp.publish(path, list(targets))
        took = time.perf_counter() - start
        mine = total_requests(sb.stats())
        sb.reset_stats()
        subject, html = split_story(make_story(2, "text", words=ctx.size(1500, 300)).data)
        base = post_all(sb.url, [(subject, html, c) for c in communities])
        theirs = total_requests(sb.stats())
    if base.failures:
        raise NotMeasured(f"the baseline client failed {len(base.failures)} post(s): "
                          f"{', '.join(base.failures[:3])}")
    floor = 3 * LATENCY_MS / 1000  # challenge + session, then every post at once
    return [Row(f"fan-out: 1 story → {count} communities", secs(took), secs(base.seconds),
                versus(base.seconds, took),
                f"{LATENCY_MS} ms server latency; {mine} vs {theirs} requests; floor with "
                f"every post at once: 3 round trips = {secs(floor)}")]
