"""Reading the site's answer about tags: which ones it refused (reference §5). Pure.

Why the adapter does not simply drop every tag it cannot see in ``getusertags``: the
servers hide tags that were never used (or used only on private entries) from ordinary
members, although those tags exist and members may use them (§5, §14). A freshly made
community therefore *looks* empty to its members, and dropping every unseen tag would
lose all of them. But where members may create tags, every tag sent that the community
lacks is created (DW), so without the target's ``tags.allow_new`` the adapter sends only
the tags it sees there and reports the rest. With ``allow_new`` it sends the tags, and
then settles what the site did:

- DW: a member's entry with one new tag gets *no* tags at all, and ``message`` names the
  new ones ("…the entry was not tagged with a, b."). The adapter re-applies the others with
  one ``editevent`` and reports the named ones as dropped.
- LJ: existing tags are applied and new ones skipped with a warning (old forks skip them
  silently). When the account sent tags it cannot see, or got a warning, the adapter reads
  the entry's tags back and reports the ones that did not stick.

The cached ``getusertags`` view (:mod:`.tagcache`) decides which tags count as unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# DW en.dat: "You are not allowed to create new tags for this journal; the entry was not
# tagged with <tags>."
_DW_NEW = re.compile(r"not allowed to create new tags.*?not tagged with (.+?)\.?\s*$",
                     re.IGNORECASE | re.DOTALL)
# DW en.dat: "Adding this tag would exceed your maximum of N tags…" (no names given)
_DW_MAX = re.compile(r"would exceed your maximum of \d+ tags", re.IGNORECASE)
# LJ update.bml: "…some tags have not been added because you have exceeded your maximum…"
_LJ_SKIPPED = re.compile(r"tags have not been added", re.IGNORECASE)


def tag_key(tag: str) -> str:
    """How the servers compare tags: whitespace squeezed, case folded."""
    return " ".join(tag.split()).casefold()


def pick(tags: Iterable[str], names: Iterable[str]) -> list[str]:
    """The members of ``tags`` that are among ``names`` (server spelling)."""
    wanted = {tag_key(n) for n in names}
    return [t for t in tags if tag_key(t) in wanted]


def dw_refused(message: str, sent: list[str]) -> list[str] | None:
    """The tags a DW answer says it refused, or None when it refused none.

    An answer that refuses tags without naming them (the journal's tag limit) means
    every tag new to the journal; the caller decides which those are."""
    found = _DW_NEW.search(message or "")
    if found:
        named = pick(sent, found.group(1).split(","))
        return named or list(sent)
    if _DW_MAX.search(message or ""):
        return []  # refused, names unknown
    return None


def lj_skipped_warning(texts: Iterable[str]) -> bool:
    """Whether an LJ answer's message/warnings say some tags were not added."""
    return any(_LJ_SKIPPED.search(t or "") for t in texts)


def not_stored(sent: list[str], stored_taglist: str) -> list[str]:
    """The sent tags missing from an entry's ``taglist`` as read back."""
    stored = {tag_key(t) for t in stored_taglist.split(",") if t.strip()}
    return [t for t in sent if tag_key(t) not in stored]
