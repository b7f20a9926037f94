"""The config tables of community work: a target's posting rules (``[targets.NAME.rules]``),
prompt tables (``[tables.NAME]``), masterlists (``[masterlists.NAME]``) and the navigation
of a series (``[series]``). Used by :mod:`crosspost.workflows`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from crosspost.config.strict import Strict
from crosspost.story import fields as known_fields

#: the usual rating levels, lowest first; spellings of one level separated by "/"
RATING_SCALE = ("G/General/General Audiences/Gen", "PG", "PG-13/Teen/T/Teen And Up Audiences",
                "R/Mature/M", "NC-17/Explicit/E/NC17")


def rating_level(rating: str, scale: list[str] | tuple[str, ...]) -> int | None:
    """The position of ``rating`` on ``scale`` (case, spaces and dashes ignored), or None."""
    want = _rating_key(rating)
    for level, spellings in enumerate(scale):
        if any(_rating_key(s) == want for s in spellings.split("/")):
            return level
    return None


def _rating_key(text: str) -> str:
    return re.sub(r"[\s\-_.]+", "", text.casefold())


class Rules(Strict):
    """A community's posting rules, checked before anything is sent (check, preview, post
    and watch); a story that breaks one is refused with the rule and the fix."""

    #: header fields every story must have (``["rating", "prompt"]``)
    required_fields: list[str] = Field(default_factory=list)
    #: word count range, both ends included (a drabble community: min = max = 100)
    min_words: int | None = Field(default=None, ge=0)
    max_words: int | None = Field(default=None, ge=0)
    #: the story must be behind a cut: true = always, a rating (``"R"``) = from that rating
    #: up (see ``rating_scale``), false = no rule
    cut_required: bool | str = False
    #: the ratings the community accepts (compared ignoring case, spaces and dashes)
    ratings: list[str] | None = None
    #: ratings from lowest to highest, for ``cut_required = "R"``; each entry may list
    #: spellings of one level separated by ``/`` (``"PG-13/Teen"``)
    rating_scale: list[str] = Field(default_factory=lambda: list(RATING_SCALE))
    #: the most tags an entry may carry
    max_tags: int | None = Field(default=None, ge=0)
    #: text the subject must contain (``"[drabble]"``, compared ignoring case)
    subject_contains: list[str] = Field(default_factory=list)

    @field_validator("required_fields")
    @classmethod
    def _canonical_required(cls, value: list[str]) -> list[str]:
        return [known_fields.canonical(name) for name in value]

    @field_validator("subject_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        if (self.min_words is not None and self.max_words is not None
                and self.max_words < self.min_words):
            raise ValueError(f"max_words ({self.max_words}) is below min_words "
                             f"({self.min_words})")
        if isinstance(self.cut_required, str) and rating_level(
                self.cut_required, self.rating_scale) is None:
            raise ValueError(f"cut_required {self.cut_required!r} is not a rating of "
                             f"rating_scale ({', '.join(self.rating_scale)}); use true, "
                             "false or one of them")
        return self


class PromptTable(Strict):
    """A claimed prompt table: its prompts (numbered from 1) and where its table post lives.
    Stories whose ``Table:`` header names it fill the prompt their ``Prompt:`` names."""

    #: the prompts in order (prompt 1 first)
    prompts: list[str] = Field(default_factory=list)
    #: or a text file with one prompt per line (relative to the config file's folder)
    prompts_file: Path | None = None
    #: the target the table post goes to; None = the first target with no community (your
    #: own journal)
    target: str | None = None
    #: the table post's subject; {table}, {filled} and {total} are filled in
    subject: str = "{table} prompt table ({filled}/{total})"

    @model_validator(mode="after")
    def _has_prompts(self) -> PromptTable:
        if not self.prompts and self.prompts_file is None:
            raise ValueError("a table needs its prompts: prompts = [...] or prompts_file")
        if self.prompts and self.prompts_file is not None:
            raise ValueError("give prompts or prompts_file, not both")
        return self


class Masterlist(Strict):
    """An index entry of your stories, kept up to date on every post, edit and delete."""

    #: the target the masterlist goes to; None = the first target with no community
    target: str | None = None
    subject: str = "Masterlist"
    #: header fields that group the stories, outermost first (``["fandom", "pairing"]``)
    group_by: list[str] = Field(default_factory=list)
    #: header fields that order the stories inside a group
    order_by: list[str] = Field(default_factory=lambda: ["title"])
    #: one story's line (HTML template): every header field by name, plus {url} and
    #: {word_count}; values are HTML-escaped
    line: str = ('<a href="{url}">{title}</a>[ ({rating})][, {word_count} words]'
                 "[<br>{summary}]")
    #: only stories whose field has this value (one of its values, ignoring case):
    #: ``{ fandom = "Torchwood" }``
    where: dict[str, str] = Field(default_factory=dict)
    #: HTML above the list
    intro: str = ""

    @field_validator("group_by", "order_by")
    @classmethod
    def _canonical(cls, value: list[str]) -> list[str]:
        return [known_fields.canonical(name) for name in value]

    @field_validator("where")
    @classmethod
    def _canonical_where(cls, value: dict[str, str]) -> dict[str, str]:
        return {known_fields.canonical(name): v for name, v in value.items()}


class SeriesNavigation(Strict):
    """Navigation links in each part of a series (stories with ``Series:`` and ``Part:``)."""

    #: an HTML template added at the end of each part's entry: {series}, {part},
    #: {previous_url}, {previous_title}, {next_url}, {next_title}, {index_url} (a
    #: masterlist whose ``where`` names the series); values are HTML-escaped
    navigation: str = ('<p>[<a href="{previous_url}">« {previous_title}</a> · ]'
                       '[<a href="{index_url}">[{series}]</a> · ]'
                       '[<a href="{next_url}">{next_title} »</a>]</p>')
