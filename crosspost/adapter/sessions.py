"""Login sessions kept between runs, in the OS keyring next to the account's secret.

A site session (LJ-code sites: the ``ljsession`` cookie, 1.5 days) saves a login per run:
a ``crosspost post`` run or a daemon restart a few hours after the last one uses the same
session instead of logging in again. A session is a credential, so it lives where secrets
live (the keyring, service ``crosspost-session``, the account name as user name), never in
the config, the state file, logs or reprs. Without a usable keyring nothing is kept and
every run logs in once, as before.

Each saved session records the server and user name it belongs to: a session saved for
another server or user (the account's config changed) is never used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crosspost.logs import get_logger

SERVICE = "crosspost-session"

log = get_logger("sessions")


@dataclass(frozen=True)
class SavedSession:
    """A session cookie and when the site issued it (wall-clock seconds since the epoch)."""

    cookie: str
    started: float

    def __repr__(self) -> str:
        return f"<SavedSession started {self.started:.0f}>"


class SessionStore:
    """One account's saved session: ``load``, ``save``, ``clear`` (all best effort: a keyring
    that cannot be read or written means no saved session, never an error)."""

    def __init__(self, account_name: str, owner: str) -> None:
        self.account_name = account_name
        self.owner = owner  # "<server> <username>": the session is valid only there

    def __repr__(self) -> str:
        return f"<SessionStore {self.account_name!r}>"

    def load(self) -> SavedSession | None:
        backend = _backend()
        if backend is None:
            return None
        try:
            raw = backend.get_password(SERVICE, self.account_name)
            data = json.loads(raw) if raw else None
        except Exception as exc:  # a locked keyring or a damaged entry: log in afresh
            log.debug("saved session unreadable: %s", type(exc).__name__)
            return None
        if not isinstance(data, dict) or data.get("owner") != self.owner:
            return None
        cookie, started = data.get("cookie"), data.get("started")
        if not isinstance(cookie, str) or not cookie or not isinstance(started, int | float):
            return None
        return SavedSession(cookie, float(started))

    def save(self, session: SavedSession) -> None:
        backend = _backend()
        if backend is None:
            return
        value = json.dumps({"owner": self.owner, "cookie": session.cookie,
                            "started": session.started})
        try:
            backend.set_password(SERVICE, self.account_name, value)
        except Exception as exc:  # not kept: the next run logs in once more
            log.debug("session not saved: %s", type(exc).__name__)

    def clear(self) -> None:
        backend = _backend()
        if backend is None:
            return
        try:
            backend.delete_password(SERVICE, self.account_name)
        except Exception as exc:  # nothing saved, or the keyring refuses: nothing to do
            log.debug("saved session not removed: %s", type(exc).__name__)


def _backend() -> Any:
    from crosspost.config.secrets import keyring_backend

    backend, _ = keyring_backend()
    return backend


def session_store(account_name: str, server: str, username: str) -> SessionStore | None:
    """The saved-session store of a configured account (None without an account name)."""
    if not account_name:
        return None
    return SessionStore(account_name, f"{server} {username}")

