"""The dashboard's pages and buttons over real HTTP, against a real registry file and the
sandbox site: stories paged and searched, a story's page, the calendar in the writer's zone,
rescheduling with the command line's time words, post now, adding a story (never over
another file; a broken one shows its report), try again, preview, accounts (a secret stored,
never shown back)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import keyring
import pytest
from daemon_support import Site, story_text, write_config
from ui_support import csrf_of, logged_in, running_ui

from crosspost.config import load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_bytes


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")


def _schedule(cfg: Path, title: str, at: datetime) -> int:
    config = load_config(cfg)
    story = parse_bytes(story_text(title).encode(), path=Path(f"{title}.txt"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        (o,) = pub.publish(story, ["journal"], at=at)
    return o.delivery_id


def test_ui_stories_page_is_paged_and_searchable(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with Registry.for_config(load_config(cfg)) as reg:
        for i in range(120):
            reg.upsert_story(f"id:s{i:03d}", title=f"Story {i:03d}", path="", content_hash="")
    with running_ui(cfg) as server:
        client = logged_in(server)
        first = client.get("/stories").text
        assert first.count('href="/story?id=') == 50
        assert "Story 119" in first and "Story 069" not in first  # newest first
        assert 'rel="next"' in first and 'rel="prev"' not in first
        third = client.get("/stories", params={"page": 3}).text
        assert third.count('href="/story?id=') == 20 and 'rel="next"' not in third
        found = client.get("/stories", params={"q": "story 042"}).text
        assert found.count('href="/story?id=') == 1 and "Story 042" in found
        none = client.get("/stories", params={"q": "100%_"}).text
        assert "No story matches" in none


def test_ui_reschedule_with_time_words_moves_the_release(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, settings={"timezone": "Europe/Berlin"})
    at = datetime.now(UTC) + timedelta(days=2)
    delivery_id = _schedule(cfg, "Moving Day", at)
    with running_ui(cfg) as server:
        client = logged_in(server)
        page = client.get("/calendar").text
        local = at.astimezone(ZoneInfo("Europe/Berlin"))
        if local.month == datetime.now(UTC).month:
            assert f"{local:%H:%M} Moving Day" in page
        week = client.get("/calendar", params={"week": local.date().isoformat()}).text
        assert f"{local:%H:%M} Moving Day" in week and "Europe/Berlin" in week
        token = csrf_of(page)
        r = client.post(f"/delivery/{delivery_id}/reschedule",
                        data={"csrf": token, "when": "tomorrow 9am"})
        assert r.status_code == 303
        shown = client.get("/calendar").text
        assert f"#{delivery_id} → journal" in shown
        with Registry.for_config(load_config(cfg)) as reg:
            row = reg.delivery(delivery_id)
        assert row is not None and row.release_at is not None
        assert row.release_at.astimezone(local.tzinfo).strftime("%H:%M") == "09:00"
        # words it cannot read, or a past time, are refused with the commands' messages
        client.post(f"/delivery/{delivery_id}/reschedule", data={"csrf": token,
                                                                 "when": "yesterday 9am"})
        page = client.get("/calendar").text
        assert "in the past" in page and "fix:" in page


def test_ui_post_now_posts_and_shows_the_link(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    delivery_id = _schedule(cfg, "Right Away", datetime.now(UTC) + timedelta(days=1))
    with running_ui(cfg) as server:
        client = logged_in(server)
        token = csrf_of(client.get("/calendar").text)
        client.post(f"/delivery/{delivery_id}/now", data={"csrf": token})
        (entry,) = [e for e in Site(sandbox.url).entries("writer")
                    if e.get("subject") == "Right Away"]
        stories = client.get("/stories").text
        url = re.search(r'class="entry-link"[^>]*>([^<]+)<', stories)
        assert url and url.group(1).startswith(sandbox.url)
        assert "journal: posted" in stories
        assert str(entry.get("url", url.group(1))) == url.group(1)


def test_ui_add_story_never_overwrites_and_reports_broken_files(tmp_path: Path,
                                                                sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    folder = tmp_path / "stories"
    with running_ui(cfg) as server:
        client = logged_in(server)
        token = csrf_of(client.get("/add").text)
        text = story_text("Dropped In").encode()
        r = client.post("/add", data={"csrf": token}, files={"story": ("dropped.txt", text)})
        assert r.status_code == 303
        assert (folder / "dropped.txt").read_bytes() == text
        page = client.get("/add").text
        assert "added dropped.txt" in page and "the watcher takes it from the folder" in page
        client.post("/add", data={"csrf": token},
                    files={"story": ("dropped.txt", story_text("Other").encode())})
        page = client.get("/add").text
        assert "already in the stories folder; it was not replaced" in page
        assert (folder / "dropped.txt").read_bytes() == text
        client.post("/add", data={"csrf": token},
                    files={"story": ("broken.txt", b"Title: x\nRating: PG\n\n***\n\n")})
        page = client.get("/add").text
        assert "crosspost could not read this story" in page and "Fix:" in page
        assert not (folder / "broken.txt").exists()
        client.post("/add", data={"csrf": token}, files={"story": ("notes.docx", b"PK")})
        assert "it is not a text story file" in client.get("/add").text
        client.post("/add", data={"csrf": token}, files={"story": ("../../evil.txt", text)})
        assert (folder / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_ui_try_again_moves_a_failed_file_back(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    failed = tmp_path / "stories" / "failed"
    failed.mkdir(parents=True)
    (failed / "oops.txt").write_text(story_text("Oops"), encoding="utf-8")
    (failed / "oops.txt.error.txt").write_text("crosspost could not read this story\n"
                                               "Problem: no body", encoding="utf-8")
    with running_ui(cfg) as server:
        client = logged_in(server)
        page = client.get("/add").text
        assert "oops.txt" in page and "Problem: no body" in page
        client.post("/failed/again", data={"csrf": csrf_of(page), "name": "oops.txt"})
        assert (tmp_path / "stories" / "oops.txt").exists()
        assert not (failed / "oops.txt").exists()
        assert "back in the stories folder" in client.get("/add").text


def test_ui_preview_shows_the_entry_and_exact_html(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    (tmp_path / "stories" / "peek.txt").write_text(
        story_text("Peek", "Above the cut.\n\n<!--more-->\n\nBelow it."), encoding="utf-8")
    with running_ui(cfg) as server:
        client = logged_in(server)
        page = client.get("/preview", params={"file": "peek.txt", "target": "journal"}).text
        assert "<iframe" in page and "sandbox" in page
        assert "Exact HTML sent" in page and "Above the cut." in page
        bad = client.get("/preview", params={"file": "../config.toml", "target": "journal"})
        assert "not a story file crosspost can see" in bad.text


def test_ui_accounts_store_a_secret_never_shown_back(tmp_path: Path, sandbox,
                                                     file_keyring) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        client = logged_in(server)
        page = client.get("/accounts").text
        assert "sandbox" in page and "sandbox-key" not in page
        client.post("/accounts/sandbox/secret", data={"csrf": csrf_of(page),
                                                      "secret": "sandbox-key"})
        assert keyring.get_password("crosspost", "sandbox") == "sandbox-key"
        page = client.get("/accounts").text
        assert "stored in the keyring" in page and "sandbox-key" not in page
        client.post("/accounts/sandbox/check", data={"csrf": csrf_of(page)})
        page = client.get("/accounts").text
        assert "login ok" in page and "sandbox-key" not in page


def test_ui_accounts_check_each_community_target_online(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url, targets=("journal", "fluffy", "closed"))
    with running_ui(cfg) as server:
        client = logged_in(server)
        page = client.get("/accounts").text
        client.post("/accounts/sandbox/check", data={"csrf": csrf_of(page)})
        page = client.get("/accounts").text
        assert "login ok" in page
        assert "fluffy: writer (Sandbox Writer) on Sandbox may post to fluffyfics" in page
        assert "closed: this account may not post to closedfics" in page
        assert "fix: join closedfics" in page
