"""The config: a TOML file and the environment, validated with pydantic-settings.

- :mod:`.settings` — the models (``Config``, ``Account``, ``Target``, ``Rendering``, ``TagRules``);
- :mod:`.checks` — problems beyond types (misspellings, templates, cross-references);
- :mod:`.load` — where the file is looked for and :func:`load_config`;
- :mod:`.sites` — the installed site names (entry points), for checking accounts;
- :mod:`.secrets` — passwords and API keys from the keyring or the environment, never the file.
"""

from __future__ import annotations

from crosspost.config.load import default_config_path, default_state_path, load_config
from crosspost.config.settings import (
    SCREENING,
    Account,
    Config,
    Rendering,
    Settings,
    TagRules,
    Target,
)

__all__ = [
    "SCREENING", "Account", "Config", "Rendering", "Settings", "TagRules", "Target",
    "default_config_path", "default_state_path", "load_config",
]
