"""Derived entries (a table post, …): stories whose text crosspost computes from the
registry, delivered by the same engine as the writer's stories.

The entry is posted through a copy of the config whose target keeps its account, community
and security but renders nothing of its own (no header block, cut, footer or tags; the
subject is the derived story's title), and where a changed text is always edited. So a
derived entry gets every guarantee of a story: the intent recorded before the request,
exactly once, reconciled after a crash, retried.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crosspost.config.settings import Rendering, TagRules, Target
from crosspost.delivery import Publisher
from crosspost.errors import UserError
from crosspost.workflows.split import PART_MARK, is_part

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.delivery import AdapterPool, Outcome
    from crosspost.state.records import Delivery
    from crosspost.state.registry import Registry
    from crosspost.story.model import Story

__all__ = ["DERIVED_PREFIX", "derived_config", "derived_target", "posted_urls",
           "publish_derived"]

#: identities of derived entries start with this (``id:`` + ``crosspost:``)
DERIVED_PREFIX = "id:crosspost:"


def derived_target(config: Config, wanted: str | None, where: str) -> str:
    """The target a derived entry goes to: ``wanted``, else the first target with no
    community (the writer's own journal). ``where`` names the config key for the fix."""
    if wanted:
        return wanted
    own = [n for n, t in config.targets.items() if not t.community]
    if not own:
        raise UserError(f"{where} has no target (no target is your own journal)",
                        f"set {where}.target to the target it goes to")
    return own[0]


def derived_config(config: Config, target: str) -> Config:
    """``config`` with ``target`` rendering a derived entry plainly. Pure."""
    tgt = config.targets[target]
    plain = Target(account=tgt.account, community=tgt.community, auto=False,
                   subject="{title}", header_fields=[], cut=False, footer="",
                   security=config.rendering_for(target).security, tags=TagRules(),
                   props={}, adult_content={})
    settings = config.settings.model_copy(update={"edit_mode": "auto"})
    return config.model_copy(update={"defaults": Rendering(), "settings": settings,
                                     "targets": {**config.targets, target: plain}})


def publish_derived(config: Config, registry: Registry, story: Story, target: str,
                    pool: AdapterPool | None = None) -> list[Outcome]:
    """Post or edit the derived ``story`` on ``target`` (nothing when it is unchanged).
    ``pool``: the batch's adapters (logged in already), else new ones.

    Not ``explicit``: a derived entry waits out its retry backoff, a refused one is tried
    again when its text changes (or with ``crosspost retry``), and one deleted on the site
    stays deleted."""
    with Publisher(derived_config(config, target), registry, pool) as publisher:
        return publisher.publish(story, [target], explicit=False)


def posted_urls(deliveries: list[Delivery], target: str, *, parts: bool = False
                ) -> dict[str, str]:
    """Each story's entry URL: its copy on ``target`` when it has one, else its first
    posted copy. Derived entries are left out. A story posted in parts (too long for a
    site) is reached at its first part, unless ``parts`` asks for each part's own. Pure."""
    best: dict[str, Delivery] = {}
    for row in deliveries:
        if row.status != "posted" or not row.url or row.identity.startswith(DERIVED_PREFIX):
            continue
        identity = row.identity
        if not parts and is_part(identity):
            story, _, which = identity.rpartition(PART_MARK)
            if not which.startswith("1of"):
                continue
            identity = story.removeprefix("id:")
        have = best.get(identity)
        if have is None or (row.target == target, -row.id) > (have.target == target,
                                                              -have.id):
            best[identity] = row
    return {identity: row.url for identity, row in best.items()}
