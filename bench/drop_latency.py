"""Drop → posted latency: a story file written into the watched folder of a running
``crosspost watch`` (a real subprocess) until the sandbox holds the entry.

Files are dropped one at a time (open, write, close: the close-after-write is what the
daemon waits for); the clock starts when ``close()`` returns and stops when the daemon's
registry records the delivery as posted, which it does as soon as the sandbox has answered
(polled every 2 ms, read-only; a poll over the sandbox's control API would cost the machine
more than it measures). At the end the sandbox must hold every entry.

Drops are spaced ``GAP`` seconds apart, as a writer saving stories one by one would; more
follow back to back (each dropped as soon as the previous one is posted, right after the
daemon moved it to ``posted/``): their p50 is compared with the lone drops' p50 of the same
run (the second row). The first drop after the daemon started is in the notes.

Baseline in the same run: one post by the naive client on the same server (the network's
share of any post), the median of as many posts.
"""

from __future__ import annotations

import time

from .baseline import BaselineClient, split_story
from .corpus import make_story
from .daemon_proc import DaemonProc
from .harness import Context, NotMeasured, Sandbox, require, write_config
from .report import Row, median, ms, percentile

POLL = 0.002
GAP = 0.7


def run(ctx: Context) -> list[Row]:
    require("crosspost.daemon.runner", "the daemon", "run_daemon")
    registry = require("crosspost.state.registry", "the registry", "Registry")
    count = ctx.size(25, 2)
    rapid = ctx.size(9, 1)
    work = ctx.scratch("drop")
    folder = work / "stories"
    folder.mkdir()
    stories = [make_story(i, "text", words=ctx.size(1500, 300))
               for i in range(2 * count + rapid)]
    latencies: list[float] = []
    back_to_back: list[float] = []
    noticed: list[float] = []  # write → the daemon's "picked up" log line
    with Sandbox(ctx, latency_ms=ctx.latency_ms) as sb:
        cfg = write_config(work, sb.url, settings={"stories_dir": str(folder)})
        with DaemonProc(ctx, cfg) as d, registry.Registry(work / "state.sqlite3") as reg:
            d.wait_event("scan", timeout=60)
            for n, story in enumerate(stories[:count + rapid], 1):
                if n <= count:
                    time.sleep(GAP)
                seen = len(d.events)
                with open(folder / story.name, "wb") as fh:
                    fh.write(story.data)
                dropped, dropped_mono = time.perf_counter(), time.monotonic()
                deadline = dropped + 30
                while len(reg.deliveries(statuses=("posted",))) < n:
                    if time.perf_counter() > deadline:
                        raise NotMeasured(f"{story.name} was not posted within 30 s")
                    time.sleep(POLL)
                (latencies if n <= count else back_to_back).append(
                    time.perf_counter() - dropped)
                noticed.append(d.wait_event("picked_up", 10, seen)[0] - dropped_mono)
        held = len(sb.control("entries?journal=writer"))
        if held != count + rapid:
            raise NotMeasured(f"the sandbox holds {held} entries after {count + rapid} drops")
        client = BaselineClient(sb.url)
        direct = []
        for story in stories[count + rapid:]:
            subject, html = split_story(story.data)
            start = time.perf_counter()
            client.post(subject, html)
            direct.append(time.perf_counter() - start)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    base = median(direct)
    rapid50 = percentile(back_to_back, 50)
    return [Row("drop→posted latency p50 / p99", f"{ms(p50)} / {ms(p99)}",
                f"{ms(base)} (one naive post)", f"p50 = {p50 / base:.1f}× one post",
                f"{count} drops {GAP:g} s apart, real daemon subprocess, {ctx.latency_ms:g} ms "
                f"injected latency; picked up after median {ms(median(noticed[:count]))}; first "
                f"drop after start {ms(latencies[0])}"),
            Row("back-to-back drop→posted p50", ms(rapid50), f"{ms(p50)} (a lone drop, p50)",
                f"{rapid50 / p50:.2f}× a lone drop",
                f"{rapid} drops, each as soon as the previous one was posted and moved to "
                f"posted/; picked up after median {ms(median(noticed[count:]))}")]
