"""What one delivery came to: the :class:`Outcome` a run reports for it, and a site's
answer recorded in the registry (the row's new status, the notes the user sees, among
them what the site said about tags it left out).

The :class:`~crosspost.delivery.courier.Courier` records failures itself (retry, backoff,
a site that cannot be reached); what an accepted request records is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crosspost.errors import CrosspostError
from crosspost.logs import get_logger
from crosspost.state.registry import Delivery, Registry
from crosspost.story.post import Post, Receipt

__all__ = ["NOT_DONE", "Outcome", "record_answer", "tag_notes"]

log = get_logger("delivery")

#: Outcome actions that mean "not delivered (yet)" (the CLI exits 1).
NOT_DONE = frozenset({"failed", "retry", "uncertain", "held", "busy"})


@dataclass(frozen=True)
class Outcome:
    """What happened to one delivery in this run.

    ``action``: posted | queued | edited | deleted | gone | skipped | scheduled | cancelled |
    needs_edit | retry | uncertain | failed | held | busy (another run holds the delivery
    right now: look again later). ``notes``: the renderer's notes, the site's own messages
    and the tags left out.
    """

    delivery_id: int
    identity: str
    target: str
    action: str
    url: str = ""
    message: str = ""
    error: CrosspostError | None = None
    notes: tuple[str, ...] = ()
    #: for "scheduled": when the release goes out (aware)
    release_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.action not in NOT_DONE


#: The adapter's own explanation of left-out tags (replaced by :func:`tag_notes`' line).
_OWN_TAG_NOTE = ("left out tag",)


def tag_notes(receipt: Receipt) -> list[str]:
    """The notes for a receipt with left-out tags: our interpretation first, then the other
    messages; the site's own words about tags are labelled as such (LJ: its "maximum tags
    limit" wording is misleading, reference §5)."""
    dropped = ", ".join(receipt.dropped_tags)
    notes = [f"left out (the community does not have these tags and this account may not "
             f"create them): {dropped}"]
    hint = ""
    for msg in receipt.messages:
        low = msg.lower()
        if low.startswith("posted without tags:"):  # the site's refusal, quoted
            notes.append(f"the site says: {msg.split(':', 1)[1].strip()}")
            continue
        if low.startswith(_OWN_TAG_NOTE):
            if "allow_new" in msg:
                hint = "(if this account may create tags there, set `tags.allow_new = true` " \
                       "for this target)"
            continue
        notes.append(f"the site says: {msg}" if "tag" in low else msg)
    if hint:
        notes.insert(1, hint)
    return notes


def record_answer(registry: Registry, owner: str, row: Delivery, op: str, receipt: Receipt,
                  post: Post | None, *, identity: str, target: str) -> Outcome:
    """Record the site's answer to ``op`` on ``row`` (posted, edited, queued for a
    moderator, deleted), release the claim ``owner`` holds, and say what happened."""
    # the renderer's notes (subject cut, tags normalised) and then the site's words
    notes = list(post.notes if post is not None and op != "delete" else ())
    notes += tag_notes(receipt) if receipt.dropped_tags else receipt.messages
    notes = list(dict.fromkeys(n for n in notes if n))  # each note once
    if op == "delete":
        status = action = "deleted"
    elif receipt.status == "queued":
        status = action = "queued"
    else:
        status, action = "posted", ("edited" if op == "edit" else "posted")
    ref = receipt.remote
    done = registry.finish(
        row.id, status, owner=owner, itemid=ref.itemid if ref else None,
        anum=ref.anum if ref else None, url=(ref.url or None) if ref else None,
        action=action, detail="; ".join(notes),
        keep_payload=status == "queued",  # to find the entry once it is approved
        # lost to a power cut, a post is found on the site again and an edit or delete sent
        # again; an entry in a moderation queue cannot be seen: that one waits for the disk
        durable=status == "queued")
    url = done.url if action != "queued" else ""
    log.info("%s → %s: %s", identity, target, f"{action} {url}".rstrip(),
             extra={"story": identity, "target": target, "url": url, "event": action})
    # a queue's own words go on the outcome's line; everything else is a note
    message = receipt.messages[0] if action == "queued" and receipt.messages else ""
    return Outcome(done.id, done.identity, done.target, action, url, message,
                   notes=tuple(n for n in notes if n != message))
