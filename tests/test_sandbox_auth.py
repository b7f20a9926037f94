"""Sandbox authentication (§2): clear, challenge, cookie, lockout, username rules."""

from __future__ import annotations

import re
import time
import xmlrpc.client
from collections.abc import Callable
from typing import Any

import pytest
from ljclient import LJ, http_post, md5_hex, xml_call

from crosspost.sandbox import SandboxServer


def _fault(fn: Callable[[], Any]) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as err:
        fn()
    return err.value


def _challenge_req(lj: LJ, secret: str, chal: str | None = None) -> dict[str, Any]:
    chal = chal or lj.challenge()
    return {"username": lj.username, "auth_method": "challenge", "auth_challenge": chal,
            "auth_response": md5_hex(chal + md5_hex(secret))}


def test_getchallenge_returns_c0_challenge_valid_60s(sandbox: SandboxServer) -> None:
    res = LJ(sandbox.url).raw("getchallenge", {})
    assert res["auth_scheme"] == "c0"
    assert re.fullmatch(r"c0:\d+:\d+:60:[A-Za-z0-9]{20}:[0-9a-f]{32}", res["challenge"])
    assert res["expire_time"] - res["server_time"] == 60


@pytest.mark.parametrize("fields", [
    {"password": "sandbox-password"},
    {"password": "sandbox-key"},
    {"password": md5_hex("sandbox-key")},
    {"hpassword": md5_hex("sandbox-key")},
])
def test_dw_clear_auth_accepts_password_and_api_keys(sandbox: SandboxServer,
                                                     fields: dict[str, str]) -> None:
    res = LJ(sandbox.url).raw("login", {"username": "writer", **fields})
    assert res["fullname"] == "Sandbox Writer"


def test_dw_md5_of_password_as_hpassword_is_refused(sandbox: SandboxServer) -> None:
    err = _fault(lambda: LJ(sandbox.url).raw("login", {
        "username": "writer", "hpassword": md5_hex("sandbox-password")}))
    assert (err.faultCode, err.faultString) == (101, "Invalid password")


def test_lj_clear_auth_takes_password_or_its_md5_but_not_api_keys(
        sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url)
    assert lj.raw("login", {"username": "writer", "password": "sandbox-password"})["userid"]
    assert lj.raw("login", {"username": "writer",
                            "hpassword": md5_hex("sandbox-password")})["userid"]
    err = _fault(lambda: lj.raw("login", {"username": "writer", "password": "sandbox-key"}))
    assert err.faultCode == 101


def test_dw_challenge_auth_works_with_the_api_key(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    assert lj.raw("login", _challenge_req(lj, "sandbox-key"))["userid"]


def test_dw_challenge_auth_with_the_right_password_is_101(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    err = _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-password")))
    assert (err.faultCode, err.faultString) == (101, "Invalid password")


def test_lj_challenge_auth_uses_the_password(sandbox_lj: SandboxServer) -> None:
    lj = LJ(sandbox_lj.url)
    assert lj.raw("login", _challenge_req(lj, "sandbox-password"))["userid"]


def test_dw_user_without_api_key_always_gets_101(sandbox_factory: Callable[
        ..., SandboxServer]) -> None:
    server = sandbox_factory(challenge_ttl=1)
    lj = LJ(server.url, "reader", "sandbox-password")
    chal = lj.challenge()
    assert _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-password", chal))
                  ).faultCode == 101
    time.sleep(1.05)
    # even an expired challenge gives 101, not 105, for a user without keys (§2.2)
    assert _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-password", chal))
                  ).faultCode == 101


def test_challenge_is_single_use(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    req = _challenge_req(lj, "sandbox-key")
    assert lj.raw("login", req)["userid"]
    err = _fault(lambda: lj.raw("login", req))
    assert (err.faultCode, err.faultString) == (101, "Invalid password")


def test_forged_challenge_is_101(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    chal = lj.challenge()
    forged = chal[:-1] + ("0" if chal[-1] != "0" else "1")
    assert _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-key", forged))
                  ).faultCode == 101


def test_expired_challenge_is_105(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(challenge_ttl=1)
    lj = LJ(server.url)
    chal = lj.challenge()
    time.sleep(1.05)
    err = _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-key", chal)))
    assert (err.faultCode, err.faultString) == (105, "Challenge expired")


def test_failed_logins_lock_the_user_and_ip_out_with_402(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(login_fail_limit=3, login_fail_period=1.0)
    lj = LJ(server.url)
    for _ in range(3):
        assert _fault(lambda: lj.raw("login", {"username": "writer", "password": "nope"})
                      ).faultCode == 101
    err = _fault(lambda: lj.raw("login", {"username": "writer", "password": "sandbox-key"}))
    assert err.faultCode == 402
    assert err.faultString == ("Client error: Your IP address is temporarily banned for "
                               "exceeding the login failure rate.")
    # another user from the same IP is not affected
    assert LJ(server.url, "mod", "mod-key").call("login")["userid"]
    time.sleep(1.05)
    assert lj.call("login")["userid"]


def test_wrong_challenge_response_counts_as_a_bad_login(
        sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(login_fail_limit=2, login_fail_period=5)
    lj = LJ(server.url)
    for _ in range(2):
        assert _fault(lambda: lj.raw("login", _challenge_req(lj, "wrong-key"))).faultCode == 101
    assert _fault(lambda: lj.raw("login", _challenge_req(lj, "sandbox-key"))).faultCode == 402


def test_reused_challenge_is_not_a_bad_login(sandbox_factory: Callable[
        ..., SandboxServer]) -> None:
    server = sandbox_factory(login_fail_limit=1, login_fail_period=5)
    lj = LJ(server.url)
    req = _challenge_req(lj, "sandbox-key")
    lj.raw("login", req)
    assert _fault(lambda: lj.raw("login", req)).faultCode == 101
    assert lj.raw("login", _challenge_req(lj, "sandbox-key"))["userid"]


@pytest.mark.parametrize(("username", "code"), [
    ("", 200), ("nosuchuser", 100), ("bad name!", 100), ("x" * 26, 100)])
def test_bad_usernames(sandbox: SandboxServer, username: str, code: int) -> None:
    err = _fault(lambda: LJ(sandbox.url).raw("login", {"username": username,
                                                        "password": "x"}))
    assert err.faultCode == code
    if code == 100:
        assert err.faultString == "Invalid username"
    else:
        assert err.faultString == "Client error: Missing required argument(s)"


def test_usernames_are_canonicalised(sandbox: SandboxServer) -> None:
    sandbox.world.add_user("fan_girl", password="pw")
    assert LJ(sandbox.url, "  Fan-Girl ", "pw").call("login")["userid"]


def test_session_cookie_auth_round_trip(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    cookie = lj.call("sessiongenerate", expiration="short")["ljsession"]
    match = re.fullmatch(r"v1:u(\d+):s(\d+):a(\w+)//", cookie)
    assert match and int(match[1]) == lj.call("login")["userid"]
    body = xml_call("login", {"username": "writer", "auth_method": "cookie"})
    ok_headers = {"X-LJ-Auth": "cookie", "Cookie": f"ljsession={cookie}"}
    status, _, resp = http_post(sandbox.url, body, ok_headers)
    result: Any = xmlrpc.client.loads(resp)[0][0]
    assert status == 200 and result["userid"]
    for headers in ({"Cookie": f"ljsession={cookie}"}, {"X-LJ-Auth": "cookie"},
                    {"X-LJ-Auth": "cookie", "Cookie": f"ljmastersession={cookie}"}):
        _, _, resp = http_post(sandbox.url, body, headers)
        with pytest.raises(xmlrpc.client.Fault) as err:
            xmlrpc.client.loads(resp)
        assert err.value.faultCode == 101
    # the cookie belongs to writer, not to mod
    _, _, resp = http_post(sandbox.url, xml_call("login", {"username": "mod",
                                                           "auth_method": "cookie"}), ok_headers)
    with pytest.raises(xmlrpc.client.Fault):
        xmlrpc.client.loads(resp)
    lj.call("sessionexpire", expireall=1)
    _, _, resp = http_post(sandbox.url, body, ok_headers)
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(resp)
    assert err.value.faultCode == 101
