"""The names of the installed sites, read from the ``crosspost.adapters`` entry-point group.

The config layer needs them to check ``accounts.NAME.site`` (and an adapter's own account
settings) without importing the adapter contract, which sits above the config.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

ENTRY_POINT_GROUP = "crosspost.adapters"


_found: tuple[tuple[str, ...], dict[str, Any]] | None = None


def installed_sites() -> dict[str, Any]:
    """Site name → entry point, for every installed adapter (nothing is imported).

    Reading every installed package's metadata takes ~10 ms, and a run asks several times:
    the answer is kept while the import path stays the same (a changed ``sys.path`` reads
    it again)."""
    global _found
    path = tuple(sys.path)
    if _found is None or _found[0] != path:
        _found = (path, {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)})
    return dict(_found[1])


_models: dict[str, tuple[type[BaseModel] | None, str]] = {}


def adapter_settings_model(site: str) -> tuple[type[BaseModel] | None, str]:
    """(the pydantic model of the account keys ``site``'s adapter declares, or None; a
    problem loading the adapter, or ""). The adapter's module is imported on first use."""
    if site not in _models:
        ep = installed_sites().get(site)
        model: type[BaseModel] | None = None
        problem = ""
        if ep is not None:
            try:
                model = getattr(ep.load(), "account_settings", None)
            except Exception as exc:  # a broken plugin is a config problem, not a crash
                problem = f"the adapter for site {site!r} cannot be loaded ({exc})"
            if model is not None and not (isinstance(model, type)
                                          and issubclass(model, BaseModel)):
                model, problem = None, (f"the adapter for site {site!r} declares "
                                        "account_settings that are not a pydantic model")
        _models[site] = (model, problem)
    return _models[site]
