"""The one exception tree of crosspost.

Every error a user can meet is a :class:`CrosspostError`. It carries a human message and a
``fix`` (what to do about it); the CLI prints both and exits with ``exit_code``, never a
traceback. Anything else escaping to the CLI is a bug.

::

    CrosspostError
    ├── UserError                 exit 2: the user can fix it locally
    │   ├── ConfigError           config file/keys; carries every problem with its key path
    │   ├── StoryError            a story file that cannot be parsed (path, line)
    │   ├── WhenError             a release time that cannot be understood
    │   └── SecretError           no secret for an account / no keyring backend
    ├── StateError                exit 4: registry locked, corrupt or from a newer version
    └── SiteError                 exit 3: a site refused or could not be reached
        ├── TransportError        connection refused/reset, timeout (transient)
        ├── HTTPStatusError       non-200 HTTP answer; 429 and 5xx are transient
        └── FaultError            the protocol's own fault (code + server text)
            ├── AuthError         100/101/105: bad user name, password or API key
            ├── LoginBanned       402: too many failed logins, wait
            ├── AccessError       300/303/304/306/…: no access to the journal
            ├── TagPermissionError 312: may not tag entries in this journal
            ├── TooLargeError     409/411: post or subject too long
            ├── EntryGoneError    302: the entry no longer exists on the site
            ├── RateLimitedError  405/406/407/408 and LJ's 402/411: slow down
            └── ServerFaultError  5xx codes and string "Server" faults (transient)

``SiteError.transient`` tells the retry logic whether trying again later can help;
``SiteError.maybe_committed`` tells the delivery engine that the site may have acted even
though no answer arrived (a timeout or a connection dropped after sending), so the outcome
must be reconciled before anything is re-sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CrosspostError(Exception):
    """Base of every error crosspost raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message

    def render(self) -> str:
        """The text shown to a person: the message, then the fix on its own line."""
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class UserError(CrosspostError):
    """Something the user can fix on their side (input, config, command line)."""

    exit_code = 2


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in the configuration, located by its dotted key path."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


class ConfigError(UserError):
    """The configuration is invalid; ``problems`` lists every problem found at once."""

    def __init__(self, problems: list[ConfigProblem], source: str = "", fix: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s){where}:\n{lines}",
            fix or "edit the configuration file; config.example.toml documents every key",
        )


class StoryError(UserError):
    """A story file that cannot be used. ``line`` is 1-based, or None when not tied to one."""

    def __init__(self, message: str, *, path: Path | str | None, line: int | None = None,
                 fix: str = "") -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.reason = message
        where = str(self.path) if self.path is not None else "<story>"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {message}", fix)


class WhenError(UserError):
    """A release time that cannot be understood."""


class SecretError(UserError):
    """No usable secret for an account."""


class StateError(CrosspostError):
    """The state file (registry) cannot be used as it is."""

    exit_code = 4


class SiteError(CrosspostError):
    """A site refused a request or could not be reached.

    ``transient``: trying again later may succeed. ``retry_after``: seconds the site asked us
    to wait, if it said. ``maybe_committed``: the request may have taken effect remotely
    although no answer arrived; reconcile before re-sending.
    """

    exit_code = 3
    transient = False

    def __init__(self, message: str, fix: str = "", *, site: str = "",
                 transient: bool | None = None, retry_after: float | None = None,
                 maybe_committed: bool = False) -> None:
        super().__init__(message, fix)
        self.site = site
        if transient is not None:
            self.transient = transient
        self.retry_after = retry_after
        self.maybe_committed = maybe_committed


class TransportError(SiteError):
    """The connection failed or timed out; no protocol answer was read."""

    transient = True


class HTTPStatusError(SiteError):
    """The server answered with an HTTP status other than 200."""

    def __init__(self, message: str, fix: str = "", *, status: int, **kw: object) -> None:
        kw.setdefault("transient", status == 429 or status >= 500)
        super().__init__(message, fix, **kw)  # type: ignore[arg-type]
        self.status = status


class FaultError(SiteError):
    """A protocol fault. ``code`` is the server's faultCode (an int, or a string such as
    "Server"; "" for sites without fault codes); ``server_message`` is the site's own words,
    shown to the user verbatim ("" when the site gave none)."""

    def __init__(self, message: str, fix: str = "", *, code: int | str = "",
                 server_message: str = "", **kw: object) -> None:
        super().__init__(message, fix, **kw)  # type: ignore[arg-type]
        self.code = code
        self.server_message = server_message


class AuthError(FaultError):
    """The site did not accept the user name, password or API key."""


class LoginBanned(FaultError):
    """Too many failed logins from this address; the site refuses logins for a while."""

    transient = True


class AccessError(FaultError):
    """The account may not post to (or edit in) that journal or community."""


class TagPermissionError(FaultError):
    """The account may not put tags on entries in that journal."""


class TooLargeError(FaultError):
    """The subject or the entry is longer than the site allows."""


class EntryGoneError(FaultError):
    """The remote entry does not exist any more (deleted on the site)."""


class RateLimitedError(FaultError):
    """The site asks us to slow down."""

    transient = True


class ServerFaultError(FaultError):
    """The site failed internally; usually temporary."""

    transient = True
