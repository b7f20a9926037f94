"""The ``crosspost`` command line.

Commands live in their own modules and are imported only when run (fast ``--help`` and cold
start). Exit codes: 0 success; 1 some deliveries failed or a story is invalid (``check``);
2 usage, config or story error; 3 a site refused or could not be reached; 4 state file
problem; 130 interrupted.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crosspost import __version__

if TYPE_CHECKING:
    from crosspost.config import Config

# `crosspost --help` imports only click and this module: the errors module (and the
# dataclasses machinery it needs) is imported when an exception is on its way out.

#: command name → (module, attribute, one-line help shown by ``--help`` without importing)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("crosspost.cli.init_cmd", "init_cmd",
             "Set crosspost up: log in, pick where to post, write the config."),
    "parse": ("crosspost.cli.story_cmds", "parse_cmd",
              "Show a story's parsed fields and warnings."),
    "check": ("crosspost.cli.story_cmds", "check_cmd",
              "Check story files; non-zero exit if any is invalid."),
    "preview": ("crosspost.cli.preview_cmd", "preview_cmd",
                "Show exactly what each target would receive."),
    "post": ("crosspost.cli.post_cmds", "post_cmd", "Post a story to its targets now."),
    "edit": ("crosspost.cli.post_cmds", "edit_cmd", "Update every posted copy of a changed story."),
    "delete": ("crosspost.cli.post_cmds", "delete_cmd", "Delete the posted copies of a story."),
    "retry": ("crosspost.cli.post_cmds", "retry_cmd", "Retry deliveries that failed."),
    "history": ("crosspost.cli.record_cmds", "history_cmd", "Show every action taken for a story."),
    "status": ("crosspost.cli.record_cmds", "status_cmd",
               "List stories and where they are posted."),
    "tables": ("crosspost.cli.tables_cmd", "tables_cmd",
               "Show each prompt table's progress."),
    "login": ("crosspost.cli.login_cmd", "login_cmd",
              "Store an account's password or API key in the keyring."),
    "watch": ("crosspost.cli.daemon_cmds", "watch_cmd",
              "Watch the stories folder and post what arrives."),
    "schedule": ("crosspost.cli.daemon_cmds", "schedule_cmd", "Schedule a story's release."),
    "queue": ("crosspost.cli.daemon_cmds", "queue_cmd", "List scheduled releases."),
    "cancel": ("crosspost.cli.daemon_cmds", "cancel_cmd", "Cancel a scheduled release."),
    "reschedule": ("crosspost.cli.daemon_cmds", "reschedule_cmd", "Move a scheduled release."),
    "state": ("crosspost.cli.state_cmd", "state_cmd",
              "Check the state file, or restore it from its backup."),
    "sandbox": ("crosspost.cli.sandbox_cmd", "sandbox_cmd",
                "Run the local LJ-protocol sandbox site."),
    "demo": ("crosspost.cli.demo_cmd", "demo_cmd",
             "Post the example story to a throw-away sandbox."),
    "ui": ("crosspost.cli.ui_cmd", "ui_cmd", "Open the dashboard in your browser."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


class App:
    """Shared CLI state, passed to commands as ``click.pass_obj``.

    Loading :attr:`config` also points logging at ``settings.log_file`` (and JSON lines
    when ``settings.log_json``), for every command that reads the config."""

    def __init__(self, config_path: Path | None, verbose: int = 0,
                 _config: Config | None = None, log_json: bool = False) -> None:
        self.config_path = config_path
        self.verbose = verbose
        self.log_json = log_json
        self._config = _config
        #: set when loading found no config file (and nothing in the environment)
        self.config_missing = False

    def __repr__(self) -> str:
        return f"App(config_path={self.config_path!r}, verbose={self.verbose!r})"

    @property
    def config(self) -> Config:
        if self._config is None:
            from crosspost.config import load_config

            self._config = load_config(self.config_path)
            self._no_config_file(self._config)
            settings = self._config.settings
            if settings.log_file is not None or settings.log_json:
                import logging

                from crosspost.logs import setup_logging

                setup_logging(verbose=self.verbose, json_lines=self.log_json or settings.log_json,
                              log_file=settings.log_file, base=logging.WARNING)
        return self._config


    def _no_config_file(self, config: Config) -> None:
        """No config file and nothing set through the environment: say where crosspost
        looked and how to make one."""
        from crosspost.config import default_config_path

        path = (self.config_path or default_config_path()).expanduser()
        if path.exists() or config.accounts or config.targets:
            return
        from crosspost.errors import ConfigError, ConfigProblem

        self._config = None
        self.config_missing = True
        raise ConfigError(
            [ConfigProblem("", "no config file here (crosspost looks at --config, then "
                               "$CROSSPOST_CONFIG, then this place)")], str(path),
            fix="run `crosspost init` to write one (`crosspost init --example` shows every key)")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Config file (default: $CROSSPOST_CONFIG, then the user config dir).")
@click.option("-v", "--verbose", count=True,
              help="More logging on stderr: -v info, -vv debug (watch: -v debug).")
@click.option("--log-json", is_flag=True, help="Log JSON lines to stderr.")
@click.version_option(__version__, prog_name="crosspost")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: int, log_json: bool) -> None:
    """Publish story files to Dreamwidth, LiveJournal and other LJ-code sites."""
    import logging

    from crosspost.logs import setup_logging

    # one-shot commands print their results on stdout: the console log shows only problems
    # (watch sets INFO again when it starts)
    setup_logging(verbose=verbose, json_lines=log_json, base=logging.WARNING)
    ctx.obj = App(config_path=config_path, verbose=verbose, log_json=log_json)


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="crosspost", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        from crosspost.errors import CrosspostError

        if isinstance(exc, CrosspostError):
            click.echo(f"error: {exc.render()}", err=True)
            sys.exit(exc.exit_code)
        import errno

        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:  # wherever it was met
            click.echo(f"error: the disk is full ({exc.filename or exc.strerror})\n  fix: free "
                       "some space on that disk, then run the command again", err=True)
            sys.exit(2)
        args = sys.argv[1:] if argv is None else argv
        if any(a in ("-v", "-vv", "--verbose") for a in args):
            raise  # the details, for the bug report
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n  fix: this is a crosspost "
                   "bug; run the command again with -v and report what it prints", err=True)
        sys.exit(70)
