"""Helpers for tests: write our own sample story files and sandbox config files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_BODY = """The kettle had been singing for a full minute before anyone took it off.

"You could have got that," said the first one, not looking up from the map.

"I could have," the second agreed, and poured two cups anyway."""

DEFAULT_FIELDS = {
    "title": "Tea at the Hub",
    "author": "sandbox_writer",
    "pairing": "Ianto Jones/Tenth Doctor",
    "fandom": "Torchwood",
    "rating": "PG",
}


def header_name(key: str) -> str:
    """``word_count`` → ``Word Count``."""
    return " ".join(part.capitalize() for part in key.split("_"))


def story_text(body: str = DEFAULT_BODY, *, defaults: bool = True, **fields: Any) -> str:
    """A story in the header + ``***`` + body format; ``None`` values drop a field."""
    values: dict[str, Any] = {**(DEFAULT_FIELDS if defaults else {}), **fields}
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{header_name(key)}: {value}")
    return "\n".join(lines) + "\n\n***\n\n" + body.strip("\n") + "\n"


def write_story(directory: Path, name: str, body: str = DEFAULT_BODY, *, defaults: bool = True,
                **fields: Any) -> Path:
    """Write a story file ``directory/name`` (``.txt`` added when there is no suffix)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (name if Path(name).suffix else f"{name}.txt")
    path.write_text(story_text(body, defaults=defaults, **fields), encoding="utf-8")
    return path


def toml_str(value: str | Path) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes for these values)."""
    return json.dumps(str(value), ensure_ascii=False)


#: target name → community (None = the account's own journal)
SANDBOX_TARGETS: dict[str, str | None] = {
    "journal": None,
    "fluffy": "fluffyfics",
    "modq": "modfics",
    "closed": "closedfics",
    "den": "writersden",
}


def write_sandbox_config(path: Path, server_url: str, *, state_file: Path,
                         stories_dir: Path, dialect: str | None = None,
                         username: str = "writer", extra: str = "") -> Path:
    """The standard sandbox config (account ``sandbox``, the five targets) as TOML."""
    lines = [
        "[settings]",
        f"state_file = {toml_str(state_file)}",
        'timezone = "UTC"',
        f"stories_dir = {toml_str(stories_dir)}",
        "",
        "[accounts.sandbox]",
        'site = "sandbox"',
        f"username = {toml_str(username)}",
        f"server = {toml_str(server_url)}",
    ]
    if dialect:
        lines.append(f"dialect = {toml_str(dialect)}")
    for target, community in SANDBOX_TARGETS.items():
        lines += ["", f"[targets.{target}]", 'account = "sandbox"']
        if community:
            lines.append(f"community = {toml_str(community)}")
    text = "\n".join(lines) + "\n" + (f"\n{extra.strip()}\n" if extra.strip() else "")
    path.write_text(text, encoding="utf-8")
    return path
