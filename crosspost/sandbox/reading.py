"""Read modes (reference §6.2-§6.4): getevents, getusertags, syncitems, getdaycounts."""

from __future__ import annotations

import re
import time
from collections import Counter
from typing import Any

from .codes import ProtocolError
from .context import Call, fmt_time
from .textutil import perl_num, text
from .world import Account, Entry

_LINEENDINGS = {"pc": "\r\n", "unix": "\n", "mac": "\r", "space": " ", "dots": " ... "}


def can_see(call: Call, viewer: Account, journal: Account, entry: Entry) -> bool:
    """Owner/admins see everything; others public entries and masks that include them."""
    if call.world.can_manage(viewer, journal):
        return True
    if entry.security == "public":
        return True
    if entry.security == "usemask" and entry.allowmask & 1:
        return journal.is_community and viewer.name in journal.members
    return False


def _visible(call: Call, viewer: Account, journal: Account) -> list[Entry]:
    return [e for e in call.world.list_entries(journal.name) if can_see(call, viewer, journal, e)]


def _render(call: Call, entry: Entry, journal: Account, req: dict[str, Any],
            selecttype: str) -> dict[str, Any]:
    out: dict[str, Any] = {"itemid": entry.itemid, "anum": entry.anum,
                           "eventtime": entry.eventtime, "logtime": entry.logtime,
                           "url": call.site.entry_url(entry)}
    if entry.security != "public":
        out["security"] = entry.security
        if entry.security == "usemask":
            out["allowmask"] = entry.allowmask
    if entry.poster != journal.name:
        out["poster"] = entry.poster
    event = entry.event
    if perl_num(req.get("ver")) < 1 and not (event + entry.subject).isascii():
        if selecttype != "day":
            raise ProtocolError(207, "Cannot display/edit a Unicode post with a non-Unicode "
                                     "client. Please see "
                                     "http://www.livejournal.com/download/ to get a "
                                     "Unicode-capable client.")
        event = "(cannot be shown)"
    if entry.subject:
        out["subject"] = entry.subject
    if text(req.get("prefersubject")) == "1" and entry.subject:
        event = entry.subject
        del out["subject"]
    trunc = perl_num(req.get("truncate"))
    if trunc >= 4 and len(event) > trunc:
        event = event[: trunc - 3] + "..."
    ending = _LINEENDINGS.get(text(req.get("lineendings")) or "pc", "\r\n")
    out["event"] = event.replace("\n", ending)
    if text(req.get("noprops")) != "1":
        props: dict[str, Any] = {k: v.replace("\r", " ").replace("\n", " ")
                                 for k, v in entry.props.items()
                                 if k not in ("xpost", "xpostdetail")}
        if entry.tags and text(req.get("notags")) != "1":
            props["taglist"] = ", ".join(entry.tags)
        if entry.revnum:
            props["revnum"] = entry.revnum
            props["revtime"] = int(entry.mtime)
        out["props"] = props
    return out


def _parse_time(value: str, detail: str) -> str:
    if not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", value):
        raise ProtocolError(203, detail)
    return value


def _lastn(entries: list[Entry], community: bool, before: str = "") -> list[Entry]:
    """Newest first (log time in communities, event time elsewhere); same-second entries in
    itemid order (§14)."""
    def when(e: Entry) -> str:
        return e.logtime if community else e.eventtime
    picked = sorted((e for e in entries if not before or when(e) < before),
                    key=lambda e: e.itemid)
    picked.sort(key=when, reverse=True)
    return picked


def getevents(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    journal = call.altusage(user, req)
    if journal.status in ("D", "S", "X"):
        raise ProtocolError(307)
    selecttype = text(req.get("selecttype"))
    visible = _visible(call, user, journal)
    if selecttype == "one" and text(req.get("itemid")) == "-1":
        picked = _lastn(visible, journal.is_community)[:1]  # DW: lastn with howmany=1
    elif selecttype == "one":
        itemid = perl_num(req.get("itemid"))
        picked = [e for e in visible if e.itemid == itemid]
    elif selecttype == "lastn":
        howmany = min(perl_num(req.get("howmany")) or 20, 50)
        before = ""
        if req.get("beforedate") not in (None, ""):
            before = _parse_time(text(req.get("beforedate")), "Invalid beforedate format.")
        picked = _lastn(visible, journal.is_community, before)[:max(howmany, 0)]
    elif selecttype == "day":
        year, month, day = (text(req.get(k)) for k in ("year", "month", "day"))
        if not (re.fullmatch(r"\d{4}", year) and re.fullmatch(r"\d\d?", month)
                and re.fullmatch(r"\d\d?", day) and 1 <= int(month) <= 12
                and 1 <= int(day) <= 31):
            raise ProtocolError(203)
        prefix = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
        picked = sorted((e for e in visible if e.eventtime.startswith(prefix)),
                        key=lambda e: (e.logtime if journal.is_community else e.eventtime,
                                       e.itemid))[:200]
    elif selecttype == "syncitems":
        picked = _sync_select(call, user, text(req.get("lastsync")), visible)
    elif selecttype == "multiple":
        ids = [i for i in re.split(r"\s*,\s*", text(req.get("itemids"))) if i != ""]
        if any(not i.isdigit() for i in ids):
            raise ProtocolError(203, "Non-numeric itemid")
        if len(ids) > 100:
            raise ProtocolError(209, "Can't retrieve more than 100 entries at once")
        wanted = {int(i) for i in ids}
        picked = [e for e in visible if e.itemid in wanted]
    else:
        raise ProtocolError(200, "Invalid selecttype." if call.dialect == "dw"
                            else "Bad selecttype value")
    return {"events": [_render(call, e, journal, req, selecttype) for e in picked]}


def _sync_select(call: Call, user: Account, lastsync: str,
                 visible: list[Entry]) -> list[Entry]:
    if not re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", lastsync or "0000-00-00 00:00:00"):
        raise ProtocolError(203, "Invalid syncitems date format")
    if lastsync:
        # DW: the same lastsync asked 3 times within an hour by one user → 406
        now = time.time()
        key = (user.name, lastsync)
        with call.site.lock:
            seen = [t for t in call.site.sync_requests.get(key, []) if now - t < 3600]
            if len(seen) + 1 >= call.site.opts.sync_repeat_limit:
                raise ProtocolError(406)
            seen.append(now)
            call.site.sync_requests[key] = seen
    changed = [e for e in visible if not lastsync or fmt_time(e.mtime) > lastsync]
    return sorted(changed, key=lambda e: (e.mtime, e.itemid))[:100]


def syncitems(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    journal = call.altusage(user, req)
    lastsync = text(req.get("lastsync"))
    if lastsync:
        _parse_time(lastsync, "Invalid date format")
    items = sorted((e for e in call.world.list_entries(journal.name)
                    if not lastsync or fmt_time(e.mtime) > lastsync),
                   key=lambda e: (e.mtime, e.itemid))
    out = [{"item": f"L-{e.itemid}", "action": "update" if e.revnum else "create",
            "time": fmt_time(e.mtime)} for e in items[:500]]
    return {"syncitems": out, "count": len(out), "total": len(items)}


def getusertags(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    journal = call.altusage(user, req)
    manager = call.world.can_manage(user, journal)
    member = call.world.is_member(user, journal)
    friends_key = "protected" if call.dialect == "dw" else "friends"
    out = []
    for name, use in sorted(call.world.tag_usage(journal.name).items()):
        if use["public"]:
            level = "public"
        elif use["protected"]:
            level = friends_key
        elif use["group"]:
            level = "group"
        else:
            level = "private"  # zero uses, or only private entries (§5)
        visible = manager or level == "public" or (level == friends_key and member)
        if not visible:
            continue
        out.append({"name": name, "display": 1,
                    "uses": use["public"] + use["protected"] + use["group"] + use["private"],
                    "security_level": level,
                    "security": {"public": use["public"], "private": use["private"],
                                 friends_key: use["protected"], "groups": {}}})
    return {"tags": out}


def getdaycounts(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    journal = call.altusage(user, req)
    counts = Counter(e.eventtime[:10] for e in _visible(call, user, journal))
    return {"daycounts": [{"date": d, "count": n} for d, n in sorted(counts.items())]}
