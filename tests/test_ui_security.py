"""The dashboard refuses what does not come from the person who started it: no session
cookie, a wrong token, a foreign Host (DNS rebinding), a POST without the CSRF token or from
another site. Real server, real HTTP; each refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from daemon_support import story_text, write_config
from ui_support import base, csrf_of, logged_in, running_ui

from crosspost.config import load_config
from crosspost.delivery import Publisher
from crosspost.state.registry import Registry
from crosspost.story.parse import parse_bytes


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")


def _scheduled(cfg: Path) -> int:
    """One story scheduled a day ahead on the sandbox target ``journal``; its delivery id."""
    config = load_config(cfg)
    story = parse_bytes(story_text("Guarded").encode(), path=Path("guarded.txt"))
    with Registry.for_config(config) as reg, Publisher(config, reg) as pub:
        (o,) = pub.publish(story, ["journal"], at=datetime.now(UTC) + timedelta(days=1))
    assert o.action == "scheduled"
    return o.delivery_id


def _status(cfg: Path, delivery_id: int) -> str:
    with Registry.for_config(load_config(cfg)) as reg:
        row = reg.delivery(delivery_id)
        assert row is not None
        return row.status


def test_ui_refuses_requests_without_the_session(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        r = httpx.get(f"{base(server)}/stories")
        assert r.status_code == 403 and "first line" in r.text
        r = httpx.get(f"{base(server)}/?token=not-the-token")
        assert r.status_code == 403
        assert "set-cookie" not in r.headers


def test_ui_token_is_swapped_for_a_cookie_and_a_redirect(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        r = httpx.get(server.url)
        assert r.status_code == 303
        assert r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert server.dash.keys.token not in cookie
        client = logged_in(server)
        page = client.get("/stories")
        assert page.status_code == 200
        assert server.dash.keys.token not in page.text
        assert server.dash.keys.session not in page.text


def test_ui_refuses_a_foreign_host_header(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        client = logged_in(server)
        for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1:1"):
            r = client.get("/stories", headers={"host": host})
            assert r.status_code == 421, host
        # the token is refused too on a rebinding name: no cookie handed out
        r = httpx.get(server.url, headers={"host": f"rebind.example:{server.port}"})
        assert r.status_code == 421 and "set-cookie" not in r.headers


def test_ui_refuses_a_post_without_csrf_token(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    delivery_id = _scheduled(cfg)
    with running_ui(cfg) as server:
        client = logged_in(server)
        r = client.post(f"/delivery/{delivery_id}/cancel", data={})
        assert r.status_code == 403
        r = client.post(f"/delivery/{delivery_id}/cancel", data={"csrf": "forged"})
        assert r.status_code == 403
        assert _status(cfg, delivery_id) == "scheduled"
        token = csrf_of(client.get("/stories").text)
        r = client.post(f"/delivery/{delivery_id}/cancel", data={"csrf": token},
                        headers={"origin": "http://evil.example"})
        assert r.status_code == 403
        assert _status(cfg, delivery_id) == "scheduled"
        # and a session alone (no cookie) with the right CSRF token is refused as well
        r = httpx.post(f"{base(server)}/delivery/{delivery_id}/cancel", data={"csrf": token})
        assert r.status_code == 403
        assert _status(cfg, delivery_id) == "scheduled"
        r = client.post(f"/delivery/{delivery_id}/cancel", data={"csrf": token},
                        headers={"referer": f"{base(server)}/calendar"})
        assert r.status_code == 303
        assert _status(cfg, delivery_id) == "cancelled"


def test_ui_server_listens_on_loopback_only(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        assert server.sock.getsockname()[0] == "127.0.0.1"
