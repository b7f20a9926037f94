"""Take the dashboard screenshots in docs/screenshots/ (headless Chromium + Selenium).

    .venv/bin/python contrib/ui_screenshots.py

A throw-away sandbox site, config, state file and stories folder in a temp dir; a few
stories posted, scheduled, refused and set aside; then each page of the dashboard.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from crosspost.config import load_config
from crosspost.daemon import files, reports
from crosspost.delivery import Publisher
from crosspost.sandbox import SandboxServer
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_bytes
from crosspost.ui.server import UiServer

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

STORIES = [
    ("The Lighthouse Keeper", "Doctor Who", "journal,fluffy", 0),
    ("Tea at Midnight", "Torchwood", "journal", 0),
    ("A Map of Small Places", "Good Omens", "fluffy", 0),
    ("Snowfall, Eventually", "Torchwood", "journal,fluffy", 2),
    ("Seven Letters", "Doctor Who", "journal", 5),
    ("What the River Said", "Good Omens", "fluffy", 9),
    ("Closed Doors", "Torchwood", "closed", 0),
]


def story(title: str, fandom: str, n: int) -> bytes:
    body = "\n\n".join(f"Paragraph {i} of {title}: the light came in sideways, and nobody "
                       "said anything for a while." for i in range(1, 6))
    return (f"Title: {title}\nBy: writer\nFandom: {fandom}\nRating: PG\nTags: fluff, "
            f"hurt/comfort\nWords: {120 + n}\n\n***\n\n{body}\n\n<!--more-->\n\nThe rest.\n"
            ).encode()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="crosspost-shots-"))
    os.environ["CROSSPOST_SECRET_SANDBOX"] = "sandbox-key"
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    site = SandboxServer().start()
    stories_dir = work / "stories"
    stories_dir.mkdir()
    cfg = work / "config.toml"
    cfg.write_text(f"""[settings]
state_file = "{(work / 'state.sqlite3').as_posix()}"
stories_dir = "{stories_dir.as_posix()}"
timezone = "Europe/London"

[accounts.sandbox]
site = "sandbox"
username = "writer"
server = "{site.url}"

[targets.journal]
account = "sandbox"

[targets.fluffy]
account = "sandbox"
community = "fluffyfics"

[targets.closed]
account = "sandbox"
community = "closedfics"
auto = false
""", encoding="utf-8")
    config = load_config(cfg)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        for n, (title, fandom, targets, days) in enumerate(STORIES):
            path = stories_dir / f"{title.lower().replace(' ', '-').replace(',', '')}.txt"
            path.write_bytes(story(title, fandom, n))
            parsed = parse_bytes(path.read_bytes(), path=path)
            at = now + timedelta(days=days, hours=9) if days else None
            pub.publish(parsed, targets.split(","), at=at)
    failed = stories_dir / "failed"
    failed.mkdir()
    bad = failed / "untitled-draft.txt"
    bad.write_text("Rating: PG\n\n***\n\n", encoding="utf-8")
    try:
        parse_bytes(bad.read_bytes(), path=bad)
    except Exception as exc:
        files.write_report(bad, reports.story_report(exc))  # type: ignore[arg-type]

    server = UiServer(config, stories_dir).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"),
                              options=options)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(server.url)
        base = f"http://127.0.0.1:{server.port}"
        first = next(iter(reg_titles(config)))
        pages = {
            "ui-stories": "/stories",
            "ui-story": f"/story?id={first}",
            "ui-calendar": "/calendar",
            "ui-preview": "/preview?file=tea-at-midnight.txt&target=fluffy",
            "ui-add": "/add",
            "ui-accounts": "/accounts",
        }
        for name, path in pages.items():
            driver.get(base + path)
            driver.save_screenshot(str(OUT / f"{name}.png"))
            print(f"wrote {OUT / (name + '.png')}")
    finally:
        driver.quit()
        server.stop()
        site.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def reg_titles(config: object) -> list[str]:
    from urllib.parse import quote

    with Registry.for_config(config) as reg:  # type: ignore[arg-type]
        return [quote(s.identity) for s in reg.stories() if s.title == "Snowfall, Eventually"]


if __name__ == "__main__":
    sys.exit(main())
