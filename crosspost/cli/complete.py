"""Shell completion (bash, zsh, fish) of target and account names from the config.

Completion must never fail loudly: a missing or broken config completes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from crosspost.config import Config


def _config(ctx: click.Context) -> Config | None:
    root = ctx.find_root()
    path = root.params.get("config_path")
    try:
        from crosspost.config import load_config

        return load_config(Path(path) if path else None)
    except Exception:  # completion shows nothing rather than an error
        return None


def _items(names: list[str], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    low = incomplete.casefold()
    return [CompletionItem(n) for n in sorted(names) if n.casefold().startswith(low)]


def complete_targets(ctx: click.Context, param: click.Parameter, incomplete: str
                     ) -> list[CompletionItem]:
    config = _config(ctx)
    return _items(list(config.targets) if config else [], incomplete)


def complete_accounts(ctx: click.Context, param: click.Parameter, incomplete: str
                      ) -> list[CompletionItem]:
    config = _config(ctx)
    return _items(list(config.accounts) if config else [], incomplete)


STATES = ("scheduled", "pending", "editing", "deleting", "uncertain", "posted", "queued",
          "retry", "failed", "held", "needs_edit", "deleted", "gone", "cancelled")
