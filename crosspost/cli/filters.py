"""The row filters of ``status`` and ``queue`` (``--state``, ``--to``, ``--story``) and
their ``--json``: the options, and :func:`select`, the rows they keep."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from crosspost.cli.complete import complete_targets

if TYPE_CHECKING:
    from crosspost.state.registry import Delivery


def select(rows: list[Delivery], states: tuple[str, ...], targets: tuple[str, ...],
           identities: set[str] | None, show_all: bool) -> list[Delivery]:
    """The rows the filters keep. Pure. Deleted and cancelled copies only with ``show_all``
    or when asked for by ``--state``."""
    want_states = {s.casefold() for s in states}
    want_targets = {t.casefold() for t in targets}
    out = []
    for r in rows:
        if want_states and r.status not in want_states:
            continue
        if not want_states and not show_all and r.status in ("deleted", "cancelled"):
            continue
        if want_targets and r.target.casefold() not in want_targets:
            continue
        if identities is not None and r.identity not in identities:
            continue
        out.append(r)
    return out


def filter_options(states: Sequence[str], story_help: str) -> Callable[[Any], Any]:
    """``--state`` (one of ``states``), ``--to``, ``--story`` and ``--json``, as ``status``
    and ``queue`` take them."""
    options = [
        click.option("--state", "states", multiple=True, type=click.Choice(tuple(states)),
                     help="Only this state (repeatable)."),
        click.option("--to", "targets", multiple=True, metavar="TARGET",
                     shell_complete=complete_targets, help="Only this target (repeatable)."),
        click.option("--story", "stories", multiple=True, metavar="FILE|ID", help=story_help),
        click.option("--json", "as_json", is_flag=True,
                     help="Print one JSON document (schema: docs/JSON.md)."),
    ]

    def apply(fn: Any) -> Any:
        for option in reversed(options):
            fn = option(fn)
        return fn
    return apply
