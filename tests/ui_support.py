"""Helpers for the dashboard tests: the real server on 127.0.0.1 over real HTTP, a logged-in
client (the token traded for the cookie, as a browser does), and its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from crosspost.config import load_config
from crosspost.ui.server import UiServer


@contextmanager
def running_ui(cfg: Path, *, daemon: bool = False) -> Iterator[UiServer]:
    config = load_config(cfg)
    assert config.settings.stories_dir is not None
    server = UiServer(config, Path(config.settings.stories_dir), daemon=daemon).start()
    try:
        yield server
    finally:
        server.stop()


def base(server: UiServer) -> str:
    return f"http://127.0.0.1:{server.port}"


def logged_in(server: UiServer) -> httpx.Client:
    """A client holding the session cookie (from the first URL's token)."""
    client = httpx.Client(base_url=base(server), timeout=30, follow_redirects=False)
    r = client.get(server.url)
    assert r.status_code == 303, r.text
    assert "token" not in r.headers["location"]
    return client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)
