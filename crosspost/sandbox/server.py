"""``SandboxServer``: the HTTP side (HTTP/1.1 keep-alive, threads) of the sandbox site.

Routes:
- ``POST /interface/xmlrpc``: the LJ protocol (§1.1); other methods get 405;
- ``GET /``, ``GET /<journal>/``, ``GET /<journal>/<ditemid>.html``: HTML pages;
- ``/_sandbox/...``: control and inspection for tests and benchmarks (never rate limited,
  never delayed, not counted): ``GET|POST|DELETE faults``, ``GET stats``,
  ``POST reset-stats``, ``GET entries?journal=X``, ``GET queue?journal=X``, ``GET world``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import pages
from .auth import Auth
from .codes import ProtocolError, ServerCrash, fault_string
from .context import Call, Site
from .faults import Faults, RateLimiter, Rule, Stats
from .options import DIALECTS, SandboxOptions
from .protocol import dispatch
from .wire import WireFault, check_content_type, dump_fault, dump_response, parse_request
from .world import World, seed

log = logging.getLogger("crosspost.sandbox")
_PREFIX = "LJ.XMLRPC."


class _Drop(Exception):
    """Close the connection without answering."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "crosspost-sandbox/1"
    timeout = 120
    server: _HTTPServer

    # ---- plumbing -------------------------------------------------------------------------
    def setup(self) -> None:
        super().setup()
        self.server.sandbox._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, count: bool = True) -> None:
        if count:
            self.server.sandbox.stats.count("status", str(status))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"),
                   "application/json", count=False)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- verbs ----------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/_sandbox/"):
            self._control("POST", path, body)
        elif path == "/interface/xmlrpc":
            self._xmlrpc(body)
        else:
            self._send(405 if path.startswith("/interface/") else 404, pages.not_found())

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/_sandbox/"):
            self._control("GET", parts.path, b"", parse_qs(parts.query))
        elif parts.path.startswith("/interface/"):
            self._send(405, pages.not_found(), headers={"Allow": "POST"})
        else:
            self._page(unquote(parts.path))

    do_HEAD = do_GET

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        self._body()
        self._control("DELETE", path, b"")

    # ---- the protocol ---------------------------------------------------------------------
    def _admit(self) -> bool:
        """Count, delay and rate-limit one public request; False if answered with 429."""
        box = self.server.sandbox
        box.stats.count("request")
        if box.faults.latency_ms:
            time.sleep(box.faults.latency_ms / 1000)
        if box.limiter is None:
            return True
        sess = box.site.auth.session_for(self.headers.get("Cookie"), self.client_address[0])
        key = f"user:{sess.user}" if sess else f"ip:{self.client_address[0]}"
        # DW exempts loopback; the sandbox must not, or it would test nothing (§8)
        if box.limiter.allow(key, per_user=sess is not None):
            return True
        box.stats.count("fault", "rate_limited")
        self._send(429, pages.too_many_requests(),
                   headers={"Retry-After": str(box.limiter.retry_after)})
        return False

    def _xmlrpc(self, body: bytes) -> None:
        box = self.server.sandbox
        if not self._admit():
            return
        dialect = box.site.wire_dialect
        try:
            check_content_type(self.headers.get("Content-Type"))
            method, params = parse_request(body)
            if ":" in method or "'" in method:
                raise WireFault("Client", f"Denied access to method ({method}) in class (main)")
            if not method.startswith(_PREFIX):
                cls, _, name = method.rpartition(".")
                raise WireFault("Client", f"Denied access to method ({name}) in class "
                                          f"({cls.replace('.', '::') or 'main'})")
        except WireFault as exc:
            self._send(200, dump_fault(exc.code, exc.message, dialect), "text/xml")
            return
        mode = method[len(_PREFIX):]
        box.stats.count("mode", mode)
        rule = box.faults.pick(mode)
        if rule is not None:
            box.stats.count("fault", rule.kind)
            if self._inject_before(rule, dialect):
                return
        try:
            with box.world.lock:
                result = dispatch(self._call(), mode, params)
            payload = dump_response(result, dialect)
        except ProtocolError as exc:
            payload = dump_fault(exc.code, fault_string(exc.code, exc.detail, box.dialect),
                                 dialect)
        except ServerCrash as exc:
            payload = dump_fault("Server", str(exc), dialect)
        except Exception as exc:  # like Perl's die: a SOAP "Server" fault, not a crash
            log.exception("sandbox mode %s failed", mode)
            payload = dump_fault("Server", f"{type(exc).__name__}: {exc}", dialect)
        if rule is not None and rule.kind == "drop_after":
            self._drop()  # committed, but the client never hears about it
            return
        self._send(200, payload, "text/xml")

    def _call(self) -> Call:
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Call(site=self.server.sandbox.site, ip=self.client_address[0], headers=headers)

    def _inject_before(self, rule: Rule, dialect: str) -> bool:
        """Apply a rule before processing; True when the request has been answered/dropped."""
        box = self.server.sandbox
        if rule.kind == "delay":
            time.sleep(rule.delay_ms / 1000)
            return False
        if rule.kind == "drop_before":
            self._drop()
            return True
        if rule.kind in ("http500", "http429"):
            status = 429 if rule.kind == "http429" else int(rule.code or 500)
            headers = {}
            retry = rule.retry_after if rule.retry_after is not None else (
                60 if rule.kind == "http429" else None)
            if retry is not None:
                headers["Retry-After"] = str(int(retry) if float(retry).is_integer() else retry)
            body = pages.too_many_requests() if status == 429 else pages.server_error(status)
            self._send(status, body, headers=headers)
            return True
        if rule.kind == "fault":
            code = rule.code if rule.code is not None else 500
            if isinstance(code, str) and not code.isdigit():
                payload = dump_fault(code, rule.message or "Injected failure", dialect)
            else:
                payload = dump_fault(int(code), rule.message or fault_string(
                    int(code), "", box.dialect), dialect)
            self._send(200, payload, "text/xml")
            return True
        return False

    # ---- pages ----------------------------------------------------------------------------
    def _page(self, path: str) -> None:
        if not self._admit():
            return
        world = self.server.sandbox.world
        parts = [p for p in path.split("/") if p]
        if not parts:
            self._send(200, pages.site_page(world))
            return
        if len(parts) == 1:
            if not path.endswith("/"):
                self._send(301, b"", headers={"Location": f"/{parts[0]}/"})
                return
            page = pages.journal_page(world, parts[0])
            self._send(200 if page else 404, page or pages.not_found())
            return
        entry = pages.find_entry(world, parts[0], parts[1]) if len(parts) == 2 else None
        if entry is None:
            self._send(404, pages.not_found())
            return
        acct = world.get(entry.journal)
        self._send(200, pages.entry_page(entry, acct.fullname if acct else entry.journal))

    # ---- control --------------------------------------------------------------------------
    def _control(self, verb: str, path: str, body: bytes,
                 query: dict[str, list[str]] | None = None) -> None:
        box = self.server.sandbox
        what = path.removeprefix("/_sandbox/").strip("/")
        journal = ((query or {}).get("journal") or [""])[0]
        try:
            if what == "faults" and verb == "POST":
                box.faults.configure(json.loads(body or b"{}"))
                self._json(box.faults.describe())
            elif what == "faults" and verb == "DELETE":
                box.faults.clear()
                self._json(box.faults.describe())
            elif what == "faults":
                self._json(box.faults.describe())
            elif what == "stats":
                self._json(box.stats.snapshot())
            elif what == "reset-stats" and verb == "POST":
                box.stats.reset()
                self._json(box.stats.snapshot())
            elif what == "entries":
                self._json(box.entries_json(journal))
            elif what == "queue":
                self._json(box.queue_json(journal or None))
            elif what == "world":
                self._json(box.world_json())
            else:
                self._json({"error": f"no such control endpoint: {verb} {path}"}, 404)
        except (ValueError, TypeError, KeyError) as exc:
            self._json({"error": str(exc)}, 400)


class SandboxServer:
    """A local LJ-protocol site following the reference (see the package docstring)."""

    def __init__(self, state_path: Path | str | None = None, dialect: str = "dw",
                 host: str = "127.0.0.1", port: int = 0, seed: bool = True,
                 **options: Any) -> None:
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
        self._httpd: _HTTPServer | None = None
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
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.site.base_url = self.url
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={
            "poll_interval": 0.1}, name=f"sandbox-{self.port}", daemon=True)
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
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
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
        return f"http://{host}:{self.port}"

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

    def entries_json(self, journal: str) -> list[dict[str, Any]]:
        out = []
        for entry in self.world.list_entries(journal):
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
