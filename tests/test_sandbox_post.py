"""Sandbox postevent (§3): responses, checks in order with exact messages, silent behaviours."""

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


def test_dw_post_returns_itemid_anum_url_without_ditemid(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(subject="Hello", event="<p>Hi</p>")
    assert set(res) == {"itemid", "anum", "url"}
    assert res["url"] == f"{sandbox.url}/writer/{res['itemid'] * 256 + res['anum']}.html"


def test_lj_post_also_returns_ditemid(sandbox_lj: SandboxServer) -> None:
    res = LJ(sandbox_lj.url, secret="sandbox-password").post()
    assert res["ditemid"] == res["itemid"] * 256 + res["anum"]


def test_entry_page_is_served_at_the_returned_url(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(subject="Tea & biscuits", event="<p>The <b>kettle</b></p>",
                               usejournal="fluffyfics", props={"taglist": "type: fic"})
    status, headers, body = http_get(res["url"])
    html = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Tea &amp; biscuits" in html and "<p>The <b>kettle</b></p>" in html
    assert "type: fic" in html
    status, _, body = http_get(f"{sandbox.url}/fluffyfics/")
    assert status == 200 and res["url"].rsplit("/", 1)[1].encode() in body
    assert http_get(f"{sandbox.url}/fluffyfics/{res['itemid'] * 256 + 999}.html")[0] == 404


def test_itemids_count_per_journal(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    assert [lj.post(event=f"e{i}")["itemid"] for i in range(3)] == [1, 2, 3]
    assert lj.post(event="c", usejournal="fluffyfics")["itemid"] == 1


def test_posting_to_a_community_without_access_is_300(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(usejournal="closedfics"))
    assert (err.faultCode, err.faultString) == (300, "Client error: Don't have access to "
                                                     "requested journal")


def test_malformed_usejournal_is_206(sandbox: SandboxServer) -> None:
    assert _fault(lambda: LJ(sandbox.url).post(usejournal="no such!")).faultCode == 206


def test_empty_event_is_200(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(event="  \n "))
    assert err.faultString == "Client error: Missing required argument(s)"


@pytest.mark.parametrize(("field", "value", "detail"), [
    ("year", 1969, "Invalid year value (must be in the range 1970-2037)."),
    ("year", 99, "Invalid year value (must be in the range 1970-2037)."),
    ("mon", 13, "Invalid month value."),
    ("day", 31, "Invalid day of month value."),
    ("hour", 24, "Invalid hour value."),
    ("min", 60, "Invalid minute value."),
])
def test_bad_dates_are_203_with_the_exact_detail(sandbox: SandboxServer, field: str,
                                                 value: int, detail: str) -> None:
    req: dict[str, Any] = {"year": 2023, "mon": 6, "day": 30, "hour": 1, "min": 2,
                           field: value}
    err = _fault(lambda: LJ(sandbox.url).post(**req))
    assert err.faultString == f"Client error: Invalid argument(s): {detail}"


def test_tz_fills_the_date_when_no_field_is_sent(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    res = lj.call("postevent", event="now", tz="+0200", lineendings="unix")
    assert res["itemid"] == 1
    err = _fault(lambda: lj.call("postevent", event="x", tz="Europe/Paris"))
    assert err.faultString == "Client error: Invalid argument(s): Invalid tz"


def test_event_is_trimmed_and_carriage_returns_removed(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(event="  \r\nline one\r\nline two\r\n\n ", lineendings="pc")
    lj.post(event="a\rb", lineendings="mac")
    stored = [e.event for e in sandbox.world.list_entries("writer")]
    assert stored == ["line one\nline two", "a\nb"]


def test_props_are_trimmed_to_100_chars(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(props={"current_music": "é" * 150, "current_mood": "m" * 120})
    entry = sandbox.world.list_entries("writer")[0]
    assert entry.props["current_music"] == "é" * 100
    assert entry.props["current_mood"] == "m" * 100


def test_dw_subject_limit_is_100_chars_or_255_bytes(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    assert lj.post(subject="€" * 85)["itemid"]
    err = _fault(lambda: lj.post(subject="€" * 86))
    assert (err.faultCode, err.faultString) == (411, "Client error: Subject too long.")
    assert _fault(lambda: lj.post(subject="s" * 101)).faultCode == 411


def test_lj_truncates_long_subjects_silently(sandbox_lj: SandboxServer) -> None:
    LJ(sandbox_lj.url, secret="sandbox-password").post(subject="s" * 120)
    assert sandbox_lj.world.list_entries("writer")[0].subject == "s" * 100


def test_dw_event_of_450000_bytes_is_409(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(event="x" * 450_000))
    assert (err.faultCode, err.faultString) == (409, "Client error: Post too large.")
    assert _fault(lambda: LJ(sandbox.url).post(event="é" * 300_001)).faultCode == 409
    assert LJ(sandbox.url).post(event="x" * 100_000)["itemid"]


def test_lj_event_limit_is_65535_bytes(sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url, secret="sandbox-password")
    assert _fault(lambda: lj.post(event="x" * 65_535)).faultCode == 409
    assert lj.post(event="x" * 65_534)["itemid"]


@pytest.mark.parametrize("prop", ["no_such_prop", "revnum", "adult_content_maintainer"])
def test_dw_unknown_or_system_prop_is_205(sandbox: SandboxServer, prop: str) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(props={prop: "1"}))
    assert (err.faultCode, err.faultString) == (205, f"Client error: Unknown metadata: {prop}")


def test_adult_content_reason_exists_only_on_dw(sandbox: SandboxServer,
                                                 sandbox_lj: SandboxServer) -> None:
    props = {"adult_content": "concepts", "adult_content_reason": "angst"}
    assert LJ(sandbox.url).post(props=props)["itemid"]
    err = _fault(lambda: LJ(sandbox_lj.url, secret="sandbox-password").post(props=props))
    assert err.faultString == "Client error: Unknown metadata: adult_content_reason"


def test_ij_dialect_refuses_adult_content(sandbox_factory: Callable[..., SandboxServer]
                                          ) -> None:
    server = sandbox_factory("ij")
    err = _fault(lambda: LJ(server.url, secret="sandbox-password").post(
        props={"adult_content": "explicit"}))
    assert err.faultString == "Client error: Unknown metadata: adult_content"


def test_bool_prop_must_be_0_or_1(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(props={"opt_preformatted": "yes"}))
    assert err.faultString == ('Client error: Invalid metadata datatype: Property '
                               '"opt_preformatted" should be 0 or 1')


def test_backdating_in_a_community(sandbox: SandboxServer, sandbox_lj: SandboxServer) -> None:
    props = {"opt_backdated": 1}
    err = _fault(lambda: LJ(sandbox.url).post(usejournal="fluffyfics", props=props))
    # codes below 200 have no prefix
    assert err.faultString == "Can't make back-dated entries in non-personal journal."
    LJ(sandbox_lj.url, secret="sandbox-password").post(usejournal="fluffyfics", props=props)
    entry = sandbox_lj.world.list_entries("fluffyfics")[0]
    assert "opt_backdated" not in entry.props  # LJ drops it silently
    assert LJ(sandbox.url).post(props=props)["itemid"]  # own journal: fine


def test_community_security_rules(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    err = _fault(lambda: lj.post(usejournal="fluffyfics", security="usemask", allowmask=2))
    assert err.faultString == "Can't use custom security on community journals."
    err = _fault(lambda: lj.post(usejournal="fluffyfics", security="private"))
    assert err.faultCode == 106
    assert lj.post(usejournal="fluffyfics", security="usemask", allowmask=1)["itemid"]
    mod = LJ(sandbox.url, "mod", "mod-key")
    assert mod.post(usejournal="fluffyfics", security="private", event="mods only")["itemid"]


def test_friends_bit_with_group_bits_is_203(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(security="usemask", allowmask=3))
    assert err.faultString == ("Client error: Invalid argument(s): Invalid friends group "
                               "security set")


def test_minsecurity_raises_security_silently(sandbox: SandboxServer) -> None:
    sandbox.world.update("writer", minsecurity="friends")
    LJ(sandbox.url).post(security="public")
    entry = sandbox.world.list_entries("writer")[0]
    assert (entry.security, entry.allowmask) == ("usemask", 1)


def test_non_ascii_with_ver_0_in_a_community_is_207(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(usejournal="fluffyfics", event="naïve", ver=0))
    assert err.faultCode == 207
    assert err.faultString.startswith("Client error: Protocol version mismatch: Posting in a "
                                      "community")
    assert LJ(sandbox.url).post(event="naïve", ver=0)["itemid"]


def test_invalid_utf8_is_208(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(event=b"caf\xe9 au lait"))
    assert err.faultString == ("Client error: Invalid text encoding: The text entered is not "
                               "a valid UTF-8 stream")


@pytest.mark.parametrize("taglist", ["_reserved", "a<b", " , ,"])
def test_malformed_taglist_is_211(sandbox: SandboxServer, taglist: str) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(props={"taglist": taglist}))
    assert err.faultString == "Client error: Invalid or malformed tag list"


def test_duplicate_post_returns_the_earlier_entry(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    first = lj.post(subject="Same", event="Same body", usejournal="fluffyfics")
    again = lj.post(subject="Same", event="Same body", usejournal="fluffyfics",
                    props={"current_mood": "different props do not count"})
    assert again == first
    assert len(sandbox.world.list_entries("fluffyfics")) == 1
    other = lj.post(subject="Other", event="Other body", usejournal="fluffyfics")
    assert other["itemid"] == first["itemid"] + 1
    # only the last post is remembered
    assert lj.post(subject="Same", event="Same body", usejournal="fluffyfics")["itemid"] == 3


def test_deleting_clears_the_duplicate_signature(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    first = lj.post(subject="Same", event="Same body")
    lj.delete(first["itemid"])
    assert lj.post(subject="Same", event="Same body")["itemid"] == first["itemid"] + 1


def test_dw_moderated_community_queues_with_message_only(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(usejournal="modfics")
    assert res == {"message": "Your entry is in the moderation queue.  The community "
                              "administrators will accept or reject it."}
    assert sandbox.world.list_entries("modfics") == []
    assert len(sandbox.world.queued("modfics")) == 1
    # DW: even a maintainer is queued unless on the unmoderated list (§14)
    assert "itemid" not in LJ(sandbox.url, "mod", "mod-key").post(usejournal="modfics")
    sandbox.world.set_role("modfics", "mod", unmoderated=True)
    assert LJ(sandbox.url, "mod", "mod-key").post(usejournal="modfics", event="b")["itemid"]


def test_lj_moderated_community_lets_maintainers_through(sandbox_lj: SandboxServer) -> None:
    res = LJ(sandbox_lj.url, secret="sandbox-password").post(usejournal="modfics")
    assert res["message"].startswith("Your entry has been put into the moderation queue.")
    assert "itemid" in LJ(sandbox_lj.url, "mod", "sandbox-password").post(usejournal="modfics")


def test_moderation_queue_per_poster_limit_is_408(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    for i in range(3):
        assert "message" in lj.post(usejournal="modfics", event=f"queued {i}")
    err = _fault(lambda: lj.post(usejournal="modfics", event="one too many"))
    assert err.faultString == ("Client error: Maximum queued posts for this community+poster "
                               "combination reached.")


def test_moderation_queue_full_is_407(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(mod_queue_max=1)
    lj = LJ(server.url)
    lj.post(usejournal="modfics")
    assert _fault(lambda: lj.post(usejournal="modfics", event="more")).faultCode == 407


def test_invalid_html_is_accepted_with_a_message(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).post(event="<p>fine</p><foo.bar>odd</foo.bar>")
    assert res["itemid"] and res["message"].startswith("Your entry has invalid HTML")


def test_post_frequency_limit_is_405(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(post_rate=2, post_rate_period=60)
    lj = LJ(server.url)
    lj.post(event="one")
    lj.post(event="two")
    assert _fault(lambda: lj.post(event="three")).faultString == ("Client error: Post frequency "
                                                                  "limit.")


def test_read_only_mode_is_306(sandbox: SandboxServer) -> None:
    sandbox.set_readonly()
    assert _fault(lambda: LJ(sandbox.url).post()).faultCode == 306


@pytest.mark.parametrize(("status", "code"), [("S", 305), ("L", 308)])
def test_poster_account_state(sandbox: SandboxServer, status: str, code: int) -> None:
    sandbox.world.update("writer", status=status)
    assert _fault(lambda: LJ(sandbox.url).post()).faultCode == code


def test_ij_dialect_refuses_posts_back_in_time(sandbox_factory: Callable[..., SandboxServer]
                                               ) -> None:
    server = sandbox_factory("ij")
    lj = LJ(server.url, secret="sandbox-password")
    lj.post(event="new", year=2024)
    err = _fault(lambda: lj.post(event="old", year=2020))
    assert err.faultCode == 153
    assert lj.post(event="old", year=2020, props={"opt_backdated": 1})["itemid"]


def test_banned_poster_is_151(sandbox: SandboxServer) -> None:
    sandbox.world.set_role("fluffyfics", "writer", banned=True)
    err = _fault(lambda: LJ(sandbox.url).post(usejournal="fluffyfics"))
    assert (err.faultCode, err.faultString) == (151, "Banned from journal")


def test_unvalidated_email_cannot_post_to_a_community(sandbox: SandboxServer) -> None:
    sandbox.world.update("writer", email_validated=False)
    err = _fault(lambda: LJ(sandbox.url).post(usejournal="fluffyfics"))
    assert err.faultString == ("Non-authenticated email address: You must have an "
                               "authenticated email address in order to post to another "
                               "account")
    assert LJ(sandbox.url).post()["itemid"]


@pytest.mark.parametrize(("account", "attrs", "code"), [
    ("writer", {"readonly": True}, 316),
    ("fluffyfics", {"readonly": True}, 317),
    ("fluffyfics", {"status": "D"}, 307),
])
def test_read_only_and_deleted_journals(sandbox: SandboxServer, account: str,
                                        attrs: dict[str, Any], code: int) -> None:
    sandbox.world.update(account, **attrs)
    assert _fault(lambda: LJ(sandbox.url).post(usejournal="fluffyfics")).faultCode == code


@pytest.mark.parametrize(("props", "detail"), [
    ({"current_moodid": "happy"}, 'Property "current_moodid" should be numeric'),
    ({"current_coords": "somewhere"}, 'Property "current_coords" has invalid value'),
])
def test_prop_datatypes_are_checked(sandbox: SandboxServer, props: dict[str, str],
                                    detail: str) -> None:
    err = _fault(lambda: LJ(sandbox.url).post(props=props))
    assert err.faultString == f"Client error: Invalid metadata datatype: {detail}"


def test_empty_or_zero_props_are_not_stored(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(props={"opt_nocomments": 0, "current_mood": "",
                                "current_coords": "51.5, -0.12"})
    assert sandbox.world.list_entries("writer")[0].props == {"current_coords": "51.5, -0.12"}


def test_unknown_userpic_keyword_is_dropped_silently(sandbox: SandboxServer) -> None:
    sandbox.world.update("writer", pickws=["tea"])
    LJ(sandbox.url).post(event="one", props={"picture_keyword": "coffee"})
    LJ(sandbox.url).post(event="two", props={"picture_keyword": "tea"})
    assert [e.props for e in sandbox.world.list_entries("writer")] == [
        {}, {"picture_keyword": "tea"}]
