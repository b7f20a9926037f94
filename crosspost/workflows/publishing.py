"""The delivery engine as every driver uses it (the CLI, the daemon, the dashboard): each
post vetted by its community's rules before anything is sent, a story too long for its site
split into parts. After a batch, a driver calls :func:`~crosspost.workflows.sync.sync_derived`
so that each derived entry (table post, masterlist, a series' links) is edited once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crosspost.delivery import Publisher
from crosspost.workflows.rules import check_rules
from crosspost.workflows.split import split_for

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery.pool import AdapterPool
    from crosspost.state.registry import Registry


def make_publisher(config: Config, registry: Registry, pool: AdapterPool | None = None,
                   **options: Any) -> Publisher:
    """A :class:`Publisher` with the community workflows' hooks (``options`` as Publisher's)."""
    return Publisher(config, registry, pool, vet=check_rules, expand=split_for, **options)
