"""What a delivery sends: the post the :class:`~crosspost.delivery.publisher.Publisher`
hands to a job.

:class:`Drafts` renders a story for a target (and vets it: the community rules), splits a
story too long for a target's site into its parts (long stories), finds what an edit sends
to each recorded copy (the story, or the part the copy holds), and renders a recorded
delivery again from the file the registry last saw its story in (a retry of a post that
never reached the site sends the story as it is now). It records each story it renders
in the registry; it sends nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crosspost.delivery.courier import copy_of
from crosspost.delivery.hooks import Expand, Vet, part_prefix
from crosspost.delivery.reconcile import decode_post
from crosspost.errors import CrosspostError, UserError
from crosspost.state.registry import Delivery, Registry
from crosspost.story.post import Post
from crosspost.story.when import journal_time

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.story.model import Story

__all__ = ["Drafts", "never_reached"]


def never_reached(row: Delivery) -> bool:
    """A post that the site refused or never received (not one that may have landed)."""
    return row.op == "post" and row.itemid is None and row.status in ("retry", "failed")


class Drafts:
    """The posts a publisher's jobs send, rendered from stories (or their recorded files)."""

    def __init__(self, config: Config, registry: Registry, *, vet: Vet | None = None,
                 expand: Expand | None = None) -> None:
        self.config = config
        self.registry = registry
        #: checks a rendered post before anything is recorded or sent (community rules);
        #: raises a CrosspostError to refuse it
        self.vet = vet
        #: splits a story too long for a target into parts (long stories)
        self.expand = expand

    def render(self, story: Story, target: str) -> tuple[Post | None, CrosspostError | None]:
        """``story`` rendered for ``target`` and vetted, or the error that refused it."""
        from crosspost.render import render_post

        try:
            post = render_post(story, self.config, target)
            if self.vet is not None:
                self.vet(story, self.config, target, post)
            return post, None
        except CrosspostError as exc:
            return None, exc

    def dated(self, post: Post | None, at: datetime | None, target: str) -> Post | None:
        """``post`` dated at ``at`` in the journal's zone (unchanged without either)."""
        if post is None or at is None:
            return post
        return replace(post, when=journal_time(at, self.config.timezone_for(target)))

    def redated(self, post: Post | None, row: Delivery, release: datetime | None
                ) -> Post | None:
        """``post`` dated at ``release`` when that is not the date ``row``'s copy was last
        sent with (the writer changed the release time); else undated: an edit keeps the
        entry's date (DW: editevent with date fields re-dates the entry)."""
        new = self.dated(post, release, row.target)
        sent = decode_post(row.payload)
        if new is None or new.when is None or (sent is not None and sent.when == new.when):
            return post
        return new

    def pieces(self, story: Story, target: str) -> tuple[list[Story], CrosspostError | None]:
        """The story as ``target`` receives it (see :data:`Expand`)."""
        if self.expand is None or target not in self.config.targets:
            return [story], None
        try:
            return self.expand(story, self.config, target), None
        except CrosspostError as exc:
            return [story], exc

    def record(self, story: Story) -> None:
        """The story and its header fields in the registry (derived entries read them)."""
        self.registry.upsert_story(story.identity, title=story.title,
                                   path=str(story.path or ""), content_hash=story.content_hash,
                                   fields={"word_count": f"{story.word_count:,}",
                                           **story.fields})

    def part_rows(self, identity: str) -> list[Delivery]:
        """The deliveries of the parts of a story split for a site (long stories)."""
        prefix = part_prefix(identity)
        return [r for r in self.registry.deliveries() if r.identity.startswith(prefix)]

    def for_edit(self, story: Story, row: Delivery, release: datetime | None = None
                 ) -> tuple[Post | None, CrosspostError | None, str]:
        """What an edit sends to ``row``: the story, or the part of it the row holds;
        dated at ``release`` only when the writer changed the release time."""
        if row.target not in self.config.targets:
            return None, None, story.content_hash
        if row.identity == story.identity:
            post, err = self.render(story, row.target)
            return self.redated(post, row, release), err, story.content_hash
        pieces, err = self.pieces(story, row.target)
        piece = next((p for p in pieces if p.identity == row.identity), None)
        if piece is None:
            return None, err or UserError(
                f"{row.identity} is no longer a part of the story (it splits differently "
                "now)", "delete the old parts (`crosspost delete`) and post the story "
                "again"), story.content_hash
        self.record(piece)
        return (*self.render(piece, row.target), piece.content_hash)

    def for_retry(self, row: Delivery) -> tuple[Post | None, CrosspostError | None, str]:
        """What a retry of ``row`` sends, with the content hash to record: the recorded
        post, rendered again when none was recorded, or the story's current version when
        nothing of it reached the site."""
        post = decode_post(row.payload)
        err: CrosspostError | None = None
        content_hash = row.content_hash
        if post is None and row.op != "delete":
            post, err = self.rerender(row)
        elif post is not None and never_reached(row):
            # nothing of it is on the site: send the story as it is now, not as it was
            # when it was first tried (it may have been edited while the site refused it)
            current, chash = self.current_version(row)
            if current is not None:  # (copies after the first keep their marker)
                post = replace(copy_of(current, row.copy) or current, when=post.when)
                content_hash = chash
        return post, err, content_hash

    def current_version(self, row: Delivery) -> tuple[Post | None, str]:
        """The story's current version rendered for ``row``'s target (from the file the
        registry last saw it in) and its content hash; (None, "") when unreadable."""
        from crosspost.story.parse import parse_file

        known = self.registry.story(row.identity)
        if known is None or not known.path or row.target not in self.config.targets:
            return None, ""
        try:
            story = parse_file(Path(known.path))
        except (CrosspostError, OSError):
            return None, ""
        if story.identity != row.identity:
            return None, ""
        post, _ = self.render(story, row.target)
        return post, story.content_hash

    def rerender(self, row: Delivery) -> tuple[Post | None, CrosspostError | None]:
        """``row``'s story rendered again from the file the registry last saw it in."""
        from crosspost.story.parse import parse_file

        known = self.registry.story(row.identity)
        if known is None or not known.path or row.target not in self.config.targets:
            return None, None
        try:
            return self.render(parse_file(Path(known.path)), row.target)
        except (CrosspostError, OSError):
            return None, None
