"""XML-RPC over one kept-alive httpx connection, with timeouts and honest error flags.

:class:`Transport` sends one ``LJ.XMLRPC.<mode>`` call and returns the decoded struct, or
raises a :class:`crosspost.errors.SiteError`:

- connection refused / DNS / connect timeout → ``TransportError`` (nothing was sent);
- timeouts or drops after the request went out → ``TransportError`` with
  ``maybe_committed`` set for calls that change something (the server may have acted);
- HTTP 429 → ``HTTPStatusError`` with ``retry_after`` from the ``Retry-After`` header;
- other non-200 answers → ``HTTPStatusError`` (5xx transient);
- a protocol fault → :class:`xmlrpc.client.Fault` (mapped to our tree by the caller, who
  knows the dialect).

Request bodies are never logged: they hold the auth fields.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import os
import socket
import ssl
import time
import xml.parsers.expat
import xmlrpc.client
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from crosspost import __version__
from crosspost.errors import (
    ConfigError,
    ConfigProblem,
    HTTPStatusError,
    SiteError,
    TransportError,
)
from crosspost.logs import get_logger

from . import wire

USER_AGENT = f"crosspost/{__version__} (+https://github.com/crosspost)"
XMLRPC_PATH = "/interface/xmlrpc"

log = get_logger("lj.transport")


def endpoint_url(server: str) -> str:
    """``https://host`` or a full URL → the XML-RPC endpoint."""
    url = server.strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    if not url.endswith(XMLRPC_PATH):
        url += XMLRPC_PATH
    return url


def private_wire(url: str) -> bool:
    """Can nobody else read what is sent to ``url``? TLS (verified: crosspost never turns
    verification off), or a server on this machine (a loopback address or ``localhost``)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) → seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@functools.lru_cache(maxsize=4)
def _verifying_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # certificates and host names checked; SSL_CERT_FILE / SSL_CERT_DIR honoured (httpx)
    return httpx.create_ssl_context()


def tls_context(scheme: str) -> ssl.SSLContext:
    """The TLS settings of a connection: for https, one verifying context shared by every
    account (loading the certificate store costs ~60 ms each time; a new one when
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` change); for plain http, where no TLS is spoken
    (redirects are not followed), an empty context that still requires certificates and so
    trusts nothing, rather than loading the store for nothing."""
    if scheme == "https":
        return _verifying_context(os.environ.get("SSL_CERT_FILE"),
                                  os.environ.get("SSL_CERT_DIR"))
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verify_mode CERT_REQUIRED, no CAs


class Transport:
    """One HTTP client for one endpoint. ``label`` names the site in messages."""

    def __init__(self, url: str, *, label: str, timeout: float = 30.0,
                 event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None) -> None:
        try:
            parsed = httpx.URL(url)
            why = "" if parsed.scheme in ("http", "https") and parsed.host else "not http(s)"
        except (httpx.InvalidURL, TypeError) as exc:
            why = str(exc) or "invalid"
        if why:
            raise ConfigError([ConfigProblem("accounts.*.server",
                                             f"{url!r} is not a usable server address ({why})")])
        self.url = url
        self.label = label
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=4,
                              keepalive_expiry=30.0)
        # headers and body go out in separate writes: without TCP_NODELAY the second one
        # waits for the server's delayed ACK (~40 ms per request)
        transport = httpx.HTTPTransport(
            verify=tls_context(parsed.scheme), limits=limits,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        self.client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT, "Content-Type": "text/xml"},
            event_hooks={k: list(v) for k, v in (event_hooks or {}).items()},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"<Transport {self.url}>"

    def call(self, mode: str, params: dict[str, Any], *, headers: Mapping[str, str] | None = None,
             mutating: bool = False) -> dict[str, Any]:
        """Send ``LJ.XMLRPC.<mode>`` with one struct; return the decoded answer."""
        body = wire.dumps(f"LJ.XMLRPC.{mode}", params)
        started = time.monotonic()
        try:
            resp = self.client.post(self.url, content=body, headers=dict(headers or {}))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout,
                httpx.UnsupportedProtocol) as exc:
            raise self._transport_error(mode, exc, sent=False) from None
        except httpx.TransportError as exc:
            raise self._transport_error(mode, exc, sent=mutating) from None
        finally:
            log.debug("%s %s: %.0f ms", self.label, mode, (time.monotonic() - started) * 1000)
        if resp.status_code != 200:
            raise self._status_error(mode, resp, mutating)
        try:
            result = wire.loads(resp.content)
        except xmlrpc.client.Fault:
            raise
        except (xml.parsers.expat.ExpatError, xmlrpc.client.ResponseError, ValueError,
                IndexError) as exc:
            raise SiteError(
                f"{self.label} sent an answer to {mode} that is not XML-RPC "
                f"({type(exc).__name__})",
                "the server may be down for maintenance or the server URL may point to a web "
                "page; try again later, or check the account's `server` setting",
                site=self.label, transient=True, maybe_committed=mutating) from None
        if not isinstance(result, dict):
            result = {"result": result}
        return result

    def _transport_error(self, mode: str, exc: Exception, *, sent: bool) -> TransportError:
        kind = type(exc).__name__
        cert = certificate_problem(exc)
        if cert is not None:  # the handshake failed: nothing was sent, and waiting won't help
            return TransportError(
                f"the TLS certificate of {self.label} at {self.url} is not valid: {cert}",
                _cert_fix(cert), site=self.label, transient=False)
        if sent:
            msg = (f"the connection to {self.label} failed after {mode} was sent ({kind}); "
                   "the site may have acted on it")
            fix = "crosspost checks the site before sending it again; nothing to do"
        else:
            msg = f"cannot reach {self.label} at {self.url} ({kind}: {exc})"
            fix = "check the network connection and the account's server URL, then retry"
        return TransportError(msg, fix, site=self.label, maybe_committed=sent)

    def _status_error(self, mode: str, resp: httpx.Response, mutating: bool) -> HTTPStatusError:
        status = resp.status_code
        if status == 429:
            wait = retry_after_seconds(resp.headers.get("Retry-After"))
            said = f" (Retry-After: {resp.headers.get('Retry-After')})" if wait is not None else ""
            return HTTPStatusError(
                f"{self.label} is rate limiting us: HTTP 429 Too Many Requests{said}",
                "crosspost waits and retries by itself; lower the account's "
                "`requests_per_minute` if this keeps happening",
                status=status, site=self.label, retry_after=wait)
        if status >= 500:
            # a 5xx can come after the server acted (a gateway timing out): reconcile first
            return HTTPStatusError(
                f"{self.label} answered {mode} with HTTP {status} {resp.reason_phrase}",
                "the site is having trouble; crosspost retries later",
                status=status, site=self.label, maybe_committed=mutating,
                retry_after=retry_after_seconds(resp.headers.get("Retry-After")))
        return HTTPStatusError(
            f"{self.label} answered {mode} with HTTP {status} {resp.reason_phrase} at {self.url}",
            "check that the account's `server` is an LJ-code site's address "
            "(the XML-RPC endpoint is <server>/interface/xmlrpc)",
            status=status, site=self.label)

    def close(self) -> None:
        self.client.close()


def certificate_problem(exc: BaseException) -> str | None:
    """The certificate check's own words when ``exc`` (or what caused it) is a failed TLS
    certificate verification, else None."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLCertVerificationError):
            return str(cur.verify_message or cur.reason or "verification failed")
        if "CERTIFICATE_VERIFY_FAILED" in str(cur):
            text = str(cur)
            return text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip() \
                or "verification failed"
        cur = cur.__cause__ or cur.__context__
    return None


def _cert_fix(problem: str) -> str:
    """What to do about a certificate problem, by what the check said."""
    low = problem.lower()
    if "expired" in low or "not yet valid" in low:
        what = ("the certificate is out of date: check this computer's date and time; if they "
                "are right, the site must renew its certificate")
    elif "hostname" in low or "ip address mismatch" in low:
        what = ("the certificate is for another name than the server URL: check the account's "
                "`server` setting (use the name the site's certificate is issued for)")
    elif "self-signed" in low or "self signed" in low or "local issuer" in low:
        what = ("the certificate is not signed by an authority this computer trusts: for a "
                "server of your own, install a certificate from a trusted authority, or add its "
                "authority to the certificates crosspost trusts (the SSL_CERT_FILE environment "
                "variable names a file of them)")
    else:
        what = "check the account's `server` setting and the site's certificate"
    return (f"{what}. crosspost does not retry this by itself; something between this computer "
            "and the site (a proxy, a captive Wi-Fi page) can also cause it")

