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


def test_ui_command_prints_the_address_with_token_first(tmp_path: Path, sandbox) -> None:
    import socket
    import subprocess
    import sys

    from daemon_support import env_for

    cfg = write_config(tmp_path, sandbox.url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "crosspost", "--config", str(cfg), "ui",
                             "--no-browser", "--port", str(port)], env=env_for(tmp_path),
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith(f"crosspost dashboard: http://127.0.0.1:{port}/?token=")
        url = first.split(": ", 1)[1]
        with httpx.Client(timeout=30) as client:
            r = client.get(url)
            assert r.status_code == 303 and "token" not in r.headers["location"]
            assert client.get(f"http://127.0.0.1:{port}/stories").status_code == 200
            r = client.get(f"http://127.0.0.1:{port}/stories",
                           headers={"host": f"attacker.example:{port}"})
            assert r.status_code == 421
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert url.split("token=")[1] not in err  # the token is never logged


def test_ui_port_in_use_is_a_clear_error(tmp_path: Path, sandbox) -> None:
    import socket

    from crosspost.errors import UserError
    from crosspost.ui.server import bind

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(UserError) as caught:
            bind(port)
    assert f"127.0.0.1:{port}" in caught.value.message and "--port" in caught.value.fix


def test_ui_framework_is_imported_only_by_the_dashboard() -> None:
    import subprocess
    import sys

    code = ("import sys; from crosspost.cli import main; import crosspost.cli.daemon_cmds, "
            "crosspost.cli.post_cmds, crosspost.cli.preview_cmd, crosspost.cli.story_cmds; "
            "bad = [m for m in ('starlette', 'uvicorn', 'jinja2', 'crosspost.ui') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ui_pages_forbid_foreign_scripts_and_framing(tmp_path: Path, sandbox) -> None:
    cfg = write_config(tmp_path, sandbox.url)
    with running_ui(cfg) as server:
        r = logged_in(server).get("/stories")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
