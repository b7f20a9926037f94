"""``postevent`` and ``editevent`` (reference §3, §5, §6.1), checks in DW's order (§3.2)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from .codes import ProtocolError
from .context import Call, fmt_time
from .tags import apply_tags
from .textutil import byte_len, perl_num, perl_true, text
from .validate import Limits, apply_tz, parse_html_problem, validate
from .world import Account, Entry, Queued

PARSE_ERROR = ("Your entry has invalid HTML and cannot be displayed properly. It will be hidden "
               "from readers until you fix it.")
MODQUEUE_MESSAGE = {
    "dw": "Your entry is in the moderation queue.  The community administrators will accept "
          "or reject it.",
    "lj": "Your entry has been put into the moderation queue.  It will be accepted or rejected "
          "by one of the community moderators.",
}


def _poster_state(call: Call, user: Account, journal: Account) -> None:
    """Step 5: the poster's and the journal's account state (Protocol.pm:1250-1287)."""
    if user.is_community:
        raise ProtocolError(150)
    if user.status == "S":
        raise ProtocolError(305)
    if user.status == "L":
        raise ProtocolError(308)
    if user.readonly:
        raise ProtocolError(316)
    if journal.readonly:
        raise ProtocolError(317)
    if journal.status in ("D", "S", "X"):
        raise ProtocolError(307)
    if journal.name != user.name and not user.email_validated and not call.nomod:
        raise ProtocolError(155, "You must have an authenticated email address in order to "
                                 "post to another account")


def _security(call: Call, req: dict[str, Any], user: Account,
              journal: Account) -> tuple[str, int]:
    """Step 10 of postevent: security normalisation, minsecurity raise, community rules."""
    raw = text(req.get("security"))
    security = raw if raw in ("public", "private", "usemask") else "public"
    mask = perl_num(req.get("allowmask"))
    if mask > 1 and mask % 2:
        # DW: checked on the mask whatever the security (Protocol.pm postevent)
        raise ProtocolError(203, "Invalid friends group security set")
    if security != "usemask":
        mask = 0
    asked = security  # 102/106 look at the requested security, before minsecurity
    if journal.minsecurity == "private" and security != "private":
        security, mask = "private", 0
    elif journal.minsecurity == "friends" and security == "public":
        security, mask = "usemask", 1
    if journal.is_community:
        manager = call.world.can_manage(user, journal)
        if call.dialect == "dw":
            if asked == "usemask" and mask != 1:
                raise ProtocolError(102)
            if asked == "private" and not manager:
                raise ProtocolError(106)
        elif not manager and (asked == "private" or (asked == "usemask" and mask != 1)):
            raise ProtocolError(102)
    if user.name in journal.banned:
        raise ProtocolError(151)
    return security, mask


def _backdated(call: Call, props: dict[str, str], journal: Account) -> None:
    """Step 11: opt_backdated in a community (DW 152, LJ silently dropped)."""
    if journal.is_community and props.get("opt_backdated") not in (None, "", "0"):
        if call.dialect == "dw":
            raise ProtocolError(152)
        del props["opt_backdated"]  # LJ: silently dropped for communities


def _back_in_time(call: Call, eventtime: str, props: dict[str, str], user: Account,
                  journal: Account) -> None:
    """LJ08 (old forks): an own-journal post before the newest entry needs opt_backdated."""
    enabled = call.site.opts.backdate_check
    if enabled is None:
        enabled = call.dialect == "ij"
    if not enabled or journal.name != user.name or props.get("opt_backdated") == "1":
        return
    live = call.world.list_entries(journal.name)
    latest = max((e.eventtime for e in live if e.props.get("opt_backdated") != "1"),
                 default="")
    if latest and eventtime < latest:
        raise ProtocolError(153, f"You have an entry which was posted at {latest}, but you're "
                                 "trying to post an entry before this. Please check the date "
                                 "and time of both entries. If the other entry is set in the "
                                 "future on purpose, edit that entry to use the \"Date Out of "
                                 "Order\" option. Otherwise, use the \"Date Out of Order\" "
                                 "option for this entry instead.")


def _result(call: Call, entry: Entry, message: str = "",
            warnings: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"itemid": entry.itemid, "anum": entry.anum,
                           "url": call.site.entry_url(entry)}
    if call.dialect != "dw":
        out["ditemid"] = entry.ditemid  # LJ returns it; DW does not (§3.3)
    if message:
        out["message"] = message
    if warnings:
        out["warnings"] = warnings
    return out


def postevent(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Post an entry, checks in the order of §3.2; a moderated community queues it."""
    user = call.authenticate(req)
    # a post approved from the moderation queue is known to be allowed there
    journal = call.altusage(user, req, need_access=not call.nomod)
    if call.site.readonly:
        raise ProtocolError(306)
    if not text(req.get("event")).strip(" \t\n\r\f\v"):
        raise ProtocolError(200)
    _poster_state(call, user, journal)
    limits = Limits.for_dialect(call.dialect)
    if byte_len(text(req.get("event"))) >= limits.event_bytes:
        raise ProtocolError(409)
    apply_tz(req)
    checked = validate(req, call.dialect, journal.is_community)
    assert checked.eventtime is not None
    props = {k: v for k, v in checked.props.items() if v not in ("", "0")}
    if "picture_keyword" in props and props["picture_keyword"] not in user.pickws:
        del props["picture_keyword"]  # unknown keywords are silently dropped
    if checked.tags and not call.world.can_add_tags(user, journal):
        raise ProtocolError(312)
    security, mask = _security(call, req, user, journal)
    _backdated(call, props, journal)
    _back_in_time(call, checked.eventtime, props, user, journal)

    world = call.world
    with world.lock:
        if journal.moderated and not call.nomod and _moderated_for(call, user, journal):
            return _queue(call, req, user, journal)
        sig = hashlib.md5("".join([checked.subject, checked.event, text(req.get("usejournal")),
                                   text(req.get("security")), text(req.get("allowmask"))]
                                  ).encode("utf-8", "surrogateescape")).hexdigest()
        if user.dupsig and user.dupsig[0] == sig:
            prev = world.entries.get(user.dupsig[1], {}).get(user.dupsig[2])
            if prev is not None:
                return _result(call, prev)  # duplicate: the earlier entry (§3.3)
        _post_rate(call, user)
        itemid, anum = world.new_itemid(journal)
        now = time.time()
        entry = Entry(journal=journal.name, itemid=itemid, anum=anum, poster=user.name,
                      subject=checked.subject, event=checked.event,
                      eventtime=checked.eventtime, logtime=fmt_time(now), security=security,
                      allowmask=mask, props=props, tags=[], created=now, mtime=now)
        message, warnings = "", list[str]()
        if checked.tags:
            tags, message, warnings = apply_tags(world, user, journal, checked.tags,
                                                 call.dialect, call.site.opts)
            entry.tags = tags or []
        if not message and call.dialect == "dw" and parse_html_problem(entry.event):
            message = PARSE_ERROR
        user.dupsig = [sig, journal.name, itemid, anum]
        world.store_entry(entry)
        return _result(call, entry, message, warnings)


def _moderated_for(call: Call, user: Account, journal: Account) -> bool:
    if user.name in journal.unmoderated:
        return False
    # LJ14: admins and moderators skip moderation; DW: even maintainers are queued unless
    # they are on the unmoderated list (§14)
    return call.dialect == "dw" or user.name not in journal.maintainers


def _queue(call: Call, req: dict[str, Any], user: Account, journal: Account) -> dict[str, Any]:
    world = call.world
    waiting = world.queued(journal.name)
    if len(waiting) >= call.site.opts.mod_queue_max:
        raise ProtocolError(407)
    if sum(q.poster == user.name for q in waiting) >= call.site.opts.mod_queue_per_poster:
        raise ProtocolError(408)
    size = len(repr(req).encode("utf-8", "surrogateescape"))
    if size > (600_000 if call.dialect == "dw" else 200_000):
        raise ProtocolError(409)
    clean = {k: v for k, v in req.items()
             if k not in ("password", "hpassword", "auth_response", "auth_challenge")}
    world.queue.append(Queued(modid=world.next_modid, journal=journal.name, poster=user.name,
                              request=_jsonable(clean), time=time.time()))
    world.next_modid += 1
    world.changed()
    return {"message": MODQUEUE_MESSAGE["dw" if call.dialect == "dw" else "lj"]}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _post_rate(call: Call, user: Account) -> None:
    opts = call.site.opts
    if opts.post_rate <= 0:
        return
    now = time.time()
    times = [t for t in call.site.post_times.get(user.name, []) if now - t < opts.post_rate_period]
    if len(times) >= opts.post_rate:
        raise ProtocolError(405)
    times.append(now)
    call.site.post_times[user.name] = times


def editevent(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    """Edit or delete (empty event) by itemid, in DW's editevent order (§6.1)."""
    user = call.authenticate(req)
    # posting access is not needed: ownership of the entry is checked below
    journal = call.altusage(user, req, need_access=False)
    if call.site.readonly:
        raise ProtocolError(306)
    if journal.status in ("D", "S", "X"):
        raise ProtocolError(307)
    mask = perl_num(req.get("allowmask"))
    if mask > 1 and mask % 2:
        raise ProtocolError(203, "Invalid friends group security set.")  # DW: with a period
    asked = text(req.get("security"))
    if journal.name != user.name:
        if call.dialect == "dw" and asked == "usemask" and mask != 1:
            raise ProtocolError(102)
        if asked == "private" and not call.world.can_manage(user, journal):
            raise ProtocolError(106 if call.dialect == "dw" else 102)
    if byte_len(text(req.get("event"))) >= Limits.for_dialect(call.dialect).event_bytes:
        raise ProtocolError(409)
    itemid = perl_num(req.get("itemid"))
    if not itemid and call.dialect != "dw" and req.get("ditemid"):
        itemid = perl_num(req.get("ditemid")) // 256  # LJ14 accepts ditemid
    world = call.world
    entry = world.entries.get(journal.name, {}).get(itemid)
    if entry is None:
        raise ProtocolError(302)  # a missing itemid too; before the delete branch
    deleting = not text(req.get("event")).strip(" \t\n\r\f\v")
    if entry.poster != user.name or user.readonly or journal.readonly:
        if deleting and not world.can_manage(user, journal):
            raise ProtocolError(304)
        if not deleting:
            if entry.poster != user.name:
                raise ProtocolError(303)
            if user.readonly:
                raise ProtocolError(318)
            if journal.readonly:
                raise ProtocolError(319)
    if deleting:
        world.delete_entry(entry)
        user.dupsig = None  # DW clears the deleter's duplicate protection
        world.changed()
        return {"itemid": entry.itemid, "anum": entry.anum}
    if text(req.get("event")) == "(cannot be shown)":
        raise ProtocolError(210)
    props_sent = req.get("props") if isinstance(req.get("props"), dict) else {}
    if (call.dialect == "dw" and journal.is_community
            and perl_true((props_sent or {}).get("opt_backdated"))
            and not entry.props.get("import_source")):
        raise ProtocolError(152)
    # omitted date fields keep their old values, one by one
    old = dict(zip(("year", "mon", "day", "hour", "min"),
                   (entry.eventtime[0:4], entry.eventtime[5:7].lstrip("0") or "0",
                    entry.eventtime[8:10].lstrip("0") or "0",
                    entry.eventtime[11:13].lstrip("0") or "0",
                    entry.eventtime[14:16].lstrip("0") or "0"), strict=True))
    for key, value in old.items():
        if req.get(key) is None:
            req[key] = value
    checked = validate(req, call.dialect, journal.is_community)
    assert checked.eventtime is not None
    props = dict(entry.props)
    for name, value in checked.props.items():
        if value in ("", "0"):
            props.pop(name, None)  # sent empty or 0: deleted
        else:
            props[name] = value
    if props.get("picture_keyword") and props["picture_keyword"] not in user.pickws:
        del props["picture_keyword"]
    if journal.is_community and call.dialect != "dw":
        props.pop("opt_backdated", None)  # LJ: silently dropped for communities
    security = asked if asked in ("public", "private", "usemask") else entry.security
    if call.dialect != "dw" and req.get("allowmask") is None:
        mask = entry.allowmask  # LJ keeps the old mask; DW zeroes an omitted one (§6.1)
    if security != "usemask":
        mask = 0
    message, warnings = "", list[str]()
    tags = entry.tags
    if checked.tags is not None and sorted(checked.tags) != sorted(entry.tags):
        # DW: update_logtags only when the canonical sorted list changed
        if not world.can_add_tags(user, journal):
            message = "You are not allowed to tag entries in this journal."
        else:
            new_tags, message, warnings = apply_tags(world, user, journal, checked.tags,
                                                     call.dialect, call.site.opts,
                                                     current=entry.tags)
            tags = entry.tags if new_tags is None else new_tags
    entry.subject, entry.event, entry.eventtime = (checked.subject, checked.event,
                                                   checked.eventtime)
    entry.security, entry.allowmask = security, mask
    entry.props, entry.tags = props, list(tags)
    entry.revnum += 1
    entry.mtime = time.time()
    if call.dialect == "dw" and parse_html_problem(entry.event):
        message = f"{PARSE_ERROR}\n\n{message}" if message else PARSE_ERROR
    world.store_entry(entry)
    return _result(call, entry, message, warnings)


def approve(call: Call, modid: int) -> dict[str, Any]:
    """A moderator approves a queued post: it is replayed with ``nomod`` (§3.5)."""
    world = call.world
    with world.batch():
        queued = next((q for q in world.queue if q.modid == modid), None)
        if queued is None:
            raise KeyError(f"no queued post {modid}")
        world.queue.remove(queued)
        world.changed()
        replay = Call(site=call.site, ip=call.ip, headers={}, as_user=queued.poster,
                      nomod=True)
        return postevent(replay, dict(queued.request))


def reject(call: Call, modid: int) -> None:
    """A moderator rejects a queued post: it is dropped."""
    world = call.world
    with world.batch():
        before = len(world.queue)
        world.queue = [q for q in world.queue if q.modid != modid]
        if len(world.queue) == before:
            raise KeyError(f"no queued post {modid}")
        world.changed()
