"""The dashboard in a real browser: headless Chromium (the system's ``chromium`` and
``chromedriver``, driven by Selenium; nothing is downloaded) against ``crosspost watch --ui``
in a subprocess and the sandbox site. Skipped, saying why, when Chromium is not installed
(Debian: ``apt-get install chromium chromium-driver``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_support import Site, env_for, story_text, wait_for, write_config

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = [
    pytest.mark.browser,
    # CI sets CROSSPOST_REQUIRE_BROWSER: there a missing browser fails instead of skipping
    pytest.mark.skipif((CHROMIUM is None or DRIVER is None)
                       and not os.environ.get("CROSSPOST_REQUIRE_BROWSER"),
                       reason="headless Chromium not installed (Debian: apt-get install "
                              "chromium chromium-driver)"),
]


@pytest.fixture
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def watch_ui(tmp_path: Path, sandbox) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    cfg = write_config(tmp_path, sandbox.url)
    log = open(tmp_path / "watch.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosspost", "--config", str(cfg), "watch", "--ui",
         "--no-browser", "--rescan", "0.5", "--settle", "0.3"],
        env=env_for(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=log, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    try:
        assert first.startswith("crosspost dashboard: http://127.0.0.1:"), first
        yield first.split(": ", 1)[1], tmp_path, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_ui_browser_add_reschedule_and_see_the_post(watch_ui, browser, sandbox) -> None:
    from selenium.webdriver.common.by import By

    url, root, _ = watch_ui
    driver = browser
    driver.get(url)
    assert "token" not in driver.current_url  # swapped for a cookie and a redirect
    assert driver.find_element(By.TAG_NAME, "h1").text == "Stories"

    # add a story due far ahead: the watcher takes it and schedules it
    story = root / "upload" / "night-train.txt"
    story.parent.mkdir()
    story.write_text(story_text("Night Train", header={"Release": "2031-01-01 09:00"}),
                     encoding="utf-8")
    driver.get(url.split("?")[0] + "add")
    driver.find_element(By.ID, "story").send_keys(str(story))
    driver.find_element(By.CSS_SELECTOR, "#drop button").click()
    notes = wait_for(lambda: _find(driver, By.ID, "notes"), 30)  # the answer page, loaded
    assert notes, driver.page_source
    assert "added night-train.txt" in notes.text
    assert (root / "stories" / "night-train.txt").exists()

    # the story page shows the release (the page updates by itself when the watcher acts)
    driver.get(url.split("?")[0] + "stories")
    link = wait_for(lambda: _reload_find(driver, By.LINK_TEXT, "Night Train"), 60)
    assert link, driver.page_source
    link.click()
    assert wait_for(lambda: "journal: scheduled" in driver.page_source, 30)

    # reschedule it to now with the same words as the command line
    field = driver.find_element(By.NAME, "when")
    field.send_keys("now")
    field.submit()
    notes = wait_for(lambda: _find(driver, By.ID, "notes"), 30)
    assert notes, driver.page_source
    assert "the watcher posts it at its next check (within 0.5 s)" in notes.text

    # the watcher posts it; the page shows its link, which is the entry on the site
    entry_link = wait_for(lambda: _find(driver, By.CSS_SELECTOR, "a.entry-link"), 60)
    assert entry_link, driver.page_source
    href = entry_link.get_attribute("href")
    subjects = [e for e in Site(sandbox.url).entries("writer") if e.get("subject") ==
                "Night Train"]
    assert len(subjects) == 1
    assert href.startswith(sandbox.url)
    driver.get(href)
    assert "Night Train" in driver.page_source


def _find(driver, by, what):  # type: ignore[no-untyped-def]
    found = driver.find_elements(by, what)
    return found[0] if found else None


def _reload_find(driver, by, what):  # type: ignore[no-untyped-def]
    found = _find(driver, by, what)
    if found is None:
        driver.refresh()
    return found


def test_ui_browser_drag_a_release_to_another_day(tmp_path: Path, sandbox, browser,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from selenium.webdriver.common.by import By
    from ui_support import running_ui

    from crosspost.config import load_config
    from crosspost.delivery import Publisher
    from crosspost.state.registry import Registry
    from crosspost.story.parse import parse_bytes

    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    cfg = write_config(tmp_path, sandbox.url)
    config = load_config(cfg)
    at = (datetime.now(UTC) + timedelta(days=2)).replace(hour=18, minute=30, second=0,
                                                         microsecond=0)
    # a day in the same week (Monday first), still in the future
    shift = timedelta(days=-1 if at.weekday() == 6 else 1)
    story = parse_bytes(story_text("Dragged").encode(), path=Path("dragged.txt"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        (o,) = pub.publish(story, ["journal"], at=at)
    target_day = at.date() + shift
    with running_ui(cfg) as server:
        browser.get(server.url)
        browser.get(f"http://127.0.0.1:{server.port}/calendar?week={at.date().isoformat()}")
        release = browser.find_element(By.CSS_SELECTOR, f'a.release[data-id="{o.delivery_id}"]')
        day = browser.find_element(By.CSS_SELECTOR, f'td[data-day="{target_day.isoformat()}"]')
        # what a mouse drag does (Selenium's own drag does not fire HTML5 drag events)
        browser.execute_script(
            "const dt = new DataTransfer(), o = {dataTransfer: dt, bubbles: true,"
            " cancelable: true};"
            "arguments[0].dispatchEvent(new DragEvent('dragstart', o));"
            "arguments[1].dispatchEvent(new DragEvent('dragover', o));"
            "arguments[1].dispatchEvent(new DragEvent('drop', o));", release, day)
        assert wait_for(lambda: _find(browser, By.ID, "notes"), 30), browser.page_source
        with Registry.for_config(config) as reg:
            row = reg.delivery(o.delivery_id)
        assert row is not None and row.release_at == at + shift
