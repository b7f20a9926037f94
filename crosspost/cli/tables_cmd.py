"""``crosspost tables``: each prompt table's progress; and the report of table posts kept
up to date after ``post``, ``edit``, ``delete`` and ``retry``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crosspost.errors import CrosspostError

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.config import Config
    from crosspost.delivery import AdapterPool
    from crosspost.state.registry import Registry


def sync_and_report(config: Config, registry: Registry, pool: AdapterPool | None = None
                    ) -> bool:
    """Bring the derived entries (table posts, masterlists) up to date and print what
    changed; True when all went well.
    An unchanged table post is not mentioned (nothing was sent)."""
    from crosspost.workflows.sync import sync_derived

    ok = True
    try:
        done = sync_derived(config, registry, pool)
    except CrosspostError as exc:  # the stories are done; say why the lists are not
        click.echo(f"error: {exc.render()}", err=True)
        return False
    for name, outcome in done:
        ok &= outcome.ok
        if outcome.action == "skipped":
            continue
        what = " ".join(p for p in (outcome.action, outcome.url) if p)
        if outcome.message and (not outcome.ok or outcome.action in ("posted", "edited")):
            what += f" ({outcome.message})" if outcome.ok else f": {outcome.message}"
        click.echo(f"{name} → {outcome.target}: {what}")
    return ok


@click.command("tables")
@click.option("--all", "show_all", is_flag=True, help="List every prompt, filled or not.")
@click.pass_obj
def tables_cmd(app: App, show_all: bool) -> None:
    """Show each prompt table's progress: filled prompts, their stories and the table post.

    Tables are declared under [tables.NAME] in the config; a story fills a prompt with
    `Table: NAME` and `Prompt: 22` (or `22, Parting`, or `Parting`) in its header."""
    from crosspost.state.registry import Registry
    from crosspost.workflows.tables import table_states

    config = app.config
    if not config.tables:
        click.echo("no prompt tables are configured (add a [tables.NAME] table to the config; "
                   "see config.example.toml)")
        return
    with Registry.for_config(config) as registry:
        states = table_states(config, registry)
    for state in states:
        where = state.post_url or "not posted yet (posted with the first fill)"
        click.echo(f"{state.name}: {state.filled}/{len(state.prompts)} filled → {where}")
        fills: dict[int, list[str]] = {}
        for fill in state.fills:
            fills.setdefault(fill.number, []).append(f"{fill.title} ({fill.url})")
        for number, prompt in enumerate(state.prompts, 1):
            if number in fills:
                click.echo(f"  {number:>3}. {prompt}: {'; '.join(fills[number])}")
            elif show_all:
                click.echo(f"  {number:>3}. {prompt}")
