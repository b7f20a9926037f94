"""What crosspost has done: ``crosspost status`` (every story × target) and ``crosspost
history`` (every action taken for one story).

On a terminal they draw tables with a header row (colour unless ``NO_COLOR``); piped, they
print plain lines; ``--json`` prints one document (schema: docs/JSON.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from crosspost.cli.complete import STATES, complete_targets
from crosspost.cli.filters import filter_options, select
from crosspost.cli.post_cmds import local_time, resolve, user_zone

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.state.registry import Delivery


def _dump(doc: dict[str, Any]) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@click.command("history")
@click.argument("what", metavar="FILE|ID")
@click.option("--to", "targets", multiple=True, metavar="TARGET",
              shell_complete=complete_targets, help="Only this target (repeatable).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document (schema: docs/JSON.md).")
@click.pass_obj
def history_cmd(app: App, what: str, targets: tuple[str, ...], as_json: bool) -> None:
    """Show every action taken for a story, with times and URLs."""
    from crosspost.cli.json_rows import event_json, history_doc
    from crosspost.cli.lookup import story_title
    from crosspost.cli.output import draws, table
    from crosspost.state.registry import Registry

    config = app.config
    zone = user_zone(config)
    with Registry.for_config(config) as registry:
        identity, _ = resolve(what, registry, config)
        events = registry.history(identity)
        title = story_title(registry, identity)
    want = {t.casefold() for t in targets}
    events = [ev for ev in events if not want or ev.target.casefold() in want]
    if as_json:
        _dump(history_doc(identity, title if title != identity else "",
                          [event_json(ev) for ev in events]))
        return
    if not events:
        click.echo(f"{identity}: nothing recorded")
        return
    if draws():
        table(f"{title}  [{identity}]" if title != identity else identity,
              ("WHEN", "TARGET", "ACTION", "URL / DETAIL"),
              [(local_time(ev.at, zone), ev.target or "-", ev.action,
                "  ".join(p for p in (ev.url, ev.detail.replace("\n", " ")) if p))
               for ev in events], status_col=2)
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
@filter_options(STATES, "Only this story (repeatable): its file, identity or a delivery id.")
@click.pass_obj
def status_cmd(app: App, show_all: bool, states: tuple[str, ...], targets: tuple[str, ...],
               stories: tuple[str, ...], as_json: bool) -> None:
    """List stories and their state on each target (entries waiting in a moderation
    queue are looked for first: an approved one shows as posted, with its URL)."""
    from crosspost.cli.json_rows import delivery_json, status_doc
    from crosspost.cli.output import draws, table
    from crosspost.state.registry import Registry

    config = app.config
    zone = user_zone(config)
    with Registry.for_config(config) as registry:
        if registry.deliveries(statuses=("queued",)):
            from crosspost.delivery import Publisher

            with Publisher(config, registry) as publisher:
                publisher.follow_queued()
        titles = {s.identity: s.title for s in registry.stories()}
        all_rows = registry.deliveries()
        identities = ({resolve(s, registry, config)[0] for s in stories} if stories
                      else None)
    rows = select(all_rows, states, targets, identities, show_all)
    if as_json:
        _dump(status_doc([delivery_json(r, titles.get(r.identity) or "") for r in rows]))
        return
    if not rows:
        if states or targets or stories:
            click.echo("nothing matches")
            return
        hidden = len(all_rows)
        click.echo(f"nothing on the sites ({hidden} deleted or cancelled "
                   f"cop{'y' if hidden == 1 else 'ies'}: `crosspost status --all`)"
                   if hidden else "nothing posted yet")
        return
    by_story: dict[str, list[Delivery]] = {}
    for row in rows:
        by_story.setdefault(row.identity, []).append(row)
    if draws():
        table(None, ("ID", "STORY", "TARGET", "STATE", "WHERE / WHEN / WHY"),
              [(str(r.id), titles.get(r.identity) or r.identity, r.target, _state(r),
                _extra(r, zone)) for drows in by_story.values() for r in drows],
              status_col=3)
        return
    for identity, drows in by_story.items():
        title = titles.get(identity) or ""
        click.echo(f"{title or identity}  [{identity}]" if title else identity)
        for r in drows:
            extra = _extra(r, zone).replace("\n", "\n" + " " * 34)  # a twin's line
            click.echo(f"  {r.id:>5}  {r.target:<12} {_state(r):<12} {extra}".rstrip())


def _state(r: Delivery) -> str:
    return r.status if r.copy == 0 else f"{r.status} (copy {r.copy + 1})"


def _extra(r: Delivery, zone: Any) -> str:
    """The URL, the release or retry time, and the error, as the status line shows them."""
    extra = r.url
    if r.status == "scheduled":
        extra = f"release at {local_time(r.release_at, zone)}"
    elif r.status == "retry" and r.next_attempt_at:
        extra = f"next attempt {local_time(r.next_attempt_at, zone)}"
    if r.status in ("failed", "retry", "uncertain", "held") and r.last_error:
        extra = (extra + "  " if extra else "") + r.last_error.splitlines()[0]
    if r.status == "posted" and r.last_error.startswith("twin:"):
        extra = f"{extra}\n{r.last_error}"  # an extra copy on the site, and how to remove it
    return extra
