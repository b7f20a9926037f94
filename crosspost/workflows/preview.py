"""What a target would receive for a story, with the community workflows applied: one
preview, or one per part when the story is too long for the site. Shared by
``crosspost preview`` and the dashboard's preview page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crosspost.render.preview import build_preview
from crosspost.workflows.rules import check_rules
from crosspost.workflows.split import split_for

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.render.preview_html import TargetPreview
    from crosspost.story.model import Story


def previews(config: Config, story: Story, target: str) -> list[tuple[str, TargetPreview]]:
    """(label, preview) for each entry ``target`` would receive; a story the community's
    rules refuse raises :class:`~crosspost.workflows.rules.RuleError` with the rule's fix."""
    pieces = split_for(story, config, target)
    out = []
    for i, piece in enumerate(pieces, 1):
        item = build_preview(config, piece, target)
        check_rules(piece, config, target, item.post)  # a story the community refuses
        out.append((target if len(pieces) == 1 else f"{target} (part {i} of {len(pieces)})",
                    item))
    return out
