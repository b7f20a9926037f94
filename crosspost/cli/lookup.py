"""What a user types to name a story or a delivery: a file, a delivery id (``8``, ``#8``),
or a story identity (``id:fest-001``, ``fest-001``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crosspost.errors import CrosspostError, UserError

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Registry
    from crosspost.story.model import Story


def load_story(config: Config, path: Path) -> Story:
    from crosspost.story.parse import parse_file

    story = parse_file(path, max_bytes=config.settings.max_file_bytes)
    for warning in story.warnings:
        click.echo(f"{warning.level}: {path}: {warning}", err=True)
    return story


def resolve(arg: str, registry: Registry, config: Config) -> tuple[str, int | None]:
    """FILE | delivery id | identity → (identity, delivery id or None)."""
    path = Path(arg)
    if path.is_file():
        try:
            return load_story(config, path).identity, None
        except CrosspostError:  # a story broken since: what was posted from this path?
            known = registry.identity_for_path(path.resolve()) or registry.identity_for_path(path)
            if known:
                return known, None
            raise
    if arg.isdigit():
        row = registry.delivery(int(arg))
        if row is None:
            raise UserError(f"no delivery {arg}", "see `crosspost status` for delivery ids")
        return row.identity, row.id
    for identity in (arg, f"id:{arg}"):  # `ID: fest-001` is known as id:fest-001
        if registry.story(identity) is not None or registry.deliveries(identity):
            return identity, None
    known = registry.identity_for_path(path.resolve())
    if known:
        return known, None
    raise UserError(f"{arg!r} is not a story file, a delivery id or a story identity",
                    "see `crosspost status` for identities and delivery ids")


def story_title(registry: Registry, identity: str) -> str:
    """A story's title as recorded, else its identity."""
    row = registry.story(identity)
    return row.title if row is not None and row.title else identity


class DeliveryId(click.ParamType):
    """A delivery id as `crosspost queue` shows it (``#8``) or bare (``8``)."""

    name = "ID"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lstrip("#").strip()
        if text.isdigit():
            return int(text)
        self.fail(f"{value!r} is not a delivery id (a number such as 8 or #8, as "
                  "`crosspost queue` shows)", param, ctx)


DELIVERY_ID = DeliveryId()
