"""``crosspost login ACCOUNT [--check|--no-check] [--stored] [--stdin]``: store an account's
password or API key in the keyring, verified against the site first.

The secret is typed at a prompt without echo (or read from stdin with ``--stdin``, or when
stdin is not a terminal: a pipe), never taken from the command line, where other users and
shell history could see it. By default the secret is checked with one login call and
stored only if the site accepts it; when the site cannot be reached it is stored unchecked,
with a note (``--check`` makes that an error, ``--no-check`` skips the call).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from crosspost.cli.complete import complete_accounts
from crosspost.errors import (
    AuthError,
    ConfigError,
    ConfigProblem,
    HTTPStatusError,
    SecretError,
    TransportError,
)

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.config import Account


class _TypedSecret:
    """The secret just typed, as a callable for the adapter; the repr hides the value."""

    __slots__ = ("_value", "account_name")

    def __init__(self, account_name: str, value: str) -> None:
        self.account_name = account_name
        self._value = value

    def __call__(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"<secret typed for account {self.account_name!r}>"


def _needs_api_key(account: Account) -> tuple[bool, str, str]:
    """(the site checks API keys only, the site's label, where keys are made)."""
    from crosspost.adapter import adapter_class

    cls = adapter_class(account.site)
    profile_for = getattr(cls, "profile_for", None)
    profile = profile_for(account) if profile_for else None
    if profile is None:
        return False, cls.label or account.site, ""
    return bool(profile.api_keys), profile.label, str(getattr(profile, "api_key_where", ""))


def _needs_secret(account: Account) -> bool:
    from crosspost.adapter import adapter_class

    return adapter_class(account.site).needs_secret


def _check(name: str, account: Account, secret: object) -> str:
    """"login ok: WHO", or a note that the site's adapter cannot check logins."""
    from crosspost.adapter import adapter_class

    # one login call: a session would cost more requests than it saves
    quick = account.model_copy(update={"use_sessions": False})
    with adapter_class(account.site)(quick, secret) as adapter:  # type: ignore[arg-type]
        try:
            return f"login ok: {adapter.check_login()}"
        except NotImplementedError:
            return (f"login not checked: the adapter for site {account.site!r} cannot check "
                    "a login; the secret is tried at the first post")


@click.command("login")
@click.argument("account_name", metavar="ACCOUNT", shell_complete=complete_accounts)
@click.option("--check/--no-check", default=None,
              help="Verify the secret with the site before storing it. Default: verify "
                   "when the site can be reached, else store it unchecked with a note.")
@click.option("--stored", is_flag=True,
              help="Do not ask for a new secret: check the one crosspost already has.")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the secret from standard input instead of a prompt (for scripts; "
                   "also done when standard input is a pipe).")
@click.option("--forget", is_flag=True,
              help="Remove the account's secret from the keyring (CROSSPOST_SECRET_<ACCOUNT> "
                   "is then used, when set).")
@click.pass_obj
def login_cmd(app: App, account_name: str, check: bool | None, stored: bool,
              from_stdin: bool, forget: bool) -> None:
    """Store ACCOUNT's password or API key in the keyring (asked for without echo).

    The secret is verified with the site first and stored only if the site accepts it
    (stored unchecked, with a note, when the site cannot be reached; --no-check skips the
    check). Without a keyring, set CROSSPOST_SECRET_<ACCOUNT> instead."""
    from crosspost.config.secrets import (
        delete_secret,
        env_var_name,
        secret_for,
        secret_source,
        shadowed_hint,
        store_secret,
    )

    config = app.config
    if account_name not in config.accounts:
        known = ", ".join(sorted(config.accounts)) or "none defined"
        raise ConfigError([ConfigProblem(f"accounts.{account_name}",
                                         f"no such account (accounts: {known})")],
                          fix="use an account name from the [accounts] tables of the config")
    account = config.accounts[account_name]
    api_key, label, page = _needs_api_key(account)
    if not forget and not _needs_secret(account):
        click.echo(f"{account_name} needs no password or API key")
        click.echo(_check(account_name, account, _TypedSecret(account_name, "")))
        return

    if forget:
        from crosspost.adapter import session_store

        saved = session_store(account_name, account.server or "", account.username)
        if saved is not None:  # the login session kept for the next run goes with it
            saved.clear()
        removed = delete_secret(account_name)
        click.echo(f"removed the secret of {account_name} from the keyring" if removed else
                   f"the keyring holds no secret for {account_name}")
        return
    env = env_var_name(account_name)
    if check and not from_stdin and os.environ.get(env):
        stored = True  # `--check` with the variable set: check the secret crosspost uses
    if stored:
        try:
            who = _check(account_name, account, secret_for(account_name))
        except AuthError as exc:
            if hint := shadowed_hint(account_name):  # a stale keyring entry hides the variable
                exc.fix = hint
            raise
        source = secret_source(account_name)
        click.echo(who + (f" (the secret from {source})" if source else ""))
        return

    what = "API key" if api_key else "password"
    if api_key and not from_stdin:
        where = f" under {page}" if page else ""
        click.echo(f"{label} accepts only an API key here, not your account password: create "
                   f"one{where} and paste it below.", err=True)
    if from_stdin or not sys.stdin.isatty():
        # a pipe: read it like --stdin (a prompt could not hide the input anyway, and
        # getpass would warn that it cannot control the terminal's echo)
        value = sys.stdin.readline().strip()
    else:
        value = click.prompt(f"{what} for {account.username} ({account_name})",
                             hide_input=True, show_default=False).strip()
    if not value:
        raise SecretError(f"no {what} given for {account_name!r}",
                          f"run `crosspost login {account_name}` again and type it")

    if check is not False:
        try:
            who = _check(account_name, account, _TypedSecret(account_name, value))
        except (TransportError, HTTPStatusError) as exc:
            if check:
                exc.fix = f"nothing was stored; {exc.fix}" if exc.fix else "nothing was stored"
                raise
            click.echo(f"note: could not reach {label} to check the {what} ({exc.message}); "
                       f"storing it unchecked: run `crosspost login {account_name} --stored` "
                       "to check it later", err=True)
        else:
            click.echo(who)
    backend = store_secret(account_name, value)
    click.echo(f"stored the {what} for {account_name} in the keyring ({backend})")
    if os.environ.get(env):
        click.echo(f"note: the keyring is read first; {env} is set too and used only when "
                   "the keyring has no entry", err=True)
