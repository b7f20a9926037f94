"""A community's posting rules (``[targets.NAME.rules]``), checked before anything is sent.

:func:`rule_problems` is pure: the story, the post rendered for the target and the target's
rules in, the broken rules out (each with its fix). :func:`check_rules` raises them as one
:class:`RuleError`; ``check``, ``preview``, ``post`` and the watcher all call it after
rendering and before any request, so a story that breaks a rule is refused with the rule
and what to do, and nothing reaches the site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crosspost.config.community import rating_level
from crosspost.errors import StoryError
from crosspost.render.body import body_sections
from crosspost.story import fields as known_fields

if TYPE_CHECKING:
    from crosspost.config import Config, Rendering
    from crosspost.config.community import Rules
    from crosspost.story.model import Story
    from crosspost.story.post import Post

__all__ = ["Broken", "RuleError", "check_rules", "rule_problems"]


@dataclass(frozen=True)
class Broken:
    """One broken rule: ``rule`` names the config key, ``message`` says what is wrong,
    ``fix`` what to change."""

    rule: str
    message: str
    fix: str


class RuleError(StoryError):
    """A story breaks a target's community rules; ``broken`` lists every rule it breaks."""

    def __init__(self, story: Story, target: str, broken: list[Broken]) -> None:
        self.target = target
        self.broken = list(broken)
        what = "; ".join(f"{b.message} (rule targets.{target}.rules.{b.rule})" for b in broken)
        fixes = "; ".join(dict.fromkeys(b.fix for b in broken))
        super().__init__(f"target {target!r} refuses this story: {what}", path=story.path,
                         fix=fixes)


def _label(key: str) -> str:
    spec = known_fields.BY_KEY.get(key)
    return spec.display if spec is not None else key.replace("_", " ").title()


def _words(n: int) -> str:
    return f"{n:,} word" + ("" if n == 1 else "s")


def _word_range(rules: Rules) -> str:
    lo, hi = rules.min_words, rules.max_words
    if lo is not None and hi is not None:
        return f"exactly {_words(lo)}" if lo == hi else f"{lo:,}–{_words(hi)}"
    if lo is not None:
        return f"at least {_words(lo)}"
    return f"at most {_words(hi or 0)}"


def has_cut(story: Story, rendering: Rendering) -> bool:
    """True when the entry puts (part of) the story behind a cut."""
    if rendering.cut is False:
        return False
    _, below, _ = body_sections(story, scene_break=rendering.scene_break or "rule")
    return bool(below and below.strip())


def rule_problems(story: Story, post: Post, rules: Rules, rendering: Rendering,
                  target: str) -> list[Broken]:
    """Every rule of ``rules`` that ``story`` (rendered as ``post``) breaks, in config
    order. Pure."""
    out: list[Broken] = []
    missing = [key for key in rules.required_fields if not story.get(key).strip()]
    if missing:
        names = ", ".join(f"{_label(k)}:" for k in missing)
        out.append(Broken("required_fields", f"the header has no {names} line",
                          f"add {names} to the story's header"))
    if rules.min_words is not None or rules.max_words is not None:
        words = story.word_count
        low = rules.min_words is not None and words < rules.min_words
        high = rules.max_words is not None and words > rules.max_words
        if low or high:
            where = ("its Word Count: header" if story.get("word_count").strip()
                     else "counted from the text")
            out.append(Broken("min_words" if low else "max_words",
                              f"the story has {_words(words)} ({where}); the community "
                              f"takes {_word_range(rules)}",
                              f"{'lengthen' if low else 'shorten'} the story to "
                              f"{_word_range(rules)}, or post it to another target (--to)"))
    rating = story.get("rating").strip()
    if rules.ratings is not None:
        allowed = {_key(r) for r in rules.ratings}
        if not rating:
            out.append(Broken("ratings", "the header has no Rating: line",
                              f"add a Rating: line ({', '.join(rules.ratings)})"))
        elif _key(rating) not in allowed:
            out.append(Broken("ratings", f"rating {rating!r} is not accepted (the "
                              f"community takes {', '.join(rules.ratings)})",
                              "post it to another target (--to), or change the rating if "
                              "it was wrong"))
    if _cut_needed(rules, rating) and not has_cut(story, rendering):
        why = ("always" if rules.cut_required is True
               else f"from rating {rules.cut_required} up")
        out.append(Broken("cut_required", f"the community requires a cut {why}, and this "
                          "entry has none",
                          f"set cut = true for targets.{target} (or move the story's own "
                          "<lj-cut> above the text)"))
    if rules.max_tags is not None and len(post.tags) > rules.max_tags:
        out.append(Broken("max_tags", f"the entry would carry {len(post.tags)} tags; the "
                          f"community allows at most {rules.max_tags}",
                          f"map fewer fields to tags in targets.{target}.tags (or drop "
                          "constant tags)"))
    missing_text = [t for t in rules.subject_contains
                    if t.casefold() not in post.subject.casefold()]
    if missing_text:
        shown = ", ".join(repr(t) for t in missing_text)
        out.append(Broken("subject_contains", f"the subject {post.subject!r} does not "
                          f"contain {shown}",
                          f"put {shown} into targets.{target}.subject, e.g. "
                          f"subject = \"{missing_text[0]} {{title}}\""))
    return out


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _cut_needed(rules: Rules, rating: str) -> bool:
    if rules.cut_required is True or rules.cut_required is False:
        return rules.cut_required
    start = rating_level(rules.cut_required, rules.rating_scale)
    level = rating_level(rating, rules.rating_scale) if rating else None
    # no rating, or one not on the scale: the safe side is a cut
    return start is not None and (level is None or level >= start)


def check_rules(story: Story, config: Config, target: str, post: Post) -> None:
    """Raise :class:`RuleError` when ``story`` breaks a rule of ``target``."""
    tgt = config.targets.get(target)
    if tgt is None:
        return
    broken = rule_problems(story, post, tgt.rules, config.rendering_for(target), target)
    if broken:
        raise RuleError(story, target, broken)
