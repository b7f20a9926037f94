"""Passwords and API keys: from the OS keyring, else from an environment variable.

Lookup order for an account named ``NAME`` (its key in ``[accounts]``):

1. the keyring, service ``crosspost``, user name ``NAME`` (``crosspost login NAME`` puts it
   there);
2. the environment variable ``CROSSPOST_SECRET_<NAME>`` (:func:`env_var_name`: upper-cased,
   every character other than A-Z and 0-9 becomes ``_``).

Secrets never live in the config file, and never appear in logs, error messages or reprs:
:func:`secret_for` hands out a callable that looks the secret up only when called (so the
value does not sit in an attribute a traceback or a repr could show).
"""

from __future__ import annotations

import os
import re
from typing import Any

from crosspost.errors import SecretError
from crosspost.logs import get_logger

SERVICE = "crosspost"
ENV_PREFIX = "CROSSPOST_SECRET_"
FILE_BACKEND = "keyrings.alt.file.PlaintextKeyring"

log = get_logger("secrets")

#: accounts already warned about a keyring entry shadowing their environment variable
_told_both: set[str] = set()


def env_var_name(account_name: str) -> str:
    """``CROSSPOST_SECRET_<ACCOUNT>``: upper-cased, other characters → ``_``."""
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", account_name.upper())


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def keyring_backend() -> tuple[Any | None, str]:
    """(the usable keyring backend or None, a description for messages)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None, "the keyring package is not installed"
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration
        return None, f"the keyring could not be set up ({type(exc).__name__})"
    if isinstance(backend, fail.Keyring):
        return None, "no keyring backend is available on this system"
    return backend, f"{type(backend).__module__}.{type(backend).__name__}"


def _no_keyring_fix(name: str) -> str:
    return (f"set the environment variable {env_var_name(name)} (for a service, in its unit "
            f"or environment file), or use a file keyring: `pip install keyrings.alt` and set "
            f"PYTHON_KEYRING_BACKEND={FILE_BACKEND} (a file readable only by your user)")


def _from_keyring(name: str) -> tuple[str | None, str, bool]:
    """(the secret or None, why not found, whether the keyring works)."""
    backend, about = keyring_backend()
    if backend is None:
        return None, about, False
    try:
        value = backend.get_password(SERVICE, name)
    except Exception as exc:  # locked keyring, D-Bus trouble, …: fall through to the env
        return None, f"the keyring ({about}) could not be read ({type(exc).__name__})", False
    return (value or None), f"no entry for {name!r} in the keyring ({about})", True


def secret_source(account_name: str) -> str:
    """Where :func:`lookup_secret` finds the account's secret now: "the keyring", the
    variable's name, or "" when neither holds one."""
    if _from_keyring(account_name)[0]:
        return "the keyring"
    return env_var_name(account_name) if os.environ.get(env_var_name(account_name)) else ""


def lookup_secret(account_name: str) -> str:
    """The account's secret now: keyring, then ``CROSSPOST_SECRET_<ACCOUNT>``.

    Raises :class:`SecretError` naming both places and how to fill one."""
    value, why, usable = _from_keyring(account_name)
    env = os.environ.get(env_var_name(account_name))
    if value:
        if env and env != value and account_name not in _told_both:
            # a stale `crosspost login` entry would otherwise hide the variable silently
            _told_both.add(account_name)
            log.warning("account %s: using the secret stored in the keyring (%s); %s is set "
                        "too, to another value, and is not used — `crosspost login %s` "
                        "replaces the keyring's, `crosspost login %s --forget` removes it",
                        account_name, keyring_backend()[1], env_var_name(account_name),
                        account_name, account_name)
        return value
    if env:
        return env
    fix = (f"run `crosspost login {account_name}` to store it in the keyring, or set "
           f"{env_var_name(account_name)}")
    if not usable:
        fix = _no_keyring_fix(account_name)
    raise SecretError(f"no password or API key for account {account_name!r}: {why}, and "
                      f"{env_var_name(account_name)} is not set", fix)


def shadowed_hint(account_name: str) -> str:
    """When a keyring entry hides a different ``CROSSPOST_SECRET_<ACCOUNT>``: what to do
    (for the fix of a refused login); else ``""``."""
    env = os.environ.get(env_var_name(account_name))
    if not env:
        return ""
    value, _, _ = _from_keyring(account_name)
    if not value or value == env:
        return ""
    return (f"the keyring's secret was used, and {env_var_name(account_name)} holds another: "
            f"`crosspost login {account_name} --forget` to use the variable, or `crosspost "
            f"login {account_name}` to replace the keyring's")


class SecretSource:
    """A callable returning an account's secret, looked up at each call; its repr and
    str show only the account name."""

    __slots__ = ("account_name",)

    def __init__(self, account_name: str) -> None:
        self.account_name = account_name

    def __call__(self) -> str:
        return lookup_secret(self.account_name)

    def __repr__(self) -> str:
        return f"<secret of account {self.account_name!r}>"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickling carries the name only, never the value
        return (SecretSource, (self.account_name,))


def secret_for(account_name: str) -> SecretSource:
    """A lazy secret for the adapter: nothing is looked up until it is called."""
    return SecretSource(account_name)


def store_secret(account_name: str, value: str) -> str:
    """Save ``value`` in the keyring for ``account_name``; returns the backend's name.

    Raises :class:`SecretError` (with the environment-variable alternative) when there is
    no usable keyring."""
    if not value:
        raise SecretError("an empty password or API key cannot be stored",
                          f"run `crosspost login {account_name}` again and type the secret")
    backend, about = keyring_backend()
    if backend is None:
        raise SecretError(f"cannot store the secret for {account_name!r}: {about}",
                          _no_keyring_fix(account_name))
    try:
        backend.set_password(SERVICE, account_name, value)
    except Exception as exc:
        detail = _redact(str(exc), value)[:200]
        raise SecretError(
            f"the keyring ({about}) refused to store the secret for {account_name!r}: "
            f"{type(exc).__name__}: {detail}", _no_keyring_fix(account_name)) from None
    log.info("stored the secret for account %s in the keyring (%s)", account_name, about)
    return about


def delete_secret(account_name: str) -> bool:
    """Remove the account's keyring entry; False when there was none (or no keyring)."""
    backend, _ = keyring_backend()
    if backend is None:
        return False
    try:
        backend.delete_password(SERVICE, account_name)
    except Exception:
        return False
    return True
