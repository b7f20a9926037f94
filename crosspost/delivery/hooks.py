"""What the layers above may plug into the :class:`~crosspost.delivery.publisher.Publisher`
(the delivery engine cannot import them): a check of each rendered post, and the split of
a story too long for a site into parts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crosspost.story.post import Post

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.story.model import Story

__all__ = ["Expand", "Vet", "part_prefix"]

#: a check of a rendered post (``vet(story, config, target, post)``) that raises a
#: CrosspostError to refuse it before any request (the community rules)
Vet = Callable[["Story", "Config", str, Post], None]
#: the story as a target receives it (``expand(story, config, target)``): ``[story]``, or
#: its parts when it is too long for the site; each part's identity starts with
#: :func:`part_prefix` of the story's
Expand = Callable[["Story", "Config", str], "list[Story]"]


def part_prefix(identity: str) -> str:
    """What the identities of a story's parts start with (``id:<identity>#part``)."""
    return f"id:{identity}#part"
