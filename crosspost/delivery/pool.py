"""One adapter per account, created on first use, and the per-site concurrency bound.

The pool also remembers accounts whose login failed during this run: the servers ban an IP
after a few failed logins (reference §2.4), so after one such failure no further call is
made for that account until the next run.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from crosspost.delivery.plan import classify
from crosspost.errors import ConfigError, ConfigProblem, CrosspostError, SiteError
from crosspost.logs import get_logger

if TYPE_CHECKING:
    from crosspost.adapter import Adapter
    from crosspost.config import Account, Config

log = get_logger("delivery")

AdapterFactory = Callable[[str, "Account"], "Adapter"]

#: At most this many requests in flight per site (per server URL for generic sites), unless
#: the site's accounts set ``max_parallel``.
PER_SITE = 4

#: How long closing the pool waits for logins started ahead (:meth:`AdapterPool.prepare`).
PREPARE_JOIN_SECONDS = 5.0


def default_factory(name: str, account: Account) -> Adapter:
    """``adapter_class(account.site)(account, secret_for(name))``."""
    from crosspost.adapter import adapter_class
    from crosspost.config.secrets import secret_for

    return adapter_class(account.site)(account, secret_for(name))


class AdapterPool:
    """Adapters by account name; thread-safe."""

    def __init__(self, config: Config, *, per_site: int = PER_SITE,
                 factory: AdapterFactory = default_factory) -> None:
        self.config = config
        self.per_site = per_site
        self._factory = factory
        self._lock = threading.Lock()
        self._adapters: dict[str, Adapter] = {}
        self._making: dict[str, threading.Lock] = {}  # one adapter made at a time per account
        self._slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._blocked: dict[str, CrosspostError] = {}
        self._block_until: dict[str, float] = {}
        self._gates: dict[str, threading.Lock] = {}
        self._tried: set[str] = set()
        #: sites found unreachable in this run (after a delivery's in-line retries)
        self._down: set[tuple[str, str]] = set()
        self._told: set[tuple[str, str]] = set()
        self._preparing: dict[str, threading.Thread] = {}

    def account(self, name: str) -> Account:
        try:
            return self.config.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.config.accounts)) or "none defined"
            raise ConfigError([ConfigProblem(f"accounts.{name}",
                                             f"no such account (accounts: {known})")]) from None

    def adapter(self, name: str) -> Adapter:
        """The account's adapter, created on first use. Raises what creating it raises
        (ConfigError for an unknown site, SecretError for a missing secret)."""
        with self._lock:
            found = self._adapters.get(name)
            if found is not None:
                return found
            making = self._making.setdefault(name, threading.Lock())
        # made outside the pool's lock: a first import or a keyring read for one account
        # must not hold up the threads of the others
        with making:
            with self._lock:
                found = self._adapters.get(name)
            if found is None:
                found = self._factory(name, self.account(name))
                with self._lock:
                    self._adapters[name] = found
            return found

    def prepare(self, names: Iterable[str]) -> None:
        """Let the accounts' adapters get ready (log in) in the background while the engine
        renders and records (:meth:`Adapter.prepare`), each in one of its site's slots.
        What goes wrong there is met again by the first call: a refused login blocks the
        account, as a call's would."""
        for name in dict.fromkeys(names):
            with self._lock:
                running = self._preparing.get(name)
                if (running is not None and running.is_alive()) or (
                        name not in self.config.accounts):
                    continue
                thread = self._preparing[name] = threading.Thread(
                    target=self._prepare, args=(name,), daemon=True,
                    name=f"crosspost-prepare-{name}")
            thread.start()

    def _prepare(self, name: str) -> None:
        from crosspost.adapter import Adapter

        try:
            if self.blocked(name) is not None:
                return
            adapter = self.adapter(name)
            if type(adapter).prepare is Adapter.prepare:
                return  # nothing to do: and the account's first call must still run alone
            with self.slot(name):
                adapter.prepare()
        except Exception as exc:  # the first call meets it again, and says it
            log.debug("%s: getting ready failed: %r", name, exc)

    @contextlib.contextmanager
    def slot(self, name: str) -> Iterator[None]:
        """Hold one of the site's concurrent-request slots.

        An account's first call runs alone: if its login fails, the other threads see the
        account blocked instead of each trying (and failing) to log in too. An adapter that
        guards its own login (``guards_login``: one login, then every call in parallel) is
        not held back: its first wave of calls goes out together.
        """
        key = self._site(name)
        with self._lock:
            sem = self._slots.get(key)
            if sem is None:
                sem = self._slots[key] = threading.BoundedSemaphore(self._bound(key))
            gate = self._gates.setdefault(name, threading.Lock())
        first = False
        with self._lock:
            guarded = getattr(self._adapters.get(name), "guards_login", False)
        if not guarded and name not in self._tried:
            gate.acquire()
            if name in self._tried:
                gate.release()
            else:
                first = True
        try:
            blocked = self.blocked(name)
            if blocked is not None:
                raise blocked
            with sem:
                blocked = self.blocked(name)  # blocked while this thread waited its turn
                if blocked is not None:
                    raise blocked
                yield
        except SiteError as exc:
            if classify(exc) == "auth":
                self.block(name, exc)  # before the gate opens for the next thread
            raise
        finally:
            if first:
                self._tried.add(name)
                gate.release()

    def accounts_of(self, targets: Iterable[str]) -> list[str]:
        """The accounts the configured ``targets`` post with (unknown targets left out)."""
        return [self.config.targets[t].account for t in targets if t in self.config.targets]

    def width(self, accounts: Iterable[str]) -> int:
        """How many requests can be in flight at once for ``accounts``: the sum of their
        sites' bounds (at least 1)."""
        sites = {self._site(a) for a in accounts if a in self.config.accounts}
        return max(1, sum(self._bound(key) for key in sites))

    def _bound(self, key: tuple[str, str]) -> int:
        """The site's concurrency bound: the smallest ``max_parallel`` of its accounts."""
        given = [a.max_parallel for a in self.config.accounts.values()
                 if (a.site, a.server or "") == key and a.max_parallel is not None]
        return min(given, default=self.per_site)

    def _site(self, name: str) -> tuple[str, str]:
        acc = self.account(name)
        return (acc.site, acc.server or "")

    def mark_down(self, name: str) -> None:
        """The account's site could not be reached, even after waiting: later deliveries
        of this run do not wait for it in line."""
        with self._lock:
            self._down.add(self._site(name))

    def first_unreachable(self, name: str) -> bool:
        """True only the first time in this run that ``name``'s site is found unreachable
        (the person is told at once, and once, not per delivery)."""
        with self._lock:
            key = self._site(name)
            if key in self._told:
                return False
            self._told.add(key)
            return True

    def is_down(self, name: str) -> bool:
        with self._lock:
            return self._site(name) in self._down

    def block(self, name: str, err: CrosspostError) -> None:
        """No more calls for this account in this run (failed login, missing secret); a
        login ban (an error with ``retry_after``) only until the ban is over, so a
        long-running daemon tries the account again after it."""
        wait = getattr(err, "retry_after", None)
        with self._lock:
            if name not in self._blocked:
                self._blocked[name] = err
                if wait:
                    self._block_until[name] = time.monotonic() + float(wait)

    @contextlib.contextmanager
    def reach(self, name: str) -> Iterator[Adapter]:
        """The account's adapter while one of its site's slots is held; the account's block
        (a refused login this run) is raised instead of calling the site again."""
        blocked = self.blocked(name)
        if blocked is not None:
            raise blocked
        adapter = self.adapter(name)
        with self.slot(name):
            yield adapter

    def blocked(self, name: str) -> CrosspostError | None:
        with self._lock:
            until = self._block_until.get(name)
            if until is not None and time.monotonic() >= until:
                del self._block_until[name]
                self._blocked.pop(name, None)
            return self._blocked.get(name)

    def close(self) -> None:
        with self._lock:
            preparing = list(self._preparing.values())
        # a login under way ends before its connection is closed (within reason: one held
        # back by the site's request budget is cut short, and the next call logs in)
        deadline = time.monotonic() + PREPARE_JOIN_SECONDS
        for thread in preparing:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            adapters, self._adapters = list(self._adapters.values()), {}
        for a in adapters:
            with contextlib.suppress(Exception):
                a.close()
