"""A community's tags as this account sees them (``getusertags``), cached per journal.

``getusertags`` hides never-used tags from ordinary members (reference §5, §14), so a tag
missing here may still exist: :mod:`.tagging` explains how the adapter copes. Whether the
account maintains the community cannot be asked through the protocol; the one sign used
is positive only: a tag visible with security level ``private`` (or with no uses) is hidden
from members, so an account that sees one manages the community and may create tags.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from crosspost.adapter import TagPolicy

from . import wire

#: seconds a community's tag list is trusted before it is fetched again
REFRESH_SECONDS = 300.0

_cache: dict[tuple[str, str, str], tuple[float, TagPolicy]] = {}
_lock = threading.Lock()


def policy_from_tags(tags: list[dict[str, Any]]) -> TagPolicy:
    """The tag policy implied by a decoded ``getusertags`` answer for a community."""
    names = frozenset(wire.text(t.get("name")) for t in tags if t.get("name") not in (None, ""))
    manages = any(wire.text(t.get("security_level")) == "private"
                  or wire.integer(t.get("uses"), 1) == 0 for t in tags)
    return TagPolicy(can_tag=True, can_create=manages, existing=names)


def cached_policy(key: tuple[str, str, str], fetch: Callable[[], list[dict[str, Any]]],
                  *, refresh: float = REFRESH_SECONDS) -> TagPolicy:
    """The policy for ``key`` = (server, username, journal), fetched when stale."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and now - hit[0] < refresh:
        return hit[1]
    policy = policy_from_tags(fetch())
    with _lock:
        _cache[key] = (time.monotonic(), policy)
    return policy


def forget(key: tuple[str, str, str] | None = None) -> None:
    """Drop one journal's cached tags (after we created tags there), or all of them."""
    with _lock:
        if key is None:
            _cache.clear()
        else:
            _cache.pop(key, None)
