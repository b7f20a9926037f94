"""HTTP requests per post and wall time for a 20-post batch: crosspost vs the naive client.

Both post the same number of generated stories to the account's own journal on the same
sandbox, one after the other in the same run. The sandbox's own stats count the requests and
the TCP connections each side used. crosspost's side is the real path: parse, render, record
intent, post, record outcome, for each file.
"""

from __future__ import annotations

import time
from pathlib import Path

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


def _publish_all(cp: InProcess, paths: list[Path]) -> list[float]:
    each = []
    for path in paths:
        t0 = time.perf_counter()
        cp.publish(path, ["journal"])
        each.append(time.perf_counter() - t0)
    return each


def run(ctx: Context) -> list[Row]:
    count = ctx.size(20, 3)
    words = ctx.size(1500, 300)
    InProcess.preload()
    work = ctx.scratch("batch")
    mine = write_corpus(work / "crosspost", count, words=words, formats=("text",))
    later = write_corpus(work / "later", count, words=words, formats=("text",),
                         start=2 * count)
    theirs = write_corpus(work / "baseline", count, words=words, formats=("text",),
                          start=count)
    with Sandbox(ctx, latency_ms=ctx.latency_ms) as sb:
        cfg = write_config(work, sb.url)
        sb.reset_stats()
        start = time.perf_counter()
        with InProcess(cfg) as cp:  # closing is part of the batch's cost
            each = _publish_all(cp, mine)
        took = time.perf_counter() - start
        mine_stats = sb.stats()
        sb.reset_stats()
        with InProcess(cfg) as cp:  # a later run: the session the first one saved
            _publish_all(cp, later)
        later_stats = sb.stats()
        sb.reset_stats()
        base = post_all(sb.url, [(*split_story(p.read_bytes()), None) for p in theirs])
        base_stats = sb.stats()
    if base.failures:
        raise NotMeasured(f"the baseline client failed {len(base.failures)} post(s): "
                          f"{', '.join(base.failures[:3])}")
    req, breq = total_requests(mine_stats) / count, total_requests(base_stats) / count
    lreq = total_requests(later_stats) / count
    conn, bconn = connections(mine_stats), connections(base_stats)
    lat = f"{ctx.latency_ms:g} ms injected latency"
    later_logins = sum(later_stats["modes"].get(m, 0)
                       for m in ("getchallenge", "sessiongenerate"))
    return [
        Row(f"HTTP requests per post ({count}-post batch)", f"{req:.2f}", f"{breq:.2f}",
            versus(breq, req, "fewer", "more"),
            f"first run: {_login_words(mine_stats['modes'])}, the session kept for the next "
            f"run; connections opened: {conn} vs {bconn}; {lat}"),
        Row(f"HTTP requests per post ({count}-post batch, later run)", f"{lreq:.2f}",
            f"{breq:.2f}", versus(breq, lreq, "fewer", "more"),
            f"a second run reusing the session the first one saved: {later_logins} requests "
            f"to log in; {lat}"),
        Row(f"{count}-post batch wall time", secs(took), secs(base.seconds),
            versus(base.seconds, took),
            f"first post {ms(each[0])} (client, secret, session), then median "
            f"{ms(median(each[1:]))}/post (parse, render, registry writes, post); {lat}"),
    ]


def _login_words(modes: dict[str, int]) -> str:
    """"1 request to log in (sessiongenerate)", as the sandbox counted them."""
    parts = {m: modes.get(m, 0) for m in ("getchallenge", "sessiongenerate") if modes.get(m)}
    total = sum(parts.values())
    what = " + ".join(parts) or "none"
    return f"{total} request{'' if total == 1 else 's'} to log in ({what})"
