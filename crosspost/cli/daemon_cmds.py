"""``crosspost watch``, ``schedule``, ``queue``, ``cancel``, ``reschedule``.

Schedules live in the registry; a running ``crosspost watch`` re-reads them on every rescan
tick, so changes made here reach it without a restart.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crosspost.cli import App
from crosspost.cli.filters import filter_options
from crosspost.cli.lookup import DELIVERY_ID, story_title

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Delivery, Registry

#: a time this far in the past still counts as "now" (typing takes a moment)
_SLACK = timedelta(minutes=1)


def _zone(config: Config) -> tuple[tzinfo, str]:
    from crosspost.story.when import zone_for

    tz = zone_for(config.settings.timezone)
    source = "settings.timezone" if config.settings.timezone else "this computer's zone"
    return tz, f"{tz} ({source})"


def _daemon_running(registry: Registry) -> bool:
    from crosspost.errors import StateError

    try:
        lock = registry.acquire_daemon_lock()
    except StateError:
        return True
    lock.release()
    return False


def note_no_watcher(config: Config, registry: Registry) -> None:
    """After scheduling: say so when no `crosspost watch` will be there to release it."""
    if not _daemon_running(registry):
        grace = config.settings.grace_minutes
        click.echo("note: no `crosspost watch` is running on this state file; start it "
                   "before the release time (a release missed by less than "
                   f"{grace:g} minutes is posted when it starts).")


def _when(at: datetime | None, tz: tzinfo, now: datetime) -> str:
    from crosspost.story.when import describe

    return describe(at.astimezone(tz), now) if at is not None else "(no time)"


# -- watch -------------------------------------------------------------------------------------

@click.command("watch")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False),
              help="Folder to watch (default: settings.stories_dir).")
@click.option("--rescan", type=click.FloatRange(min=0.2), default=30.0, show_default=True,
              help="Seconds between safety-net rescans of the folder and re-reads of the "
                   "schedule.")
@click.option("--settle", type=click.FloatRange(min=0.0), default=2.0, show_default=True,
              help="Seconds a file's size and time must stay unchanged before it is taken "
                   "(when no close-after-write event tells sooner).")
@click.option("--once", is_flag=True,
              help="Handle what is in the folder and what is due, then exit (for cron).")
@click.option("--ui", "with_ui", is_flag=True,
              help="Also serve the dashboard (as `crosspost ui`) while watching.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="With --ui: the dashboard's port on 127.0.0.1 (0: any free port).")
@click.option("--no-browser", is_flag=True, help="With --ui: do not open the browser.")
@click.pass_obj
def watch_cmd(app: App, folder: Path | None, rescan: float, settle: float, once: bool,
              with_ui: bool = False, port: int = 0, no_browser: bool = False) -> None:
    """Watch the stories folder and post what arrives, at its release time.

    Drop a story file (.txt, .md, .html) into the folder: it is posted to every target with
    auto = true, then moved into posted/. A file with a Release: time waits in the folder
    until then; a Release: time already past by more than settings.grace_minutes is held
    (see `crosspost queue`). A file that cannot be posted, or a Word/RTF/ODT/PDF file, goes
    into failed/ with a NAME.error.txt report; fix it and move it back. To change a posted
    story, drop the changed file into the folder again (or run `crosspost edit FILE`).
    Empty files wait for their content. Ctrl-C or SIGTERM stops cleanly.
    """
    import threading

    from crosspost.daemon.stopping import catch_early

    stop = threading.Event()
    catch_early(stop)  # before anything loads: a SIGTERM while starting still exits 0
    from crosspost.daemon import run_daemon
    from crosspost.logs import setup_logging

    config = app.config
    settings = config.settings
    root_params = click.get_current_context().find_root().params
    log_file = settings.log_file
    if log_file is not None and not log_file.expanduser().is_absolute():
        from crosspost.config import default_config_path

        # like state_file: a relative path is relative to the config file
        log_file = (app.config_path or default_config_path()).parent / log_file.expanduser()
    setup_logging(verbose=app.verbose,
                  json_lines=bool(root_params.get("log_json")) or settings.log_json,
                  log_file=log_file.expanduser() if log_file is not None else None)
    server = None
    if with_ui and not once:
        from crosspost.cli.ui_cmd import start_ui, stories_root

        server = start_ui(config, stories_root(config, folder), port=port,
                          open_browser=not no_browser, daemon=True, rescan=rescan)
    try:
        code = run_daemon(config, folder=folder, rescan_seconds=rescan,
                          settle_seconds=settle, once=once, stop=stop)
    finally:
        if server is not None:
            server.stop()
    if code:
        sys.exit(code)


# -- schedule ----------------------------------------------------------------------------------

@click.command("schedule")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--at", "at_text", required=True, metavar="WHEN",
              help="Release time: 2026-12-01 09:00, tomorrow 9am, friday 18:00, +2h, "
                   "in 30 minutes… (your time zone unless you name one).")
@click.option("--to", "targets", multiple=True, metavar="TARGET",
              help="Only this target (repeatable; default: every target with auto = true).")
@click.pass_obj
def schedule_cmd(app: App, file: Path, at_text: str, targets: tuple[str, ...]) -> None:
    """Schedule a story's release (per target with --to)."""
    from crosspost.errors import WhenError
    from crosspost.state.registry import Registry
    from crosspost.story.parse import parse_file
    from crosspost.story.when import parse_when
    from crosspost.workflows.publishing import make_publisher

    config = app.config
    tz, zone_label = _zone(config)
    now = datetime.now(tz)
    when = parse_when(at_text, tz, now)
    if when < now - _SLACK:
        raise WhenError(f"{at_text!r} is {_when(when, tz, now)}, in the past",
                        "pick a later time, or `crosspost post FILE` to post it now")
    story = parse_file(file.absolute(), max_bytes=config.settings.max_file_bytes)
    click.echo(f"Time zone: {zone_label}")
    with Registry.for_config(config) as registry, make_publisher(config,
                                                                 registry) as publisher:
        outcomes = publisher.publish(story, list(targets) or None, at=when)
        title = story.title or story.identity
        for o in outcomes:
            row = registry.delivery(o.delivery_id)
            if o.action == "scheduled" and row is not None:
                click.echo(f"  #{o.delivery_id}  {title} → {o.target}: "
                           f"{_when(row.release_at, tz, now)}")
            else:
                detail = o.url or o.message
                click.echo(f"  #{o.delivery_id}  {title} → {o.target}: {o.action}"
                           + (f" ({detail})" if detail else ""))
        if any(o.action == "scheduled" for o in outcomes):
            note_no_watcher(config, registry)
    if any(o.action in ("failed", "retry", "uncertain") for o in outcomes):
        sys.exit(1)


# -- queue -------------------------------------------------------------------------------------

@click.command("queue")
@filter_options(("scheduled", "held"), "Only this story (repeatable): its file or identity.")
@click.pass_obj
def queue_cmd(app: App, states: tuple[str, ...], targets: tuple[str, ...],
              stories: tuple[str, ...], as_json: bool) -> None:
    """List scheduled releases (and held ones, whose time passed while nothing ran)."""
    from crosspost.cli.filters import select
    from crosspost.cli.lookup import resolve
    from crosspost.cli.output import draws, table
    from crosspost.state.registry import Registry

    config = app.config
    tz, zone_label = _zone(config)
    now = datetime.now(tz)
    with Registry.for_config(config) as registry:
        identities = ({resolve(s, registry, config)[0] for s in stories} if stories
                      else None)
        rows = select(registry.scheduled(), states, targets, identities, True)
        titles = {r.identity: story_title(registry, r.identity) for r in rows}
    if as_json:
        import json

        from crosspost.cli.json_rows import queue_doc, release_json

        click.echo(json.dumps(queue_doc([release_json(r, titles[r.identity]) for r in rows]),
                              ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Nothing scheduled.")
        return
    click.echo(f"Time zone: {zone_label}")
    header = ("ID", "STATUS", "WHEN", "", "TARGET", "STORY")
    body = []
    for r in rows:
        at = r.release_at.astimezone(tz) if r.release_at else None
        body.append((f"#{r.id}", r.status, at.strftime("%Y-%m-%d %H:%M %Z") if at else "-",
                     _relative(at, now), r.target, titles[r.identity]))
    if draws():
        table(None, header, body, status_col=1)
    else:
        widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header) - 1)]
        for row in (header, *body):
            cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)] + [row[-1]]
            click.echo("  ".join(cells).rstrip())
    held = [r for r in rows if r.status == "held"]
    if held:
        click.echo(f"\n{len(held)} held, not posted until you say so:")
        for r in held:  # why: a missed release time, or a file taken out of the folder
            why = (r.last_error.splitlines() or ["held"])[0].split("; `crosspost")[0]
            click.echo(f"  #{r.id}  {why}")
        click.echo("Post one with `crosspost reschedule ID --at now`, or drop it with "
                   "`crosspost cancel ID`.")


def _relative(at: datetime | None, now: datetime) -> str:
    from crosspost.story.when import relative

    return f"({relative(at, now)})" if at is not None else ""


# -- cancel / reschedule -----------------------------------------------------------------------

@click.command("cancel")
@click.argument("what", metavar="ID|FILE")
@click.option("--to", "targets", multiple=True, metavar="TARGET",
              help="With FILE: only this target's release (repeatable).")
@click.pass_obj
def cancel_cmd(app: App, what: str, targets: tuple[str, ...]) -> None:
    """Cancel a scheduled (or held) release: ID as shown by `crosspost queue`, or every
    release of a story (its FILE, or its identity)."""
    from crosspost.cli.lookup import resolve
    from crosspost.state.registry import Registry

    config = app.config
    tz, _ = _zone(config)
    text = what.strip().lstrip("#").strip()
    with Registry.for_config(config) as registry:
        if text.isdigit():
            ids = [int(text)]
        elif what.strip().startswith("#"):
            from crosspost.errors import UserError

            raise UserError(f"{what!r} is not a delivery id",
                            "give a number such as 8 or #8, as `crosspost queue` shows")
        else:
            if targets:
                from crosspost.delivery import select_targets

                select_targets(config, list(targets))  # a misspelt --to is an error
            identity, _ = resolve(what, registry, config)
            ids = [r.id for r in registry.scheduled()
                   if r.identity == identity and (not targets or r.target in targets)]
            if not ids:
                click.echo(f"Nothing scheduled for {story_title(registry, identity)}"
                           + (f" to {', '.join(targets)}." if targets else "."))
                return
        for delivery_id in ids:
            before = registry.delivery(delivery_id)
            row = registry.cancel(delivery_id)
            was = _when(before.release_at, tz, datetime.now(tz)) if before else "?"
            click.echo(f"Cancelled #{row.id}: {story_title(registry, row.identity)} → "
                       f"{row.target} (was due {was}).")


@click.command("reschedule")
@click.argument("delivery_id", metavar="ID", type=DELIVERY_ID)
@click.option("--at", "at_text", required=True, metavar="WHEN",
              help="New release time (as for `schedule`); `now` releases it at once.")
@click.pass_obj
def reschedule_cmd(app: App, delivery_id: int, at_text: str) -> None:
    """Move a scheduled release, or release a held one (--at now)."""
    from crosspost.errors import WhenError
    from crosspost.state.registry import Registry
    from crosspost.story.when import parse_when

    config = app.config
    tz, zone_label = _zone(config)
    now = datetime.now(tz)
    when = parse_when(at_text, tz, now)
    if when < now - _SLACK:
        raise WhenError(f"{at_text!r} is {_when(when, tz, now)}, in the past",
                        "pick a later time, or `--at now` to post it at once")
    with Registry.for_config(config) as registry:
        row = registry.reschedule(delivery_id, when)
        title = story_title(registry, row.identity)
        click.echo(f"Time zone: {zone_label}")
        click.echo(f"  #{row.id}  {title} → {row.target}: {_when(row.release_at, tz, now)}")
        if row.release_at is not None and row.release_at <= datetime.now(UTC):
            _release_now(config, registry, row)


def _release_now(config: Config, registry: Registry, row: Delivery) -> None:
    """Post a release that is due now: here when no daemon runs, else the daemon does it
    at its next rescan."""
    from crosspost.daemon.refresh import refresh_due
    from crosspost.errors import StateError
    from crosspost.workflows.publishing import make_publisher

    try:
        lock = registry.acquire_daemon_lock()
    except StateError:
        click.echo("The running `crosspost watch` posts it at its next check.")
        return
    try:
        with make_publisher(config, registry) as publisher:
            refresh_due(config, registry, publisher, datetime.now(UTC))  # the file as saved
            outcomes: list[Any] = publisher.release_due(datetime.now(UTC))
    finally:
        lock.release()
    for o in outcomes:
        detail = o.url or o.message
        click.echo(f"  #{o.delivery_id}  {o.target}: {o.action}"
                   + (f" ({detail})" if detail else ""))
    if any(not o.ok for o in outcomes):
        sys.exit(1)
