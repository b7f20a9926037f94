"""What crosspost has done: ``crosspost status`` (every story × target) and ``crosspost
history`` (every action taken for one story)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crosspost.cli.post_cmds import local_time, resolve, user_zone

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.state.registry import Delivery


@click.command("history")
@click.argument("what", metavar="FILE|ID")
@click.pass_obj
def history_cmd(app: App, what: str) -> None:
    """Show every action taken for a story, with times and URLs."""
    from crosspost.state.registry import Registry

    config = app.config
    zone = user_zone(config)
    with Registry.for_config(config) as registry:
        identity, _ = resolve(what, registry, config)
        events = registry.history(identity)
    if not events:
        click.echo(f"{identity}: nothing recorded")
        return
    click.echo(identity)
    for ev in events:
        parts = [local_time(ev.at, zone), f"{ev.target or '-':<12}", f"{ev.action:<14}"]
        if ev.url:
            parts.append(ev.url)
        if ev.detail:
            parts.append(ev.detail.replace("\n", " "))
        click.echo("  " + "  ".join(parts).rstrip())


@click.command("status")
@click.option("--all", "show_all", is_flag=True, help="Also list deleted and cancelled copies.")
@click.pass_obj
def status_cmd(app: App, show_all: bool) -> None:
    """List stories and their state on each target (entries waiting in a moderation
    queue are looked for first: an approved one shows as posted, with its URL)."""
    from crosspost.state.registry import Registry

    config = app.config
    zone = user_zone(config)
    with Registry.for_config(config) as registry:
        if registry.deliveries(statuses=("queued",)):
            from crosspost.delivery import Publisher

            with Publisher(config, registry) as publisher:
                publisher.follow_queued()
        stories = {s.identity: s for s in registry.stories()}
        rows = registry.deliveries()
    by_story: dict[str, list[Delivery]] = {}
    for row in rows:
        if show_all or row.status not in ("deleted", "cancelled"):
            by_story.setdefault(row.identity, []).append(row)
    if not by_story:
        hidden = len(rows)
        click.echo(f"nothing on the sites ({hidden} deleted or cancelled "
                   f"cop{'y' if hidden == 1 else 'ies'}: `crosspost status --all`)"
                   if hidden else "nothing posted yet")
        return
    for identity, drows in by_story.items():
        title = stories[identity].title if identity in stories else ""
        click.echo(f"{title or identity}  [{identity}]" if title else identity)
        for r in drows:
            state = r.status if r.copy == 0 else f"{r.status} (copy {r.copy + 1})"
            extra = r.url
            if r.status == "scheduled":
                extra = f"release at {local_time(r.release_at, zone)}"
            elif r.status == "retry" and r.next_attempt_at:
                extra = f"next attempt {local_time(r.next_attempt_at, zone)}"
            if r.status in ("failed", "retry", "uncertain", "held") and r.last_error:
                extra = (extra + "  " if extra else "") + r.last_error.splitlines()[0]
            if r.status == "posted" and r.last_error.startswith("twin:"):
                extra = f"{extra}\n{'':>21}{r.last_error}"  # an extra copy on the site
            click.echo(f"  {r.id:>5}  {r.target:<12} {state:<12} {extra}".rstrip())
