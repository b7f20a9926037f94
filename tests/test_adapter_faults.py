"""Protocol faults map to the exception tree with the site's words, a fix and the right
transient flag per dialect (reference §7)."""

from __future__ import annotations

import xmlrpc.client

import pytest
from crosspost_adapters.lj.faults import FaultContext, fault_error

from crosspost.errors import (
    AccessError,
    AuthError,
    EntryGoneError,
    FaultError,
    LoginBanned,
    RateLimitedError,
    ServerFaultError,
    TagPermissionError,
    TooLargeError,
)

DW = FaultContext(label="Dreamwidth", dialect="dw", mode="postevent", username="writer",
                  journal="fluffyfics", account_name="dwmain", mutating=True, api_keys=True,
                  api_key_page="https://www.dreamwidth.org/manage/settings/?cat=mobile")
LJ = FaultContext(label="LiveJournal", dialect="lj", mode="postevent", username="writer",
                  account_name="ljmain", mutating=True)


def _err(code: int | str, text: str, ctx: FaultContext = DW) -> FaultError:
    return fault_error(xmlrpc.client.Fault(code, text), ctx)


@pytest.mark.parametrize("code,text,cls,transient", [
    (100, "Invalid username", AuthError, False),
    (101, "Invalid password", AuthError, False),
    (300, "Client error: Don't have access to requested journal", AccessError, False),
    (302, "Client error: Can't edit post from requested journal", EntryGoneError, False),
    (306, "Client error: This journal is temporarily in read-only mode.", AccessError, True),
    (312, "Client error: Not allowed to add tags to entries in this journal",
     TagPermissionError, False),
    (402, "Your IP address is temporarily banned for exceeding the login failure rate.",
     LoginBanned, True),
    (405, "Client error: Post frequency limit.", RateLimitedError, True),
    (408, "Client error: Maximum queued posts for this community+poster combination reached.",
     RateLimitedError, True),
    (409, "Client error: Post too large.", TooLargeError, False),
    (411, "Client error: Subject too long.", TooLargeError, False),
    (501, "Server error: Database error", ServerFaultError, True),
    (504, "Server error: Protocol mode no longer supported.", FaultError, False),
    ("Server", "Can't call method \"can_post_to\" on an undefined value", ServerFaultError, True),
])
def test_dreamwidth_fault_kinds(code: int | str, text: str, cls: type, transient: bool) -> None:
    err = _err(code, text)
    assert type(err) is cls
    assert err.transient is transient
    assert text in err.message  # the site's own words, verbatim
    assert err.server_message == text
    assert err.code == code
    assert err.fix


def test_411_means_rate_limit_on_livejournal() -> None:
    err = _err(411, "Client error: Action frequency limit.", LJ)
    assert isinstance(err, RateLimitedError)
    assert err.transient


def test_dreamwidth_bad_password_asks_for_an_api_key() -> None:
    err = _err(101, "Invalid password")
    assert "API key" in err.fix
    assert "crosspost login dwmain" in err.fix
    assert "https://www.dreamwidth.org/manage/settings/?cat=mobile" in err.fix
    assert 'Account Settings → Mobile → "Manage API Keys"' in err.fix
    assert not err.transient


def test_livejournal_bad_password_asks_for_the_password() -> None:
    err = _err(101, "Invalid password", LJ)
    assert "API key" not in err.fix
    assert "crosspost login ljmain" in err.fix


def test_login_ban_waits_and_is_never_hammered() -> None:
    err = _err(402, "Your IP address is temporarily banned for exceeding the login failure rate.")
    assert err.retry_after is not None and err.retry_after >= 300


@pytest.mark.parametrize("code", [407, 408])
def test_full_moderation_queue_waits_for_the_maintainers_not_a_timer(code: int) -> None:
    err = _err(code, "Client error: Maximum queued posts for this community+poster "
                     "combination reached.")
    assert err.transient and err.retry_after is not None and err.retry_after >= 900
    assert "maintainers to approve or reject" in err.fix and "'fluffyfics'" in err.fix
    assert ("from 'writer'" in err.fix) is (code == 408)


def test_server_crash_during_post_may_have_committed() -> None:
    assert _err("Server", "died").maybe_committed
    assert not _err(503, "Server error: Error obtaining necessary database lock").maybe_committed
    assert not _err(300, "Client error: Don't have access to requested journal").maybe_committed


def test_server_fault_for_community_suggests_checking_its_name() -> None:
    assert "fluffyfics" in _err("Server", "died").fix


def test_soap_client_fault_is_permanent() -> None:
    err = _err("Client", "Application failed during request deserialization: not well-formed")
    assert type(err) is FaultError
    assert not err.transient
    assert not err.maybe_committed


def test_backdate_fault_fix_names_the_props_key_that_exists() -> None:
    from crosspost.config import Rendering

    fix = _err(153, "Incorrect time value: You have an entry which was posted at a later "
                    "date than this one.", LJ).fix
    assert 'props = { opt_backdated = "1" }' in fix and "`backdated" not in fix
    assert "props" in Rendering.model_fields and "backdated" not in Rendering.model_fields
