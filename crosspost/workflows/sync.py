"""After a batch (a command, a watcher pass): bring every derived entry up to date, each
at most once (20 fills posted together edit the table post once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery import AdapterPool, Outcome
    from crosspost.state.registry import Registry

__all__ = ["sync_derived"]


def sync_derived(config: Config, registry: Registry, pool: AdapterPool | None = None
                 ) -> list[tuple[str, Outcome]]:
    """Post or edit the derived entries whose text changed: (label, outcome) each, the
    label naming the entry ("table 25fluffyfics", "masterlist all", "navigation of
    'Part Two'"). ``pool``: the batch's
    adapters, so no second login is needed."""
    from crosspost.workflows.masterlists import sync_masterlists
    from crosspost.workflows.series import sync_series
    from crosspost.workflows.tables import sync_tables

    # the lists first: a part's navigation links to its series' masterlist
    out = ([(f"table {n}", o) for n, o in sync_tables(config, registry, pool)]
           + [(f"masterlist {n}", o) for n, o in sync_masterlists(config, registry, pool)])
    return out + [(f"navigation of {t!r}", o) for t, o in sync_series(config, registry, pool)]
