"""Configuration: TOML file + environment, validated with pydantic-settings.

Location: ``--config PATH``, else ``$CROSSPOST_CONFIG``, else ``<user config dir>/config.toml``.
Environment variables override keys: ``CROSSPOST_SETTINGS__TIMEZONE=Europe/Paris``
(``__`` separates nesting levels). No secrets live here: see ``crosspost.secrets``.

Targets inherit every rendering key from ``[defaults]``; a target's own keys win, and
tables (tag maps, rating maps) are merged key by key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from . import fields as known_fields
from .errors import ConfigError, ConfigProblem
from .post import AdultContent, Security


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TagRules(_Strict):
    """How header fields become tags for one target."""

    #: header field key → tag template(s); ``{value}`` is one value of the field, and every
    #: header field is reachable by name (``{fandom}``).
    fields: dict[str, str | list[str]] = Field(default_factory=dict)
    #: tags added to every post (``"type: fic"``); templates allowed.
    constant: list[str] = Field(default_factory=list)
    #: word replacements applied to each value before templating (``PG-13`` → ``teen``).
    values: dict[str, str] = Field(default_factory=dict)
    #: per-field separators for multi-value fields, overriding the built-in ones.
    split: dict[str, list[str]] = Field(default_factory=dict)
    #: let the account create tags the community does not have yet (maintainers only).
    allow_new: bool = False

    @field_validator("fields", "split")
    @classmethod
    def _known_field_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            spec = known_fields.lookup(name)
            if spec is None:
                hint = known_fields.suggest(name)
                if hint:
                    raise ValueError(f"unknown field {name!r} (did you mean {hint!r}?)")
        return {(known_fields.lookup(k).key if known_fields.lookup(k) else k): v  # type: ignore[union-attr]
                for k, v in value.items()}


class Rendering(_Strict):
    """Keys a target can set and ``[defaults]`` can provide. ``None`` = inherit."""

    subject: str | None = None
    header_fields: list[str] | None = None
    header_line: str | None = None
    footer: str | None = None
    cut: bool | None = None
    cut_text: str | None = None
    security: Security | None = None
    comments: bool | None = None
    screening: str | None = None
    adult_content: dict[str, AdultContent] | None = None
    adult_reason: str | None = None
    props: dict[str, str] | None = None
    tags: TagRules | None = None


DEFAULT_RENDERING = Rendering(
    subject="{title}[ ({pairing}[, {rating}])]",
    header_fields=["title", "author", "pairing", "characters", "fandom", "rating", "warnings",
                   "word_count", "summary", "prompt", "table", "disclaimer", "notes"],
    header_line="<b>{label}:</b> {value}",
    footer="",
    cut=True,
    cut_text="{title}",
    security="public",
    comments=True,
    screening=None,
    adult_content={},
    adult_reason=None,
    props={},
    tags=TagRules(),
)


class Account(_Strict):
    """A login on one site. ``site`` picks the adapter (entry-point name)."""

    site: str = "dreamwidth"
    username: str
    #: endpoint for generic LJ-code servers (and the sandbox): ``https://host`` or full URL.
    server: str | None = None
    #: protocol dialect of a generic or sandbox server: "dw" (Dreamwidth code) or "lj".
    dialect: Literal["dw", "lj"] | None = None
    #: time zone of the journal, for entry dates (protocol dates carry no zone).
    timezone: str | None = None
    #: request budget per minute for pacing; None = the site's preset.
    requests_per_minute: float | None = None
    #: sessiongenerate + cookie auth for batches (falls back to challenge auth).
    use_sessions: bool = True
    timeout: float = 30.0

    def __repr__(self) -> str:
        return f"Account(site={self.site!r}, username={self.username!r})"


class Target(Rendering):
    """Where a story goes: an account, and a community (or the account's own journal)."""

    account: str
    community: str | None = None
    #: post this target automatically for every story in the watched folder.
    auto: bool = True


class Settings(_Strict):
    timezone: str | None = None
    state_file: Path | None = None
    stories_dir: Path | None = None
    posted_dir: str | None = "posted"
    failed_dir: str = "failed"
    grace_minutes: float = 360.0
    edit_mode: Literal["auto", "ask", "off"] = "auto"
    max_file_bytes: int = 5_000_000
    retry_limit: int = 8
    log_file: Path | None = None
    log_json: bool = False


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROSSPOST_", env_nested_delimiter="__",
                                      extra="forbid")

    settings: Settings = Field(default_factory=Settings)
    accounts: dict[str, Account] = Field(default_factory=dict)
    defaults: Rendering = Field(default_factory=Rendering)
    targets: dict[str, Target] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment beats the file (which arrives as init kwargs)
        return (env_settings, init_settings)

    def rendering_for(self, target: str) -> Rendering:
        """The target's rendering keys with defaults filled in (tables merged)."""
        tgt = self.targets[target]
        out: dict[str, Any] = {}
        for name in Rendering.model_fields:
            base = getattr(DEFAULT_RENDERING, name)
            for layer in (self.defaults, tgt):
                val = getattr(layer, name)
                if val is None:
                    continue
                if isinstance(val, dict) and isinstance(base, dict):
                    base = {**base, **val}
                elif isinstance(val, TagRules) and isinstance(base, TagRules):
                    base = _merge_tags(base, val)
                else:
                    base = val
            out[name] = base
        return Rendering(**out)


def _merge_tags(base: TagRules, over: TagRules) -> TagRules:
    set_keys = over.model_fields_set
    return TagRules(
        fields={**base.fields, **over.fields},
        constant=over.constant if "constant" in set_keys else base.constant,
        values={**base.values, **over.values},
        split={**base.split, **over.split},
        allow_new=over.allow_new if "allow_new" in set_keys else base.allow_new,
    )


def default_config_path() -> Path:
    env = os.environ.get("CROSSPOST_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("crosspost") / "config.toml"


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
            raise ConfigError([ConfigProblem("", f"not valid TOML: {exc}")], str(cfg_path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([ConfigProblem("", f"cannot read: {exc}")], str(cfg_path)) from None
    elif path:
        raise ConfigError([ConfigProblem("", "file not found")], str(cfg_path),
                          fix="pass an existing file, or copy config.example.toml there")
    try:
        cfg = Config(**data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc), str(cfg_path)) from None
    problems = _cross_check(cfg)
    if problems:
        raise ConfigError(problems, str(cfg_path))
    if cfg.settings.state_file is not None and not cfg.settings.state_file.is_absolute():
        cfg.settings.state_file = (cfg_path.parent / cfg.settings.state_file.expanduser())
    if cfg.settings.stories_dir is not None:
        sd = cfg.settings.stories_dir.expanduser()
        cfg.settings.stories_dir = sd if sd.is_absolute() else cfg_path.parent / sd
    return cfg


def _problems(exc: ValidationError) -> list[ConfigProblem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
            hint = known_fields.suggest(str(err["loc"][-1]))
            if hint:
                msg += f" (did you mean {hint!r}?)"
        out.append(ConfigProblem(loc, msg))
    return out


def _cross_check(cfg: Config) -> list[ConfigProblem]:
    problems = []
    for name, tgt in cfg.targets.items():
        if tgt.account not in cfg.accounts:
            known = ", ".join(sorted(cfg.accounts)) or "none defined"
            problems.append(ConfigProblem(f"targets.{name}.account",
                                          f"no account {tgt.account!r} (accounts: {known})"))
    for zone_key, zone in [("settings.timezone", cfg.settings.timezone)] + [
            (f"accounts.{n}.timezone", a.timezone) for n, a in cfg.accounts.items()]:
        if zone:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(ConfigProblem(zone_key, f"unknown time zone {zone!r}"))
    return problems
