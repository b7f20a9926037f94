"""Mode dispatch (reference §1.2) and the small modes: getchallenge, login, sessions, stubs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import posting, reading
from .codes import ProtocolError
from .context import Call
from .textutil import perl_true, text

Handler = Callable[[Call, dict[str, Any]], dict[str, Any]]


def getchallenge(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    return call.site.auth.new_challenge()


def login(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    if user.status == "L":
        raise ProtocolError(308)
    out: dict[str, Any] = {"userid": user.userid, "fullname": user.fullname,
                           "friendgroups": []}
    journals = call.world.usejournals(user)
    if journals:
        out["usejournals"] = journals
    if req.get("getmoods") is not None:
        out["moods"] = []
    if perl_true(req.get("getpickws")):
        out["pickws"] = list(user.pickws)
    return out


def sessiongenerate(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    bind = call.ip if perl_true(req.get("bindtoip")) else ""
    return {"ljsession": call.site.auth.generate_session(user, text(req.get("expiration")),
                                                         bind)}


def sessionexpire(call: Call, req: dict[str, Any]) -> dict[str, Any]:
    user = call.authenticate(req)
    ids = req.get("expire") or []
    if not isinstance(ids, list):
        ids = [ids]
    call.site.auth.expire_sessions(user, perl_true(req.get("expireall")), ids)
    return {}


def _retired(detail: str = "") -> Handler:
    def handler(call: Call, req: dict[str, Any]) -> dict[str, Any]:
        call.authenticate(req)
        raise ProtocolError(504, detail)
    return handler


def _empty(**result: Any) -> Handler:
    def handler(call: Call, req: dict[str, Any]) -> dict[str, Any]:
        call.authenticate(req)
        return {k: (list(v) if isinstance(v, list) else v) for k, v in result.items()}
    return handler


COMMON_MODES: dict[str, Handler] = {
    "getchallenge": getchallenge,
    "login": login,
    "postevent": posting.postevent,
    "editevent": posting.editevent,
    "getevents": reading.getevents,
    "getusertags": reading.getusertags,
    "syncitems": reading.syncitems,
    "getdaycounts": reading.getdaycounts,
    "sessiongenerate": sessiongenerate,
    "sessionexpire": sessionexpire,
    "friendof": _empty(friendofs=[]),
    "getfriends": _empty(friends=[]),
}

DW_MODES: dict[str, Handler] = {
    **COMMON_MODES,
    # DW: retired LJ modes answer 504 (Protocol.pm:720-722, 885-887, 2705-2712)
    "checkfriends": _retired("Use 'checkforupdates' instead."),
    "getfriendgroups": _retired(),
    "editfriends": _retired(),
    "editfriendgroups": _retired(),
    "checkforupdates": _empty(lastupdate="", new=0, interval=60),
    "gettrustgroups": _empty(trustgroups=[]),
}

LJ_MODES: dict[str, Handler] = {
    **COMMON_MODES,
    "checkfriends": _empty(lastupdate="", new=0, interval=60),
    "getfriendgroups": _empty(friendgroups=[]),
}


def dispatch(call: Call, mode: str, params: tuple[Any, ...]) -> dict[str, Any]:
    """Run one mode; raises ProtocolError / ServerCrash for faults."""
    modes = DW_MODES if call.dialect == "dw" else LJ_MODES
    if len(params) > 1:
        raise ProtocolError(202)  # checked in xmlrpc_method, before do_request
    handler = modes.get(mode)
    if handler is None:
        raise ProtocolError(201)
    req = params[0] if params else {}
    if not isinstance(req, dict):
        req = {}
    return handler(call, dict(req))
