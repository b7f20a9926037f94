"""``check --online``: what would happen at each target, found without posting anything.

Per target: the login, posting access to the community, moderation (when the site tells),
tag rights, and which of the tags the target's map would send the community lacks. Each
finding carries its fix; a ``fail`` finding means a post there would be refused. The CLI
prints the findings; a dashboard can show the same list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from crosspost.errors import CrosspostError, SiteError

if TYPE_CHECKING:
    from crosspost.adapter import Adapter, JournalAccess
    from crosspost.config import Config
    from crosspost.delivery.pool import AdapterPool
    from crosspost.story.model import Story

Level = Literal["ok", "note", "warn", "fail"]


@dataclass(frozen=True)
class Finding:
    """One thing found about one target. ``fail``: a post there would be refused."""

    target: str
    level: Level
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"target": self.target, "level": self.level, "message": self.message,
                "fix": self.fix}


def queued_targets(config: Config) -> set[str]:
    """The targets where an entry of ours went to a moderation queue, from the state file
    (an empty set when there is none yet: nothing is created)."""
    from crosspost.config import default_state_path
    from crosspost.state.registry import Registry

    path = config.settings.state_file or default_state_path()
    if not path.exists():
        return set()
    with Registry(path) as registry:
        return {r.target for r in registry.deliveries(statuses=("queued",))}


def failing_targets(findings: Iterable[Finding]) -> list[str]:
    """The targets with at least one ``fail`` finding, in order."""
    out: list[str] = []
    for f in findings:
        if f.level == "fail" and f.target not in out:
            out.append(f.target)
    return out


def literal_tags(config: Config, target: str) -> list[str]:
    """The tags the target's map adds to every post whatever the story (constant tags
    without a template field), normalised as the renderer does."""
    from crosspost.render.tags import normalise_tag

    rules = config.rendering_for(target).tags
    tags = [normalise_tag(t) for t in (rules.constant if rules else []) if "{" not in t]
    return [t for t in tags if t]


def mapped_tags(config: Config, target: str, stories: Sequence[Story]) -> list[str]:
    """Every tag a post to ``target`` would carry: the literal constant ones, and those the
    map makes from ``stories``' header fields."""
    from crosspost.render import render_post

    out = literal_tags(config, target)
    for story in stories:
        try:
            post = render_post(story, config, target)
        except CrosspostError:
            continue  # `check` reports a story that does not render
        out.extend(t for t in post.tags if t not in out)
    return out


def judge_access(target: str, where: str, access: JournalAccess, tags: Sequence[str],
                 allow_new: bool, queued_before: bool = False) -> list[Finding]:
    """The findings for one target from what the site told about the journal (and whether
    earlier entries there waited for a moderator). Pure."""
    from crosspost.adapter import filter_tags

    out: list[Finding] = []
    if access.may_post is False:
        out.append(Finding(target, "fail", f"this account may not post to {where}",
                           f"join {where} (a community that lets members post), ask its "
                           "maintainers for posting access, or remove this target"))
        return out
    if access.may_post is None:
        out.append(Finding(target, "note", f"the site does not say whether this account may "
                                           f"post to {where}"))
    if access.moderated or (access.moderated is None and queued_before):
        why = " (earlier entries there were queued)" if not access.moderated else ""
        out.append(Finding(target, "note", f"{where} is moderated{why}: entries wait for a "
                                           "moderator (crosspost shows them as queued)"))
    elif access.moderated is None:
        out.append(Finding(target, "note", f"the site does not tell whether {where} is "
                                           "moderated; if it is, entries wait for a moderator "
                                           "(crosspost shows them as queued)"))
    policy = access.tags
    if not policy.can_tag:
        if tags:
            out.append(Finding(target, "warn", f"this account may not tag entries in {where}: "
                                               "they are posted without tags",
                               f"ask a maintainer of {where} for tagging rights"))
        return out
    if allow_new and not policy.can_create:
        out.append(Finding(target, "warn", f"tags.allow_new is set, but this account does not "
                                           f"seem to maintain {where}",
                           "only maintainers may create tags in a community; remove "
                           "tags.allow_new from this target"))
    if not allow_new:
        _, lacking = filter_tags(tags, policy)
        if lacking:
            out.append(Finding(target, "warn",
                               f"{where} lacks mapped tag(s) {', '.join(lacking)}: the site "
                               "leaves them out unless this account may create tags there",
                               f"ask a maintainer of {where} to create them, or change this "
                               "target's [tags] map to tags the community has (a maintainer "
                               "may set tags.allow_new = true instead)"))
    return out


def check_targets(config: Config, targets: Sequence[str] | None = None,
                  stories: Sequence[Story] = (), *, pool: AdapterPool | None = None,
                  queued_before: Collection[str] = ()) -> list[Finding]:
    """Log in to each account once and check each target (all targets by default). Makes
    only read calls (login, tag lists): nothing is posted. ``queued_before``: targets where
    earlier entries went to a moderation queue (the protocol never says so itself)."""
    from crosspost.delivery.pool import AdapterPool

    own = pool is None
    pool = pool or AdapterPool(config)
    names = list(targets) if targets else list(config.targets)
    logins: dict[str, str | CrosspostError] = {}
    out: list[Finding] = []
    try:
        for name in names:
            out.extend(_check_one(config, name, stories, pool, logins,
                                  name in queued_before))
    finally:
        if own:
            pool.close()
    return out


def _check_one(config: Config, name: str, stories: Sequence[Story], pool: AdapterPool,
               logins: dict[str, str | CrosspostError], queued_before: bool
               ) -> list[Finding]:
    target = config.targets[name]
    where = target.community or "the account's own journal"
    adapter: Adapter | None = None
    if target.account not in logins:
        try:
            adapter = pool.adapter(target.account)
            logins[target.account] = adapter.check_login()
        except CrosspostError as exc:
            logins[target.account] = exc
    login = logins[target.account]
    if isinstance(login, CrosspostError):
        return [Finding(name, "fail", f"account {target.account}: {login.message}",
                        login.fix)]
    adapter = adapter or pool.adapter(target.account)
    try:
        access = adapter.access(target.community)
    except SiteError as exc:
        return [Finding(name, "fail", f"could not ask about {where}: {exc.message}", exc.fix)]
    rules = config.rendering_for(name).tags
    found = judge_access(name, where, access, mapped_tags(config, name, stories),
                         bool(rules and rules.allow_new), queued_before)
    if not any(f.level == "fail" for f in found):
        found.insert(0, Finding(name, "ok", f"{login.split(';')[0]} may post to {where}"))
    return found
