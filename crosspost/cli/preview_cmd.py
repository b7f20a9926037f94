"""``crosspost preview FILE [--to TARGET]... [--html OUT]``: exactly what each target would
receive. No network, no secret needed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crosspost.cli.complete import complete_targets
from crosspost.errors import CrosspostError, UserError
from crosspost.render.preview import build_preview, describe_options

__all__ = ["build_preview", "choose_targets", "describe_options", "preview_cmd"]

if TYPE_CHECKING:
    from crosspost.cli import App
    from crosspost.config import Config
    from crosspost.render.preview_html import TargetPreview


def choose_targets(config: Config, wanted: tuple[str, ...]) -> list[str]:
    """``--to`` targets (checked), else every target with ``auto``, else every target."""
    if not config.targets:
        raise UserError("no targets are configured",
                        "add a [targets.NAME] table to the config (see config.example.toml)")
    unknown = [t for t in wanted if t not in config.targets]
    if unknown:
        from crosspost.delivery import unknown_targets

        raise unknown_targets(config, unknown)
    if wanted:
        return list(dict.fromkeys(wanted))
    auto = [name for name, tgt in config.targets.items() if tgt.auto]
    return auto or list(config.targets)


def _show(name: str, item: TargetPreview) -> None:
    post = item.post
    click.secho(f"== {name} → {item.destination} ==", bold=True)
    click.echo(f"subject: {post.subject}")
    click.echo(f"tags ({len(post.tags)}): {', '.join(post.tags) if post.tags else '(none)'}")
    for note in post.notes:
        click.echo(f"  note: {note}")
    for hint in item.hints:
        click.echo(f"  later: {hint}")
    opts = describe_options(post.options)
    click.echo("options: " + ", ".join(f"{k}={v}" for k, v in opts.items()))
    props = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                      for k, v in item.props.items())
    click.echo(f"props:   {props or '(none)'}")
    click.echo(f"html ({len(post.html):,} characters):")
    click.echo(post.html)
    click.echo()


@click.command("preview")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--to", "targets", multiple=True, metavar="TARGET",
              shell_complete=complete_targets,
              help="Only this target (repeatable). Default: every target with auto = true.")
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False),
              metavar="OUT", help="Also write a self-contained HTML page to OUT.")
@click.option("--open", "open_page", is_flag=True,
              help="Open the rendered page in the web browser (written to a temporary file "
                   "unless --html names one).")
@click.pass_obj
def preview_cmd(app: App, file: Path, targets: tuple[str, ...], html_out: Path | None,
                open_page: bool) -> None:
    """Show exactly what each target would receive for FILE: subject, tags, props, HTML.

    Nothing is sent and no password is needed."""
    config = app.config
    names = choose_targets(config, targets)
    from crosspost.render.preview_html import preview_page
    from crosspost.story.parse import parse_file

    story = parse_file(file, max_bytes=config.settings.max_file_bytes)
    for warning in story.warnings:
        click.echo(f"{warning.level}: {file}: {warning}", err=True)
    items: list[tuple[str, TargetPreview]] = []
    failed: list[CrosspostError] = []
    from crosspost.workflows.preview import previews

    for name in names:
        try:
            items += previews(config, story, name)  # too long for the site: its parts
        except CrosspostError as exc:  # one target's problem must not hide the others
            failed.append(exc)
            click.echo(f"== {name}: cannot be posted ==\nerror: {exc.render()}\n", err=True)
    for name, item in items:
        _show(name, item)
    if open_page and html_out is None:
        import tempfile

        fd, name = tempfile.mkstemp(prefix="crosspost-preview-", suffix=".html")
        import os

        os.close(fd)
        html_out = Path(name)
    if html_out is not None:
        page = preview_page(story.title or file.name, str(file), items,
                            {n: describe_options(i.post.options) for n, i in items})
        try:
            html_out.write_text(page, encoding="utf-8")
        except OSError as exc:
            from crosspost.state.health import is_disk_full

            if is_disk_full(exc):
                raise UserError(f"the disk is full: cannot write {html_out}",
                                "free some space, or write the page to another disk") from None
            raise UserError(f"cannot write {html_out}: {exc.strerror or exc}",
                            "choose a folder you can write to") from None
        click.echo(f"wrote {html_out}", err=True)
        if open_page:
            _open_in_browser(html_out)
    if failed:
        sys.exit(failed[0].exit_code)


def _open_in_browser(page: Path) -> None:
    """The page in the user's browser (``$BROWSER`` when set); a note when none opens."""
    import webbrowser

    url = page.resolve().as_uri()
    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"note: no web browser could be opened: open {url} yourself", err=True)
