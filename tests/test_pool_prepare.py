"""Getting ready ahead of a fan-out: the accounts log in while the story is rendered and
its intents recorded (``AdapterPool.prepare``), the next wave's intents are recorded while
one is out, and a Ctrl-C releases what had not gone out yet. Against the sandbox: its own
count of requests by mode says what reached the site."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from crosspost_adapters.lj.adapter import LJAdapter
from reliability.harness import SandboxControl
from storyfiles import write_story

from crosspost.config import Config, load_config
from crosspost.delivery import Publisher
from crosspost.delivery.courier import Courier
from crosspost.state.registry import Registry, now_utc
from crosspost.story.parse import parse_file

NAMES = [f"readycomm{i}" for i in range(6)]


@pytest.fixture
def wide_config(sandbox: Any, sandbox_config_factory: Callable[..., Path]
                ) -> Callable[..., Config]:
    """``make(secret=...)``: the sandbox config with one target per community of NAMES."""
    for name in NAMES:
        sandbox.world.add_community(name, maintainers=["mod"], members=["writer"])

    def make(secret: str = "sandbox-key") -> Config:
        config = load_config(sandbox_config_factory(sandbox, secret=secret))
        for name in NAMES:
            config.targets[name] = config.targets["fluffy"].model_copy(
                update={"community": name})
        return config

    return make


@pytest.fixture
def control(sandbox: Any) -> Iterator[SandboxControl]:
    ctl = SandboxControl(sandbox.url)
    yield ctl
    ctl.close()


def _story(tmp_path: Path, title: str = "Ready") -> Any:
    return parse_file(write_story(tmp_path / "in", f"{title.lower()}.txt", Title=title))


def test_new_story_fanout_logs_in_from_the_background_while_it_is_rendered(
        sandbox: Any, wide_config: Callable[..., Config], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    prepare = LJAdapter.prepare

    def noting(self: LJAdapter) -> None:
        threads.append(threading.current_thread().name)
        prepare(self)

    monkeypatch.setattr(LJAdapter, "prepare", noting)
    sandbox.stats.reset()
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(wide_config(), reg) as pub:
        outs = pub.publish(_story(tmp_path), NAMES)
    assert [o.action for o in outs] == ["posted"] * len(NAMES)
    assert threads and all(t.startswith("crosspost-prepare-") for t in threads)
    modes = sandbox.stats.snapshot()["modes"]
    assert modes.get("sessiongenerate") == 1 and "getchallenge" not in modes, modes
    assert modes.get("postevent") == len(NAMES), modes


def test_refused_login_while_getting_ready_is_not_tried_again_by_the_posts(
        sandbox: Any, wide_config: Callable[..., Config], tmp_path: Path) -> None:
    sandbox.stats.reset()
    with Registry(tmp_path / "state.sqlite3") as reg, \
            Publisher(wide_config(secret="not-the-key"), reg) as pub:
        outs = pub.publish(_story(tmp_path), NAMES)
    assert {o.action for o in outs} == {"failed"}
    assert all("crosspost login" in o.message or "password" in o.message.lower()
               for o in outs), outs[0].message
    modes = sandbox.stats.snapshot()["modes"]
    # one failed login in all (servers ban an IP after a few), and nothing posted
    assert modes.get("sessiongenerate", 0) + modes.get("getchallenge", 0) == 1, modes
    assert "postevent" not in modes, modes


def test_story_scheduled_for_later_does_not_log_in_ahead(
        sandbox: Any, wide_config: Callable[..., Config], tmp_path: Path) -> None:
    sandbox.stats.reset()
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(wide_config(), reg) as pub:
        outs = pub.publish(_story(tmp_path), NAMES, at=now_utc() + timedelta(days=2))
    assert {o.action for o in outs} == {"scheduled"}
    assert sandbox.stats.snapshot()["requests"] == 0


def test_delivery_interrupted_before_it_was_sent_is_released_for_retry_unsent(
        sandbox: Any, wide_config: Callable[..., Config], tmp_path: Path,
        control: SandboxControl) -> None:
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(wide_config(), reg) as pub:
        pub.courier._stopping.set()  # Ctrl-C came while it waited for its turn
        (out,) = pub.publish(_story(tmp_path, "Halted"), [NAMES[0]])
        assert out.action == "retry" and "interrupted before it was sent" in out.message
        row = reg.delivery(out.delivery_id)
        assert row is not None and row.status == "retry" and row.owner is None
        assert not [e for e in control.entries(NAMES[0]) if "Halted" in e.subject]
        pub.courier._stopping.clear()
        (again,) = pub.retry()
        assert again.action == "posted"
    assert len([e for e in control.entries(NAMES[0]) if "Halted" in e.subject]) == 1


def test_ctrl_c_in_a_fanout_leaves_each_target_posted_or_unsent_never_in_doubt(
        sandbox: Any, wide_config: Callable[..., Config], tmp_path: Path,
        control: SandboxControl, monkeypatch: pytest.MonkeyPatch) -> None:
    run = Courier.run

    def interrupted_on_the_third(self: Courier, job: Any) -> Any:
        if job.target == NAMES[2]:
            raise KeyboardInterrupt  # as the main thread would see it, mid fan-out
        return run(self, job)

    monkeypatch.setattr(Courier, "run", interrupted_on_the_third)
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(wide_config(), reg) as pub:
        story = _story(tmp_path, "Cut Short")
        with pytest.raises(KeyboardInterrupt):
            pub.publish(story, NAMES)
        rows = {r.target: r for r in reg.deliveries(story.identity)}
        for name, row in rows.items():
            landed = [e for e in control.entries(name) if "Cut Short" in e.subject]
            assert row.status in ("posted", "retry"), (name, row.status)
            assert len(landed) == (1 if row.status == "posted" else 0), name
        monkeypatch.setattr(Courier, "run", run)
        pub.publish(story, NAMES)
        pub.retry()
    for name in NAMES:
        assert len([e for e in control.entries(name) if "Cut Short" in e.subject]) == 1, name
