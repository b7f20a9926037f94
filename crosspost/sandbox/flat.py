"""The flat protocol (reference §1.3): ``POST /interface/flat``, form in, ``key\\nvalue\\n`` out.

The same modes as XML-RPC; the username goes in ``user``, props in ``prop_<name>``, and
lists are flattened into counters (``events_count``, ``events_1_itemid`` ...).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from .codes import ProtocolError, ServerCrash, fault_string
from .context import Call
from .protocol import dispatch


def parse_form(body: bytes) -> dict[str, Any]:
    """Form fields → an XML-RPC-like request (``user`` → ``username``, ``prop_*`` → props)."""
    pairs = parse_qsl(body.decode("utf-8", "surrogateescape"), keep_blank_values=True)
    req: dict[str, Any] = {}
    props: dict[str, str] = {}
    for key, value in pairs:
        if key.startswith("prop_"):
            props[key[5:]] = value
        else:
            req.setdefault(key, value)
    if props:
        req["props"] = props
    if "user" in req and "username" not in req:
        req["username"] = req.pop("user")  # upgrade_request (DW :4396-4406)
    return req


def _flatten_events(res: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"events_count": len(res["events"])}
    props: list[tuple[int, str, Any]] = []
    for n, event in enumerate(res["events"], 1):
        for key, value in event.items():
            if key == "props":
                props.extend((event["itemid"], k, v) for k, v in value.items())
            elif key == "event":
                out[f"events_{n}_event"] = quote(str(value), safe="")  # URL-encoded (:4347)
            else:
                out[f"events_{n}_{key}"] = value
    out["prop_count"] = len(props)
    for n, (itemid, name, value) in enumerate(props, 1):
        out.update({f"prop_{n}_itemid": itemid, f"prop_{n}_name": name,
                    f"prop_{n}_value": value})
    return out


def _flatten(mode: str, res: dict[str, Any]) -> dict[str, Any]:
    if mode == "getevents":
        return _flatten_events(res)
    if mode == "login":
        out = {"name": res.get("fullname", ""), "userid": res.get("userid", "")}
        journals = res.get("usejournals", [])
        out["access_count"] = len(journals)
        out.update({f"access_{n}": j for n, j in enumerate(journals, 1)})
        return out
    if mode == "getusertags":
        out = {"tag_count": len(res["tags"])}
        for n, tag in enumerate(res["tags"], 1):
            out[f"tag_{n}_name"] = tag["name"]
            out[f"tag_{n}_security"] = tag["security_level"]
            for key in ("uses", "display"):
                if tag[key]:
                    out[f"tag_{n}_{key}"] = tag[key]
        return out
    if mode == "syncitems":
        out = {"sync_count": res["count"], "sync_total": res["total"]}
        for n, item in enumerate(res["syncitems"], 1):
            out.update({f"sync_{n}_{k}": v for k, v in item.items()})
        return out
    if mode == "getdaycounts":
        return {d["date"]: d["count"] for d in res["daycounts"]}
    return {k: v for k, v in res.items() if not isinstance(v, list | dict)}


def render(data: dict[str, Any], urlenc: bool) -> bytes:
    """Sorted keys; CR and LF removed from keys and values (Flat.pm:46-59)."""
    clean = {str(k).replace("\r", "").replace("\n", ""):
             str(v).replace("\r", "").replace("\n", "") for k, v in data.items()}
    if urlenc:
        return urlencode(sorted(clean.items())).encode("utf-8", "surrogateescape")
    return "".join(f"{k}\n{clean[k]}\n" for k in sorted(clean)).encode(
        "utf-8", "surrogateescape")


def handle(call: Call, body: bytes) -> tuple[str, bytes]:
    """(mode, response body) for one flat request; server crashes raise ServerCrash."""
    req = parse_form(body)
    urlenc = req.pop("responseenc", "") == "urlenc"
    mode = str(req.pop("mode", ""))
    dialect = call.site.dialect
    if not mode:
        return mode, render({"success": "FAIL",
                             "errmsg": "Client error: No mode specified."}, urlenc)
    if mode != "getchallenge" and not req.get("username"):
        return mode, render({"success": "FAIL",
                             "errmsg": "Client error: No username sent."}, urlenc)
    try:
        res = dispatch(call, mode, (req,))
    except ProtocolError as exc:
        if exc.code == 201:
            return mode, render({"success": "FAIL",
                                 "errmsg": f"Client error: Unknown mode ({mode})"}, urlenc)
        # DW: the sessiongenerate/sessionexpire wrappers overwrite FAIL with OK (§1.3)
        status = "OK" if mode in ("sessiongenerate", "sessionexpire") else "FAIL"
        return mode, render({"success": status,
                             "errmsg": fault_string(exc.code, exc.detail, dialect)}, urlenc)
    except ServerCrash:
        raise
    out = _flatten(mode, res)
    out["success"] = "OK"
    return mode, render(out, urlenc)
