"""``crosspost ui``: the dashboard, a page in the browser on this computer (see
:mod:`crosspost.ui`). ``crosspost watch --ui`` serves the same page from the watcher."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crosspost.cli import App

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.ui.server import UiServer


def stories_root(config: Config, folder: Path | None) -> Path:
    from crosspost.errors import UserError

    root = folder or config.settings.stories_dir
    if root is None:
        raise UserError("no stories folder", "set settings.stories_dir in the config, or "
                        "pass --dir FOLDER")
    return Path(root).expanduser().absolute()


def start_ui(config: Config, root: Path, *, port: int, open_browser: bool,
             daemon: bool, rescan: float | None = None) -> UiServer:
    """Start the dashboard and print its address (with the token) as the first line."""
    from crosspost.ui.server import UiServer, announce

    server = UiServer(config, root, port=port, daemon=daemon, rescan=rescan).start()
    announce(server, open_browser=open_browser, echo=lambda s: click.echo(s))
    return server


UI_OPTIONS = [
    click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
                 help="Port on 127.0.0.1 (0: any free port)."),
    click.option("--no-browser", is_flag=True, help="Only print the address; do not open "
                 "the browser."),
]


@click.command("ui")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False),
              help="Stories folder (default: settings.stories_dir).")
@UI_OPTIONS[0]
@UI_OPTIONS[1]
@click.pass_obj
def ui_cmd(app: App, folder: Path | None, port: int, no_browser: bool) -> None:
    """Open the dashboard in your browser: stories, calendar, preview, adding a story,
    accounts. It runs on this computer only, until Ctrl-C.

    The first line printed is the page's address with a random token; releases you post
    from the page go out from here when no `crosspost watch` runs (use `crosspost watch
    --ui` to have the watcher serve the page)."""
    config = app.config
    server = start_ui(config, stories_root(config, folder), port=port,
                      open_browser=not no_browser, daemon=False)
    try:
        stop = threading.Event()
        while not stop.wait(0.5):
            if not server.thread.is_alive():
                break
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
