"""A post held by the server past the client's timeout must not become a twin entry: the
real Dreamwidth lets a held request land when it is let go, and its duplicate guard only
compares with the poster's last entry. Before sending again, crosspost ends the sessions
that could carry the lost request (it then fails with 101)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crosspost.adapter import adapter_class
from crosspost.config import load_config
from crosspost.config.secrets import secret_for
from crosspost.delivery import Publisher
from crosspost.delivery.plan import CHALLENGE_WINDOW, lost_request_settles
from crosspost.sandbox import SandboxServer
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_file
from crosspost.story.post import Post

HOLD_MS = 5000


def story_file(folder: Path, title: str) -> Path:
    path = folder / f"{title.lower().replace(' ', '-')}.txt"
    path.write_text(f"Title: {title}\nAuthor: Tester\nRating: PG\n\nThe text of {title}.\n",
                    encoding="utf-8")
    return path


def wait_idle(sandbox: SandboxServer, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if sandbox.stats.snapshot()["peak_in_flight"] and not sandbox.stats.active:
            break


def test_sandbox_lands_a_held_request_unless_its_session_was_expired_first(
        sandbox: SandboxServer, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    account = config.accounts["sandbox"].model_copy(update={"timeout": 0.5})
    sandbox.faults.add("delay", "postevent", delay_ms=1500, count=2)
    for expire, title in ((False, "Lands late"), (True, "Never lands")):
        with adapter_class(account.site)(account, secret_for("sandbox")) as direct:
            with pytest.raises(Exception):  # noqa: B017 - the client's timeout, whatever its class
                direct.post(Post("journal", title, f"<p>{title}</p>"), None)
            if expire:
                direct.client.call("sessionexpire", {"expireall": 1})
            time.sleep(1.8)  # the server lets the request go
        subjects = [e.subject for e in sandbox.world.list_entries("writer")]
        assert (title in subjects) is not expire


def test_a_request_held_past_the_timeout_never_makes_a_twin(
        tmp_path: Path, sandbox: SandboxServer, sandbox_config: Path) -> None:
    config = load_config(sandbox_config)
    config.accounts["sandbox"].timeout = 1.0
    config.settings.retry_base_seconds = 0.01
    config.settings.retry_max_wait_seconds = 10.0
    assert config.settings.state_file is not None
    sandbox.faults.add("delay", "postevent", delay_ms=HOLD_MS, count=1)
    with Registry(config.settings.state_file) as registry, Publisher(config, registry) as pub:
        held = parse_file(story_file(tmp_path, "Held Story"))
        first = pub.publish(held, ["journal"])[0]
        assert first.action == "posted", first
        # another entry in between: the duplicate guard no longer recognises a late copy
        assert pub.publish(parse_file(story_file(tmp_path, "Next Story")),
                           ["journal"])[0].action == "posted"
        # still running (as `watch` does): its session is alive when the request is let go
        time.sleep(HOLD_MS / 1000 + 0.5)
        wait_idle(sandbox, 3.0)
    subjects = [e.subject for e in sandbox.world.list_entries("writer")]
    assert subjects.count("Held Story") == 1, subjects
    assert subjects.count("Next Story") == 1


def test_without_sessions_a_lost_post_waits_until_its_challenge_expired() -> None:
    sent = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    settle = sent + timedelta(seconds=32)
    assert lost_request_settles(sent, settle, fenced=True, challenge_auth=True) == settle
    late = lost_request_settles(sent, settle, fenced=False, challenge_auth=True)
    assert late == sent + timedelta(seconds=CHALLENGE_WINDOW) and late > settle
    # another run's session request: nothing to fence, the settle window is all there is
    assert lost_request_settles(sent, settle, fenced=False, challenge_auth=False) == settle


def test_a_twin_that_landed_after_all_is_found_and_status_says_how_to_remove_it(
        tmp_path: Path, sandbox: SandboxServer, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from cli_support import run_main

    from crosspost.delivery.plan import Decision
    from crosspost.delivery.reconcile import encode_post
    from crosspost.render import render_post
    from crosspost.state.lock import owner_token
    from crosspost.state.registry import Intent

    config = load_config(sandbox_config)
    assert config.settings.state_file is not None
    story = parse_file(story_file(tmp_path, "Two Of Us"))
    post = render_post(story, config, "journal")
    dead = owner_token().rsplit(":", 2)[0] + ":999999999:dead"
    with Registry(config.settings.state_file) as registry:
        registry.claim(lambda row, live: Decision("post"),
                       Intent(dead, 900.0, encode_post(post), post.fingerprint, post.subject,
                              story.content_hash, account="sandbox"),
                       identity=story.identity, target="journal")
    account = config.accounts["sandbox"]
    with adapter_class(account.site)(account, secret_for("sandbox")) as direct:
        first = direct.post(post, None)  # the run's request landed …
        direct.post(Post("journal", "In between", "<p>another entry</p>"), None)
        second = direct.post(post, None)  # … and so did a lost one, later
    assert first.remote is not None and second.remote is not None
    with Registry(config.settings.state_file) as registry, Publisher(config, registry) as pub:
        [out] = pub.reconcile()
    assert out.action == "posted" and out.url == second.remote.url
    assert "twin" in out.message and first.remote.url in out.message
    code, text, _ = run_main(capsys, "--config", str(sandbox_config), "status")
    assert code == 0
    assert first.remote.url in text and "delete it on the site" in text
