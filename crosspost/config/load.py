"""Finding and loading the config file: where crosspost looks, and one report of every problem.

Location: ``--config PATH``, else ``$CROSSPOST_CONFIG``, else ``<user config dir>/config.toml``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from crosspost.config.checks import cross_check, semantic_problems, validation_problems
from crosspost.config.settings import Config
from crosspost.errors import ConfigError, ConfigProblem


def _user_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("crosspost") / "config.toml"


def default_config_path() -> Path:
    """``$CROSSPOST_CONFIG`` when set, else ``<user config dir>/config.toml``."""
    env = os.environ.get("CROSSPOST_CONFIG")
    if env:
        return Path(env).expanduser()
    return _user_config_path()


def default_state_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("crosspost") / "state.sqlite3"


def load_config(path: Path | str | None = None) -> Config:
    """Load and validate the config; every problem is reported at once in a ConfigError."""
    cfg_path = Path(path).expanduser() if path else default_config_path()
    data: dict[str, Any] = {}
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([ConfigProblem("", f"not valid TOML: {exc}")],
                              str(cfg_path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([ConfigProblem("", f"cannot read: {exc}")], str(cfg_path)) from None
    elif path:
        raise ConfigError([ConfigProblem("", "file not found")], str(cfg_path),
                          fix="pass an existing file, or run `crosspost init` to write one there")
    elif os.environ.get("CROSSPOST_CONFIG"):
        raise ConfigError([ConfigProblem("", "file not found (named by $CROSSPOST_CONFIG)")],
                          str(cfg_path),
                          fix="set CROSSPOST_CONFIG to an existing file, or unset it to use "
                              f"{_user_config_path()}")
    try:
        cfg = Config(**data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(exc) + semantic_problems(data)
                          + cross_check(data), str(cfg_path)) from None
    except SettingsError as exc:  # a CROSSPOST_* variable that pydantic-settings cannot read
        m = re.search(r'field "(\w+)"', str(exc))
        key = m.group(1) if m else ""
        raise ConfigError([ConfigProblem(key, f"cannot read environment variable "
                                              f"CROSSPOST_{key.upper()}: not valid JSON")],
                          str(cfg_path)) from None
    dumped = cfg.model_dump(exclude_none=True)
    problems = semantic_problems(dumped) + cross_check(dumped)
    if problems:
        raise ConfigError(problems, str(cfg_path))
    if cfg.settings.state_file is not None and not cfg.settings.state_file.is_absolute():
        cfg.settings.state_file = (cfg_path.parent / cfg.settings.state_file.expanduser())
    if cfg.settings.log_file is not None:
        lf = cfg.settings.log_file.expanduser()
        cfg.settings.log_file = lf if lf.is_absolute() else cfg_path.parent / lf
    for tbl in cfg.tables.values():
        if tbl.prompts_file is not None:
            pf = tbl.prompts_file.expanduser()
            tbl.prompts_file = pf if pf.is_absolute() else cfg_path.parent / pf
    if cfg.settings.stories_dir is not None:
        sd = cfg.settings.stories_dir.expanduser()
        cfg.settings.stories_dir = sd if sd.is_absolute() else cfg_path.parent / sd
    return cfg
