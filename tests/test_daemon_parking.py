"""`crosspost watch` never waits long in line for one delivery: a retry the site asks to
come back to later is parked and the clock comes back to it, so the next story (or another
target's release) goes out meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from daemon_support import Site, Watch, drop, story_text, wait_for, write_config


def test_watch_parks_a_story_the_site_refused_for_now_and_posts_the_next_one_meanwhile(
        sandbox: Any, tmp_path: Path) -> None:
    # the next try after a failure comes 6-12 s later: longer than the daemon waits in line,
    # and long enough that the next story is surely out first, also on a slow, loaded machine
    cfg = write_config(tmp_path, sandbox.url, targets=("journal",),
                       settings={"retry_base_seconds": 12.0})
    folder, site = tmp_path / "stories", Site(sandbox.url)
    # the first postevent meets a temporary fault (DW: "Error obtaining necessary database
    # lock"); a 429 would not do: it holds every request to the site, as the site asks
    r = httpx.post(f"{sandbox.url}/_sandbox/faults", timeout=10, json={"rules": [
        {"kind": "fault", "method": "postevent", "count": 1, "code": 503}]})
    r.raise_for_status()
    daemon = Watch(cfg).start()
    try:
        drop(folder, "first.txt", story_text("Slowed Down"))
        assert wait_for(lambda: "slowed-down → journal" in daemon.output()
                        and "will retry after" in daemon.output()), daemon.output()
        assert "will retry after" in daemon.output()
        assert "— the site is having trouble; crosspost retries later" in daemon.output()
        drop(folder, "second.txt", story_text("Straight Through"))
        assert wait_for(lambda: "Straight Through" in site.subjects()), daemon.output()
        assert "Slowed Down" not in site.subjects()  # still parked: its time had not come
        assert wait_for(lambda: "Slowed Down" in site.subjects()), daemon.output()
        assert sorted(site.subjects()) == ["Slowed Down", "Straight Through"]
        assert wait_for(lambda: (folder / "posted" / "first.txt").exists()), daemon.output()
    finally:
        assert daemon.stop() == 0
