"""What waits for the disk and what does not: claims made together share one durable
commit (each in its own savepoint), an intent is always durable before its caller goes on,
and only a result the site can tell again (posted, edited, deleted) skips the wait."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crosspost.delivery.plan import Decision
from crosspost.state.registry import Delivery, Intent, Registry


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[Registry]:
    with Registry(tmp_path / "state.sqlite3") as registry:
        yield registry


def traced(reg: Registry) -> list[str]:
    """Every statement the registry's connection runs from now on."""
    seen: list[str] = []
    reg._db.set_trace_callback(seen.append)  # the one connection every write goes through
    return seen


def commits(seen: list[str]) -> list[str]:
    """The synchronous mode each COMMIT ran under ("FULL": waited for the disk)."""
    mode, out = "FULL", []
    for sql in seen:
        if sql.startswith("PRAGMA synchronous"):
            mode = sql.split("=")[1].strip()
        elif sql == "COMMIT":
            out.append(mode)
    return out


def post(row: Delivery | None, live: bool) -> Decision:
    return Decision("post")


def claim_together(reg: Registry, deciders: list[Callable[[Delivery | None, bool], Decision]]
                   ) -> list[object]:
    """Each decider's claim from its own thread, started together; the first decision is
    slow, so the others queue up behind it (as a fan-out's threads do behind an fsync)."""
    results: list[object] = [None] * len(deciders)
    start = threading.Barrier(len(deciders))

    def run(i: int) -> None:
        start.wait()
        if i:
            time.sleep(0.05)  # the first claim is being recorded by now
        try:
            results[i] = reg.claim(deciders[i], Intent(f"owner-{i}"), identity="story:a/tea",
                                   target=f"c{i:02d}")
        except Exception as exc:
            results[i] = exc

    first = deciders[0]

    def slow(row: Delivery | None, live: bool) -> Decision:
        time.sleep(0.3)
        return first(row, live)

    deciders = [slow, *deciders[1:]]
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(deciders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_claims_made_together_share_one_durable_commit(reg: Registry) -> None:
    seen = traced(reg)
    results = claim_together(reg, [post] * 8)
    assert all(getattr(r, "decision", None) == Decision("post") for r in results)
    rows = reg.deliveries("story:a/tea")
    assert sorted(r.target for r in rows) == [f"c{i:02d}" for i in range(8)]
    assert {r.owner for r in rows} == {f"owner-{i}" for i in range(8)}
    assert all(r.status == "pending" and r.intent_at is not None for r in rows)
    assert commits(seen) == ["FULL", "FULL"]  # the first claim, then the seven that waited


def test_a_claim_that_fails_leaves_the_others_of_its_batch_recorded(reg: Registry) -> None:
    def broken(row: Delivery | None, live: bool) -> Decision:
        raise ValueError("a bug in one decision")

    results = claim_together(reg, [post, post, broken, post])
    assert isinstance(results[2], ValueError)
    assert sorted(r.target for r in reg.deliveries("story:a/tea")) == ["c00", "c01", "c03"]


def test_a_posted_result_does_not_wait_for_the_disk_but_the_next_intent_does(
        reg: Registry) -> None:
    seen = traced(reg)
    first = reg.claim(post, Intent("me"), identity="story:a/tea", target="journal").row
    assert first is not None
    reg.finish(first.id, "posted", owner="me", itemid=1, anum=2, url="u1", durable=False)
    second = reg.claim(post, Intent("me"), identity="story:a/tea", target="den").row
    assert second is not None
    assert commits(seen) == ["FULL", "NORMAL", "FULL"]
    assert reg._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    done = reg.delivery(first.id)
    assert done is not None and (done.status, done.url) == ("posted", "u1")


def test_a_failed_quick_commit_still_leaves_later_commits_durable(reg: Registry) -> None:
    row = reg.claim(post, Intent("me"), identity="story:a/tea", target="journal").row
    assert row is not None
    with pytest.raises(Exception, match="taken over"):
        reg.finish(row.id, "posted", owner="someone else", durable=False)
    assert reg._db.execute("PRAGMA synchronous").fetchone()[0] == 2
