"""One account's authenticated, paced protocol calls: transport + auth + pacing + faults.

:meth:`Client.call` adds ``ver=1`` and ``usejournal``, authenticates (session or
challenge), paces under the site's budget, waits out a short 429 (``Retry-After`` ≤ 120 s:
the request was not processed, so sending it again is safe) and maps protocol faults to
crosspost's exception tree. Results come back decoded (:func:`wire.decode`).
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable, Mapping
from typing import Any

from crosspost.adapter import about_to_send, session_store
from crosspost.errors import HTTPStatusError
from crosspost.logs import get_logger

from . import wire
from .auth import Authenticator
from .faults import FaultContext, fault_error
from .pacing import Pacer, pacer_for
from .profile import SiteProfile
from .transport import Transport, endpoint_url, private_wire

log = get_logger("lj.client")

#: a 429 asking us to wait at most this long is waited out inside the adapter
MAX_INLINE_WAIT = 120.0
#: the window a request budget counts over, with a second of margin for clock edges
PACING_PERIOD = 61.0


class Client:
    """Protocol calls for one account on one server."""

    def __init__(self, *, server: str, username: str, secret: Callable[[], str],
                 profile: SiteProfile, account_name: str = "", timeout: float = 30.0,
                 use_sessions: bool = True, requests_per_minute: float | None = None,
                 event_hooks: Mapping[str, list[Callable[..., Any]]] | None = None) -> None:
        self.url = endpoint_url(server)
        self.username = username.strip().lower().replace("-", "_")
        self.profile = profile
        self.account_name = account_name
        self.transport = Transport(self.url, label=profile.label, timeout=timeout,
                                   event_hooks=event_hooks)
        # a configured account's session is kept in the keyring for the next run
        self.auth = Authenticator(self._send, self.username, secret, use_sessions=use_sessions,
                                  store=session_store(account_name, self.url, self.username),
                                  one_step=private_wire(self.url))
        self._budgets = {"anon": requests_per_minute or profile.anon_rpm,
                         "user": requests_per_minute or profile.session_rpm}
        self.requests = 0  # HTTP requests sent (stats)

    def __repr__(self) -> str:
        return f"<Client {self.username}@{self.url}>"

    def pacer(self, bucket: str) -> Pacer:
        """The shared pacer of one bucket ("anon" or "user:<name>") on this server."""
        budget = self._budgets["anon" if bucket == "anon" else "user"]
        return pacer_for(self.url, bucket, budget, PACING_PERIOD)

    def _send(self, mode: str, params: dict[str, Any], *, headers: Mapping[str, str],
              bucket: str, mutating: bool) -> dict[str, Any]:
        pacer = self.pacer(bucket)
        pacer.acquire()
        if mutating:
            about_to_send()  # after any wait: a lost request is judged from now
        self.requests += 1
        try:
            return self.transport.call(mode, params, headers=headers, mutating=mutating)
        except HTTPStatusError as exc:
            if exc.status == 429:
                # every caller of this bucket holds off, not only this one
                pacer.hold(exc.retry_after if exc.retry_after is not None else 60.0)
            raise

    def context(self, mode: str, journal: str | None, mutating: bool) -> FaultContext:
        return FaultContext(label=self.profile.label, dialect=self.profile.dialect, mode=mode,
                            username=self.username, journal=journal,
                            account_name=self.account_name, mutating=mutating,
                            api_keys=self.profile.api_keys,
                            api_key_page=self.profile.api_key_page)

    def call(self, mode: str, params: dict[str, Any] | None = None, *,
             journal: str | None = None, mutating: bool = False) -> dict[str, Any]:
        """An authenticated ``LJ.XMLRPC.<mode>`` call; ``journal`` becomes ``usejournal``."""
        req: dict[str, Any] = {"ver": 1, **(params or {})}
        if journal:
            req["usejournal"] = journal
        for attempt in (1, 2, 3):
            try:
                return wire.decode(self.auth.call(mode, req, mutating=mutating))
            except xmlrpc.client.Fault as fault:
                raise fault_error(fault, self.context(mode, journal, mutating)) from None
            except HTTPStatusError as exc:
                wait = exc.retry_after if exc.retry_after is not None else 60.0
                if exc.status != 429 or wait > MAX_INLINE_WAIT or attempt == 3:
                    raise
                # not processed: the pacer holds the bucket for `wait`, then we send again
                log.info("%s asked us to wait %.0f s (HTTP 429); waiting", self.profile.label,
                         wait, extra={"event": "wait"})
        raise AssertionError("unreachable")

    def prepare(self) -> None:
        """Log in ahead of the first call (a saved, valid session: nothing is sent)."""
        try:
            self.auth.ready()
        except xmlrpc.client.Fault as fault:
            raise fault_error(fault, self.context("sessiongenerate", None, False)) from None

    def close(self) -> None:
        try:
            self.auth.close()
        finally:
            self.transport.close()
