"""Sandbox editevent (§6.1): what is kept, what is replaced, deletes, 302/303/304."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

import pytest
from ljclient import LJ, http_get

from crosspost.sandbox import SandboxServer


def _fault(fn: Callable[[], Any]) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as err:
        fn()
    return err.value


def test_edit_replaces_text_and_keeps_dates_and_security(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(subject="v1", event="body v1", security="private", year=2021,
                  props={"current_mood": "calm", "current_music": "song"})
    out = lj.edit(res["itemid"], event="body v2", props={"current_music": ""})
    assert out == {"itemid": res["itemid"], "anum": res["anum"], "url": res["url"]}
    entry = sandbox.world.list_entries("writer")[0]
    assert entry.event == "body v2"
    assert entry.subject == ""  # subject is replaced by whatever is sent
    assert entry.eventtime.startswith("2021-05-17")
    assert entry.security == "private"
    assert entry.props == {"current_mood": "calm"}  # unsent kept, sent empty deleted
    assert http_get(res["url"])[2].count(b"body v2") == 1


def test_dw_edit_without_allowmask_zeroes_it(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(security="usemask", allowmask=1)
    lj.edit(res["itemid"], event="changed", subject="s")
    entry = sandbox.world.list_entries("writer")[0]
    assert (entry.security, entry.allowmask) == ("usemask", 0)


def test_lj_edit_without_allowmask_keeps_it(sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url, secret="sandbox-password")
    res = lj.post(security="usemask", allowmask=1)
    out = lj.edit(res["itemid"], event="changed")
    assert out["ditemid"] == res["ditemid"]
    entry = sandbox_lj.world.list_entries("writer")[0]
    assert (entry.security, entry.allowmask) == ("usemask", 1)


def test_delete_with_empty_event(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post()
    assert lj.delete(res["itemid"]) == {"itemid": res["itemid"], "anum": res["anum"]}
    assert sandbox.world.list_entries("writer") == []
    assert http_get(res["url"])[0] == 404
    assert lj.events() == []


@pytest.mark.parametrize("event", ["", "new text"])
def test_unknown_itemid_is_302_for_edit_and_delete(sandbox: SandboxServer, event: str) -> None:
    err = _fault(lambda: LJ(sandbox.url).edit(99, event=event))
    assert err.faultString == "Client error: Can't edit post from requested journal"


def test_itemid_from_another_journal_is_302(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics")
    assert _fault(lambda: lj.edit(res["itemid"], event="x")).faultCode == 302


def test_missing_itemid_is_302(sandbox: SandboxServer) -> None:
    # DW: itemid+0 finds no entry, so the answer is 302, not 200
    assert _fault(lambda: LJ(sandbox.url).call("editevent", event="x")).faultCode == 302


def test_editing_after_losing_posting_access(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics")
    sandbox.world.set_role("fluffyfics", "writer", member=False)
    assert _fault(lambda: lj.post(usejournal="fluffyfics", event="new")).faultCode == 300
    assert lj.edit(res["itemid"], usejournal="fluffyfics", event="still mine")["itemid"]
    assert lj.delete(res["itemid"], usejournal="fluffyfics")["itemid"] == res["itemid"]


def test_edit_keeps_omitted_date_fields_one_by_one(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(year=2020, mon=2, day=29, hour=23, min=59)
    lj.edit(res["itemid"], event="moved", year=2024, hour=7)
    assert sandbox.world.list_entries("writer")[0].eventtime == "2024-02-29 07:59:00"


def test_editing_someone_elses_community_entry_is_303(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(usejournal="fluffyfics")
    mod = LJ(sandbox.url, "mod", "mod-key")
    reader = LJ(sandbox.url, "reader", "sandbox-password")
    assert _fault(lambda: mod.edit(res["itemid"], usejournal="fluffyfics", event="x")
                  ).faultCode == 303
    assert _fault(lambda: reader.delete(res["itemid"], usejournal="fluffyfics")
                  ).faultString == "Client error: Can't delete post in this community journal"
    # a maintainer may delete it
    assert mod.delete(res["itemid"], usejournal="fluffyfics")["itemid"] == res["itemid"]


def test_edit_checks_limits_like_postevent(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post()
    assert _fault(lambda: lj.edit(res["itemid"], event="x", subject="s" * 101)
                  ).faultCode == 411
    assert _fault(lambda: lj.edit(res["itemid"], event="x", props={"nope": 1})
                  ).faultCode == 205
    assert _fault(lambda: lj.edit(res["itemid"], event="(cannot be shown)")).faultCode == 210
    assert _fault(lambda: lj.edit(res["itemid"], event="x", mon=13, year=2020, day=1, hour=1,
                                  min=1)).faultCode == 203


def test_edit_bumps_revision_and_syncitems_reports_update(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.post()
    assert lj.call("syncitems")["syncitems"][0]["action"] == "create"
    lj.edit(res["itemid"], event="again")
    items = lj.call("syncitems")
    assert items["syncitems"][0] | {"time": ""} == {"item": "L-1", "action": "update",
                                                     "time": ""}
    assert lj.events()[0]["props"]["revnum"] == 1


@pytest.mark.parametrize(("account", "code"), [("writer", 318), ("fluffyfics", 319)])
def test_read_only_accounts_cannot_edit(sandbox: SandboxServer, account: str,
                                        code: int) -> None:
    lj = LJ(sandbox.url)
    res = lj.post(usejournal="fluffyfics")
    sandbox.world.update(account, readonly=True)
    assert _fault(lambda: lj.edit(res["itemid"], usejournal="fluffyfics", event="x")
                  ).faultCode == code
