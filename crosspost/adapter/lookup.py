"""Finding adapters: the ``crosspost.adapters`` entry-point group, built-ins included."""

from __future__ import annotations

from typing import Any

from crosspost.adapter.contract import Adapter
from crosspost.config.sites import ENTRY_POINT_GROUP, installed_sites
from crosspost.errors import ConfigError, ConfigProblem

__all__ = ["ENTRY_POINT_GROUP", "adapter_class", "available_adapters"]


def available_adapters() -> dict[str, Any]:
    """Site name → entry point, for every installed adapter."""
    return installed_sites()


_loaded: dict[str, type[Adapter]] = {}


def adapter_class(site: str) -> type[Adapter]:
    """The adapter class registered for ``site`` (imported on first use only)."""
    if site in _loaded:
        return _loaded[site]
    eps = available_adapters()
    if site not in eps:
        known = ", ".join(sorted(eps)) or "none installed"
        raise ConfigError([ConfigProblem("site", f"no adapter for site {site!r} (known: {known})")])
    cls = eps[site].load()
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ConfigError([ConfigProblem("site", f"entry point {site!r} is not an Adapter")])
    _loaded[site] = cls
    return cls
