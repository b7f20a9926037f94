"""The delivery engine: exactly-once posting, editing and deleting of rendered stories.

- :mod:`.plan` — pure decisions (what to post, edit, skip, wait, retry) and error sorting;
- :mod:`.courier` — one delivery: claim, one remote call, the outcome recorded;
- :mod:`.outcome` — :class:`Outcome` (what one delivery came to) and a site's answer
  recorded (status, notes, tags left out);
- :mod:`.reconcile` — an uncertain delivery: ask the site before anything is sent again;
- :mod:`.pool` — one adapter per account, requests in flight bounded per site;
- :mod:`.publisher` — :class:`Publisher`: which deliveries a story needs, fanned out;
- :mod:`.drafts` — what each of the publisher's jobs sends: the story rendered and vetted,
  its parts, a recorded delivery rendered again from its file;
- :mod:`.hooks` — what the layers above plug into the publisher (a check of each post,
  the split of a story too long for a site).
"""

from __future__ import annotations

from crosspost.delivery.outcome import NOT_DONE, Outcome
from crosspost.delivery.pool import AdapterPool
from crosspost.delivery.publisher import (
    IdentityClash,
    Publisher,
    select_targets,
    unknown_targets,
)

__all__ = ["NOT_DONE", "AdapterPool", "IdentityClash", "Outcome", "Publisher",
           "select_targets", "unknown_targets"]
