"""Prompt tables: a claimed table (``[tables.NAME]``), the stories that fill its prompts,
and its table post, a *derived entry*.

A story fills a prompt when its ``Table:`` header names the table (case, spaces and dashes
ignored) and its ``Prompt:`` names one of its prompts: by number (``22``), by text
(``Parting``) or both (``22, Parting``). The table post lists every prompt, the filled ones
linked to their entries with the story's title, and the progress (7/25). Its text is a pure
function of what the registry knows (:func:`table_fills`, :func:`table_html`); it is
delivered by the delivery engine like a story (recorded before sending, exactly once,
reconciled after a crash, retried), created with the first fill and edited when the text
changes. :func:`sync_tables` runs once after a batch (a command, a watcher pass), so 20
fills in one batch edit the table post once.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.errors import UserError
from crosspost.story.model import ParseWarning, Story
from crosspost.workflows.derived import (
    DERIVED_PREFIX,
    derived_target,
    posted_urls,
    publish_derived,
)
from crosspost.workflows.split import is_part

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.config.community import PromptTable
    from crosspost.delivery import AdapterPool, Outcome
    from crosspost.state.registry import Registry

__all__ = ["Fill", "TableState", "match_prompt", "prompts_of", "sync_tables", "table_for",
           "table_html", "table_states", "table_warnings"]

#: the identity prefix of table posts
TABLE_PREFIX = DERIVED_PREFIX + "table:"


@dataclass(frozen=True)
class Fill:
    """A story filling a prompt: ``number`` is 1-based; ``url`` its entry (or "")."""

    number: int
    identity: str
    title: str
    url: str


@dataclass(frozen=True)
class TableState:
    """A table as the registry knows it: its prompts, fills and table post (if any)."""

    name: str
    target: str
    prompts: tuple[str, ...]
    fills: tuple[Fill, ...]
    post_url: str = ""

    @property
    def filled(self) -> int:
        return len({f.number for f in self.fills})


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.]+", "", text.casefold())


def table_for(config: Config, name: str) -> str | None:
    """The configured table a ``Table:`` value names (case, spaces, dashes ignored)."""
    want = _key(name)
    return next((n for n in config.tables if _key(n) == want), None)


_NUMBERED = re.compile(r"^\s*#?(\d+)\s*(?:[.,:;)\-–—]\s*|\s+|$)(.*)$", re.S)


def match_prompt(prompts: tuple[str, ...] | list[str], text: str) -> int | None:
    """The prompt number (1-based) ``text`` names: ``22``, ``22, Parting``, ``Parting``."""
    text = text.strip()
    if not text:
        return None
    m = _NUMBERED.match(text)
    if m:
        number, rest = int(m.group(1)), m.group(2).strip()
        if 1 <= number <= len(prompts) and (not rest or _key(rest) == _key(
                prompts[number - 1])):
            return number
        if not rest:
            return None
    want = _key(text)
    return next((i + 1 for i, p in enumerate(prompts) if _key(p) == want), None)


def prompts_of(table: PromptTable) -> tuple[str, ...]:
    """The table's prompts: from the config, or read from ``prompts_file`` (one a line;
    blank lines and ``#`` comments skipped; a leading ``22.`` numbering is dropped)."""
    if table.prompts_file is None:
        return tuple(table.prompts)
    path = Path(table.prompts_file)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the prompts file {path}: {exc}",
                        "fix tables.NAME.prompts_file (one prompt per line, UTF-8)") from None
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _NUMBERED.match(line)
        out.append(m.group(2).strip() if m and m.group(2).strip() else line)
    return tuple(out)


def table_target(config: Config, name: str) -> str:
    """Where the table post of ``name`` goes: its ``target``, else your own journal."""
    return derived_target(config, config.tables[name].target, f"tables.{name}")


def table_fills(name: str, prompts: tuple[str, ...], tables: dict[str, str],
                fields: dict[str, dict[str, str]], titles: dict[str, str],
                urls: dict[str, str]) -> tuple[Fill, ...]:
    """The fills of table ``name``: stories whose recorded fields name it and a prompt of
    it, and that are posted somewhere (``urls``, from :func:`posted_urls`). Pure.

    ``tables``: ``Table:`` value → configured name (:func:`table_for` results)."""
    out = []
    for identity, f in fields.items():
        if (identity not in urls or is_part(identity)
                or tables.get(f.get("table", "").strip()) != name):
            continue
        for text in f.get("prompt", "").split(";"):
            number = match_prompt(prompts, text)
            if number is None:
                continue
            out.append(Fill(number, identity, titles.get(identity) or f.get("title", ""),
                            urls[identity]))
    return tuple(sorted(out, key=lambda fl: (fl.number, fl.title.casefold(), fl.identity)))


def table_html(state: TableState) -> str:
    """The table post's HTML: the progress, then every prompt (filled ones linked). Pure."""
    by_number: dict[int, list[Fill]] = {}
    for fill in state.fills:
        by_number.setdefault(fill.number, []).append(fill)
    lines = [f"<p><b>{html.escape(state.name)}</b>: {state.filled}/{len(state.prompts)} "
             "prompts filled</p>", "<ol>"]
    for number, prompt in enumerate(state.prompts, 1):
        text = html.escape(prompt)
        links = [f'<a href="{html.escape(f.url, quote=True)}">{html.escape(f.title)}</a>'
                 for f in by_number.get(number, [])]
        lines.append(f"<li>{text} — {', '.join(links)}</li>" if links else f"<li>{text}</li>")
    lines.append("</ol>")
    return "\n".join(lines)


def table_subject(config: Config, state: TableState) -> str:
    return (config.tables[state.name].subject.replace("{table}", state.name)
            .replace("{filled}", str(state.filled))
            .replace("{total}", str(len(state.prompts))))


def table_states(config: Config, registry: Registry) -> list[TableState]:
    """Every configured table as the registry knows it."""
    fields = registry.story_fields()
    titles = {s.identity: s.title for s in registry.stories()}
    deliveries = registry.deliveries()
    tables = {value: found for f in fields.values()
              if (value := f.get("table", "").strip())
              and (found := table_for(config, value)) is not None}
    out = []
    for name, tbl in config.tables.items():
        target = table_target(config, name)
        prompts = prompts_of(tbl)
        fills = table_fills(name, prompts, tables, fields, titles,
                            posted_urls(deliveries, target))
        own = [r for r in deliveries if r.identity == TABLE_PREFIX + name and r.url
               and r.status == "posted"]
        out.append(TableState(name, target, prompts, fills, own[-1].url if own else ""))
    return out


def table_story(config: Config, state: TableState) -> Story:
    """The table post as a story (the derived entry the engine delivers)."""
    return Story(fields={"title": table_subject(config, state),
                         "id": (TABLE_PREFIX + state.name).removeprefix("id:")},
                 body=table_html(state), body_format="html")


def sync_tables(config: Config, registry: Registry, pool: AdapterPool | None = None
                ) -> list[tuple[str, Outcome]]:
    """Bring every table post up to date: post it with the first fill, edit it when its
    text changed, leave it alone otherwise (no request). Returns (table name, outcome)."""
    out: list[tuple[str, Outcome]] = []
    if not config.tables:
        return out
    for state in table_states(config, registry):
        exists = bool(registry.deliveries(TABLE_PREFIX + state.name))
        if not state.fills and not exists:
            continue  # created with the first fill
        for outcome in publish_derived(config, registry, table_story(config, state),
                                       state.target, pool):
            out.append((state.name, outcome))
    return out


def table_warnings(story: Story, config: Config, registry: Registry | None
                   ) -> list[ParseWarning]:
    """``check``'s warnings for a story's ``Table:``/``Prompt:``: an unknown table, an
    unknown prompt, a prompt another story already filled."""
    value = story.get("table").strip()
    if not value or not config.tables:
        return []
    name = table_for(config, value)
    if name is None:
        known = ", ".join(sorted(config.tables))
        return [ParseWarning(f"Table: {value!r} is not one of your tables ({known})",
                             hint="fix the Table: line, or add the table under [tables]")]
    prompts = prompts_of(config.tables[name])
    text = story.get("prompt").strip()
    numbers = [match_prompt(prompts, t) for t in text.split(";")] if text else []
    if not text or None in numbers:
        return [ParseWarning(f"Prompt: {text!r} is not a prompt of table {name!r}",
                             hint="give its number or its text, e.g. "
                                  f"'Prompt: 1, {prompts[0] if prompts else '…'}'")]
    if registry is None:
        return []
    taken = {f.number: f for s in table_states(config, registry) if s.name == name
             for f in s.fills if f.identity != story.identity}
    return [ParseWarning(f"prompt {n} of table {name!r} is already filled by "
                         f"{taken[n].title!r} ({taken[n].url})", note=False)
            for n in numbers if n in taken]
