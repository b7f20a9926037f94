"""The daemon's intake rules as a table: facts about a file → the steps to take. No file
system, no registry, no site: :func:`crosspost.daemon.rules.next_steps` is pure."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from crosspost.daemon import rules
from crosspost.daemon.files import FileSig
from crosspost.daemon.rules import (
    Announce,
    CancelReplaced,
    ClearReport,
    Facts,
    Finish,
    LogWarnings,
    Look,
    Move,
    Parse,
    Publish,
    Remember,
    ReportRefusals,
    SetAside,
    WaitForWriter,
    WarnIdle,
    next_steps,
)
from crosspost.delivery import IdentityClash
from crosspost.errors import StoryError
from crosspost.state.records import FileRow

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SIG = FileSig(120, 1_000)
OLD = NOW - timedelta(minutes=5)
STORY = SimpleNamespace(identity="story:w/t", raw_sha256="abc", title="T", warnings=())
OTHER = SimpleNamespace(identity="story:w/other", raw_sha256="def", title="O", warnings=())
PROBLEM = StoryError("the header has no Title", path=None, line=1, fix="add a Title: line")


OLD_SIG = FileSig(99, 5)


def known(state: str = "waiting", *, sig: FileSig = OLD_SIG, raw: str = "abc",
          identity: str | None = "story:w/t") -> FileRow:
    return FileRow("s.txt", sig.size, sig.mtime_ns, raw, identity, state, None)


def row(target: str, status: str, *, release_at: datetime | None = None) -> Any:
    return SimpleNamespace(target=target, status=status, release_at=release_at)


def outcome(target: str, action: str, error: Exception | None = None) -> Any:
    return SimpleNamespace(target=target, action=action, error=error)


def facts(**kw: Any) -> Facts:
    base: dict[str, Any] = {"name": "s.txt", "now": NOW, "sig": SIG, "modified": OLD,
                            "auto": ("journal", "fluffy")}
    base.update(kw)
    return Facts(**base)


def parsed(**kw: Any) -> Facts:
    return facts(parsed=True, story=kw.pop("story", STORY), **kw)


# -- before the file is read ------------------------------------------------------------------
@pytest.mark.parametrize(("case", "f", "expected"), [
    ("vanished", facts(sig=None), [Finish()]),
    ("unchanged since last time", facts(known=known(sig=SIG)), [Finish()]),
    ("new file", facts(), [Announce(), Parse()]),
    ("changed file", facts(known=known()), [Announce(), Parse()]),
    ("known but taken again after a release", facts(again=True),
     [Announce(quiet=True), Parse()]),
    ("a Word document", facts(name="story.docx"), [Announce(), SetAside("document")]),
    ("a PDF", facts(name="Story.PDF"), [Announce(), SetAside("document")]),
])
def test_rules_before_reading(case: str, f: Facts, expected: list[rules.Step]) -> None:
    assert next_steps(f) == expected, case


# -- a file that cannot be read ---------------------------------------------------------------
@pytest.mark.parametrize(("case", "modified", "again", "expected"), [
    ("settled long ago", OLD, False, [SetAside("story")]),
    ("changed 1 s ago: the writer may still be saving", NOW - timedelta(seconds=1), False,
     [WaitForWriter(4.0)]),
    ("changed just at the young limit", NOW - timedelta(seconds=rules.YOUNG_SECONDS), False,
     [SetAside("story")]),
    ("mtime in the future (clock skew) is young", NOW + timedelta(seconds=30), False,
     [WaitForWriter(rules.YOUNG_SECONDS)]),
    ("taken again after a release: never waits", NOW - timedelta(seconds=1), True,
     [SetAside("story")]),
])
def test_rules_for_an_unreadable_file(case: str, modified: datetime, again: bool,
                                      expected: list[rules.Step]) -> None:
    f = facts(parsed=True, problem=PROBLEM, modified=modified, again=again)
    assert next_steps(f) == expected, case


# -- read, before publishing ------------------------------------------------------------------
@pytest.mark.parametrize(("case", "f", "expected"), [
    ("a new story", parsed(), [LogWarnings(), Look(restore=True)]),
    ("a waiting file touched, not changed", parsed(known=known("waiting")),
     [LogWarnings(), Remember("waiting"), Finish("waiting")]),
    ("a waiting file whose bytes changed", parsed(known=known("waiting", raw="zzz")),
     [LogWarnings(), Look(restore=True)]),
    ("a posted file (left in place) touched", parsed(known=known("posted")),
     [LogWarnings(), Look(restore=True)]),
    ("the file now holds another story", parsed(story=OTHER, known=known("waiting")),
     [LogWarnings(), CancelReplaced("story:w/t"), Look(restore=True)]),
    ("taken again: no warnings, no restore", parsed(again=True), [Look(restore=False)]),
])
def test_rules_before_publishing(case: str, f: Facts, expected: list[rules.Step]) -> None:
    assert next_steps(f) == expected, case


T1 = NOW + timedelta(days=1)


@pytest.mark.parametrize(("case", "f", "expected"), [
    ("nothing known yet", parsed(rows=()), Publish()),
    ("every target refused it last time: try them all again",
     parsed(rows=(row("journal", "failed"), row("fluffy", "failed"))), Publish(explicit=True)),
    ("one refused, one posted: the engine decides per target",
     parsed(rows=(row("journal", "failed"), row("fluffy", "posted"))), Publish()),
    ("taken again: only targets without a delivery",
     parsed(again=True, rows=(row("journal", "posted"),)), Publish(skip=frozenset({"journal"}))),
    ("scheduled by hand for one target, no Release: header: the others wait",
     parsed(rows=(row("journal", "scheduled", release_at=T1),)),
     Publish(skip=frozenset({"fluffy"}), later=("fluffy",))),
    ("a Release: header for every target: nobody waits",
     parsed(releases={None: T1}, rows=(row("journal", "scheduled", release_at=T1),)),
     Publish()),
])
def test_rules_for_publishing(case: str, f: Facts, expected: Publish) -> None:
    assert next_steps(f) == [expected], case


# -- after publishing -------------------------------------------------------------------------
def published(rows: tuple[Any, ...], outcomes: tuple[Any, ...] = ()) -> Facts:
    return parsed(rows=rows, published=True, outcomes=outcomes)


CLASH = IdentityClash("another file has this story's title", "add an ID: line")


@pytest.mark.parametrize(("case", "f", "expected"), [
    ("posted everywhere", published((row("journal", "posted"), row("fluffy", "queued"))),
     [ClearReport(), Move()]),
    ("one target later", published((row("journal", "posted"), row("fluffy", "scheduled"))),
     [ClearReport(), Remember("waiting"), Finish("waiting")]),
    ("a retry pending", published((row("journal", "retry"),)),
     [ClearReport(), Remember("waiting"), Finish("waiting")]),
    ("every target refused", published((row("journal", "failed"), row("fluffy", "failed"))),
     [SetAside("refusal")]),
    ("refused before any row was made", published((), (outcome("journal", "failed"),)),
     [SetAside("refusal")]),
    ("one took it, one refused for good: a report goes with the file",
     published((row("journal", "posted"), row("fluffy", "failed"))),
     [ClearReport(), ReportRefusals(("fluffy",)), Move()]),
    ("refused up front by one, posted by the other",
     published((row("journal", "posted"),), (outcome("fluffy", "failed"),)),
     [ClearReport(), ReportRefusals(("fluffy",)), Move()]),
    ("an edit of a posted story", published((), (outcome("journal", "edited"),)),
     [ClearReport(), Move()]),
    ("nothing was sent", published((), (outcome("journal", "skipped"),)),
     [WarnIdle("nothing was sent"), Remember("idle"), Finish("idle")]),
    ("no auto target", published(()),
     [WarnIdle("no target to post to (every target has auto = false)"), Remember("idle"),
      Finish("idle")]),
    ("another file's story has this identity",
     published((row("journal", "posted"),), (outcome("journal", "failed", CLASH),)),
     [SetAside("clash")]),
])
def test_rules_after_publishing(case: str, f: Facts, expected: list[rules.Step]) -> None:
    assert next_steps(f) == expected, case


def test_each_answer_ends_with_a_final_step_or_one_that_learns() -> None:
    learning = (Parse, Look, Publish)
    final = (Finish, SetAside, Move, WaitForWriter)
    samples = [facts(), facts(sig=None), parsed(), parsed(rows=()),
               published((row("journal", "posted"),)),
               facts(parsed=True, problem=PROBLEM)]
    for f in samples:
        steps = next_steps(f)
        assert isinstance(steps[-1], learning + final)
        assert not any(isinstance(s, learning + final) for s in steps[:-1])


@pytest.mark.parametrize(("case", "releases", "expected"), [
    ("now", {}, [(None, ["journal", "fluffy"], False)]),
    ("tomorrow", {None: T1}, [(T1, ["journal", "fluffy"], False)]),
    ("within the grace period", {None: NOW - timedelta(minutes=5)},
     [(NOW - timedelta(minutes=5), ["journal", "fluffy"], False)]),
    ("long past: held", {None: NOW - timedelta(days=30)},
     [(NOW - timedelta(days=30), ["journal", "fluffy"], True)]),
    ("one target later, the other now", {"fluffy": T1},
     [(None, ["journal"], False), (T1, ["fluffy"], False)]),
])
def test_release_plan(case: str, releases: dict[str | None, datetime | None],
                      expected: list[Any]) -> None:
    plan = rules.release_plan(releases, ["journal", "fluffy"], (), NOW, timedelta(minutes=30))
    assert plan == expected, case


def test_release_plan_leaves_out_skipped_targets() -> None:
    assert rules.release_plan({}, ["journal", "fluffy"], {"journal"}, NOW,
                              timedelta(minutes=30)) == [(None, ["fluffy"], False)]
    assert rules.release_plan({}, ["journal"], {"journal"}, NOW, timedelta(minutes=30)) == []


def test_facts_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts().again = True  # type: ignore[misc]


@pytest.mark.parametrize(("case", "refused", "expected"), [
    ("a link or hard link to outside the folder: left in place with a report", "link",
     [SetAside("link")]),
    ("replaced between the scan and the read: looked at again", "changed",
     [WaitForWriter(rules.CHANGED_WAIT)]),
])
def test_rules_for_a_file_that_is_not_the_one_scanned(case: str, refused: str,
                                                      expected: list[rules.Step]) -> None:
    f = facts(parsed=True, refused=refused, problem=PROBLEM, modified=NOW)
    assert next_steps(f) == expected, case
