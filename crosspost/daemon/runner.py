"""``crosspost watch``: the daemon's main loop.

Threads: watchdog's observer and APScheduler's scheduler only put messages (a
:class:`~crosspost.daemon.watcher.FileEvent` or a :class:`~crosspost.daemon.scheduler.Wake`)
into one queue; every decision and every post happens in the thread that called
:func:`run_daemon`, one at a time.

Start-up: take the one-daemon lock, reconcile deliveries left uncertain by a crash, release
what came due while the daemon was down (within ``settings.grace_minutes``; later ones are
held and reported), retry what waits, then start the watcher *before* the first scan so no
file slips between the two. Unchanged files are recognised from the registry without being
read.

Stopping: SIGTERM, SIGHUP or Ctrl-C (those the system has, see :mod:`.stopping`) lets the
post in flight finish, then exits with 0; one asked for while the daemon starts ends it
before anything begins, with 0 too. A story that takes long to parse never holds the loop
up (:mod:`.reading`). A second Ctrl-C abandons the post in flight: its intent is in the
registry, and the next start asks the site what happened before sending anything again.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crosspost.daemon import files, rules, stopping
from crosspost.daemon.folder import FolderState
from crosspost.daemon.intake import Intake
from crosspost.daemon.reading import Reader
from crosspost.daemon.refresh import refresh_due, withdraw
from crosspost.daemon.scheduler import Clock, Wake, wake_ups
from crosspost.daemon.warmup import Warmup
from crosspost.daemon.watcher import FileEvent, FolderWatcher
from crosspost.errors import CrosspostError, UserError
from crosspost.logs import get_logger
from crosspost.story.when import describe, zone_for

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Registry

log = get_logger("daemon")

#: how long a file must keep the same size and mtime when no close event can be expected
DEFAULT_SETTLE = 2.0
#: the safety-net rescan (and re-read of schedules changed by other processes)
DEFAULT_RESCAN = 30.0
#: how long `watch --once` waits (beyond the settle time) for files still changing
ONCE_PATIENCE = 30.0
#: longest in-line wait before a retry or a second look at an uncertain post; longer ones
#: are parked and the clock comes back, so one slow target never delays another's release
INLINE_WAIT = 3.0


def run_daemon(config: Config, *, folder: Path | None = None,
               rescan_seconds: float = DEFAULT_RESCAN, settle_seconds: float = DEFAULT_SETTLE,
               once: bool = False, stop: threading.Event | None = None,
               once_patience: float = ONCE_PATIENCE) -> int:
    """Watch the stories folder until stopped; returns the exit code (0 on a clean stop,
    130 when a second interrupt abandoned the post in flight). ``once``: handle what is
    there and what is due, then return (not waiting for empty files, nor longer than
    ``once_patience`` seconds beyond the settle time for files still being written)."""
    root = files.stories_dir(config.settings.stories_dir, folder)
    if folder is not None and not root.exists():
        # a typo in --dir must not create a folder and watch it forever
        raise UserError(f"no folder {root}",
                        "check the path given to --dir (create the folder first if it is new)")
    daemon = Daemon(config, root, rescan_seconds=rescan_seconds, settle_seconds=settle_seconds,
                    stop=stop)
    daemon.once_patience = once_patience
    try:
        return daemon.run(once=once)
    except KeyboardInterrupt:
        log.warning("stopped; the post in flight was abandoned and will be checked with the "
                    "site at the next start")
        return 130


class Daemon:
    """One run of the watcher (see the module docstring)."""

    def __init__(self, config: Config, root: Path, *, rescan_seconds: float,
                 settle_seconds: float, stop: threading.Event | None = None) -> None:
        self.config = config
        self.root = root
        self.rescan_seconds = max(0.2, rescan_seconds)
        self.settle = max(0.0, settle_seconds)
        self.stop = stop or threading.Event()
        self.tz: tzinfo = zone_for(config.settings.timezone)
        self.inbox: queue.Queue[FileEvent | Wake | str] = queue.Queue()
        self.watcher = FolderWatcher(root, self.inbox.put)
        self.folder = FolderState(root, settle=self.settle,
                                  close_events=lambda: self.watcher.close_events)
        self.clock = Clock(self.inbox.put, rescan_seconds=self.rescan_seconds)
        self.registry: Registry | None = None
        self.publisher: Any = None
        self.intake: Intake | None = None
        self._interrupts = 0
        self.once_patience = ONCE_PATIENCE
        #: something was delivered since the derived entries were last brought up to date
        self._dirty = True

    # -- lifecycle -------------------------------------------------------------------------
    def run(self, *, once: bool = False) -> int:
        from crosspost.state.registry import Registry
        from crosspost.workflows.publishing import make_publisher

        created = not self.root.exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the stories folder {self.root}: {exc.strerror}",
                            "create it yourself, or point settings.stories_dir elsewhere"
                            ) from None
        registry = Registry.for_config(self.config)
        try:
            lock = registry.acquire_daemon_lock()
        except BaseException:
            registry.close()
            raise
        self.registry = registry
        warmup: Warmup | None = None
        restore = self._install_signals()
        try:
            self.publisher = make_publisher(self.config, registry,
                                            max_wait=None if once else INLINE_WAIT)
            reader = Reader(lambda path: self.inbox.put(FileEvent("closed", path)),
                            stopping=self.stop.is_set)
            self.intake = Intake(self.config, registry, self.publisher, self.root, self.tz,
                                 young_seconds=rules.young_seconds(self.settle), reader=reader)
            log.info("watching %s (time zone %s; rescan every %gs)", self.root, self.tz,
                     self.rescan_seconds, extra={"event": "start"})
            if created:
                log.info("created the stories folder %s (settings.stories_dir did not exist "
                         "yet): drop story files into it", self.root, extra={"event": "start"})
            if self.stop.is_set():  # asked to stop while starting: nothing begun, exit 0
                log.info("stopped before the first scan", extra={"event": "stop"})
                return 0
            self._guard(self._startup)
            if not once:
                self.watcher.start()
                self.clock.start()
            self._guard(self._scan, startup=True)
            self._guard(self._sync_clock)
            if not once and not self.stop.is_set():
                # load what the first post needs while idle (no request is made)
                warmup = Warmup(self.config, self.publisher.pool, self.stop).start()
            self._loop(once)
            log.info("stopped", extra={"event": "stop"})
            return 0
        finally:
            restore()
            self.clock.shutdown()
            self.watcher.stop()
            if warmup is not None:
                warmup.join()
            if self.publisher is not None:
                self.publisher.close()
            lock.release()
            registry.close()

    def _install_signals(self) -> Any:
        # SIGHUP too (where it exists): a closed terminal stops the watcher the same way
        def handler(signum: int) -> None:
            self._interrupts += 1
            if self._interrupts > 1 and signum == signal.SIGINT:
                raise KeyboardInterrupt
            if self._interrupts == 1:
                log.info("stopping (finishing what is in flight; Ctrl-C again to abandon it)")
            self.stop.set()
            self.inbox.put("stop")

        return stopping.install(handler)

    def _guard(self, fn: Any, *args: Any, **kw: Any) -> None:
        """Run one step; a crosspost error is logged and the daemon carries on. Anything else
        is a bug: logged with its traceback at debug level, briefly otherwise."""
        try:
            fn(*args, **kw)
        except KeyboardInterrupt:
            raise
        except CrosspostError as exc:
            log.error("%s", exc.render())
        except Exception as exc:
            log.error("internal error (%s: %s); carrying on — please report it with the "
                      "`-v` log", type(exc).__name__, exc)
            log.debug("internal error details", exc_info=True)

    # -- start-up and wake-ups -------------------------------------------------------------
    def _startup(self) -> None:
        assert self.intake is not None and self.registry is not None
        self._withdrawn_while_down()
        for outcome in self.publisher.reconcile():
            self.intake.log_outcome(outcome, outcome.identity)
        self._release()
        self._retry()

    def _withdrawn_while_down(self) -> None:
        """Waiting files taken out of the folder while the daemon was down are withdrawn;
        one merely renamed (the same size and time under a new name) is not."""
        assert self.registry is not None
        missing = [Path(n) for n, _ in self.registry.waiting_files()
                   if Path(n).parent == self.root and not Path(n).exists()]
        if not missing:
            return
        present = {(st.st_size, st.st_mtime_ns) for _, st in files.scan_names(self.root)}
        for path in missing:
            row = self.registry.file_seen(path)
            if row is None or (row.size, row.mtime_ns) not in present:
                withdraw(self.registry, path)
            self.registry.forget_file(path)

    def _release(self) -> None:
        assert self.registry is not None
        nxt = self.registry.next_release()
        if nxt is None or nxt > datetime.now(UTC):
            return
        refresh_due(self.config, self.registry, self.publisher, datetime.now(UTC), self.root)
        self._after(self.publisher.release_due(datetime.now(UTC)))

    def _retry(self) -> None:
        assert self.registry is not None
        if not self.registry.retries_due(datetime.now(UTC)):
            return
        self._after(self.publisher.retry_due(datetime.now(UTC)))

    def _sync_derived(self) -> None:
        """After a batch (the files taken, the releases and retries done): bring the prompt
        tables' posts and the masterlists up to date, one edit each for the whole batch."""
        from crosspost.workflows.sync import sync_derived

        if not self._dirty:
            return
        assert self.intake is not None and self.registry is not None
        self._dirty = False
        pool = self.publisher.pool if self.publisher is not None else None
        for label, outcome in sync_derived(self.config, self.registry, pool):
            if outcome.action != "skipped":
                self.intake.log_outcome(outcome, label)

    def _after(self, outcomes: list[Any]) -> None:
        """Log what releases/retries did and move the files of stories now done."""
        assert self.intake is not None and self.registry is not None
        self._dirty = self._dirty or bool(outcomes)
        for identity in dict.fromkeys(o.identity for o in outcomes):
            row = self.registry.story(identity)
            title = row.title if row and row.title else identity
            for o in outcomes:
                if o.identity == identity:
                    self.intake.log_outcome(o, title)
            if row is None or not row.path:
                continue
            path = Path(row.path)
            if path.parent != self.root or not path.exists():
                continue
            # publish the file again rather than judge it by its rows alone: a target with
            # no row yet (never tried before a crash, or added to the config) still gets it
            taken = self.intake.take(path, again=True)
            self.folder.note(path, taken is None or taken.moved_to is None)

    def _sync_clock(self) -> None:
        """Date jobs = the registry's scheduled releases, pending retries, and uncertain
        attempts to look up again (when a request still on its way can no longer arrive)."""
        assert self.registry is not None
        self.clock.sync(wake_ups(self.registry.scheduled(),
                                 self.registry.deliveries(statuses=("retry", "uncertain"))))

    # -- the folder ------------------------------------------------------------------------
    def _scan(self, startup: bool = False) -> None:
        """One scandir pass: new or changed files become pending; nothing is read."""
        assert self.intake is not None
        folder = self.folder
        seen: set[str] = set()
        fresh = 0
        # at start-up every file is looked up: one query for all, not one per file
        remembered = self.intake.known_sigs() if startup else None
        known = folder.known
        for name, st in files.scan_names(self.root, folder.tell):
            seen.add(name)
            sig = files.FileSig(st.st_size, st.st_mtime_ns)
            if known.get(name) == sig:
                continue  # the common case: no Path made, nothing read
            path = Path(name)
            if path in folder.pending:
                continue
            try:
                if (remembered.get(name) == (sig.size, sig.mtime_ns) if remembered is not None
                        else self.intake.unchanged(path, sig)):
                    known[name] = sig
                    continue
            except CrosspostError as exc:  # one odd file must not stop the whole scan
                folder.tell(path.name, f"error: {exc.message}")
                continue
            folder.found(path, sig, st.st_mtime)
            fresh += 1
        for path in self.intake.settled_elsewhere():
            if str(path) in seen and path not in folder.pending and not self.stop.is_set():
                taken = self.intake.take(path, again=True)
                folder.note(path, taken is None or taken.moved_to is None)
        for gone in [p for p in folder.known if p not in seen]:
            del folder.known[gone]  # removed or moved away by the writer
            if self.registry is not None:
                withdraw(self.registry, Path(gone))
                self.registry.forget_file(gone)
        if startup:
            log.info("%d file(s) already known, %d to look at", len(folder.known), fresh,
                     extra={"event": "scan"})
            nxt = self.registry.next_release() if self.registry else None
            if nxt is not None:
                log.info("next release %s", describe(nxt.astimezone(self.tz),
                                                     datetime.now(self.tz)))

    def _rewatch(self) -> None:
        """The folder was deleted and made again: watch the new one."""
        if self.watcher.active and not self.watcher.healthy() and self.root.is_dir():
            self.watcher.stop()
            self.watcher.start()
            log.info("watching %s again (it was removed and created anew)", self.root)

    def _take_ready(self) -> None:
        for path, sig in self.folder.ready(self.stop.is_set):
            self._take(path, sig)

    def _take(self, path: Path, sig: files.FileSig) -> None:
        assert self.intake is not None
        taken = None
        self._dirty = True  # derived entries (prompt tables) may change
        self.folder.told.discard(path.name)  # an empty file that got its content, say
        try:
            taken = self.intake.take(path)
        except KeyboardInterrupt:
            raise
        except CrosspostError as exc:
            log.error("%s: %s", path.name, exc.render())
        except OSError as exc:
            log.error("%s: %s (the file stays where it is)", path.name, exc)
        except Exception as exc:
            log.error("internal error on %s (%s: %s); the file stays where it is — please "
                      "report it with the `-v` log", path.name, type(exc).__name__, exc)
            log.debug("internal error details", exc_info=True)
        if taken is not None and taken.look_again is not None:
            self.folder.later(path, sig, taken.look_again)
        elif taken is None or taken.moved_to is None:
            self.folder.note(path, True, sig)
        else:
            self.folder.note(path, False)
        self._guard(self._release)  # a held release the file's new Release: time freed
        self._guard(self._sync_clock)

    # -- the loop --------------------------------------------------------------------------
    def _loop(self, once: bool) -> None:
        # a one-off run does not wait for ever on a file that keeps changing
        give_up = time.monotonic() + self.settle + self.once_patience
        while not self.stop.is_set():
            self._take_ready()
            self._guard(self._sync_derived)
            if once and self.folder.only_empty_pending():
                return  # empty files wait for content that a one-off run will not see
            if once and time.monotonic() > give_up:
                for path in self.folder.still_writing():
                    log.warning("%s is still being written; left for the next run",
                                path.name, extra={"event": "still_writing",
                                                  "story": str(path)})
                return
            try:
                msg = self.inbox.get(timeout=self.folder.wait())
            except queue.Empty:
                continue
            self._handle(msg)
            while not self.stop.is_set():
                try:
                    self._handle(self.inbox.get_nowait())
                except queue.Empty:
                    break

    def _handle(self, msg: FileEvent | Wake | str) -> None:
        if isinstance(msg, FileEvent):
            self.folder.on_event(msg)
        elif isinstance(msg, Wake):
            log.debug("wake-up: %s %s", msg.kind, msg.key)
            if msg.kind == "rescan":
                self._guard(self._rewatch)
                self._guard(self._scan)
                self._guard(self._sync_clock)
            self._guard(self._release)
            self._guard(self._retry)
            if msg.kind != "rescan":
                self._guard(self._sync_clock)
