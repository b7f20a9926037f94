"""What to do with one file of the watched folder: the decisions, without any I/O.

:func:`next_steps` looks at the :class:`Facts` known about a file so far (its state on
disk, its row in the files table, the story read from it, its newest delivery rows, what
publishing it did, the time) and returns the steps to take, in order. The intake
(:class:`crosspost.daemon.intake.Intake`) is the one place that carries them out. Three
steps learn something (:class:`Parse`, :class:`Look`, :class:`Publish`): after one of
them the intake adds what it learnt to the facts and asks again. Every other list ends
with a step that says where the file went (:class:`Finish`, :class:`SetAside`,
:class:`Move`, :class:`WaitForWriter`, :class:`WaitForParser`).

The rules, in the order they are tried:

1. the file vanished, or the files table knows it with the same size and mtime → nothing;
2. a word-processor or PDF file → set aside with a report saying how to save it as text;
3. otherwise it is read (:class:`Parse`, on a worker: a parse that takes long lets the
   daemon go on with other work, see :mod:`.reading`), never through a link to outside the
   folder (such a file, hard links included, is left in place with a report) and only when
   the file opened is the one scanned (else it is looked at again); a file that cannot be
   read is set aside with a report — unless it changed in the last :data:`YOUNG_SECONDS`
   (a writer saving in two goes): it waits for the writer first;
4. a waiting file touched but not changed (same bytes) keeps its schedule as it is;
5. the file now holds another story: the old story's unsent releases are cancelled;
6. its releases withdrawn when the file left the folder are restored, then it is published:
   again to every target if every target refused it last time (the writer dropped it back
   in), only to targets without a delivery when the daemon comes back to a known file, and
   not yet to targets that must wait for a release scheduled by hand;
7. after publishing (see :func:`fate`): on the site → ``posted/`` (a report beside it names
   the targets that refused it for good, if any); still waiting → stays; every target
   refused → ``failed/`` with a report; another file's story has this identity → ``failed/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from crosspost.daemon import files
from crosspost.daemon.releases import release_groups, wait_for_first_release
from crosspost.delivery import IdentityClash

if TYPE_CHECKING:
    from crosspost.errors import StoryError
    from crosspost.state.records import Delivery, FileRow
    from crosspost.story.model import Story

Fate = Literal["posted", "waiting", "failed", "idle"]

#: a row in one of these needs the file to stay (or the daemon to come back to it)
WAITING = frozenset({"scheduled", "pending", "editing", "deleting", "uncertain", "retry",
                     "held"})
#: the story is on the site (or the row is settled for good)
DONE = frozenset({"posted", "queued", "needs_edit", "deleted", "gone", "cancelled"})
#: the row status an outcome stands for, when the engine made no row (refused up front)
_OUTCOME_STATUS = {"edited": "posted", "uncertain": "uncertain", "skipped": "skipped"}
#: a file that cannot be read while it changed less than this many seconds ago may still be
#: being written (saved in two goes): it is read again once it has settled
YOUNG_SECONDS = 5.0
#: a file replaced between the scan and the read is looked at again this much later
CHANGED_WAIT = 0.2


def fate(statuses: Iterable[str]) -> Fate:
    """Where a story's file goes, from the statuses of its newest delivery row per target."""
    seen = set(statuses)
    if seen & WAITING:
        return "waiting"
    if seen & DONE:
        return "posted"
    if "failed" in seen:
        return "failed"
    return "idle"


# -- the steps -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Announce:
    """Log that the file was picked up (at debug level when the daemon comes back to it)."""

    quiet: bool = False


@dataclass(frozen=True)
class Parse:
    """Read the story and resolve its release times (learns ``story`` or ``problem``)."""


@dataclass(frozen=True)
class LogWarnings:
    """Tell the writer of the story's warnings (a misspelt field: the story still goes)."""


@dataclass(frozen=True)
class Remember:
    """Record the file in the files table with ``state``."""

    state: str


@dataclass(frozen=True)
class CancelReplaced:
    """The file held story ``identity`` before: cancel that story's unsent releases."""

    identity: str


@dataclass(frozen=True)
class Look:
    """Read the story's newest delivery rows (learns ``rows``), after scheduling again the
    releases withdrawn when the file left the folder when ``restore``."""

    restore: bool


@dataclass(frozen=True)
class Publish:
    """Hand the story to the delivery engine (learns ``outcomes`` and the rows after).
    ``explicit``: every target refused it last time, try them again; ``skip``: targets not
    to send to now; ``later``: the auto targets that wait for a release scheduled by hand."""

    explicit: bool = False
    skip: frozenset[str] = frozenset()
    later: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClearReport:
    """Remove a report left in ``failed/`` by an earlier attempt under this name."""


@dataclass(frozen=True)
class WarnIdle:
    """Nothing was sent: say why."""

    why: str


@dataclass(frozen=True)
class ReportRefusals:
    """Some targets took the story and others refused it for good: a report beside the file
    names the refusals (it goes with the file to ``posted/``)."""

    targets: tuple[str, ...]


@dataclass(frozen=True)
class Move:
    """The story is on the site: move the file to ``posted/`` (end)."""


@dataclass(frozen=True)
class SetAside:
    """Move the file to ``failed/`` with a report of ``kind`` (end); a ``link`` (to a file
    outside the folder) is left in place, its report in ``failed/``."""

    kind: Literal["document", "story", "clash", "refusal", "link"]


@dataclass(frozen=True)
class WaitForWriter:
    """The file could not be read but is still young: look at it again in ``seconds`` (end)."""

    seconds: float


@dataclass(frozen=True)
class WaitForParser:
    """The parse takes long: go on with other work, come back when it is done or in at most
    ``seconds`` (end)."""

    seconds: float


@dataclass(frozen=True)
class Finish:
    """The file stays where it is (end); ``fate`` None: nothing was done."""

    fate: Fate | None = None


Step = (Announce | Parse | LogWarnings | Remember | CancelReplaced | Look | Publish
        | ClearReport | WarnIdle | ReportRefusals | Move | SetAside | WaitForWriter
        | WaitForParser | Finish)


@dataclass(frozen=True)
class Facts:
    """What is known about one file so far. ``sig``/``modified``: its stat now (``sig``
    None: it vanished); ``known``: its row in the files table; ``again``: the daemon comes
    back to a known file whose story moved on (a release or a retry went out)."""

    name: str
    now: datetime
    sig: files.FileSig | None
    modified: datetime | None = None
    known: FileRow | None = None
    again: bool = False
    auto: tuple[str, ...] = ()
    young_seconds: float = YOUNG_SECONDS
    # learnt by Parse
    parsed: bool = False
    story: Story | None = None
    problem: StoryError | None = None
    #: not read: ``link`` (a link or hard link to outside the folder) or ``changed``
    #: (replaced between the scan and the read)
    refused: str = ""
    #: still being parsed on a worker: seconds left before the parse is given up
    parsing: float | None = None
    #: a parse of this file is under way (the file was parked): no second "picked up"
    resuming: bool = False
    releases: dict[str | None, datetime | None] = field(default_factory=dict)
    # learnt by Look, then by Publish (the rows after publishing)
    rows: tuple[Delivery, ...] | None = None
    # learnt by Publish
    published: bool = False
    outcomes: tuple[Any, ...] = ()


def next_steps(f: Facts) -> list[Step]:
    """The steps to take next for the file described by ``f`` (see the module docstring)."""
    if f.sig is None:
        return [Finish()]
    if not f.parsed:
        return _before_reading(f)
    if f.parsing is not None:
        return [WaitForParser(f.parsing)]
    if f.refused == "changed":
        return [WaitForWriter(CHANGED_WAIT)]
    if f.refused == "link":
        return [SetAside("link")]
    if f.story is None:
        left = _young_for(f)
        return [WaitForWriter(left)] if left > 0 else [SetAside("story")]
    if f.rows is None:
        return _before_publishing(f, f.story)
    if not f.published:
        return [_publish_step(f, f.rows)]
    return _after_publishing(f)


def _before_reading(f: Facts) -> list[Step]:
    known, sig = f.known, f.sig
    if not f.again and known is not None and sig is not None and \
            (known.size, known.mtime_ns) == (sig.size, sig.mtime_ns):
        return [Finish()]
    steps: list[Step] = [Announce(quiet=f.again or f.resuming)]
    if files.is_document(f.name):
        return [*steps, SetAside("document")]
    return [*steps, Parse()]


def _young_for(f: Facts) -> float:
    """Seconds until a file that could not be read counts as settled (0: it does)."""
    if f.again or f.modified is None:
        return 0.0
    age = (f.now - f.modified).total_seconds()
    return max(0.0, f.young_seconds - max(age, 0.0)) if age < f.young_seconds else 0.0


def _before_publishing(f: Facts, story: Story) -> list[Step]:
    known = None if f.again else f.known
    steps: list[Step] = [] if f.again else [LogWarnings()]
    if known is not None and known.state == "waiting" and known.raw_sha256 == story.raw_sha256:
        # touched, not changed: keep its schedule as it is (relative times would move)
        return [*steps, Remember("waiting"), Finish("waiting")]
    if known is not None and known.identity and known.identity != story.identity:
        steps.append(CancelReplaced(known.identity))
    return [*steps, Look(restore=not f.again)]


def _publish_step(f: Facts, before: Sequence[Delivery]) -> Publish:
    if f.again:
        # only targets with no delivery yet are new; the others keep their state (a
        # schedule moved with `crosspost reschedule` stays moved)
        return Publish(skip=frozenset(r.target for r in before))
    retry_failed = bool(before) and all(r.status == "failed" for r in before)
    later = tuple(wait_for_first_release(f.releases, before, f.auto))
    return Publish(explicit=retry_failed, skip=frozenset(later), later=later)


def _after_publishing(f: Facts) -> list[Step]:
    if any(isinstance(o.error, IdentityClash) for o in f.outcomes):
        return [SetAside("clash")]  # another file's story has this identity: never overwrite
    statuses = {r.target: r.status for r in f.rows or ()}
    for o in f.outcomes:  # a target refused before any row was made (e.g. too long)
        statuses.setdefault(o.target, _OUTCOME_STATUS.get(o.action, o.action))
    where = fate(statuses.values())
    if where == "waiting":
        return [ClearReport(), Remember("waiting"), Finish("waiting")]
    if where == "idle":
        why = ("nothing was sent" if f.outcomes else
               "no target to post to (every target has auto = false)")
        return [WarnIdle(why), Remember("idle"), Finish("idle")]
    if where == "failed":
        return [SetAside("refusal")]
    refused = tuple(sorted(t for t, s in statuses.items() if s == "failed"))
    return [ClearReport(), *([ReportRefusals(refused)] if refused else []), Move()]


def release_plan(releases: dict[str | None, datetime | None], auto: Sequence[str],
                 skip: Iterable[str], now: datetime, grace: timedelta
                 ) -> list[tuple[datetime | None, list[str], bool]]:
    """``(release time, targets, held)`` per group of targets to publish: a ``Release:``
    time more than ``grace`` ago is *held* (like a scheduled release the daemon missed),
    not posted now; None means now."""
    skip = set(skip)
    out = []
    for at, targets in release_groups(releases, list(auto)).items():
        wanted = [t for t in targets if t not in skip]
        if wanted:
            out.append((at, wanted, at is not None and now - at > grace))
    return out


def young_seconds(settle: float) -> float:
    """How long a file that cannot be read waits for its writer (see
    :data:`YOUNG_SECONDS`); ``--settle 0`` says files are complete
    as soon as they are seen: no wait."""
    return max(YOUNG_SECONDS, settle) if settle > 0 else 0.0
