"""A fan-out shares what does not depend on the target: the rendered body, the login.

Real engine, real registry file, real sandbox over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storyfiles import write_story

from crosspost.config import load_config
from crosspost.delivery import Publisher
from crosspost.render.body import body_sections
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_bytes, parse_file

TARGETS = ["journal", "fluffy", "den", "modq"]


def test_body_rendered_once_per_story_still_follows_each_story() -> None:
    one = parse_bytes(b"Title: One\nAuthor: a\n\nFirst story text.\n")
    two = parse_bytes(b"Title: Two\nAuthor: a\n\nSecond story text.\n")
    first = body_sections(one)
    assert body_sections(one) is first  # the same story again: not rendered again
    assert "Second story text." in body_sections(two)[1]
    assert "First story text." in body_sections(one)[1]
    assert body_sections(one, scene_break="stars") is not first


def test_fan_out_with_a_wrong_secret_costs_one_failed_login(
        sandbox: Any, sandbox_config_factory: Any, tmp_path: Path) -> None:
    config = load_config(sandbox_config_factory(sandbox, secret="not-the-key"))
    story = parse_file(write_story(tmp_path / "in", "tea"))
    registry = Registry.for_config(config)
    try:
        with Publisher(config, registry) as publisher:
            outcomes = publisher.publish(story, TARGETS)
    finally:
        registry.close()
    assert [o.action for o in outcomes] == ["failed"] * len(TARGETS)
    modes = sandbox.stats.snapshot()["modes"]
    # one login tried for the four targets (a ban after 3)
    assert modes["sessiongenerate"] == 1 and "getchallenge" not in modes
    assert "postevent" not in modes


def test_fan_out_logs_in_once_and_posts_every_target(
        sandbox: Any, sandbox_config: Path, tmp_path: Path) -> None:
    config = load_config(sandbox_config)
    story = parse_file(write_story(tmp_path / "in", "tea"))
    registry = Registry.for_config(config)
    try:
        with Publisher(config, registry) as publisher:
            outcomes = publisher.publish(story, TARGETS)
    finally:
        registry.close()
    assert sorted(o.action for o in outcomes) == ["posted", "posted", "posted", "queued"]
    modes = sandbox.stats.snapshot()["modes"]
    assert modes["sessiongenerate"] == 1 and "getchallenge" not in modes  # one request
    assert modes["postevent"] == len(TARGETS)
