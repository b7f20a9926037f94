"""HTML pages: an entry at ``/<journal>/<ditemid>.html``, a journal index, the site index.

The event is shown as stored (the sandbox is local and trusts its writer); everything else is
escaped.
"""

from __future__ import annotations

import re
from html import escape, unescape

from .world import Entry, World

_STYLE = ("body{font-family:Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em;"
          "line-height:1.5;color:#222}header,footer{font-family:sans-serif;font-size:.9em;"
          "color:#555}.tags{font-family:sans-serif;font-size:.9em}.sec{color:#a33}"
          "a{color:#2a5db0}")


def _subject(subject: str) -> str:
    """A subject as the sites show it: it is HTML there (``&lt;`` reads as ``<``); here its
    tags are shown as text rather than run."""
    return escape(unescape(subject))


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body>{body}</body></html>\n").encode()


def entry_page(entry: Entry, journal_title: str) -> bytes:
    subject = entry.subject or "(no subject)"
    tags = ""
    if entry.tags:
        links = ", ".join(f'<span class="tag">{escape(t)}</span>' for t in entry.tags)
        tags = f'<p class="tags">Tags: {links}</p>'
    security = ""
    if entry.security != "public":
        label = "members only" if entry.security == "usemask" else entry.security
        security = f' <span class="sec">[{escape(label)}]</span>'
    props = "".join(f"<li>{escape(k)}: {escape(v)}</li>" for k, v in sorted(entry.props.items()))
    body = (f'<header><a href="../">{escape(journal_title)}</a> · posted by '
            f"{escape(entry.poster)} · {escape(entry.eventtime)}{security}</header>"
            f'<article class="entry" data-itemid="{entry.itemid}" data-anum="{entry.anum}">'
            f'<h1 class="subject">{_subject(subject)}</h1>{tags}'
            f'<div class="entry-content">\n{entry.event}\n</div></article>'
            f"<footer><ul>{props}</ul></footer>")
    return _page(unescape(subject), body)


def journal_page(world: World, name: str) -> bytes | None:
    acct = world.get(name)
    if acct is None:
        return None
    items = sorted(world.list_entries(acct.name), key=lambda e: e.itemid, reverse=True)
    rows = "".join(f'<li><a href="{e.ditemid}.html">{_subject(e.subject or "(no subject)")}</a>'
                   f" · {escape(e.eventtime)} · {escape(e.poster)}</li>" for e in items)
    kind = "community" if acct.is_community else "journal"
    body = (f'<header><a href="../">sandbox</a></header><h1>{escape(acct.fullname)}</h1>'
            f"<p>{kind} <b>{escape(acct.name)}</b> · {len(items)} entries</p><ul>{rows}</ul>")
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
