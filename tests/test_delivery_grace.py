"""``publish(..., at=T, grace=G)``: a release time more than the grace period ago is not
posted but held for the user, like a scheduled release the daemon missed (QA Q29, daemon
request 5); within the grace period it is posted at once; without ``grace`` nothing
changes. A held release goes out once rescheduled, or by an explicit post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reliability.harness import SandboxControl
from storyfiles import write_story

from crosspost.config import load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_file

GRACE = timedelta(hours=6)


def count(url: str, title: str) -> int:
    control = SandboxControl(url)
    try:
        return sum(title in e.subject for e in control.entries("writer"))
    finally:
        control.close()


def test_a_release_missed_by_more_than_the_grace_period_is_held_not_posted(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    story = parse_file(write_story(tmp_path, "old", title="Long Missed"))
    missed = datetime.now(UTC) - timedelta(days=3)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [out] = pub.publish(story, ["journal"], at=missed, explicit=False, grace=GRACE)
        assert out.action == "held" and not out.ok
        assert out.release_at == missed and "grace" in out.message
        row = reg.delivery(out.delivery_id)
        assert row is not None and row.status == "held" and row.release_at == missed
        assert [r.id for r in reg.scheduled()] == [row.id]  # `crosspost queue` lists it
        # looked at again (the watcher's rescan): still held, no second row
        [again] = pub.publish(story, ["journal"], at=missed, explicit=False, grace=GRACE)
        assert again.action == "held" and again.delivery_id == row.id
        assert count(sandbox.url, "Long Missed") == 0
        # the user releases it: `crosspost reschedule ID --at now`
        reg.reschedule(row.id, datetime.now(UTC))
        [done] = pub.release_due(datetime.now(UTC))
        assert done.action == "posted"
    assert count(sandbox.url, "Long Missed") == 1


def test_a_release_within_the_grace_period_is_posted_at_once(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    story = parse_file(write_story(tmp_path, "recent", title="Just Missed"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [out] = pub.publish(story, ["journal"], at=datetime.now(UTC) - timedelta(hours=1),
                            explicit=False, grace=GRACE)
        assert out.action == "posted", out


def test_a_held_release_goes_out_when_posted_by_hand(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    story = parse_file(write_story(tmp_path, "hand", title="By Hand"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [held] = pub.publish(story, ["journal"], at=datetime.now(UTC) - timedelta(days=1),
                             explicit=False, grace=GRACE)
        assert held.action == "held"
        [out] = pub.publish(story, ["journal"])  # `crosspost post FILE --now`
        assert out.action == "posted" and out.delivery_id == held.delivery_id
    assert count(sandbox.url, "By Hand") == 1
