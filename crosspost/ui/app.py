"""The dashboard's web app (Starlette): routes that read the registry a page at a time and
call :mod:`crosspost.ui.actions`; pages rendered on the server from Jinja2 templates.

Every request has passed :class:`crosspost.ui.security.Guard` (Host, session cookie, Origin);
every POST here also checks the session's CSRF token. After a POST the browser is sent back
to a page (post/redirect/get) that shows what happened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from crosspost.errors import CrosspostError
from crosspost.state import browse
from crosspost.ui import actions, views
from crosspost.ui.actions import Note
from crosspost.ui.security import CSRF_FIELD, Guard, Keys, same

if TYPE_CHECKING:
    from crosspost.config import Config
    from crosspost.state.registry import Registry

HERE = Path(__file__).parent
PAGE_SIZE = 50


@dataclass
class Dashboard:
    """What the routes share: the config, one registry connection, the session's keys,
    whether a watcher runs in this process, and the notes to show on the next page."""

    config: Config
    registry: Registry
    root: Path
    keys: Keys
    daemon: bool = False
    #: the watcher's rescan interval (watch --ui): a release moved to now goes out by then
    rescan: float | None = None
    notes: list[Note] = field(default_factory=list)
    report: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def tz(self) -> Any:
        from crosspost.story.when import zone_for

        return zone_for(self.config.settings.timezone)

    def take_notes(self) -> tuple[list[Note], str]:
        with self.lock:
            notes, report = self.notes, self.report
            self.notes, self.report = [], ""
        return notes, report

    def tell(self, notes: list[Note], report: str = "") -> None:
        with self.lock:
            self.notes.extend(notes)
            self.report = report or self.report


def build_app(dash: Dashboard, port: int) -> Any:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    tz = dash.tz()
    env.filters["local"] = lambda dt, fmt="%Y-%m-%d %H:%M": (
        dt.astimezone(tz).strftime(fmt) if dt is not None else "")
    env.filters["first_line"] = views.first_line
    env.filters["web_url"] = views.web_url
    env.globals.update(state_of=views.state_of, MOVABLE=views.MOVABLE,
                       RETRYABLE=views.RETRYABLE, zone=str(tz))

    def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        notes, report = dash.take_notes()
        return templates.TemplateResponse(request, template, {
            "csrf": dash.keys.csrf, "notes": notes, "report": report,
            "daemon": dash.daemon, "mark": browse.change_mark(dash.registry), **context},
            headers={"cache-control": "no-store"})

    async def form_of(request: Request) -> Any:
        form = await request.form()
        if not same(str(form.get(CSRF_FIELD) or request.headers.get("x-csrf-token") or ""),
                    dash.keys.csrf):
            return None
        return form

    def back(request: Request, default: str) -> RedirectResponse:
        target = request.headers.get("referer", "")
        # only our own pages: never redirect elsewhere
        prefix = f"http://{request.headers.get('host', '')}/"
        return RedirectResponse(target if target.startswith(prefix) else default, 303)

    def run(fn: Any, *args: Any, **kw: Any) -> list[Note]:
        try:
            return list(fn(*args, **kw))
        except CrosspostError as exc:
            return [actions.from_error(exc)]
        except OSError as exc:  # a file moved or a folder not writable meanwhile
            return [Note(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), "bad",
                         "check the stories folder and its permissions, then try again")]

    refused = PlainTextResponse("refused: wrong CSRF token; reload the page and try again",
                                403)

    # -- pages -----------------------------------------------------------------------------
    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/stories", 303)

    def stories(request: Request) -> HTMLResponse:
        q = request.query_params.get("q", "")
        try:
            number = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            number = 1
        got = browse.story_page(dash.registry, search=q, offset=(number - 1) * PAGE_SIZE,
                                limit=PAGE_SIZE)
        rows = browse.deliveries_of(dash.registry, [s.identity for s in got.rows])
        items = [(s, views.newest_per_target(rows.get(s.identity, []))) for s in got.rows]
        nav = {"prev": urlencode({"q": q, "page": number - 1}) if number > 1 else "",
               "next": urlencode({"q": q, "page": number + 1}) if got.more else ""}
        return page(request, "stories.html", items=items, q=q, number=number, nav=nav,
                    title="Stories")

    def story(request: Request) -> HTMLResponse:
        identity = request.query_params.get("id", "")
        row = dash.registry.story(identity)
        rows = dash.registry.deliveries(identity)
        if row is None and not rows:
            return page(request, "missing.html", what=identity, title="Not found")
        return page(request, "story.html", story=row, identity=identity, rows=rows,
                    history=dash.registry.history(identity),
                    files=browse.files_of(dash.registry, identity),
                    title=row.title if row and row.title else identity)

    def calendar_page(request: Request) -> HTMLResponse:
        today = datetime.now(tz).date()
        if "week" in request.query_params:
            span = views.week_span(views.parse_day(request.query_params["week"], today), tz,
                                   today)
        else:
            year, month = views.parse_month(request.query_params.get("month"), today)
            span = views.month_span(year, month, tz, today)
        rows = browse.releases_between(dash.registry, span.start.astimezone(UTC),
                                       span.end.astimezone(UTC))
        views.place(span, rows, tz)
        titles = {r.identity: _title(dash.registry, r.identity) for r in rows}
        return page(request, "calendar.html", span=span, rows=rows, titles=titles,
                    title="Calendar")

    def preview(request: Request) -> HTMLResponse:
        from crosspost.render.preview import describe_options
        from crosspost.render.preview_html import preview_page
        from crosspost.story.parse import parse_file
        from crosspost.workflows.preview import previews

        choices = _story_files(dash)
        name = request.query_params.get("file", "")
        target = request.query_params.get("target", "")
        doc, error = "", None
        if name and target:
            path = next((p for label, p in choices if label == name), None)
            try:
                if path is None:
                    raise CrosspostError(f"{name} is not a story file crosspost can see",
                                         "pick a file from the list")
                if target not in dash.config.targets:
                    raise CrosspostError(f"no target {target!r}", "pick a target from the list")
                story_ = parse_file(path, max_bytes=dash.config.settings.max_file_bytes)
                items = previews(dash.config, story_, target)  # a long story: its parts
                doc = preview_page(story_.title or path.name, name, items,
                                   {label: describe_options(item.post.options)
                                    for label, item in items})
            except CrosspostError as exc:
                error = actions.from_error(exc)
        return page(request, "preview.html", choices=[c for c, _ in choices],
                    targets=list(dash.config.targets), name=name, target=target, doc=doc,
                    error=error, title="Preview")

    def add_page(request: Request) -> HTMLResponse:
        return page(request, "add.html", failed=actions.failed_files(dash.config, dash.root),
                    folder=str(dash.root), title="Add a story")

    def accounts_page(request: Request) -> HTMLResponse:
        return page(request, "accounts.html", accounts=actions.accounts(dash.config),
                    targets=dash.config.targets, title="Accounts")

    def live(request: Request) -> JSONResponse:
        return JSONResponse({"mark": browse.change_mark(dash.registry)},
                            headers={"cache-control": "no-store"})

    # -- changes ---------------------------------------------------------------------------
    async def delivery_action(request: Request) -> Any:
        form = await form_of(request)
        if form is None:
            return refused
        delivery_id = int(request.path_params["id"])
        what = request.path_params["what"]
        cfg, reg = dash.config, dash.registry
        if what == "reschedule":
            notes = await run_in_threadpool(run, actions.reschedule, cfg, reg, delivery_id,
                                            str(form.get("when", "")), daemon=dash.daemon,
                                            rescan=dash.rescan)
        elif what == "now":
            notes = await run_in_threadpool(run, actions.post_now, cfg, reg, delivery_id,
                                            daemon=dash.daemon, rescan=dash.rescan)
        elif what == "cancel":
            notes = await run_in_threadpool(run, actions.cancel, reg, delivery_id)
        elif what == "retry":
            notes = await run_in_threadpool(run, actions.retry, cfg, reg, delivery_id)
        else:
            return PlainTextResponse("no such action", 404)
        dash.tell(notes)
        return back(request, "/calendar")

    async def add(request: Request) -> Any:
        form = await form_of(request)
        if form is None:
            return refused
        upload = form.get("story")
        if upload is None or isinstance(upload, str) or not upload.filename:
            dash.tell([Note("no file was chosen", "bad", "pick a story file, then Add")])
            return RedirectResponse("/add", 303)
        data = await upload.read()
        try:
            added = await run_in_threadpool(actions.add_story, dash.config, dash.root,
                                            upload.filename, data)
        except CrosspostError as exc:
            dash.tell([actions.from_error(exc)])
            return RedirectResponse("/add", 303)
        except OSError as exc:
            dash.tell([Note(f"{upload.filename} was not added: {exc.strerror or exc}", "bad",
                            "check the stories folder and its permissions")])
            return RedirectResponse("/add", 303)
        if added.path is None:
            dash.tell([Note(f"{upload.filename} was not added: it cannot be posted as it is",
                            "bad", "fix it as the report says, then add it again")],
                      added.report)
        else:
            later = [] if dash.daemon else [Note(
                "the watcher takes it from the folder (start `crosspost watch`, or "
                "`crosspost watch --ui`, if none is running)", "ok")]
            dash.tell([*added.notes, *later])
        return RedirectResponse("/add", 303)

    async def again(request: Request) -> Any:
        form = await form_of(request)
        if form is None:
            return refused
        dash.tell(run(actions.try_again, dash.config, dash.root, str(form.get("name", ""))))
        return RedirectResponse("/add", 303)

    async def account_action(request: Request) -> Any:
        form = await form_of(request)
        if form is None:
            return refused
        name = request.path_params["name"]
        if request.path_params["what"] == "secret":
            notes = await run_in_threadpool(run, actions.store_secret, dash.config, name,
                                            str(form.get("secret", "")))
        else:
            notes = await run_in_threadpool(run, actions.check_login, dash.config, name)
        dash.tell(notes)
        return RedirectResponse("/accounts", 303)

    routes = [
        Route("/", home), Route("/stories", stories), Route("/story", story),
        Route("/calendar", calendar_page), Route("/preview", preview),
        Route("/add", add_page), Route("/add", add, methods=["POST"]),
        Route("/failed/again", again, methods=["POST"]),
        Route("/accounts", accounts_page),
        Route("/accounts/{name}/{what:str}", account_action, methods=["POST"]),
        Route("/delivery/{id:int}/{what:str}", delivery_action, methods=["POST"]),
        Route("/live", live),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    return Guard(app, dash.keys, port)


def _title(registry: Registry, identity: str) -> str:
    row = registry.story(identity)
    return row.title if row is not None and row.title else identity


def _story_files(dash: Dashboard) -> list[tuple[str, Path]]:
    """Story files in the folder, ``posted/`` and ``failed/``: (label, path)."""
    from crosspost.daemon import files

    out: list[tuple[str, Path]] = []
    settings = dash.config.settings
    for sub in ("", settings.posted_dir or "", settings.failed_dir):
        folder = dash.root / sub if sub else dash.root
        if not folder.is_dir() or (sub and folder == dash.root):
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and files.ignore_reason(path.name) is None \
                    and not files.is_document(path.name):
                out.append((f"{sub}/{path.name}" if sub else path.name, path))
    return out
