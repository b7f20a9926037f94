"""An entry released by the engine is dated at its release time in the journal's zone
(daemon request 1, issue 4): a scheduled release that goes out a little late, and a
publish whose release time has already come, carry that time — not the sending time — in
the account's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ljclient import LJ
from storyfiles import write_story

from crosspost.config import load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_file

ZONE = "Pacific/Auckland"  # far from UTC and from the test machine's zone


def zoned_config(path: Path) -> Path:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[accounts.sandbox]\n",
                                 f'[accounts.sandbox]\ntimezone = "{ZONE}"\n', 1),
                    encoding="utf-8")
    return path


def eventtime(url: str, subject: str, secret: str = "sandbox-key") -> str:
    events = LJ(url, secret=secret).events(howmany=50, lineendings="unix")
    found = [e for e in events if subject in str(e.get("subject", ""))]
    assert len(found) == 1, found
    return str(found[0]["eventtime"])


def wall(at: datetime) -> str:
    """``at`` as the journal shows it: wall-clock minutes in the account's zone."""
    return at.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M")


def test_a_late_release_is_dated_at_its_release_time_in_the_accounts_zone(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(zoned_config(sandbox_config))
    story = parse_file(write_story(tmp_path, "late", title="Slightly Late"))
    release = (datetime.now(UTC) - timedelta(minutes=7)).replace(second=0, microsecond=0)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [sched] = pub.publish(story, ["journal"], at=datetime.now(UTC) + timedelta(hours=1))
        assert sched.action == "scheduled"
        reg.reschedule(sched.delivery_id, release)  # the computer slept through it
        [out] = pub.release_due(datetime.now(UTC))
        assert out.action == "posted", out
    assert eventtime(sandbox.url, "Slightly Late").startswith(wall(release))


def test_publish_at_a_time_already_come_is_dated_at_that_time(
        tmp_path: Path, sandbox: Any, sandbox_config: Path) -> None:
    config = load_config(zoned_config(sandbox_config))
    story = parse_file(write_story(tmp_path, "due", title="Due Already"))
    release = (datetime.now(UTC) - timedelta(minutes=3)).replace(second=0, microsecond=0)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [out] = pub.publish(story, ["journal"], at=release)
        assert out.action == "posted", out
    assert eventtime(sandbox.url, "Due Already").startswith(wall(release))
    # without a release time the entry is dated now, in the same zone
    plain = parse_file(write_story(tmp_path, "plain", title="Plain Now"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        before = datetime.now(UTC)
        [out] = pub.publish(plain, ["journal"])
    stamp = eventtime(sandbox.url, "Plain Now")[:16]
    assert stamp in {wall(before), wall(before + timedelta(minutes=1))}


def test_a_late_release_behind_a_newer_entry_is_dated_now_on_a_back_in_time_site(
        tmp_path: Path, sandbox_factory: Any, sandbox_config_factory: Any) -> None:
    # LJ08-style forks (InsaneJournal) refuse an own-journal entry dated before a newer
    # one (fault 153), before storing anything: the release goes out dated now instead
    server = sandbox_factory("lj", backdate_check=True)
    config = load_config(zoned_config(sandbox_config_factory(
        server, dialect="lj", secret="sandbox-password")))
    first = parse_file(write_story(tmp_path, "first", title="Posted Meanwhile"))
    late = parse_file(write_story(tmp_path, "late", title="Released Late"))
    release = datetime.now(UTC) - timedelta(minutes=20)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        [out] = pub.publish(first, ["journal"])
        assert out.action == "posted", out
        [out] = pub.publish(late, ["journal"], at=release)
        assert out.action == "posted", out
        assert any("dated now" in n for n in out.notes)
    stamp = eventtime(server.url, "Released Late", "sandbox-password")
    assert not stamp.startswith(wall(release))
