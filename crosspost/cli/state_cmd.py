"""``crosspost state check | restore``: the state file's health (see
:mod:`crosspost.state.health`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from crosspost.cli import App


def _state_path(app: App) -> Path:
    from crosspost.config import default_state_path

    return Path(app.config.settings.state_file or default_state_path()).expanduser()


@click.group("state")
def state_cmd() -> None:
    """Check the state file, or restore it from its backup."""


@state_cmd.command("check")
@click.pass_obj
def check_cmd(app: App) -> None:
    """Check the state file (exit 4 when it is damaged)."""
    from crosspost.state import health
    from crosspost.state.registry import Registry

    path = _state_path(app)
    with Registry(path) as registry:
        count = len(registry.deliveries())
    backup = health.backup_path(path)
    click.echo(f"ok: {path} ({count} deliveries recorded); backup: "
               + (str(backup) if backup.exists() else "none yet"))


@state_cmd.command("restore")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_cmd(app: App, yes: bool) -> None:
    """Put back the state file's last backup; the current file is kept aside."""
    import sys

    from crosspost.errors import UserError
    from crosspost.state import health
    from crosspost.state.lock import DaemonLock

    path = _state_path(app)
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("restoring the state file needs a confirmation",
                            "add --yes to restore without being asked")
        if not click.confirm(f"Replace {path} with its backup (the current file is kept "
                             "aside)?"):
            click.echo("nothing restored")
            return
    with DaemonLock(path):  # never under a running `crosspost watch`
        done = health.restore(path)
    stamp = done.backup_time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    click.echo(f"restored {path} from its backup of {stamp}: {done.stories} stories, "
               f"{done.posted} entries on the sites")
    if done.kept_aside is not None:
        click.echo(f"the damaged file is kept as {done.kept_aside}")
    click.echo("anything posted after the backup is not recorded: check `crosspost status` "
               "against your journals before posting those stories again")
