"""Serving the dashboard: a socket on 127.0.0.1, uvicorn in a background thread, the address
(with the session's token) printed first and opened in the browser.

Used by `crosspost ui` (the dashboard alone: releases due are posted by it under the
watcher's lock when no watcher runs) and `crosspost watch --ui` (the watcher's process also
serves the page; the watcher posts).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.errors import UserError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.config import Config

log = get_logger("ui")

HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}",
                        "pick another port with --port (or --port 0 for any free one)"
                        ) from None
    # accepted connections inherit it: without it a reply sent in two writes (headers, body)
    # waits for the browser's delayed ACK, ~40 ms on every page
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(64)
    return sock


class UiServer:
    """The dashboard on a background thread: ``start()``, ``.url`` (with the token: print it
    once, never log it), ``stop()``."""

    def __init__(self, config: Config, root: Path, *, port: int = 0, daemon: bool = False,
                 rescan: float | None = None) -> None:
        import uvicorn

        from crosspost.state.registry import Registry
        from crosspost.ui.app import Dashboard, build_app
        from crosspost.ui.security import Keys

        self.sock = bind(port)
        self.port = int(self.sock.getsockname()[1])
        self.registry = Registry.for_config(config)
        self.dash = Dashboard(config, self.registry, root, Keys(), daemon=daemon,
                              rescan=rescan)
        app = build_app(self.dash, self.port)
        # no access log: the first request's URL carries the token
        self.server = uvicorn.Server(uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off",
            timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self._serve, name="crosspost-ui", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.dash.keys.token}"

    def _serve(self) -> None:
        import asyncio

        # uvicorn sets no signal handlers off the main thread: the caller owns Ctrl-C
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> UiServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.registry.close()


def announce(server: UiServer, *, open_browser: bool,
             echo: Callable[[str], Any] = print) -> None:
    """The first line of output: the address with its token; then open the browser."""
    echo(f"crosspost dashboard: {server.url}")
    echo("  (open this address in your browser; it works only on this computer, and only "
         "until crosspost stops)")
    if open_browser:
        with contextlib.suppress(Exception):  # no browser (a server, a container): the URL
            webbrowser.open(server.url)
