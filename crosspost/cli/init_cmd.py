"""``crosspost init``: a first config without a text editor.

Asks for the site, the user name and the API key (stored in the keyring, never in the
file), checks the login, lists the communities the account may post to, asks which to add
as targets (tag maps fitted to each community's tags) and writes a commented config where
crosspost looks for it. An existing config is replaced only after asking (``--force`` in
scripts). Every question has an option, so scripts and tests run it without questions.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from crosspost.errors import ConfigError, ConfigProblem, SecretError, UserError

if TYPE_CHECKING:
    from crosspost.adapter import Adapter
    from crosspost.cli import App
    from crosspost.config import Account

SITE_CHOICES = ("dreamwidth", "livejournal", "insanejournal", "lj", "sandbox")
#: sites whose server must be given
NEEDS_SERVER = ("lj",)
#: where `crosspost sandbox` listens unless told otherwise
SANDBOX_DEFAULT = "http://127.0.0.1:8080"


def _read_secret(account: str, label: str, api_key: bool, page: str, ask: bool
                 ) -> tuple[str, bool]:
    """(the API key / password, whether it came from ``CROSSPOST_SECRET_<ACCOUNT>``): from
    standard input when it is a pipe, else that variable, else a prompt without echo."""
    from crosspost.config.secrets import env_var_name

    what = "API key" if api_key else "password"
    if not sys.stdin.isatty():
        value = sys.stdin.readline().strip()
        if value:
            return value, False
    env = os.environ.get(env_var_name(account), "")
    if env:
        return env, True
    if not ask:
        raise SecretError(f"no {what} given for {account!r}",
                          f"pipe it on standard input, or set {env_var_name(account)}")
    if api_key:
        where = f" ({page})" if page else ""
        click.echo(f"{label} takes an API key here, not your password: create one in your "
                   f"{label} account settings{where} and paste it below.", err=True)
    value = click.prompt(f"{what} (not shown as you type)", hide_input=True,
                         show_default=False).strip()
    if not value:
        raise SecretError(f"no {what} given", "run `crosspost init` again and paste it")
    return value, False


def _login(account: Account, secret: str) -> tuple[Adapter, str]:
    from crosspost.adapter import adapter_class

    typed = _Typed(secret)
    adapter = adapter_class(account.site)(account.model_copy(update={"use_sessions": False}),
                                          typed)
    return adapter, adapter.check_login()


class _Typed:
    """The secret just given, as the adapter's callable; the repr hides the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __call__(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret given to crosspost init>"


def _choose(postable: tuple[str, ...], given: tuple[str, ...] | None, ask: bool
            ) -> list[str | None]:
    """The journals to post to (None: own journal), from --targets or a question."""
    from crosspost.cli.init_config import OWN_JOURNAL

    known = {c.casefold(): c for c in postable}
    if given is None and ask:
        click.echo("Where should stories go? Your own journal is 0.")
        click.echo("  0  your own journal")
        for i, community in enumerate(postable, 1):
            click.echo(f"  {i}  {community}")
        answer = click.prompt("Numbers or names, separated by commas", default="0")
        given = tuple(p.strip() for p in answer.split(",") if p.strip())
    out: list[str | None] = []
    for item in given or (OWN_JOURNAL,):
        if item.isdigit() and int(item) <= len(postable):
            choice: str | None = None if int(item) == 0 else postable[int(item) - 1]
        elif item.casefold() in (OWN_JOURNAL, "0"):
            choice = None
        elif item.casefold() in known:
            choice = known[item.casefold()]
        else:
            may = ", ".join(postable) or "no community"
            raise UserError(f"this account may not post to {item!r} (it may post to: {may})",
                            "join the community on the site first, or pick one of those")
        if choice not in out:
            out.append(choice)
    return out


def _keep_secret(account: str, secret: str, what: str, from_env: bool) -> None:
    """Store the secret in the keyring; without a usable keyring, say how to give it
    instead (the config is written all the same: it never holds the secret)."""
    from crosspost.config.secrets import env_var_name, store_secret

    if from_env:
        click.echo(f"using the {what} in {env_var_name(account)} (not copied to the keyring)")
        return
    try:
        backend = store_secret(account, secret)
    except SecretError as exc:
        click.echo(f"note: {exc.message}\n  fix: {exc.fix}", err=True)
        return
    click.echo(f"stored the {what} in the keyring ({backend})")


@click.command("init")
@click.option("--example", is_flag=True, help="Print the example config (every key, "
              "explained) and exit.")
@click.option("--systemd-unit", is_flag=True, help="Print the systemd user unit and exit.")
@click.option("--site", type=click.Choice(SITE_CHOICES), help="The site (asked if not given).")
@click.option("--server", help="The server's address (for `lj` and `sandbox` sites).")
@click.option("--user", "username", help="Your user name on the site.")
@click.option("--account", "account_name", help="A name for this login in the config "
              "(default: the site's name).")
@click.option("--targets", help="Where to post, comma-separated: community names and/or "
              "`journal` (your own journal). Default: asked; with --yes, your own journal.")
@click.option("--stories-dir", default="~/Stories/crosspost", show_default=True,
              help="The folder `crosspost watch` watches.")
@click.option("--yes", "-y", "assume_yes", is_flag=True,
              help="Ask nothing: take the options and the defaults (for scripts). The API "
                   "key is read from standard input or CROSSPOST_SECRET_<ACCOUNT>.")
@click.option("--force", is_flag=True, help="Replace an existing config without asking.")
@click.pass_obj
def init_cmd(app: App, example: bool, systemd_unit: bool, site: str | None,
             server: str | None, username: str | None, account_name: str | None,
             targets: str | None, stories_dir: str, assume_yes: bool, force: bool) -> None:
    """Set crosspost up: log in, pick where to post, write the config."""
    from crosspost.cli.shipped import shipped_text

    if example or systemd_unit:
        click.echo(shipped_text("config.example.toml" if example else "crosspost.service"),
                   nl=False)
        return
    from crosspost.cli.init_config import InitAnswers, plan_targets, render_config
    from crosspost.config import Account, default_config_path, load_config

    ask = not assume_yes
    path = (app.config_path or default_config_path()).expanduser()
    if path.exists() and not force:
        if not ask:
            raise UserError(f"{path} exists already; nothing was changed",
                            "add --force to replace it, or --config OTHER.toml")
        if not click.confirm(f"{path} exists already. Replace it?", default=False):
            click.echo("nothing was changed")
            return
    if site is None:
        site = click.prompt("Site", type=click.Choice(SITE_CHOICES),
                            default="dreamwidth") if ask else "dreamwidth"
    if server is None and site in NEEDS_SERVER:
        if not ask:
            raise UserError(f"site {site!r} needs --server", "add --server https://…")
        server = click.prompt("Server address (https://…)")
    elif server is None and site == "sandbox" and ask:
        # the sandbox runs wherever `crosspost sandbox` said it does
        server = click.prompt("Sandbox address (as `crosspost sandbox` printed it)",
                              default=SANDBOX_DEFAULT)
    if username is None:
        if not ask:
            raise UserError("no user name given", "add --user NAME")
        username = click.prompt(f"Your user name on {site}").strip()
    account_name = account_name or site
    try:
        account = Account(site=site, username=username, server=server)
    except ValueError as exc:
        raise ConfigError([ConfigProblem(f"accounts.{account_name}", str(exc))]) from None

    from crosspost.cli.login_cmd import _needs_api_key

    api_key, label, page = _needs_api_key(account)
    secret, from_env = _read_secret(account_name, label, api_key, page, ask)
    adapter, who = _login(account, secret)
    with adapter:
        click.echo(f"login ok: {who}")
        postable = adapter.postable_journals() or ()
        chosen = _choose(postable, tuple(p.strip() for p in targets.split(",") if p.strip())
                         if targets is not None else None, ask)
        tags_of = {c: adapter.access(c).tags.existing for c in chosen if c is not None}
    _keep_secret(account_name, secret, "API key" if api_key else "password", from_env)
    answers = InitAnswers(account=account_name, site=site, username=username, server=server,
                          targets=plan_targets(chosen, tags_of), stories_dir=stories_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(render_config(answers), encoding="utf-8")
    load_config(tmp)  # what we write must load: a failure here is a crosspost bug
    os.replace(tmp, path)
    names = ", ".join(t.name for t in answers.targets)
    click.echo(f"wrote {path} (targets: {names})")
    click.echo("next: `crosspost check --online` checks the targets; "
               "`crosspost post STORY.txt` posts a story")
