"""``SandboxServer``: a local LJ-protocol site following the reference (see the package doc).

Routes (served by :mod:`.handler`):
- ``POST /interface/xmlrpc``: the LJ protocol (§1.1); other methods get 405;
- ``POST /interface/flat``: the flat protocol (§1.3);
- ``GET /``, ``GET /<journal>/``, ``GET /<journal>/<ditemid>.html``: HTML pages;
- ``/_sandbox/...``: control and inspection for tests and benchmarks (never rate limited,
  never delayed, not counted): ``GET|POST|DELETE faults``, ``GET stats``,
  ``POST reset-stats``, ``GET entries[?journal=X]``, ``GET queue[?journal=X]``,
  ``GET|POST world``, ``POST approve|reject {"modid": N}``.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

from . import posting
from .auth import Auth
from .context import Call, Site
from .faults import Faults, RateLimiter, Stats
from .handler import Handler, HTTPServer
from .options import DIALECTS, SandboxOptions
from .seed import seed
from .world import World


class SandboxServer:
    """A local LJ-protocol site following the reference (see the package docstring)."""

    def __init__(self, state_path: Path | str | None = None, dialect: str = "dw",
                 host: str = "127.0.0.1", port: int = 0, seed: bool = True,
                 tls: ssl.SSLContext | None = None, **options: Any) -> None:
        """``tls``: serve HTTPS with this server-side context (its certificate is what
        clients see: a test can present an expired, self-signed or wrong-name one)."""
        if dialect not in DIALECTS:
            raise ValueError(f"unknown sandbox dialect {dialect!r}; use one of {DIALECTS}")
        self.options = SandboxOptions.build(**options)
        self.dialect = dialect
        self.host = host
        self.port = port
        self.state_path = Path(state_path) if state_path is not None else None
        self.world = World(self.state_path, rng_seed=self.options.rng_seed)
        self._load_or_seed(seed)
        self.faults = Faults(latency_ms=self.options.latency_ms, seed=self.options.rng_seed,
                             random_rate=self.options.fault_rate)
        self.stats = Stats()
        self.limiter: RateLimiter | None = None
        if self.options.rate_limit:
            self.set_rate_limit(True)
        self.site = Site(world=self.world, dialect=dialect, opts=self.options,
                         auth=Auth(self.world, dialect, self.options))
        self.tls = tls
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def _load_or_seed(self, do_seed: bool) -> None:
        path = self.state_path
        if path is not None and path.exists() and path.stat().st_size > 0:
            try:
                self.world.load(path)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"sandbox state file {path} is unreadable ({exc}); move it "
                                 "away to start a fresh sandbox") from None
        elif do_seed:
            seed(self.world)

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        """Serve in a background (daemon) thread; returns self."""
        if self._httpd is not None:
            return self
        httpd = HTTPServer((self.host, self.port), Handler)
        if self.tls is not None:  # the handshake runs on accept; a refused one drops only it
            httpd.socket = self.tls.wrap_socket(httpd.socket, server_side=True)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.site.base_url = self.url
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={
            "poll_interval": 0.05}, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the CLI); Ctrl-C ends it."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        with self._conn_lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _opened(self, conn: socket.socket) -> None:
        self.stats.count("connection")
        with self._conn_lock:
            self._conns.add(conn)

    def _closed(self, conn: socket.socket) -> None:
        with self._conn_lock:
            self._conns.discard(conn)

    # ---- conveniences ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"{'https' if self.tls is not None else 'http'}://{host}:{self.port}"

    @property
    def xmlrpc_url(self) -> str:
        return f"{self.url}/interface/xmlrpc"

    def set_rate_limit(self, enabled: bool, anon_per_min: int | None = None,
                       user_per_min: int | None = None, window: float | None = None) -> None:
        """Turn the HTTP leaky bucket on or off (§8), optionally with new numbers."""
        opts = self.options
        opts.rate_limit = enabled
        opts.rate_anon_per_min = anon_per_min or opts.rate_anon_per_min
        opts.rate_user_per_min = user_per_min or opts.rate_user_per_min
        opts.rate_window = window or opts.rate_window
        self.limiter = RateLimiter(opts.rate_anon_per_min, opts.rate_user_per_min,
                                   opts.rate_window) if enabled else None

    def set_readonly(self, readonly: bool = True) -> None:
        """DW's temporary read-only mode: posting and editing get 306."""
        self.site.readonly = readonly

    def approve(self, modid: int) -> dict[str, Any]:
        """Approve a queued post (moderation); returns the postevent result."""
        return posting.approve(Call(site=self.site, ip="127.0.0.1", headers={}), modid)

    def reject(self, modid: int) -> dict[str, Any]:
        posting.reject(Call(site=self.site, ip="127.0.0.1", headers={}), modid)
        return {"rejected": modid}

    def build_world(self, spec: dict[str, Any]) -> None:
        """Add accounts from JSON: ``{"users": [{"name", "password", "api_keys", ...}],
        "communities": [{"name", "members", "maintainers", "moderated", "tags", ...}],
        "roles": [{"community", "user", "member"|"maintainer"|...: bool}]}``."""
        with self.world.batch():
            for user in spec.get("users", []):
                self.world.add_user(**user)
            for comm in spec.get("communities", []):
                self.world.add_community(**comm)
            for role in spec.get("roles", []):
                role = dict(role)
                self.world.set_role(role.pop("community"), role.pop("user"), **role)

    def entries_json(self, journal: str = "") -> list[dict[str, Any]]:
        """Entries of one journal (all journals when empty) as JSON-ready dicts."""
        with self.world.lock:
            names = [journal] if journal else sorted(self.world.entries)
        out = []
        for entry in (e for name in names for e in self.world.list_entries(name)):
            data = {k: v for k, v in vars(entry).items()}
            data.update(ditemid=entry.ditemid, url=self.site.entry_url(entry))
            out.append(data)
        return out

    def queue_json(self, journal: str | None) -> list[dict[str, Any]]:
        return [vars(q).copy() for q in self.world.queued(journal)]

    def world_json(self) -> dict[str, Any]:
        with self.world.lock:
            return {"dialect": self.dialect, "url": self.url, "accounts": [
                {"name": a.name, "kind": "community" if a.is_community else "user",
                 "members": a.members, "maintainers": a.maintainers, "moderated": a.moderated,
                 "tags": a.tags} for a in self.world.accounts.values()]}
