"""The names of the installed sites, read from the ``crosspost.adapters`` entry-point group.

The config layer needs them to check ``accounts.NAME.site`` (and an adapter's own account
settings) without importing the adapter contract, which sits above the config.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "crosspost.adapters"


def installed_sites() -> dict[str, Any]:
    """Site name → entry point, for every installed adapter (nothing is imported)."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
