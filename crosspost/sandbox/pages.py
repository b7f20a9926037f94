"""HTML pages: an entry at ``/<journal>/<ditemid>.html``, a journal or community page
(entries above their cuts, "Read more" links), its tag pages at ``/<journal>/tag/<tag>``, the
site index — laid out as Dreamwidth lays them out, never showing protocol props.

The event is shown as stored (the sandbox is local and trusts its writer); everything else is
escaped.
"""

from __future__ import annotations

import re
from html import escape, unescape
from urllib.parse import quote

from . import cuts
from .world import Entry, World

_STYLE = ("body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;"
          "line-height:1.5;color:#222}header,footer,.meta{font-family:sans-serif;"
          "font-size:.9em;color:#555}.tags{font-family:sans-serif;font-size:.9em}"
          ".sec{color:#a33}a{color:#2a5db0}article.entry{border-bottom:1px solid #ddd;"
          "padding-bottom:1em;margin-bottom:1.5em}h2.subject{margin-bottom:.2em}"
          ".cut-marker{font-family:sans-serif;font-size:.8em;color:#777;border-top:1px dashed "
          "#aaa;margin:1em 0;padding-top:.2em}.cut-end{border-top:none;border-bottom:1px dashed "
          "#aaa;padding:0 0 .2em}")


def _subject(subject: str) -> str:
    """A subject as the sites show it: it is HTML there (``&lt;`` reads as ``<``); here its
    tags are shown as text rather than run."""
    return escape(unescape(subject))


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>\n").encode()


def tag_url(journal: str, tag: str) -> str:
    """DW: a journal's entries with one tag are at ``/<journal>/tag/<tag>``."""
    return f"/{quote(journal)}/tag/{quote(tag, safe='')}"


def _entry_url(entry: Entry) -> str:
    return f"/{quote(entry.journal)}/{entry.ditemid}.html"


def _tags(entry: Entry) -> str:
    if not entry.tags:
        return ""
    links = ", ".join(f'<a class="tag" rel="tag" href="{escape(tag_url(entry.journal, t))}">'
                      f"{escape(t)}</a>" for t in entry.tags)
    return f'<p class="tags">Tags: {links}</p>'


def _meta(entry: Entry) -> str:
    security = ""
    if entry.security != "public":
        label = "members only" if entry.security == "usemask" else entry.security
        security = f' <span class="sec">[{escape(label)}]</span>'
    return f"{escape(entry.eventtime)} · posted by {escape(entry.poster)}{security}"


def entry_page(entry: Entry, journal_title: str, dialect: str = "dw") -> bytes:
    """The entry in full; where each cut is, an anchor (``#cutid1``) and a marker. No
    protocol props: the sites never show them."""
    subject = entry.subject or "(no subject)"
    body = (f'<header><a href="/{quote(entry.journal)}/">{escape(journal_title)}</a> · '
            f"{_meta(entry)}</header>"
            f'<article class="entry" data-itemid="{entry.itemid}" data-anum="{entry.anum}">'
            f'<h1 class="subject">{_subject(subject)}</h1>'
            f'<div class="entry-content">\n{cuts.whole(entry.event, dialect)}\n</div>'
            f"{_tags(entry)}</article>")
    return _page(unescape(subject), body)


def _summary(entry: Entry, dialect: str) -> str:
    """An entry as a journal page shows it: the text above the cut, a link in its place."""
    url = _entry_url(entry)
    text, _ = cuts.above_cut(entry.event, url, dialect)
    return (f'<article class="entry"><h2 class="subject"><a href="{escape(url)}">'
            f'{_subject(entry.subject or "(no subject)")}</a></h2>'
            f'<p class="meta">{_meta(entry)}</p>'
            f'<div class="entry-content">\n{text}\n</div>{_tags(entry)}'
            f'<p class="meta"><a href="{escape(url)}">Link</a></p></article>')


def journal_page(world: World, name: str, dialect: str = "dw", tag: str | None = None
                 ) -> bytes | None:
    """A journal's or community's recent entries (only those with ``tag`` when given),
    newest first, each shown above its cut."""
    acct = world.get(name)
    if acct is None:
        return None
    items = sorted(world.list_entries(acct.name), key=lambda e: e.itemid, reverse=True)
    if tag is not None:
        items = [e for e in items if tag.casefold() in (t.casefold() for t in e.tags)]
    kind = "community" if acct.is_community else "journal"
    where = (f' · entries tagged <b class="tag">{escape(tag)}</b> '
             f'(<a href="/{quote(acct.name)}/">all entries</a>)' if tag is not None else "")
    entries = "".join(_summary(e, dialect) for e in items) or "<p>No entries.</p>"
    count = f"{len(items)} entr{'y' if len(items) == 1 else 'ies'}"
    body = (f'<header><a href="/">sandbox</a></header><h1>{escape(acct.fullname)}</h1>'
            f"<p>{kind} <b>{escape(acct.name)}</b> · {count}{where}</p>{entries}")
    return _page(acct.fullname, body)


def site_page(world: World) -> bytes:
    with world.lock:
        accts = sorted(world.accounts.values(), key=lambda a: (a.kind, a.name))
    rows = "".join(f'<li><a href="{a.name}/">{escape(a.name)}</a> '
                   f'({"community" if a.is_community else "user"})</li>' for a in accts)
    return _page("crosspost sandbox", f"<h1>crosspost sandbox</h1><ul>{rows}</ul>")


def find_entry(world: World, journal: str, ditemid_html: str) -> Entry | None:
    match = re.fullmatch(r"(\d+)\.html", ditemid_html)
    if not match:
        return None
    ditemid = int(match[1])
    with world.lock:
        canon = world.get(journal)
        if canon is None:
            return None
        entry = world.entries.get(canon.name, {}).get(ditemid // 256)
    if entry is None or entry.anum != ditemid % 256:
        return None
    return entry


def not_found() -> bytes:
    return _page("Not found", "<h1>Not found</h1><p>There is no such entry or journal.</p>")


def too_many_requests() -> bytes:
    return _page("Too Many Requests", "<h1>Too Many Requests</h1><p>You are making requests "
                 "too quickly. Please slow down and try again in a minute.</p>")


def server_error(code: int) -> bytes:
    return _page(f"Error {code}", f"<h1>Error {code}</h1><p>The sandbox was told to fail.</p>")
