"""Drop → posted latency: a story file written into the watched folder of a running
``crosspost watch`` (a real subprocess) until the sandbox holds the entry.

Files are dropped one at a time (open, write, close: the close-after-write is what the
daemon waits for); the clock starts when ``close()`` returns and stops when the sandbox's
entry count goes up, polled every few milliseconds over its control API.

Baseline in the same run: one post by the naive client on the same server (the network's
share of any post), the median of as many posts.
"""

from __future__ import annotations

import time

from .baseline import BaselineClient, split_story
from .corpus import make_story
from .daemon_proc import DaemonProc
from .harness import Context, NotMeasured, Sandbox, entry_count, require, write_config
from .report import Row, median, ms, percentile

POLL = 0.002


def run(ctx: Context) -> list[Row]:
    require("crosspost.daemon.runner", "the daemon", "run_daemon")
    count = ctx.size(25, 3)
    work = ctx.scratch("drop")
    folder = work / "stories"
    folder.mkdir()
    stories = [make_story(i, "text", words=ctx.size(1500, 300)) for i in range(2 * count)]
    latencies: list[float] = []
    with Sandbox(ctx, latency_ms=ctx.latency_ms) as sb:
        cfg = write_config(work, sb.url, settings={"stories_dir": str(folder)})
        with DaemonProc(ctx, cfg) as d:
            d.wait_event("scan", timeout=60)
            for story in stories[:count]:
                before = entry_count(sb)
                tmp = folder / story.name
                with open(tmp, "wb") as fh:
                    fh.write(story.data)
                dropped = time.perf_counter()
                deadline = dropped + 30
                while entry_count(sb) <= before:
                    if time.perf_counter() > deadline:
                        raise NotMeasured(f"{story.name} was not posted within 30 s")
                    time.sleep(POLL)
                latencies.append(time.perf_counter() - dropped)
        client = BaselineClient(sb.url)
        direct = []
        for story in stories[count:]:
            subject, html = split_story(story.data)
            start = time.perf_counter()
            client.post(subject, html)
            direct.append(time.perf_counter() - start)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    base = median(direct)
    return [Row("drop→posted latency p50 / p99", f"{ms(p50)} / {ms(p99)}",
                f"{ms(base)} (one naive post)", f"p50 = {p50 / base:.1f}× one post",
                f"{count} drops, one at a time; real daemon subprocess; "
                f"{ctx.latency_ms:g} ms injected latency")]
