"""Sandbox read modes (§6.2-§6.4): getevents, syncitems, getdaycounts, login."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

import pytest
from ljclient import LJ

from crosspost.sandbox import SandboxServer


def _fault(fn: Callable[[], Any]) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as err:
        fn()
    return err.value


def test_getevents_one_returns_the_entry_fields(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(subject="Sub", event="line 1\nline 2", props={"current_mood": "ok",
                                                                 "taglist": "b, a"})
    (event,) = lj.events(selecttype="one", itemid=res["itemid"])
    assert event["itemid"] == res["itemid"] and event["anum"] == res["anum"]
    assert event["url"] == res["url"]
    assert event["eventtime"] == "2024-05-17 21:30:00"
    # default lineendings "pc" sends CRLF raw, which an XML parser reads back as LF
    assert event["event"] == "line 1\nline 2"
    assert event["props"] == {"current_mood": "ok", "taglist": "b, a"}
    assert "security" not in event and "poster" not in event
    assert lj.events(selecttype="one", itemid=res["itemid"], lineendings="unix"
                     )[0]["event"] == "line 1\nline 2"
    assert lj.events(selecttype="one", itemid=99) == []


def test_getevents_one_with_minus_one_is_the_latest(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="second", day=2)
    lj.post(event="first", day=1)
    # DW: itemid -1 is "lastn, howmany 1": the newest by event time in a personal journal
    assert lj.events(selecttype="one", itemid=-1)[0]["event"] == "second"


def test_getevents_lastn_orders_by_eventtime_and_caps_at_50(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    for year in (2020, 2023, 2021):
        lj.post(event=f"y{year}", year=year)
    assert [e["event"] for e in lj.events(howmany=2)] == ["y2023", "y2021"]
    assert [e["event"] for e in lj.events(beforedate="2022-01-01 00:00:00")] == ["y2021",
                                                                               "y2020"]
    for i in range(55):
        lj.post(event=f"bulk {i}")
    assert len(lj.events(howmany=500)) == 50


def test_getevents_shows_poster_security_and_allowmask(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(usejournal="fluffyfics", security="usemask", allowmask=1)
    (event,) = lj.events(usejournal="fluffyfics")
    assert (event["poster"], event["security"], event["allowmask"]) == ("writer", "usemask", 1)


def test_getevents_day_and_multiple(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    for i, day in enumerate((1, 2, 2)):
        lj.post(event=f"entry {i}", day=day)
    assert len(lj.events(selecttype="day", year=2024, month=5, day=2)) == 2
    assert [e["itemid"] for e in lj.events(selecttype="multiple", itemids="1,3")] == [1, 3]
    err = _fault(lambda: lj.events(selecttype="multiple",
                                   itemids=",".join(map(str, range(101)))))
    assert err.faultCode == 209


def test_getevents_argument_checks(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    assert _fault(lambda: lj.events(beforedate="yesterday")).faultString == (
        "Client error: Invalid argument(s): Invalid beforedate format.")
    assert _fault(lambda: lj.events(selecttype="multiple", itemids="1,x")).faultString == (
        "Client error: Invalid argument(s): Non-numeric itemid")
    assert _fault(lambda: lj.events(selecttype="day", year=2024, month=13, day=1)
                  ).faultString == "Client error: Invalid argument(s)"


def test_getevents_bad_selecttype(sandbox: SandboxServer, sandbox_lj: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).events(selecttype="everything"))
    assert err.faultString == "Client error: Missing required argument(s): Invalid selecttype."
    err = _fault(lambda: LJ(sandbox_lj.url, secret="sandbox-password").events(
        selecttype="everything"))
    assert err.faultString.endswith("Bad selecttype value")


def test_getevents_syncitems_and_the_406_rule(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="one")
    lj.post(event="two")
    req = {"selecttype": "syncitems", "lastsync": "2000-01-01 00:00:00"}
    assert len(lj.events(**req)) == 2
    assert len(lj.events(**req)) == 2
    err = _fault(lambda: lj.events(**req))
    assert err.faultString == ("Client error: Client is making repeated requests.  Perhaps "
                               "it's broken?")


def test_non_unicode_client_cannot_read_unicode_entries(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="crème", day=3)
    assert _fault(lambda: lj.events(ver=0)).faultCode == 207
    assert lj.events(selecttype="day", year=2024, month=5, day=3, ver=0
                     )[0]["event"] == "(cannot be shown)"


def test_reading_a_journal_without_access_is_300(sandbox: SandboxServer) -> None:
    assert _fault(lambda: LJ(sandbox.url).events(usejournal="closedfics")).faultCode == 300
    assert _fault(lambda: LJ(sandbox.url).events(usejournal="mod")).faultCode == 300


def test_members_do_not_see_private_community_entries(sandbox: SandboxServer) -> None:
    LJ(sandbox.url, "mod", "mod-key").post(usejournal="fluffyfics", security="private")
    LJ(sandbox.url, "mod", "mod-key").post(usejournal="fluffyfics", event="public one")
    assert [e["event"] for e in LJ(sandbox.url).events(usejournal="fluffyfics")] == [
        "public one"]


def test_syncitems_mode_lists_changes(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="a")
    lj.post(event="b")
    res = lj.call("syncitems", lastsync="2000-01-01 00:00:00")
    assert (res["count"], res["total"]) == (2, 2)
    assert [i["item"] for i in res["syncitems"]] == ["L-1", "L-2"]


def test_getdaycounts(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="a", day=1)
    lj.post(event="b", day=1, hour=3)
    lj.post(event="c", day=9)
    assert lj.call("getdaycounts")["daycounts"] == [{"date": "2024-05-01", "count": 2},
                                                    {"date": "2024-05-09", "count": 1}]


def test_login_lists_usejournals_and_fullname(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).call("login")
    assert res["fullname"] == "Sandbox Writer"
    assert res["usejournals"] == ["fluffyfics", "modfics", "writersden"]
    sandbox.world.update("writer", status="L")
    assert _fault(lambda: LJ(sandbox.url).call("login")).faultCode == 308


def test_dw_retired_modes_are_504(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).call("checkfriends"))
    assert err.faultString == ("Server error: Protocol mode no longer supported.: Use "
                               "'checkforupdates' instead.")
