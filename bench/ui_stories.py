"""The dashboard's stories page against the number of stories in the registry.

For 100, 1,000 and 10,000 stories (each posted to 3 targets, with history), the real
dashboard server (``crosspost.ui``) on 127.0.0.1 is asked for the first page of stories
(50 shown) over HTTP with a logged-in client; the median of several requests is reported.
Baseline: the same server's ``/live`` answer (session check, one tiny query), in the same
run. The page is paged in SQL, so its time must not grow with the registry's size; a search
(which must look at every title) is shown in the notes for comparison.

    python -m bench --only ui
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from .harness import Context, NotMeasured, write_config
from .report import Row, median, ms, ratio

TARGETS = ("journal", "fluffy", "den")


def _fill(state: Path, n: int) -> None:
    """``n`` posted stories, written straight into the registry's tables in one transaction
    (as many `crosspost post` runs would have left them)."""
    from crosspost.state.registry import Registry

    Registry(state).close()  # the schema
    stamp = "2026-11-01T09:00:00.000000Z"
    db = sqlite3.connect(state)
    with db:
        db.executemany("INSERT INTO stories(identity, title, path, content_hash, updated_at)"
                       " VALUES (?,?,?,?,?)",
                       [(f"id:b{i:05d}", f"Bench story {i}", f"/stories/b{i}.txt", f"h{i}",
                         stamp) for i in range(n)])
        db.executemany(
            "INSERT INTO deliveries(identity, target, copy, status, op, itemid, anum, url,"
            " created_at, updated_at, account, journal) VALUES (?,?,0,'posted','post',?,1,?,"
            "?,?,'sandbox','')",
            [(f"id:b{i:05d}", t, i, f"https://example.invalid/{t}/{i}.html", stamp, stamp)
             for i in range(n) for t in TARGETS])
        db.executemany("INSERT INTO events(delivery_id, identity, target, action, detail,"
                       " url, at) VALUES (NULL, ?, ?, 'posted', '', '', ?)",
                       [(f"id:b{i:05d}", t, stamp) for i in range(n) for t in TARGETS])
    db.close()


def _get(client: Any, path: str) -> float:
    start = time.perf_counter()
    r = client.get(path)
    took = time.perf_counter() - start
    if r.status_code != 200:
        raise NotMeasured(f"{path} answered {r.status_code}")
    return took


def run(ctx: Context) -> list[Row]:
    try:
        import httpx

        from crosspost.config import load_config
        from crosspost.ui.server import UiServer
    except ImportError as exc:
        raise NotMeasured(f"the dashboard's libraries are not installed ({exc.name})") from None
    sizes = ctx.size([100, 1_000, 10_000], [100, 1_000])
    repeat = ctx.size(60, 5)
    servers, clients = [], []
    try:
        for n in sizes:
            folder = ctx.scratch(f"ui-{n}")
            cfg = write_config(folder, "http://127.0.0.1:9",
                               targets={t: None for t in TARGETS},
                               settings={"stories_dir": str(folder / "stories")})
            _fill(folder / "state.sqlite3", n)
            server = UiServer(load_config(cfg), folder / "stories").start()
            servers.append(server)
            client = httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30)
            clients.append(client)
            client.get(server.url)  # the token → the session cookie
            for _ in range(5):  # warm: templates compiled, the file's pages cached
                _get(client, "/stories")
        # interleaved, so a change in the machine's load hits every size alike
        times: dict[str, list[list[float]]] = {k: [[] for _ in sizes] for k in
                                               ("page", "live", "last", "search")}
        for i in range(repeat):
            for j, (n, c) in enumerate(zip(sizes, clients, strict=True)):
                times["page"][j].append(_get(c, "/stories"))
                times["live"][j].append(_get(c, "/live"))
                if i % 5 == 0:
                    times["last"][j].append(_get(c, f"/stories?page={max(1, n // 50)}"))
                    times["search"][j].append(_get(c, "/stories?q=story+7"))
        shown = clients[-1].get("/stories").text.count('href="/story?id=')
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
    rows: list[Row] = []
    first = median(times["page"][0])
    for j, n in enumerate(sizes):
        took = median(times["page"][j])
        rows.append(Row(
            f"dashboard stories page, {n:,} stories", ms(took),
            f"{ms(median(times['live'][j]))} (/live)",
            f"{ratio(took, first)} the {sizes[0]}-story time" if j else "—",
            f"{shown} stories shown, 3 targets each; median of {repeat} over HTTP, sizes "
            f"interleaved; last page {ms(median(times['last'][j]))}; a search over every "
            f"title {ms(median(times['search'][j]))}"))
    return rows
