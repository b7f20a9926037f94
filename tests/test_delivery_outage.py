"""A site that cannot be reached: the first delivery waits and retries in line; once that
has not helped, the run's other deliveries to the site are tried once each and left for
`crosspost retry` or the daemon, so a batch does not hang for minutes on a dead site."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from storyfiles import write_sandbox_config, write_story

from crosspost.config import Config, load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.model import Story
from crosspost.story.parse import parse_file


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (not listening) for the whole test, so that no
    other server can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


def _dead_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: int, count: int
               ) -> tuple[Config, list[Story]]:
    """A config whose site is at a port nothing answers on, and ``count`` stories for it."""
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    cfg_path = write_sandbox_config(tmp_path / "config.toml", f"http://127.0.0.1:{port}",
                                    state_file=tmp_path / "state.sqlite3",
                                    stories_dir=tmp_path / "stories")
    config = load_config(cfg_path)
    config.settings.retry_limit = 4
    config.settings.retry_base_seconds = 0.01
    return config, [parse_file(write_story(tmp_path / "stories", f"s{i}.txt",
                                           Title=f"Dark {i}")) for i in range(count)]


def test_unreachable_site_costs_one_round_of_retries_per_run_not_one_per_story(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    config, stories = _dead_site(tmp_path, monkeypatch, closed_port, 4)
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(config, reg) as publisher:
        outcomes = [o for s in stories for o in publisher.publish(s, ["journal"])]
        attempts = [r.attempts for r in reg.deliveries()]
    assert [o.action for o in outcomes] == ["retry"] * 4
    assert all("will retry after" in o.message and "cannot reach" in o.message
               for o in outcomes)
    assert attempts == [4, 1, 1, 1]


def test_unreachable_site_is_said_at_once_with_how_long_crosspost_keeps_trying(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int,
        caplog: pytest.LogCaptureFixture) -> None:
    config, stories = _dead_site(tmp_path, monkeypatch, closed_port, 2)
    seen: list[str] = []

    class Said(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING and "cannot be reached" in record.getMessage():
                seen.append(record.getMessage())

    handler = Said()
    logging.getLogger("crosspost").addHandler(handler)
    try:
        with Registry(tmp_path / "state.sqlite3") as reg, \
                Publisher(config, reg, sleep=lambda s: seen.append(f"slept {s}")) as publisher:
            for story in stories:
                publisher.publish(story, ["journal"])
    finally:
        logging.getLogger("crosspost").removeHandler(handler)
    said = [s for s in seen if not s.startswith("slept")]
    assert seen[0] == said[0]  # before the first wait, not after the retries
    assert len(said) == 1  # once per run, not once per story
    assert "keeps trying for up to about" in said[0] and "crosspost retry" in said[0]
    assert f"127.0.0.1:{closed_port}" in said[0]
