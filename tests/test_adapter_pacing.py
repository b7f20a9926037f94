"""The pacer keeps every window of ``period`` seconds at or under the budget."""

from __future__ import annotations

from crosspost_adapters.lj.pacing import Pacer, pacer_for


class VirtualTime:
    """A clock that advances only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _max_in_window(times: list[float], period: float) -> int:
    return max(sum(1 for u in times if t - period < u <= t) for t in times)


def test_burst_under_budget_does_not_wait() -> None:
    vt = VirtualTime()
    pacer = Pacer(5, 60.0, clock=vt.clock, sleep=vt.sleep)
    waits = [pacer.acquire() for _ in range(5)]
    assert waits == [0.0] * 5


def test_request_over_budget_waits_until_oldest_leaves_window() -> None:
    vt = VirtualTime()
    pacer = Pacer(3, 60.0, clock=vt.clock, sleep=vt.sleep)
    for _ in range(3):
        pacer.acquire()
    assert pacer.acquire() == 60.0
    assert vt.now == 1060.0


def test_no_window_ever_holds_more_than_budget() -> None:
    vt = VirtualTime()
    pacer = Pacer(30, 60.0, clock=vt.clock, sleep=vt.sleep)
    sent = []
    for i in range(100):
        pacer.acquire()
        sent.append(vt.now)
        vt.now += 0.3 if i % 7 else 2.0  # work between requests
    assert _max_in_window(sent, 60.0) <= 30
    assert pacer.waited > 0


def test_hold_delays_every_caller_of_the_bucket() -> None:
    vt = VirtualTime()
    pacer = Pacer(None, 60.0, clock=vt.clock, sleep=vt.sleep)
    pacer.hold(12.0)
    assert pacer.acquire() == 12.0
    assert pacer.acquire() == 0.0


def test_fractional_budget_spaces_requests_out() -> None:
    vt = VirtualTime()
    pacer = Pacer(0.5, 60.0, clock=vt.clock, sleep=vt.sleep)
    pacer.acquire()
    assert pacer.acquire() == 120.0


def test_pacers_are_shared_per_server_and_bucket() -> None:
    a = pacer_for("http://x.test/interface/xmlrpc", "anon", 30)
    b = pacer_for("http://x.test/interface/xmlrpc", "anon", 99)
    c = pacer_for("http://x.test/interface/xmlrpc", "user:writer", 100)
    assert a is b
    assert a.budget == 30
    assert c is not a
