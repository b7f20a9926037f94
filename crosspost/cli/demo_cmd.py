"""``crosspost demo``: the whole job on a throw-away sandbox, no account needed.

Starts the sandbox site on 127.0.0.1, posts a story (our own sample, or FILE) to the demo
user's journal and to a community through the real adapter, registry and delivery engine,
prints what happened to each copy (with its notes: tags left out, the site's message) and
the URLs, then keeps serving so the entries can be opened in a browser. Its temporary
folder is removed when it stops, unless ``--keep``.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from importlib import resources
from pathlib import Path

import click

from crosspost.cli import App

DEMO_SECRET_ENV = "CROSSPOST_SECRET_SANDBOX"


def _demo_config(url: str, state_dir: Path) -> Path:
    """A config for the sandbox's demo world (user `writer`, community `fluffyfics`)."""
    cfg = state_dir / "config.toml"
    cfg.write_text(f'''
[settings]
state_file = "{(state_dir / "state.sqlite3").as_posix()}"
timezone = "UTC"

[accounts.sandbox]
site = "sandbox"
username = "writer"
server = "{url}"

[defaults]
subject = "{{title}}[ ({{pairing}}[, {{rating}}])]"
cut_text = "Read {{title}}"
adult_content = {{ "NC-17" = "explicit", "R" = "concepts" }}

[defaults.tags]
constant = ["type: fic"]

[defaults.tags.fields]
pairing = "pairing: {{value}}"
fandom = "fandom: {{value}}"
rating = "rating: {{value}}"

[targets.journal]
account = "sandbox"

[targets.fluffyfics]
account = "sandbox"
community = "fluffyfics"
''', encoding="utf-8")
    return cfg


@click.command("demo")
@click.argument("story", required=False, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path))
@click.option("--port", default=8080, show_default=True,
              help="Port for the sandbox site (a free one is used if it is taken).")
@click.option("--exit", "exit_after", is_flag=True,
              help="Stop the sandbox after posting instead of serving until Ctrl-C.")
@click.option("--keep", is_flag=True,
              help="Keep the demo's temporary folder (state file, config, sandbox data).")
@click.pass_obj
def demo_cmd(app: App, story: Path | None, port: int, exit_after: bool, keep: bool) -> None:
    """Post a story to a throw-away sandbox site and show where it landed.

    Without STORY, posts crosspost's own sample story. Nothing leaves this machine; the
    temporary folder is removed when the demo stops (unless --keep).
    """
    workdir = Path(tempfile.mkdtemp(prefix="crosspost-demo-"))
    try:
        _run_demo(workdir, story, port, exit_after)
    finally:
        if keep:
            click.echo(f"kept the demo's files in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run_demo(workdir: Path, story: Path | None, port: int, exit_after: bool) -> None:
    from crosspost.cli.outcomes import describe
    from crosspost.config import load_config
    from crosspost.delivery import Publisher
    from crosspost.sandbox import SandboxServer
    from crosspost.state.registry import Registry
    from crosspost.story.parse import parse_file

    try:
        server = SandboxServer(state_path=workdir / "sandbox.json", port=port).start()
    except OSError:
        server = SandboxServer(state_path=workdir / "sandbox.json", port=0).start()
    try:
        os.environ[DEMO_SECRET_ENV] = "sandbox-key"  # the sandbox demo user's API key
        config = load_config(_demo_config(server.url, workdir))
        if story is None:
            with resources.as_file(resources.files("crosspost") / "data/sample-story.txt") as p:
                parsed = parse_file(p)
        else:
            parsed = parse_file(story)
        click.echo(f"sandbox site running at {server.url}  (user: writer)")
        click.echo(f"posting {parsed.title!r} to the journal and to the fluffyfics community…")
        assert config.settings.state_file is not None
        publisher = Publisher(config, Registry(config.settings.state_file))
        failed = left_out = False
        try:
            for out in publisher.publish(parsed):
                failed |= out.action == "failed"
                left_out |= any(n.startswith("left out") for n in out.notes)
                # the notes too: tags the community did not have, the site's message
                for line in describe(out):
                    click.echo(f"  {line}")
                if out.error is not None and out.error.fix:
                    click.echo(f"    fix: {out.error.fix}")
        finally:
            publisher.close()
        if left_out and story is None:
            click.echo("  (expected in this demo: fluffyfics only has Torchwood and Doctor Who "
                       "tags, so crosspost posted the entry without the ones it lacks and "
                       "named them)")
        pages = f"journal page: {server.url}/writer/   community: {server.url}/fluffyfics/"
        if exit_after:
            click.echo(f"{pages}  (the sandbox has stopped: run without --exit to browse "
                       "them)")
            if failed:
                raise SystemExit(1)
            return
        click.echo(pages)
        # SIGTERM (a closed terminal, `kill`) stops it like Ctrl-C, so the folder is removed
        signal.signal(signal.SIGTERM, _interrupt)
        click.echo("Open the URLs above in a browser. Press Ctrl-C to stop the sandbox.")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("\nstopped")
    finally:
        server.stop()
