"""What the dashboard's buttons do, through the same engine and checks as the commands:
the registry's ``reschedule``/``cancel``, the :class:`Publisher` for posting and retrying,
``parse_when`` for time words, the watcher's file checks for an added story, and the
keyring for secrets.

Each action returns :class:`Note` lines for the page; a :class:`CrosspostError` is turned
into its message and fix by the caller, never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.errors import CrosspostError, StateError, StoryError, UserError, WhenError

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Registry

#: a time this far in the past still counts as "now" (as for the commands)
SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Note:
    """One line of feedback: ``tone`` ok | warn | bad; ``fix`` what to do about it."""

    text: str
    tone: str = "ok"
    fix: str = ""


def from_error(exc: CrosspostError) -> Note:
    return Note(exc.message, "bad", exc.fix)


def outcome_notes(outcomes: list[Any]) -> list[Note]:
    out = []
    for o in outcomes:
        detail = o.url or o.message
        fix = o.error.fix if o.error is not None else ""
        out.append(Note(f"#{o.delivery_id} {o.target}: {o.action}"
                        + (f" ({detail})" if detail else ""), "ok" if o.ok else "bad", fix))
    return out


# -- releases ----------------------------------------------------------------------------------

def when_from_words(text: str, config: Config, now: datetime | None = None) -> datetime:
    """The release time the words say, in the writer's zone; past times are refused as by
    `crosspost reschedule`."""
    from crosspost.story.when import describe, parse_when, zone_for

    tz = zone_for(config.settings.timezone)
    now = (now or datetime.now(UTC)).astimezone(tz)
    when = parse_when(text, tz, now)
    if when < now - SLACK:
        raise WhenError(f"{text!r} is {describe(when.astimezone(tz), now)}, in the past",
                        "pick a later time, or press “Post now”")
    return when


def reschedule(config: Config, registry: Registry, delivery_id: int, words: str,
               *, daemon: bool, rescan: float | None = None) -> list[Note]:
    """Move a scheduled or held release (``now`` releases it at once)."""
    from crosspost.story.when import describe, zone_for

    when = when_from_words(words, config)
    row = registry.reschedule(delivery_id, when)
    tz = zone_for(config.settings.timezone)
    assert row.release_at is not None
    notes = [Note(f"#{row.id} → {row.target}: "
                  f"{describe(row.release_at.astimezone(tz), datetime.now(tz))}")]
    if row.release_at <= datetime.now(UTC):
        notes += release_now(config, registry, daemon=daemon, rescan=rescan)
    return notes


def post_now(config: Config, registry: Registry, delivery_id: int, *,
             daemon: bool, rescan: float | None = None) -> list[Note]:
    row = registry.reschedule(delivery_id, datetime.now(UTC))
    return [Note(f"#{row.id} → {row.target}: released now"),
            *release_now(config, registry, daemon=daemon, rescan=rescan)]


def release_now(config: Config, registry: Registry, *, daemon: bool,
                rescan: float | None = None) -> list[Note]:
    """Post what is due: the running watcher does it at its next check; with none running,
    here, under the watcher's lock (so no watcher starts meanwhile)."""
    from crosspost.daemon.refresh import refresh_due
    from crosspost.workflows.publishing import make_publisher

    if daemon:
        within = f" (within {rescan:g} s)" if rescan else ""
        return [Note(f"the watcher posts it at its next check{within}; this page shows "
                     "the link then", "ok")]
    try:
        lock = registry.acquire_daemon_lock()
    except StateError:
        return [Note("the running `crosspost watch` posts it at its next check", "ok")]
    try:
        with make_publisher(config, registry) as publisher:
            refresh_due(config, registry, publisher, datetime.now(UTC))  # the file as saved
            notes = outcome_notes(publisher.release_due(datetime.now(UTC)))
            return notes + derived_notes(config, registry, publisher)
    finally:
        lock.release()


def derived_notes(config: Config, registry: Registry, publisher: Any) -> list[Note]:
    """After a batch: each table post, masterlist or series' links that changed, edited
    once (as the commands and the watcher do)."""
    from crosspost.workflows.sync import sync_derived

    return [Note(f"{label}: {n.text}", n.tone, n.fix)
            for label, outcome in sync_derived(config, registry, publisher.pool)
            for n in outcome_notes([outcome])]


def cancel(registry: Registry, delivery_id: int) -> list[Note]:
    row = registry.cancel(delivery_id)
    return [Note(f"cancelled #{row.id} → {row.target}")]


def retry(config: Config, registry: Registry, delivery_id: int) -> list[Note]:
    """As `crosspost retry ID`: the engine's claims keep a running watcher from sending the
    same delivery at the same time."""
    from crosspost.workflows.publishing import make_publisher

    if registry.delivery(delivery_id) is None:
        raise UserError(f"no delivery {delivery_id}", "reload the page")
    with make_publisher(config, registry) as publisher:
        notes = outcome_notes(publisher.retry(delivery_id))
        notes += derived_notes(config, registry, publisher)
    return notes or [Note("nothing to retry", "warn")]


# -- adding a story ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Added:
    """An added file: where it went, or the report saying why it was not taken."""

    path: Path | None
    report: str = ""
    notes: tuple[Note, ...] = ()


def add_story(config: Config, root: Path, name: str, data: bytes) -> Added:
    """Check a file as the watcher would and put it into the stories folder under its own
    name (the daemon's ``place_dropped``). Refused, nothing written, when the name is not a
    story file's, when a file of that name is already there (never overwritten), or when it
    cannot be read as a story (its report is returned, as the watcher would write it)."""
    from crosspost.daemon import files, reports
    from crosspost.daemon.placing import place_dropped
    from crosspost.story.parse import parse_bytes

    name = Path(name.replace("\\", "/")).name  # a browser may send a whole path
    why = files.ignore_reason(name) if name else "no name"
    if why is not None:
        raise UserError(f"{name or 'the file'} was not added: {why} (crosspost reads .txt, "
                        ".md and .html story files)",
                        "pick a story file saved as .txt, .md or .html")
    if files.is_document(name):
        return Added(None, reports.document_report(reports.document_error(root / name)))
    try:
        dest = place_dropped(root, name, data, max_bytes=config.settings.max_file_bytes,
                             rename_if_taken=False)
    except StoryError as exc:
        return Added(None, reports.story_report(exc))
    except FileExistsError:
        raise UserError(f"{name} is already in the stories folder; it was not replaced",
                        "rename your file, or change the one in the folder") from None
    except OSError as exc:
        raise UserError(f"cannot write into {root}: {exc.strerror or exc}",
                        "check the stories folder's permissions") from None
    story = parse_bytes(data, path=dest, max_bytes=config.settings.max_file_bytes)
    notes = [Note(f"{warning.level}: {warning}", "warn") for warning in story.warnings]
    return Added(dest, "", (Note(f"added {name}: {story.title or story.identity}"), *notes))


def failed_files(config: Config, root: Path) -> list[tuple[Path, str]]:
    """Files the watcher set aside in ``failed/``, with their reports."""
    from crosspost.daemon import files

    folder = root / config.settings.failed_dir
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.endswith(".error.txt"):
            continue
        if files.ignore_reason(path.name) not in (None,):
            continue
        report = files.report_path(path)
        text = report.read_text(encoding="utf-8", errors="replace") if report.exists() else ""
        out.append((path, text))
    return out


def try_again(config: Config, root: Path, name: str) -> list[Note]:
    """Move a file from ``failed/`` back into the stories folder (never over another)."""
    folder = root / config.settings.failed_dir
    path = folder / Path(name).name
    if not path.is_file() or path.parent != folder:
        raise UserError(f"{name} is not in the failed folder", "reload the page")
    dest = root / path.name
    if dest.exists():
        raise UserError(f"{dest.name} is already in the stories folder; nothing was moved",
                        "rename one of the two files")
    os.rename(path, dest)
    return [Note(f"{path.name} is back in the stories folder: the watcher tries it again")]


# -- accounts ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AccountView:
    name: str
    site: str
    username: str
    server: str
    secret: str  # where the secret comes from, in words (never the secret)


def accounts(config: Config) -> list[AccountView]:
    from crosspost.config.secrets import SERVICE, env_var_name, keyring_backend

    backend, about = keyring_backend()
    out = []
    for name, account in config.accounts.items():
        where = []
        try:
            if backend is not None and backend.get_password(SERVICE, name):
                where.append("stored in the keyring")
        except Exception:  # a locked keyring: say what we can
            where.append(f"keyring not readable ({about})")
        if os.environ.get(env_var_name(name)):
            where.append(f"{env_var_name(name)} is set")
        out.append(AccountView(name, account.site, account.username,
                               str(getattr(account, "server", "") or ""),
                               "; ".join(where) or "none: store one below"))
    return out


def check_login(config: Config, name: str) -> list[Note]:
    """Log in once with the stored secret and check each of the account's targets online,
    with the same findings as `crosspost check --online` (nothing is posted)."""
    from crosspost.delivery.checkup import check_targets, queued_targets

    _account(config, name)
    targets = [t for t, tgt in config.targets.items() if tgt.account == name]
    if not targets:
        return [Note(f"{name}: no target uses this account", "warn",
                     "add a [targets.NAME] with account = \"" + name + "\" to the config")]
    tones = {"ok": "ok", "note": "ok", "warn": "warn", "fail": "bad"}
    findings = check_targets(config, targets, queued_before=queued_targets(config))
    login_failed = any(f.message.startswith(f"account {name}:") for f in findings)
    head = [] if login_failed else [Note(f"{name}: login ok")]
    return head + [Note(f"{f.target}: {f.message}", tones[f.level], f.fix) for f in findings]


def store_secret(config: Config, name: str, value: str) -> list[Note]:
    from crosspost.config import secrets

    _account(config, name)
    backend = secrets.store_secret(name, value.strip())
    return [Note(f"stored the secret for {name} in the keyring ({backend})")]


def _account(config: Config, name: str) -> Any:
    if name not in config.accounts:
        raise UserError(f"no account {name!r}", "reload the page")
    return config.accounts[name]
