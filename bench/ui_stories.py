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


def _timed(client: object, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(path)  # type: ignore[attr-defined]
        took = time.perf_counter() - start
        if r.status_code != 200:
            raise NotMeasured(f"{path} answered {r.status_code}")
        times.append(took)
    return median(times)


def run(ctx: Context) -> list[Row]:
    try:
        import httpx

        from crosspost.config import load_config
        from crosspost.ui.server import UiServer
    except ImportError as exc:
        raise NotMeasured(f"the dashboard's libraries are not installed ({exc.name})") from None
    sizes = ctx.size([100, 1_000, 10_000], [100, 1_000])
    repeat = ctx.size(25, 5)
    rows: list[Row] = []
    first: float | None = None
    for n in sizes:
        folder = ctx.scratch(f"ui-{n}")
        cfg = write_config(folder, "http://127.0.0.1:9", targets={t: None for t in TARGETS},
                           settings={"stories_dir": str(folder / "stories")})
        _fill(folder / "state.sqlite3", n)
        config = load_config(cfg)
        server = UiServer(config, folder / "stories").start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=30) as c:
                c.get(server.url)  # the token → the session cookie
                page = c.get("/stories")
                shown = page.text.count('href="/story?id=')
                _timed(c, "/stories", 2)  # warm: templates compiled, pages cached
                took = _timed(c, "/stories", repeat)
                floor = _timed(c, "/live", repeat)
                deep = _timed(c, f"/stories?page={max(1, n // 50)}", max(3, repeat // 5))
                search = _timed(c, "/stories?q=story+7", max(3, repeat // 5))
        finally:
            server.stop()
        first = took if first is None else first
        rows.append(Row(
            f"dashboard stories page, {n:,} stories", ms(took), f"{ms(floor)} (/live)",
            f"{ratio(took, first)} the 100-story time" if n != sizes[0] else "—",
            f"{shown} stories shown, 3 targets each; median of {repeat} over HTTP; last page "
            f"{ms(deep)}; a search over every title {ms(search)}"))
    return rows
