"""The pure delivery decisions: post / edit / skip / wait / reconcile / schedule, the error
classification and the backoff."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosspost.delivery.plan import (
    IN_FLIGHT,
    LOGIN_BAN_SECONDS,
    STATUSES,
    backoff,
    classify,
    decide_delete,
    decide_edit,
    decide_publish,
    decide_retry,
    next_attempt,
)
from crosspost.errors import (
    AccessError,
    AuthError,
    EntryGoneError,
    HTTPStatusError,
    LoginBanned,
    ServerFaultError,
    TooLargeError,
    TransportError,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    status: str = "posted"
    op: str = "post"
    content_hash: str = "h1"
    url: str = "http://example.test/1.html"
    itemid: int | None = 1
    next_attempt_at: datetime | None = None


def pub(row: Row | None, **kw: object) -> str:
    args: dict[str, object] = {"content_hash": "h1", "now": NOW, "live": False}
    args.update(kw)
    return decide_publish(row, **args).action  # type: ignore[arg-type]


def test_new_story_is_posted() -> None:
    assert pub(None) == "post"


def test_new_story_with_future_time_is_scheduled() -> None:
    d = decide_publish(None, content_hash="h1", now=NOW, live=False,
                       at=NOW + timedelta(hours=1))
    assert (d.action, d.at) == ("schedule", NOW + timedelta(hours=1))


def test_posted_unchanged_story_is_skipped_with_its_url() -> None:
    d = decide_publish(Row(), content_hash="h1", now=NOW, live=False)
    assert d.action == "skip"
    assert "http://example.test/1.html" in d.reason and "--again" in d.reason


def test_again_posts_a_new_copy() -> None:
    d = decide_publish(Row(), content_hash="h1", now=NOW, live=False, again=True)
    assert (d.action, d.new_copy) == ("post", True)


@pytest.mark.parametrize(("mode", "explicit", "expected"), [
    ("auto", True, "edit"), ("auto", False, "edit"), ("ask", False, "needs_edit"),
    ("ask", True, "needs_edit"), ("off", True, "skip")])
def test_changed_posted_story_follows_edit_mode(mode: str, explicit: bool,
                                               expected: str) -> None:
    assert pub(Row(), content_hash="h2", edit_mode=mode, explicit=explicit) == expected


def test_needs_edit_row_is_edited_when_asked_explicitly() -> None:
    assert pub(Row(status="needs_edit"), content_hash="h2", edit_mode="ask") == "edit"


def test_queued_entry_is_never_sent_again() -> None:
    assert pub(Row(status="queued", itemid=None, url="")) == "skip"
    assert pub(Row(status="queued", itemid=None, url=""), content_hash="h2") == "skip"


@pytest.mark.parametrize("status", ["pending", "editing", "deleting"])
def test_live_claim_is_busy_and_dead_claim_is_reconciled(status: str) -> None:
    assert pub(Row(status=status), live=True) == "busy"
    assert pub(Row(status=status), live=False) == "reconcile"


def test_uncertain_row_is_reconciled_before_anything_else() -> None:
    assert pub(Row(status="uncertain", itemid=None), again=True) == "reconcile"


def test_retry_row_waits_for_its_time_unless_a_person_asks() -> None:
    later = Row(status="retry", itemid=None, next_attempt_at=NOW + timedelta(minutes=5))
    assert pub(later, explicit=False) == "wait"
    assert pub(later, explicit=True) == "post"
    assert pub(replace(later, next_attempt_at=NOW - timedelta(seconds=1)),
               explicit=False) == "post"


def test_failed_row_is_resent_only_when_asked_or_changed() -> None:
    failed = Row(status="failed", itemid=None)
    assert pub(failed, explicit=False) == "skip"
    assert pub(failed, explicit=False, content_hash="h2") == "post"
    assert pub(failed, explicit=True) == "post"


def test_scheduled_row_waits_for_the_daemon_and_posts_when_asked() -> None:
    sched = Row(status="scheduled", itemid=None)
    assert pub(sched, explicit=False) == "wait"
    assert pub(sched, explicit=True) == "post"
    assert pub(sched, at=NOW + timedelta(days=1)) == "schedule"


def test_edit_targets_only_entries_on_the_site() -> None:
    assert decide_edit(Row(), live=False).action == "edit"
    assert decide_edit(Row(status="queued", itemid=None), live=False).action == "skip"
    assert decide_edit(Row(status="gone"), live=False).action == "skip"
    assert decide_edit(Row(status="editing"), live=True).action == "busy"


def test_delete_cancels_schedules_and_skips_what_is_gone() -> None:
    assert decide_delete(Row(), live=False).action == "delete"
    assert decide_delete(Row(status="scheduled", itemid=None), live=False).action == "cancel"
    assert decide_delete(Row(status="deleted"), live=False).action == "skip"
    assert decide_delete(Row(status="uncertain", itemid=None), live=False).action == "reconcile"


def test_retry_only_touches_failed_and_waiting_rows() -> None:
    assert decide_retry(Row(), live=False, now=NOW, force=True).action == "skip"
    assert decide_retry(Row(status="failed", itemid=None), live=False, now=NOW,
                        force=True).action == "post"
    assert decide_retry(Row(status="retry", op="edit"), live=False, now=NOW,
                        force=True).action == "edit"
    assert decide_retry(Row(status="retry", op="delete"), live=False, now=NOW,
                        force=True).action == "delete"
    waiting = Row(status="retry", itemid=None, next_attempt_at=NOW + timedelta(hours=1))
    assert decide_retry(waiting, live=False, now=NOW, force=False).action == "wait"


@pytest.mark.parametrize(("err", "op", "verdict"), [
    (TransportError("refused", maybe_committed=False), "post", "retry"),
    (TransportError("timeout", maybe_committed=True), "post", "uncertain"),
    (TransportError("timeout", maybe_committed=True), "edit", "retry"),
    (HTTPStatusError("busy", status=503), "post", "retry"),
    (HTTPStatusError("slow down", status=429, retry_after=30), "post", "retry"),
    (HTTPStatusError("no", status=404), "post", "failed"),
    (ServerFaultError("x", code=500, server_message="Internal"), "post", "retry"),
    (AccessError("x", code=300, server_message="no access"), "post", "failed"),
    (TooLargeError("x", code=409, server_message="Post too large."), "post", "failed"),
    (EntryGoneError("x", code=302, server_message="gone"), "delete", "gone"),
    (EntryGoneError("x", code=302, server_message="gone"), "edit", "gone"),
    (AuthError("x", code=101, server_message="Invalid password"), "post", "auth"),
    (LoginBanned("x", code=402, server_message="banned"), "post", "auth"),
])
def test_errors_are_classified(err: Exception, op: str, verdict: str) -> None:
    assert classify(err, op) == verdict


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    lows = [backoff(n, base=1.0, cap=60.0, rand=lambda: 0.0) for n in range(1, 10)]
    highs = [backoff(n, base=1.0, cap=60.0, rand=lambda: 1.0) for n in range(1, 10)]
    assert lows[:4] == [0.5, 1.0, 2.0, 4.0]
    assert highs[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(highs) == 60.0


def test_backoff_honours_retry_after() -> None:
    assert backoff(1, 45.0, base=1.0, rand=lambda: 1.0) == 45.0
    assert backoff(10, 1.0, base=1.0, cap=100, rand=lambda: 1.0) == 100.0


def test_login_ban_waits_at_least_the_lockout_period() -> None:
    err = LoginBanned("x", code=402, server_message="banned")
    when = next_attempt(NOW, 1, err, base=0.01, rand=lambda: 0.0)
    assert when - NOW >= timedelta(seconds=LOGIN_BAN_SECONDS)


def test_a_request_may_take_effect_until_its_timeout_and_a_grace() -> None:
    from crosspost.delivery.plan import SETTLE_GRACE, answered_early, settle_seconds
    assert settle_seconds(30.0) == 30.0 + SETTLE_GRACE
    sent = NOW
    assert answered_early(sent, sent + timedelta(seconds=0.2), 30.0)
    assert not answered_early(sent, sent + timedelta(seconds=30.0), 30.0)
    assert not answered_early(None, sent, 30.0)


def test_a_send_within_the_claims_margin_needs_no_new_settle_time() -> None:
    from crosspost.delivery.plan import (
        SEND_MARGIN,
        claim_settle_seconds,
        settle_after_send,
        settle_seconds,
    )
    claimed = NOW + timedelta(seconds=claim_settle_seconds(30.0))  # what the claim records
    soon = NOW + timedelta(seconds=SEND_MARGIN / 2)
    assert settle_after_send(claimed, soon, 30.0) is None  # covered: nothing to write
    assert settle_after_send(claimed, NOW + timedelta(seconds=SEND_MARGIN), 30.0) is None
    late = NOW + timedelta(seconds=SEND_MARGIN + 5)
    assert settle_after_send(claimed, late, 30.0) == late + timedelta(
        seconds=settle_seconds(30.0))  # moved before the request goes out
    assert settle_after_send(None, soon, 30.0) == soon + timedelta(seconds=settle_seconds(30.0))


def test_uncertain_row_waits_for_its_next_look_unless_forced() -> None:
    row = Row(status="uncertain", itemid=None, next_attempt_at=NOW + timedelta(seconds=5))
    assert decide_retry(row, live=False, now=NOW, force=False).action == "wait"
    assert decide_retry(row, live=False, now=NOW, force=True).action == "reconcile"


rows = st.builds(Row, status=st.sampled_from(STATUSES), op=st.sampled_from(["post", "edit",
                                                                           "delete"]),
                 content_hash=st.sampled_from(["h1", "h2"]),
                 itemid=st.one_of(st.none(), st.integers(1, 5)),
                 next_attempt_at=st.one_of(st.none(), st.just(NOW - timedelta(seconds=1)),
                                           st.just(NOW + timedelta(seconds=1))))


@given(row=rows, live=st.booleans(), again=st.booleans(), explicit=st.booleans(),
       mode=st.sampled_from(["auto", "ask", "off"]), content=st.sampled_from(["h1", "h2"]))
def test_nothing_in_flight_uncertain_or_queued_is_ever_posted_again(
        row: Row, live: bool, again: bool, explicit: bool, mode: str, content: str) -> None:
    d = decide_publish(row, content_hash=content, now=NOW, live=live, again=again,
                       edit_mode=mode, explicit=explicit)
    if row.status in IN_FLIGHT or row.status == "uncertain":
        assert d.action in ("busy", "reconcile")
        assert d.action == "busy" or not (row.status in IN_FLIGHT and live)
    if row.status == "queued" and not again:
        assert not d.sends
    if d.action == "post" and row.status in ("posted", "queued", "needs_edit"):
        assert again and d.new_copy


@given(row=rows, live=st.booleans(), force=st.booleans())
def test_retry_never_touches_what_is_done(row: Row, live: bool, force: bool) -> None:
    d = decide_retry(row, live=live, now=NOW, force=force)
    if row.status in ("posted", "queued", "deleted", "gone", "scheduled", "held",
                      "needs_edit", "cancelled"):
        assert d.action == "skip"


def test_a_cancelled_release_is_not_brought_back_by_the_daemon_only_by_a_person() -> None:
    later = NOW + timedelta(hours=2)
    cancelled = Row(status="cancelled", itemid=None)
    assert pub(cancelled, at=later, explicit=False) == "skip"  # the file saved again
    assert pub(cancelled, at=None, explicit=False) == "skip"
    assert pub(cancelled, at=later, explicit=True) == "schedule"  # `crosspost schedule`
