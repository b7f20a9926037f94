"""The adapter contract, and how adapters are found.

This package is all an adapter imports from crosspost (besides :mod:`crosspost.errors` and
:mod:`crosspost.logs`): the contract (:mod:`.contract`), the rendered post it receives and
the receipt it returns (re-exported from :mod:`crosspost.story.post`), and the account it
serves (re-exported from :mod:`crosspost.config`). See docs/PLUGINS.md.
"""

from __future__ import annotations

from crosspost.adapter.contract import (
    Adapter,
    FoundEntry,
    JournalAccess,
    SiteLimits,
    TagPolicy,
    about_to_send,
    filter_tags,
    on_send,
)
from crosspost.adapter.lookup import ENTRY_POINT_GROUP, adapter_class, available_adapters
from crosspost.adapter.sessions import SavedSession, SessionStore, session_store
from crosspost.config.settings import Account
from crosspost.story.post import (
    SCREENING,
    AdultContent,
    Post,
    PostOptions,
    Receipt,
    ReceiptStatus,
    RemoteRef,
    Security,
    body_fingerprint,
)

__all__ = [
    "ENTRY_POINT_GROUP", "SCREENING", "Account", "Adapter", "AdultContent", "FoundEntry",
    "JournalAccess", "Post", "PostOptions", "Receipt", "ReceiptStatus", "RemoteRef",
    "SavedSession", "Security", "SessionStore", "SiteLimits", "TagPolicy", "about_to_send",
    "adapter_class", "available_adapters", "body_fingerprint", "filter_tags", "on_send",
    "session_store",
]
