"""Fan-out: one story to 20 communities on a server answering with 50 ms latency.

crosspost publishes a story once with 20 community targets (its engine fans out
concurrently, at most ``PER_SITE`` requests in flight); then, in a second run (a new engine,
as a later ``crosspost post`` would be), the next story to the same 20 communities: that run
finds the session (and any tag lists) the first one kept. Both are compared with the floor
measured on the same sandbox in the same run (:mod:`bench.floor`: one session request plus
``ceil(20 / 4)`` waves of posts) and with the naive baseline posting to the 20 communities
one after the other.
"""

from __future__ import annotations

import time

from .baseline import post_all, split_story
from .corpus import make_story
from .floor import fanout_floor
from .harness import Context, InProcess, NotMeasured, Sandbox, total_requests, write_config
from .report import Row, secs, versus
from .sandbox_host import community_names

LATENCY_MS = 50


def run(ctx: Context) -> list[Row]:
    from crosspost.delivery.pool import PER_SITE

    count = ctx.size(20, 3)
    words = ctx.size(1500, 300)
    InProcess.preload()
    work = ctx.scratch("fanout")
    communities = community_names(count)
    paths = []
    for n in (1, 2):
        story = make_story(n, "text", words=words)
        paths.append(work / story.name)
        paths[-1].write_bytes(story.data)
    with Sandbox(ctx, latency_ms=LATENCY_MS, bench_communities=count) as sb:
        targets = {f"c{i:02d}": name for i, name in enumerate(communities, 1)}
        cfg = write_config(work, sb.url, targets=targets)
        took, requests, modes = [], [], []
        for path in paths:  # the first run, then a later run
            sb.reset_stats()
            start = time.perf_counter()
            with InProcess(cfg) as cp:
                cp.publish(path, list(targets))
            took.append(time.perf_counter() - start)
            stats = sb.stats()
            requests.append(total_requests(stats))
            modes.append(stats["modes"])
        subject, html = split_story(make_story(3, "text", words=words).data)
        floor = fanout_floor(sb.url, [(subject, html, c) for c in communities], PER_SITE)
        sb.reset_stats()
        subject, html = split_story(make_story(4, "text", words=words).data)
        base = post_all(sb.url, [(subject, html, c) for c in communities])
        theirs = total_requests(sb.stats())
    if base.failures:
        raise NotMeasured(f"the baseline client failed {len(base.failures)} post(s): "
                          f"{', '.join(base.failures[:3])}")
    waves = -(-count // PER_SITE)

    def note(i: int) -> str:
        logins = modes[i].get("getchallenge", 0) + modes[i].get("sessiongenerate", 0)
        return (f"{LATENCY_MS} ms server latency, {PER_SITE} in flight; {requests[i]} "
                f"requests ({logins} to log in, {modes[i].get('getusertags', 0)} tag lists); "
                f"floor measured in this run: 1 session request + {waves} waves = "
                f"{secs(floor)}; naive baseline {secs(base.seconds)} ({theirs} requests)")

    return [
        Row(f"fan-out: 1 story → {count} communities", secs(took[0]), secs(floor),
            f"{took[0] / floor:.2f}× the floor ({versus(base.seconds, took[0])} than naive)",
            "first run (logs in: no saved session); " + note(0)),
        Row(f"fan-out: next story → {count} communities (later run)", secs(took[1]),
            secs(floor),
            f"{took[1] / floor:.2f}× the floor ({versus(base.seconds, took[1])} than naive)",
            "a new run reusing the session the first one saved; " + note(1)),
    ]
