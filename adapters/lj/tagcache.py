"""A community's tags as this account sees them (``getusertags``), cached per journal.

``getusertags`` hides never-used tags from ordinary members (reference §5, §14), so a tag
missing here may still exist: :mod:`.tagging` explains how the adapter copes. Whether the
account maintains the community cannot be asked through the protocol; the one sign used
is positive only: a tag visible with security level ``private`` (or with no uses) is hidden
from members, so an account that sees one manages the community and may create tags.

The lists are kept for :data:`REFRESH_SECONDS` in memory and in a small JSON file in the
user's cache folder (``tags.json``), so a run an hour after the last one, or a daemon
restart, does not fetch them again. A stale list costs little: it only decides when the
adapter reads back an entry's tags (LJ) or which tags to put back (DW, after a refusal).
Journals are fetched independently (different communities concurrently; one journal once
even when several threads ask together). Tags we may have created are forgotten at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crosspost.adapter import TagPolicy
from crosspost.logs import get_logger

from . import wire

log = get_logger("lj.tagcache")

#: seconds a community's tag list is trusted before it is fetched again (here and on disk)
REFRESH_SECONDS = 6 * 3600.0
FILE_NAME = "tags.json"

Key = tuple[str, str, str]  # (server, username, journal)

#: wall-clock seconds (the lists outlive the process); tests may replace it
clock: Callable[[], float] = time.time

_cache: dict[Key, tuple[float, TagPolicy]] = {}
_loaded = False
_lock = threading.Lock()  # guards _cache, _loaded and the file
_fetching: dict[Key, threading.Lock] = {}


def policy_from_tags(tags: list[dict[str, Any]]) -> TagPolicy:
    """The tag policy implied by a decoded ``getusertags`` answer for a community."""
    names = frozenset(wire.text(t.get("name")) for t in tags if t.get("name") not in (None, ""))
    manages = any(wire.text(t.get("security_level")) == "private"
                  or wire.integer(t.get("uses"), 1) == 0 for t in tags)
    return TagPolicy(can_tag=True, can_create=manages, existing=names)


def cache_file() -> Path:
    """``tags.json`` in the user's cache folder (platformdirs)."""
    from platformdirs import user_cache_path

    return user_cache_path("crosspost") / FILE_NAME


def _fresh(hit: tuple[float, TagPolicy] | None, refresh: float) -> TagPolicy | None:
    if hit is None:
        return None
    age = clock() - hit[0]
    return hit[1] if 0 <= age < refresh else None


def cached_policy(key: Key, fetch: Callable[[], list[dict[str, Any]]],
                  *, refresh: float = REFRESH_SECONDS) -> TagPolicy:
    """The policy for ``key`` = (server, username, journal): cached (memory, then the cache
    file) while younger than ``refresh`` seconds, else fetched and kept."""
    with _lock:
        _load()
        found = _fresh(_cache.get(key), refresh)
        gate = _fetching.setdefault(key, threading.Lock())
    if found is not None:
        return found
    with gate:  # one fetch per journal; other journals go on in parallel
        with _lock:
            found = _fresh(_cache.get(key), refresh)
        if found is not None:
            return found
        policy = policy_from_tags(fetch())
        with _lock:
            _cache[key] = (clock(), policy)
            _save()
    return policy


def forget(key: Key | None = None) -> None:
    """Drop one journal's tags (after we may have created tags there: memory and file), or
    every list held in memory (the file stays; it is read again on next use)."""
    global _loaded
    with _lock:
        if key is None:
            _cache.clear()
            _loaded = False
            return
        _load()
        _cache.pop(key, None)
        _save()


def _load() -> None:
    """Read the cache file once per process (under ``_lock``); a damaged file is ignored."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    try:
        data = json.loads(cache_file().read_text(encoding="utf-8"))
        for item in data.get("journals", []):
            key = (str(item["server"]), str(item["username"]), str(item["journal"]))
            policy = TagPolicy(can_tag=True, can_create=bool(item["can_create"]),
                               existing=frozenset(str(t) for t in item["tags"]))
            if key not in _cache:
                _cache[key] = (float(item["at"]), policy)
    except FileNotFoundError:
        return
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.debug("tag cache unreadable (%s); fetching afresh", type(exc).__name__)


def _save() -> None:
    """Write the fresh lists to the cache file (under ``_lock``); best effort."""
    now = clock()
    journals = [{"server": k[0], "username": k[1], "journal": k[2], "at": at,
                 "can_create": p.can_create, "tags": sorted(p.existing)}
                for k, (at, p) in _cache.items() if 0 <= now - at < REFRESH_SECONDS]
    path = cache_file()
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tags-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "journals": journals}, out)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("tag cache not written (%s)", type(exc).__name__)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
