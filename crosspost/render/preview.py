"""What one target would receive for a story, in words for people: the rendered post,
where it goes, the site's protocol props and the options. Shared by ``crosspost preview``
and the dashboard's preview page. No network, no secret needed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.render.preview_html import TargetPreview
    from crosspost.story.post import PostOptions


def describe_options(options: PostOptions) -> dict[str, str]:
    """Post options in words, for people."""
    out = {
        "security": options.security,
        "comments": "on" if options.comments else "off",
        "screening": options.screening or "journal default",
        "adult content": options.adult_content or "journal default",
    }
    if options.adult_reason:
        out["adult reason"] = options.adult_reason
    for name in ("userpic", "mood", "music", "location"):
        value = getattr(options, name)
        if value:
            out[name] = value
    if options.backdated:
        out["backdated"] = "yes"
    for key, value in options.extra_props.items():
        out[f"prop {key}"] = value
    return out



def build_preview(config: Config, story: Any, target: str) -> TargetPreview:
    """Render ``story`` for ``target`` and ask the site's adapter for its protocol props."""
    from crosspost.adapter import adapter_class
    from crosspost.render import render_post
    from crosspost.render.preview_html import TargetPreview

    post = render_post(story, config, target)
    tgt = config.targets[target]
    account = config.accounts[tgt.account]
    cls = adapter_class(account.site)
    props = cls.site_props(post, tgt.community)
    site = cls.label or account.site
    where = f"community {tgt.community}" if tgt.community else "own journal"
    hints = []
    rules = config.rendering_for(target).tags
    if tgt.community and post.tags and not (rules and rules.allow_new):
        hints.append(f"when posting, tags that {tgt.community} does not have yet are left "
                     "out and reported (members may not create tags)")
    return TargetPreview(post=post, destination=f"{site} as {account.username}, {where}",
                         props=dict(props), hints=hints)
