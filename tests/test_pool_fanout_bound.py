"""Fan-out concurrency: one story to many communities on one site runs in parallel, bounded
per site by the accounts' ``max_parallel`` (default 4), measured by the sandbox's own count
of requests in flight."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from reliability.harness import SandboxControl
from storyfiles import toml_str, write_story

from crosspost.config import Account, Config
from crosspost.delivery.pool import PER_SITE, AdapterPool

COMMUNITIES = [f"boundcomm{i}" for i in range(1, 7)]


def _fanout(factory: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch, max_parallel: int | None) -> dict[str, Any]:
    """Post one story to six communities; the sandbox's stats afterwards."""
    server = factory("dw", latency_ms=150)
    for name in COMMUNITIES:
        server.world.add_community(name, maintainers=["mod"], members=["writer"])
    lines = ["[settings]", f"state_file = {toml_str(tmp_path / 'state.sqlite3')}",
             'timezone = "UTC"', "", "[accounts.sandbox]", 'site = "sandbox"',
             'username = "writer"', f"server = {toml_str(server.url)}"]
    if max_parallel is not None:
        lines.append(f"max_parallel = {max_parallel}")
    for name in COMMUNITIES:
        lines += ["", f"[targets.{name}]", 'account = "sandbox"', f'community = "{name}"']
    cfg = tmp_path / "config.toml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    story = write_story(tmp_path / "stories", "wide.txt", Title="Wide Release")
    control = SandboxControl(server.url)
    try:
        code, out, err = run_main(capsys, "--config", str(cfg), "post", str(story))
        assert code == 0, out + err
        for name in COMMUNITIES:
            assert len([e for e in control.entries(name) if "Wide Release" in e.subject]) == 1, name
        return control.stats()
    finally:
        control.close()


def test_fanout_to_six_communities_runs_posts_in_parallel_by_default(
        sandbox_factory: Callable[..., Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stats = _fanout(sandbox_factory, tmp_path, capsys, monkeypatch, None)
    assert 2 <= stats["peak_in_flight"] <= PER_SITE, stats


def test_fanout_max_parallel_one_sends_one_request_at_a_time(
        sandbox_factory: Callable[..., Any], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stats = _fanout(sandbox_factory, tmp_path, capsys, monkeypatch, 1)
    assert stats["peak_in_flight"] == 1, stats


def _three_sites() -> Config:
    """Two lj servers (one with two accounts) and Dreamwidth, some with ``max_parallel``."""
    return Config(accounts={
        "a": Account(site="lj", username="a", server="https://x.example", max_parallel=3),
        "b": Account(site="lj", username="b", server="https://x.example", max_parallel=2),
        "c": Account(site="lj", username="c", server="https://y.example"),
        "d": Account(site="dreamwidth", username="d", max_parallel=6)})


def test_pool_bound_is_the_smallest_max_parallel_of_the_sites_accounts() -> None:
    pool = AdapterPool(_three_sites())
    assert pool._bound(("lj", "https://x.example")) == 2
    assert pool._bound(("lj", "https://y.example")) == PER_SITE
    assert pool._bound(("dreamwidth", "")) == 6


def test_fanout_threads_are_no_more_than_the_requests_its_sites_allow_in_flight() -> None:
    pool = AdapterPool(_three_sites())
    assert pool.width(["a", "a", "b"]) == 2  # one site: its bound, however many targets
    assert pool.width(["a", "c", "d"]) == 2 + PER_SITE + 6  # three sites side by side
    assert pool.width(["gone"]) == 1 and pool.width([]) == 1  # never no thread at all


def test_fanout_to_twenty_communities_records_the_next_wave_while_one_is_out(
        sandbox: Any, sandbox_config_factory: Callable[..., Path], tmp_path: Path) -> None:
    from storyfiles import write_story as write

    from crosspost.config import load_config
    from crosspost.delivery import Publisher
    from crosspost.state.registry import Registry
    from crosspost.story.parse import parse_file

    names = [f"threadcomm{i:02d}" for i in range(20)]
    for name in names:
        sandbox.world.add_community(name, maintainers=["mod"], members=["writer"])
    config = load_config(sandbox_config_factory(sandbox))
    for name in names:
        config.targets[name] = config.targets["fluffy"].model_copy(update={"community": name})
    seen: set[str] = set()
    with Registry(tmp_path / "state.sqlite3") as reg, Publisher(config, reg) as pub:
        claim = reg.claim

        def claim_noting_thread(*a: Any, **k: Any) -> Any:
            seen.add(threading.current_thread().name)
            return claim(*a, **k)

        reg.claim = claim_noting_thread  # type: ignore[method-assign]
        outs = pub.publish(parse_file(write(tmp_path / "in", "wide.txt", Title="Wide")), names)
    assert [o.action for o in outs] == ["posted"] * 20
    # a wave in flight and the next one's intents: not one thread per target (each costs
    # an allocator arena), and never more requests in flight than the site's bound
    assert len(seen) == 2 * PER_SITE
    assert sandbox.stats.snapshot()["peak_in_flight"] <= PER_SITE


def test_config_refuses_max_parallel_below_one() -> None:
    with pytest.raises(ValueError, match="max_parallel"):
        Account(username="w", max_parallel=0)
