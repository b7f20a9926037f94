"""Claims: the intent is committed before the remote call, and two runs sharing one state
file never both get to send the same delivery."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosspost.delivery.plan import Decision, decide_publish
from crosspost.errors import StateError
from crosspost.state.lock import owner_token
from crosspost.state.registry import Delivery, Intent, Registry


def publish_decider(content_hash: str = "h1") -> Callable[[Delivery | None, bool], Decision]:
    def decide(row: Delivery | None, live: bool) -> Decision:
        return decide_publish(row, content_hash=content_hash, now=datetime.now(UTC), live=live)
    return decide


def intent(owner: str) -> Intent:
    return Intent(owner, 600.0, payload='{"x": 1}', fingerprint="fp", subject="S",
                  content_hash="h1")


def test_intent_is_committed_and_visible_to_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Registry(path) as a, Registry(path) as b:
        claim = a.claim(publish_decider(), intent(owner_token()), identity="id:s",
                        target="journal")
        assert claim.decision.action == "post"
        seen = b.latest("id:s", "journal")
        assert seen is not None
        assert (seen.status, seen.subject, seen.fingerprint, seen.attempts) == (
            "pending", "S", "fp", 1)
        assert seen.intent_at is not None and seen.lease_until is not None
        assert b.is_live(seen)


def test_second_claimant_is_told_it_is_in_progress(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Registry(path) as a, Registry(path) as b:
        a.claim(publish_decider(), intent(owner_token()), identity="id:s", target="t")
        claim = b.claim(publish_decider(), intent(owner_token()), identity="id:s", target="t")
        assert claim.decision.action == "busy"
        assert "another crosspost run is sending it" in claim.decision.reason


def test_racing_threads_on_separate_connections_claim_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    regs = [Registry(path) for _ in range(8)]
    results: list[str] = []
    barrier = threading.Barrier(len(regs))

    def run(reg: Registry) -> None:
        barrier.wait()
        results.append(reg.claim(publish_decider(), intent(owner_token()),
                                 identity="id:s", target="t").decision.action)

    threads = [threading.Thread(target=run, args=(r,)) for r in regs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in regs:
        r.close()
    assert sorted(results) == ["busy"] * 7 + ["post"]


def test_racing_processes_claim_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Registry(path).close()
    # Each process says "ready" once imported, claims on "go" (sent to all at once), and
    # holds its claim (stays alive) until its stdin closes: the winner is surely alive while
    # the others claim, however slowly the processes start on a loaded machine.
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from crosspost.state.registry import Registry, Intent\n"
        "from crosspost.state.lock import owner_token\n"
        "from crosspost.delivery.plan import Decision, decide_publish\n"
        "reg = Registry(sys.argv[1])\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "c = reg.claim(lambda r, live: decide_publish(r, content_hash='h', "
        "now=datetime.now(UTC), live=live), Intent(owner_token()), identity='id:s', target='t')\n"
        "print(c.decision.action, flush=True)\n"
        "sys.stdin.read()\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = sorted(p.stdout.readline().strip() for p in procs if p.stdout is not None)
    finally:
        for p in procs:
            if p.stdin is not None:
                p.stdin.close()
        for p in procs:
            p.wait(timeout=60)
            if p.stdout is not None:
                p.stdout.close()
    assert outs == ["busy", "busy", "busy", "post"]


def test_claim_of_a_dead_process_is_not_live(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(proc.stdout)
    host = owner_token().split(":")[0]
    with Registry(tmp_path / "s.db") as reg:
        reg.claim(publish_decider(), intent(f"{host}:{dead_pid}:deadbeef"), identity="id:s",
                  target="t")
        row = reg.latest("id:s", "t")
        assert row is not None and row.status == "pending"
        assert not reg.is_live(row)
        claim = reg.claim(publish_decider(), intent(owner_token()), identity="id:s",
                          target="t")
        assert claim.decision.action == "reconcile"
        assert claim.row is not None and claim.row.status == "pending"
        assert claim.row.intent_at == row.intent_at  # reconcile keeps the intent time


def test_finish_refuses_a_claim_taken_over_by_another_run(tmp_path: Path) -> None:
    with Registry(tmp_path / "s.db") as reg:
        mine = owner_token()
        claim = reg.claim(publish_decider(), intent(mine), identity="id:s", target="t")
        assert claim.row is not None
        with pytest.raises(StateError):
            reg.finish(claim.row.id, "posted", owner=owner_token(), itemid=1, anum=2, url="u")
        done = reg.finish(claim.row.id, "posted", owner=mine, itemid=1, anum=2, url="http://u/1")
        assert (done.status, done.itemid, done.anum, done.url, done.owner) == (
            "posted", 1, 2, "http://u/1", None)
        assert done.payload is None and done.attempts == 0


def test_again_adds_a_copy_and_history_lists_every_action(tmp_path: Path) -> None:
    with Registry(tmp_path / "s.db") as reg:
        me = owner_token()
        first = reg.claim(publish_decider(), intent(me), identity="id:s", target="t").row
        assert first is not None
        reg.finish(first.id, "posted", owner=me, itemid=1, anum=0, url="http://u/1")

        def again(row: Delivery | None, live: bool) -> Decision:
            return decide_publish(row, content_hash="h1", now=datetime.now(UTC), live=live,
                                  again=True)

        second = reg.claim(again, intent(me), identity="id:s", target="t").row
        assert second is not None and second.copy == 1 and second.id != first.id
        reg.finish(second.id, "posted", owner=me, itemid=2, anum=0, url="http://u/2")
        assert [r.copy for r in reg.deliveries("id:s")] == [0, 1]
        latest = reg.latest("id:s", "t")
        assert latest is not None and latest.url == "http://u/2"
        hist = reg.history("id:s")
        assert [e.action for e in hist] == ["intent: post", "posted", "intent: post", "posted"]
        assert [e.url for e in hist if e.action == "posted"] == ["http://u/1", "http://u/2"]


def test_claim_naming_our_pid_but_not_our_token_is_dead(tmp_path: Path) -> None:
    import os

    from crosspost.state.lock import owner_alive
    host = owner_token().split(":")[0]
    stranger = f"{host}:{os.getpid()}:0ld0wner"
    assert owner_alive(stranger) is False
    assert owner_alive(owner_token()) is True
    assert owner_alive("elsewhere.example:1:abc") is None
