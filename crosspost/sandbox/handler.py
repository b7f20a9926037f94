"""The HTTP side of the sandbox (HTTP/1.1 keep-alive, one thread per connection).

Routes are listed in :mod:`crosspost.sandbox.server`, whose ``SandboxServer`` is the
:class:`Host` a request is served by.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from . import flat, pages
from .codes import ProtocolError, ServerCrash, fault_string
from .context import Call
from .faults import Rule
from .protocol import dispatch
from .wire import WireFault, check_content_type, dump_fault, dump_response, parse_request

if TYPE_CHECKING:
    import socket as _socket

    from .context import Site
    from .faults import Faults, RateLimiter, Stats
    from .world import World


class Host(Protocol):
    """What the request handler needs of the sandbox it serves (``server.SandboxServer``)."""

    dialect: str
    site: Site
    world: World
    faults: Faults
    stats: Stats
    limiter: RateLimiter | None

    def _opened(self, conn: _socket.socket) -> None: ...
    def _closed(self, conn: _socket.socket) -> None: ...
    def approve(self, modid: int) -> dict[str, Any]: ...
    def reject(self, modid: int) -> dict[str, Any]: ...
    def build_world(self, spec: dict[str, Any]) -> None: ...
    def entries_json(self, journal: str = "") -> list[dict[str, Any]]: ...
    def queue_json(self, journal: str | None) -> list[dict[str, Any]]: ...
    def world_json(self) -> dict[str, Any]: ...

log = logging.getLogger("crosspost.sandbox")
_PREFIX = "LJ.XMLRPC."


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: Host

    def handle_error(self, request: Any, client_address: Any) -> None:
        # clients that hang up (or dropped connections we caused) are not server errors
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "crosspost-sandbox/1"
    timeout = 120
    # one write per response and no Nagle: avoids 40 ms delayed-ACK stalls on keep-alive
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: HTTPServer

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
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
            self.close_connection = True  # the rest of the stream cannot be framed
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ---- verbs ----------------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/_sandbox/"):
            self._control("POST", path, body)
        elif path in ("/interface/xmlrpc", "/interface/flat"):
            with self.server.sandbox.stats.in_flight():
                (self._xmlrpc if path.endswith("xmlrpc") else self._flat)(body)
        else:
            self._send(405 if path.startswith("/interface/") else 404, pages.not_found())

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/_sandbox/"):
            self._control("GET", parts.path, b"", parse_qs(parts.query))
        elif parts.path == "/interface/flat":
            self._flat(b"")  # DW: GET is routed but only POST arguments are read (§1.3)
        elif parts.path.startswith("/interface/"):
            self._send(405, pages.not_found(), headers={"Allow": "POST"})
        else:
            self._page(parts.path)

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
        box.stats.count("limited")
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
            with box.world.batch():
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

    def _flat(self, body: bytes) -> None:
        box = self.server.sandbox
        if not self._admit():
            return
        mode = flat.parse_form(body).get("mode", "")
        if mode:
            box.stats.count("mode", str(mode))
        rule = box.faults.pick(str(mode))
        if rule is not None:
            box.stats.count("fault", rule.kind)
            if self._inject_before(rule, box.site.wire_dialect):
                return
        try:
            with box.world.batch():
                _, payload = flat.handle(self._call(), body)
        except Exception as exc:  # a die outside the protocol's error path: HTTP 500
            log.debug("flat mode %s died", mode, exc_info=True)
            payload, status = f"Internal Server Error: {exc}".encode(), 500
        else:
            status = 200
        if rule is not None and rule.kind == "drop_after":
            self._drop()
            return
        self._send(status, payload, "text/plain; charset=utf-8")

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
        """``path`` still %-encoded: a tag may hold a "/" (``pairing: a/b``)."""
        if not self._admit():
            return
        world = self.server.sandbox.world
        dialect = self.server.sandbox.dialect
        parts = [unquote(p) for p in path.split("/") if p]
        if not parts:
            self._send(200, pages.site_page(world))
            return
        if len(parts) == 1:
            if not path.endswith("/"):
                self._send(301, b"", headers={"Location": f"/{parts[0]}/"})
                return
            page = pages.journal_page(world, parts[0], dialect)
            self._send(200 if page else 404, page or pages.not_found())
            return
        if len(parts) == 3 and parts[1] == "tag":  # DW: /<journal>/tag/<tag>
            page = pages.journal_page(world, parts[0], dialect, tag=parts[2])
            self._send(200 if page else 404, page or pages.not_found())
            return
        entry = pages.find_entry(world, parts[0], parts[1]) if len(parts) == 2 else None
        if entry is None:
            self._send(404, pages.not_found())
            return
        acct = world.get(entry.journal)
        self._send(200, pages.entry_page(entry, acct.fullname if acct else entry.journal,
                                         dialect))

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
            elif what == "world" and verb == "POST":
                box.build_world(json.loads(body or b"{}"))
                self._json(box.world_json())
            elif what == "world":
                self._json(box.world_json())
            elif what in ("approve", "reject") and verb == "POST":
                modid = int(json.loads(body or b"{}")["modid"])
                self._json(box.approve(modid) if what == "approve" else box.reject(modid))
            else:
                self._json({"error": f"no such control endpoint: {verb} {path}"}, 404)
        except (ValueError, TypeError, KeyError) as exc:
            self._json({"error": str(exc)}, 400)
