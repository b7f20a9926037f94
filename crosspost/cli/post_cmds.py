"""``crosspost post | edit | delete | retry | history | status``: delivering stories by hand
and looking at what was delivered.

Each delivery prints one line: ``TARGET: what happened`` (:mod:`crosspost.cli.outcomes`
words it). Exit codes: 0 when every target is done (posted, queued, skipped because already
there…), 1 when any target failed or still waits for a retry, 2 for a story or usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crosspost.cli.complete import complete_targets
from crosspost.cli.lookup import DELIVERY_ID, load_story, resolve, story_title
from crosspost.cli.outcomes import held_fix, report, summary
from crosspost.errors import CrosspostError, UserError

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.config import Config
    from crosspost.delivery import Outcome, Publisher
    from crosspost.state.registry import Delivery, Registry
    from crosspost.story.model import Story

_TARGET_OPT = click.option("--to", "targets", multiple=True, metavar="TARGET",
                           shell_complete=complete_targets,
                           help="Only this target (repeatable). Default: every auto target.")
_WHERE_OPT = click.option("--to", "targets", multiple=True, metavar="TARGET",
                          shell_complete=complete_targets,
                          help="Only this target (repeatable). Default: every target where "
                               "the story is posted.")


def user_zone(config: Config) -> tzinfo:
    """The zone times are shown and read in: settings.timezone, else the machine's."""
    if config.settings.timezone:
        from zoneinfo import ZoneInfo

        return ZoneInfo(config.settings.timezone)
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def local_time(dt: datetime | None, zone: tzinfo) -> str:
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if dt else "-"


@contextmanager
def _publisher(config: Config) -> Iterator[Publisher]:
    from crosspost.state.registry import Registry
    from crosspost.workflows.publishing import make_publisher

    with Registry.for_config(config) as registry, make_publisher(config,
                                                                 registry) as publisher:
        yield publisher
        # the batch is done: each changed table post, masterlist or part's navigation
        # links are edited once
        from crosspost.cli.tables_cmd import sync_and_report

        sync_and_report(config, registry, publisher.pool)


@click.command("post")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))
@_TARGET_OPT
@click.option("--again", is_flag=True, help="Post a new copy even where already posted.")
@click.option("--at", "when", metavar="WHEN",
              help="Release at this time instead: 'tomorrow 9am', '+2h', …")
@click.option("--now", "now", is_flag=True,
              help="Post at once, even when the story's Release: time is later.")
@click.option("--dry-run", is_flag=True, help="Show what would be done; send nothing.")
@click.pass_obj
def post_cmd(app: App, files: tuple[Path, ...], targets: tuple[str, ...], again: bool,
             when: str | None, now: bool, dry_run: bool) -> None:
    """Post each story FILE to its targets, at its `Release:` time (now when it has none).

    A future release is scheduled: `crosspost watch` posts it then (--now posts at once,
    --at picks another time). A story already posted to a target is skipped (use --again
    for another copy); a story that changed since is edited there instead."""
    from crosspost.delivery import select_targets

    config = app.config
    if not targets and not any(t.auto for t in config.targets.values()):
        raise UserError("no target to post to: none is configured with auto = true",
                        "name targets with --to, or set auto = true on a [targets.NAME]")
    if now and when is not None:
        raise UserError("--now and --at contradict each other", "use one of them")
    zone = user_zone(config)
    at = None
    if when is not None:
        from crosspost.story.when import parse_when

        at = parse_when(when, zone, datetime.now(zone))
    names = select_targets(config, list(targets))
    plans: list[tuple[Story, list[tuple[datetime | None, list[str]]]]] = []
    bad = 0
    for path in files:
        try:
            story = load_story(config, path)
            groups = ([(at, names)] if when is not None or now
                      else release_plan(story, config, zone, names, bool(targets)))
            plans.append((story, groups))
        except CrosspostError as exc:
            click.echo(f"error: {exc.render()}", err=True)
            bad = max(bad, exc.exit_code)
    if dry_run:
        _dry_run(config, plans, zone)
        sys.exit(bad)
    _require_secrets(config, {t for _, groups in plans for at_, ts in groups for t in ts
                              if at_ is None or at_ <= datetime.now(zone)})
    from crosspost.cli.output import progress

    ok, scheduled = True, False
    grace = timedelta(minutes=config.settings.grace_minutes)
    done: list[Outcome] = []
    with _publisher(config) as publisher, progress(len(plans), "posting") as advance:
        try:
            for story, groups in plans:
                if len(files) > 1:
                    click.echo(f"== {story.title or story.identity} ({story.path}) ==")
                clash = publisher.identity_clash(story)
                if clash is not None:
                    click.echo(f"error: {clash.render()}", err=True)
                    bad = max(bad, clash.exit_code)
                    advance(story.title)
                    continue
                for at_, group in groups:
                    if when is not None or now:  # --at / --now: the person chose the time
                        due = at_ if at_ is not None and at_ > datetime.now(zone) else None
                        outcomes = publisher.publish(story, group, again=again, at=due)
                    else:  # the header's Release: a time long past is held, as `watch` does
                        outcomes = publisher.publish(story, group, again=again, at=at_,
                                                     grace=grace)
                    ok &= report(held_fix(outcomes, story), zone)
                    done.extend(outcomes)
                    scheduled |= any(o.action == "scheduled" for o in outcomes)
                advance(story.title)
        except KeyboardInterrupt:
            interrupted(publisher.registry, plans)
            sys.exit(130)
        if len(files) > 1:
            click.echo(summary(len(plans), done))
        if scheduled:
            from crosspost.cli.daemon_cmds import note_no_watcher

            note_no_watcher(config, publisher.registry)
    if bad:
        sys.exit(bad)
    if not ok:
        sys.exit(1)


#: statuses of a delivery whose request may be under way: `crosspost retry` settles them
_UNDER_WAY = frozenset({"pending", "editing", "deleting", "uncertain", "retry"})


def interrupted(registry: Registry, plans: list[tuple[Story, list[tuple[datetime | None,
                list[str]]]]]) -> None:
    """After Ctrl-C: where each story of this run stands, from the state file (what was
    completed, with its URL; what was under way, for `crosspost retry`; what was not sent).
    A second Ctrl-C while this prints just ends the command."""
    click.echo("interrupted: this is where each story stands", err=True)
    left = False
    for story, groups in plans:
        name = story.title or story.identity
        for target in (t for _, ts in groups for t in ts):
            row = registry.latest(story.identity, target)
            status = row.status if row is not None else ""
            if row is not None and status == "posted":
                text = f"posted {row.url}".rstrip()
            elif row is not None and status in _UNDER_WAY:
                left = True
                text = (f"interrupted [delivery {row.id}]: it may or may not have reached the "
                        "site; `crosspost retry` checks the site and finishes it")
            elif row is not None and status in ("queued", "scheduled", "held", "failed"):
                text = status + (f" [delivery {row.id}]" if status != "queued" else "")
            else:
                left = True
                text = f"not sent: run `crosspost post {story.path or 'FILE'}` again"
            click.echo(f"{target}: {name}: {text}")
    if left:
        click.echo("to finish: `crosspost retry` (it looks on the site first, so nothing is "
                   "posted twice)", err=True)


def release_plan(story: Story, config: Config, zone: tzinfo, names: list[str],
                 named: bool) -> list[tuple[datetime | None, list[str]]]:
    """The story's ``Release:`` times for these targets: [(time or None for now, targets)].
    Relative forms count from the file's modification time, as the watcher does; without
    ``--to`` (``named`` False), targets named only in ``Release (target):`` are included."""
    from crosspost.daemon.releases import release_groups, resolve_releases

    if not story.releases:
        return [(None, names)]
    anchor = (datetime.fromtimestamp(story.path.stat().st_mtime, zone)
              if story.path is not None and story.path.exists() else datetime.now(zone))
    releases = resolve_releases(story, config, zone, anchor)
    groups = release_groups(releases, names)
    return [(t, [n for n in g if not named or n in names]) for t, g in groups.items()
            if not named or any(n in names for n in g)]


def _require_secrets(config: Config, targets: set[str],
                     accounts: set[str] | frozenset[str] = frozenset()) -> None:
    """Every account these deliveries use has its secret, else one SecretError (exit 2)
    before anything is recorded or sent."""
    from crosspost.adapter import adapter_class
    from crosspost.config.secrets import lookup_secret

    names = set(accounts) | {config.targets[t].account for t in targets
                             if t in config.targets}
    for account in sorted(names):
        if account in config.accounts and adapter_class(config.accounts[account].site
                                                        ).needs_secret:
            lookup_secret(account)  # raises SecretError naming where to put it


#: statuses of rows without an entry id that still need the site (reconcile or send)
_MAY_CALL = frozenset({"pending", "editing", "deleting", "uncertain", "retry", "failed"})


def _require_rows_secrets(config: Config, rows: list[Delivery], targets: tuple[str, ...]
                          ) -> None:
    """:func:`_require_secrets` for the accounts where these rows' entries live."""
    rows = [r for r in rows if (not targets or r.target in targets)
            and (r.itemid is not None or r.status in _MAY_CALL)]
    accounts = {r.account or (config.targets[r.target].account
                              if r.target in config.targets else "") for r in rows}
    _require_secrets(config, set(), {a for a in accounts if a})


def _dry_run(config: Config, plans: list[tuple[Story, list[tuple[datetime | None,
             list[str]]]]], zone: tzinfo) -> None:
    from crosspost.delivery.plan import decide_publish
    from crosspost.render import render_post
    from crosspost.state.registry import Registry, now_utc
    from crosspost.story.when import describe as describe_time
    from crosspost.workflows import RuleError, check_rules, split_for

    with Registry.for_config(config) as registry:
        for story, groups in plans:
            for at, names in groups:
                for name, piece in [(n, p) for n in names for p in split_for(story, config, n)]:
                    row = registry.latest(piece.identity, name)
                    d = decide_publish(row, content_hash=piece.content_hash, now=now_utc(),
                                       live=bool(row and registry.is_live(row)), at=at,
                                       edit_mode=config.settings.edit_mode)
                    post = render_post(piece, config, name)
                    try:
                        check_rules(piece, config, name, post)
                    except RuleError as exc:
                        click.echo(f"{name}: would refuse {post.subject!r}: {exc.reason}")
                        continue
                    if d.action == "schedule" and d.at is not None:
                        when = describe_time(d.at.astimezone(zone), datetime.now(zone))
                        same = (row is not None and row.status == "scheduled"
                                and row.release_at == d.at)
                        click.echo(f"{name}: already scheduled for {when}" if same else
                                   f"{name}: would schedule {post.subject!r} for {when}")
                        continue
                    click.echo(f"{name}: would {d.action} {post.subject!r}"
                               + (f" ({d.reason})" if d.reason else ""))


@click.command("edit")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@_WHERE_OPT
@click.pass_obj
def edit_cmd(app: App, file: Path, targets: tuple[str, ...]) -> None:
    """Update every posted copy of the story in FILE with its current text."""
    config = app.config
    story = load_story(config, file)
    zone = user_zone(config)
    now = datetime.now(zone)
    # a Release: time already come: a copy whose date it no longer is gets it (re-dated)
    releases = {name: at for at, names in release_plan(story, config, zone,
                                                       list(config.targets), False)
                if at is not None and at <= now for name in names}
    with _publisher(config) as publisher:
        _require_rows_secrets(config, publisher.registry.deliveries(story.identity)
                              + publisher.drafts.part_rows(story.identity), targets)
        outcomes = publisher.edit(story, list(targets) or None, releases=releases)
    if not outcomes:
        raise UserError(f"{story.title or story.identity} is not posted anywhere yet",
                        f"post it first: crosspost post {file}")
    if not report(outcomes):
        sys.exit(1)


@click.command("delete")
@click.argument("what", metavar="FILE|ID")
@_WHERE_OPT
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete_cmd(app: App, what: str, targets: tuple[str, ...], yes: bool) -> None:
    """Delete the posted copies of a story (a story FILE, its identity, or one delivery
    ID from `crosspost status`)."""
    config = app.config
    with _publisher(config) as publisher:
        identity, delivery_id = resolve(what, publisher.registry, config)
        rows = [r for r in publisher.registry.deliveries(identity)
                + publisher.drafts.part_rows(identity)  # a long story's parts
                if (delivery_id is None or r.id == delivery_id)
                and (not targets or r.target in targets)]
        if not rows:
            raise UserError(f"nothing recorded for {identity}" +
                            (f" on {', '.join(targets)}" if targets else ""),
                            "see `crosspost status`")
        if not yes:
            if not sys.stdin.isatty():
                raise UserError("deleting needs a confirmation", "add --yes to delete "
                                "without being asked")
            where = ", ".join(f"{r.target} {r.url}".strip() for r in rows)
            if not click.confirm(f"Delete {_title_of(publisher.registry, identity)} from "
                                 f"{where}?"):
                click.echo("nothing deleted")
                return
        _require_rows_secrets(config, rows, ())
        outcomes = publisher.delete(identity, list(targets) or None, delivery_id=delivery_id)
    if not report(outcomes):
        sys.exit(1)


@click.command("retry")
@click.argument("delivery_id", metavar="[ID]", required=False, type=DELIVERY_ID)
@click.option("--force", is_flag=True,
              help="With ID: send an uncertain delivery again without asking the site "
                   "(only after checking it is not there).")
@click.pass_obj
def retry_cmd(app: App, delivery_id: int | None, force: bool) -> None:
    """Retry the deliveries that failed or wait for a retry (all, or delivery ID)."""
    if force and delivery_id is None:
        raise UserError("--force needs a delivery ID", "crosspost retry --force ID")
    config = app.config
    with _publisher(config) as publisher:
        if delivery_id is not None and publisher.registry.delivery(delivery_id) is None:
            raise UserError(f"no delivery {delivery_id}", "see `crosspost status`")
        reg = publisher.registry
        one = reg.delivery(delivery_id) if delivery_id is not None else None
        _require_rows_secrets(config, [one] if one is not None else reg.deliveries(
            statuses=("retry", "failed", "uncertain", "pending", "editing", "deleting")), ())
        outcomes = publisher.retry(delivery_id, assume_not_posted=force)
        titles = {o.identity: _title_of(reg, o.identity) for o in outcomes}
    if not outcomes:
        click.echo("nothing to retry")
        return
    ok = True
    for identity in dict.fromkeys(o.identity for o in outcomes):  # one block per story
        if len(titles) > 1:
            click.echo(f"== {titles[identity]} ==")
        ok &= report([o for o in outcomes if o.identity == identity])
    if len(titles) > 1:
        click.echo(summary(len(titles), outcomes))
    if not ok:
        sys.exit(1)


def _title_of(registry: Registry, identity: str) -> str:
    """The story's title, with the file it was last taken from."""
    row = registry.story(identity)
    return story_title(registry, identity) + (f" ({row.path})" if row and row.path else "")
