"""Configuration: TOML file + environment, validated with pydantic-settings.

Location: ``--config PATH``, else ``$CROSSPOST_CONFIG``, else ``<user config dir>/config.toml``.
Environment variables override keys: ``CROSSPOST_SETTINGS__TIMEZONE=Europe/Paris``
(``__`` separates nesting levels). No secrets live here: see ``crosspost.config.secrets``.

Targets inherit every rendering key from ``[defaults]``; a target's own keys win, and
tables (tag maps, rating maps) are merged key by key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from crosspost.config.community import Masterlist, PromptTable, Rules, SeriesNavigation
from crosspost.config.strict import Strict
from crosspost.story import fields as known_fields
from crosspost.story.post import SCREENING, AdultContent, Security


class WordBand(Strict):
    """One word-count band: stories of ``min``–``max`` words (both included) get ``tag``."""

    tag: str = Field(min_length=1)
    min: int = Field(default=0, ge=0)
    #: None = no upper end
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> WordBand:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"band {self.tag!r}: max ({self.max}) is below min ({self.min})")
        return self


class TagRules(Strict):
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
    #: word-count bands as tags; the first band holding the story's word count gives its
    #: tag (``[{ max = 100, tag = "drabble" }, { max = 1000, tag = "ficlet" }]``).
    word_count_bands: list[WordBand] | None = None

    @field_validator("fields", "split")
    @classmethod
    def _canonical_field_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Aliases become canonical keys (``Pairings`` → ``pairing``). Names close to a known
        # field but not one of its spellings are reported by ``semantic_problems``.
        return {known_fields.canonical(name): v for name, v in value.items()}


class Rendering(Strict):
    """Keys a target can set and ``[defaults]`` can provide. ``None`` = inherit."""

    #: subject template (see crosspost.story.template for the syntax)
    subject: str | None = None
    #: header fields shown above the cut, in this order; "*" = every other field
    header_fields: list[str] | None = None
    #: one header line: {label}, {value}, {key} and every field by name
    header_line: str | None = None
    #: label overrides for header lines: field name → label
    header_labels: dict[str, str] | None = None
    #: HTML template added after the story (outside the cut)
    footer: str | None = None
    cut: bool | None = None
    cut_text: str | None = None
    #: "rule", "stars" or any text (shown centred)
    scene_break: str | None = None
    security: Security | None = None
    comments: bool | None = None
    #: comment screening: all, anonymous, non-access, none (or the letters A, R, F, N)
    screening: str | None = None
    #: rating → adult-content level (ratings compared ignoring case, spaces and dashes)
    adult_content: dict[str, AdultContent] | None = None
    adult_reason: str | None = None
    #: userpic keyword
    userpic: str | None = None
    #: raw protocol props passed through as given
    props: dict[str, str] | None = None
    tags: TagRules | None = None
    #: field values that mean "nothing here" (``Pairing: none``): treated as empty in the
    #: subject, header block and tags; compared ignoring case and surrounding spaces
    placeholders: list[str] | None = None

    @field_validator("screening")
    @classmethod
    def _screening_letter(cls, value: str | None) -> str | None:
        if value is None:
            return None
        letter = SCREENING.get(value.strip().casefold())
        if letter is None:
            raise ValueError(f"unknown screening {value!r} "
                             "(use all, anonymous, non-access or none)")
        return letter


DEFAULT_RENDERING = Rendering(
    subject="{title}[ ({pairing}[, {rating}])]",
    header_fields=["title", "author", "pairing", "characters", "fandom", "rating", "warnings",
                   "word_count", "summary", "prompt", "table", "disclaimer", "notes"],
    header_line="<b>{label}:</b> {value}",
    header_labels={},
    footer="",
    cut=True,
    cut_text="{title}",
    scene_break="rule",
    security="public",
    comments=True,
    screening=None,
    adult_content={},
    adult_reason=None,
    userpic=None,
    props={},
    tags=TagRules(),
    placeholders=["none", "n/a", "gen", "-"],
)


class Account(Strict):
    """A login on one site. ``site`` picks the adapter (entry-point name).

    Keys beyond these belong to the site's adapter (``Adapter.account_settings``): they are
    kept here and checked against the adapter's own model by ``checks.adapter_key_problems``.
    """

    model_config = ConfigDict(extra="allow")

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
    #: requests in flight at once to this site when one story fans out (None = 4); accounts
    #: on the same site share the smallest value given.
    max_parallel: int | None = Field(default=None, ge=1, le=32)
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
    #: the community's posting rules (none by default)
    rules: Rules = Field(default_factory=Rules)


class Settings(Strict):
    timezone: str | None = None
    state_file: Path | None = None
    stories_dir: Path | None = None
    posted_dir: str | None = "posted"
    failed_dir: str = "failed"
    grace_minutes: float = 360.0
    edit_mode: Literal["auto", "ask", "off"] = "auto"
    max_file_bytes: int = 5_000_000
    retry_limit: int = 8
    #: first retry delay in seconds (doubles per attempt, with jitter, capped at an hour).
    retry_base_seconds: float = 2.0
    #: longest wait between attempts inside one run; longer waits are left to the daemon
    #: (or `crosspost retry`). `watch` waits at most ``daemon.runner.INLINE_WAIT`` in line.
    retry_max_wait_seconds: float = 30.0
    log_file: Path | None = None
    log_json: bool = False


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CROSSPOST_", env_nested_delimiter="__",
                                      extra="forbid")

    settings: Settings = Field(default_factory=Settings)
    accounts: dict[str, Account] = Field(default_factory=dict)
    defaults: Rendering = Field(default_factory=Rendering)
    targets: dict[str, Target] = Field(default_factory=dict)
    #: claimed prompt tables, by the name stories give in ``Table:``
    tables: dict[str, PromptTable] = Field(default_factory=dict)
    #: index entries of your stories, by name
    masterlists: dict[str, Masterlist] = Field(default_factory=dict)
    #: previous / next / index links in the parts of a series (off without this table)
    series: SeriesNavigation | None = None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # environment beats the file (which arrives as init kwargs)
        return (env_settings, init_settings)

    def timezone_for(self, target: str) -> str | None:
        """The zone of ``target``'s journal: its account's ``timezone``, else
        ``settings.timezone``; None means this machine's zone."""
        tgt = self.targets.get(target)
        account = self.accounts.get(tgt.account) if tgt is not None else None
        return (account.timezone if account else None) or self.settings.timezone

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
        word_count_bands=(over.word_count_bands if over.word_count_bands is not None
                          else base.word_count_bands),
    )
