"""Getting ready for the first post while the daemon sits idle after starting.

The first story after a start used to pay for loading the parser, the renderer, the site
adapter and its HTTP library, and for creating the adapter's HTTP client (a third of a second
or more). Once the start-up scan is done, a background thread does that work ahead of time.

It makes **no request and reads no secret**: each account an automatic target posts through
gets its adapter from the pool (the same one the first post would create), nothing more. A
failure here (an unknown site, say) is left for the post that needs the account to report,
exactly as before. Decisions and posts still happen only in the daemon's main thread.
"""

from __future__ import annotations

import importlib
import threading
import time
from typing import TYPE_CHECKING

from crosspost.errors import CrosspostError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery.pool import AdapterPool

log = get_logger("daemon")

#: what taking any text story loads (Markdown and HTML parsers load when a story needs them)
MODULES = ("crosspost.story.parse", "crosspost.render")


def accounts_to_warm(config: Config) -> list[str]:
    """The accounts the daemon posts through on its own (targets with ``auto``), sorted."""
    return sorted({t.account for t in config.targets.values() if t.auto})


class Warmup:
    """One background warm-up; :meth:`join` before closing the pool."""

    def __init__(self, config: Config, pool: AdapterPool, stop: threading.Event) -> None:
        self.config = config
        self.pool = pool
        self.stop = stop
        self.thread = threading.Thread(target=self._run, name="crosspost-warmup",
                                       daemon=True)

    def start(self) -> Warmup:
        self.thread.start()
        return self

    def join(self, timeout: float = 5.0) -> None:
        if self.thread.is_alive():
            self.thread.join(timeout)

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for name in MODULES:
                if self.stop.is_set():
                    return
                importlib.import_module(name)
            for account in accounts_to_warm(self.config):
                if self.stop.is_set():
                    return
                try:
                    self.pool.adapter(account)  # imports the adapter; creates its client
                except CrosspostError as exc:  # said by the first post that needs it
                    log.debug("warm-up: account %s not ready: %s", account, exc.message)
        except Exception:  # a warm-up must never take the daemon down
            log.debug("warm-up failed; the first post loads what it needs", exc_info=True)
            return
        log.debug("warmed up in %.0f ms", (time.monotonic() - started) * 1000)
