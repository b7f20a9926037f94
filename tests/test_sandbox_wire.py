"""The sandbox's wire format: XMLRPC::Lite serialisation quirks and fault shapes (§1.1, §14)."""

from __future__ import annotations

import http.client
import re
import xmlrpc.client
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ljclient import LJ, WHEN, http_get, http_post, xml_call

from crosspost.sandbox import SandboxServer


def _post_body(sandbox: SandboxServer, **req: object) -> bytes:
    base = {"username": "writer", "password": "sandbox-key", "ver": 1, "lineendings": "unix",
            "event": "text", **WHEN}
    status, _, body = http_post(sandbox.url, xml_call("postevent", {**base, **req}))
    assert status == 200
    return body


def _getevents_xml(sandbox: SandboxServer, **req: object) -> str:
    base = {"username": "writer", "password": "sandbox-key", "ver": 1, "selecttype": "lastn"}
    status, _, body = http_post(sandbox.url, xml_call("getevents", {**base, **req}))
    assert status == 200
    return body.decode("utf-8")


def test_non_ascii_subject_comes_back_as_base64(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(subject="café", event="plain")
    xml = _getevents_xml(sandbox)
    assert "<base64>Y2Fmw6k=</base64>" in xml


def test_digit_only_subject_comes_back_as_int_and_decimal_as_double(
        sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    lj.post(subject="1984", event="first")
    lj.post(subject="3.14", event="second")
    xml = _getevents_xml(sandbox)
    assert "<name>subject</name><value><int>1984</int>" in xml
    assert "<name>subject</name><value><double>3.14</double>" in xml
    subjects = [e["subject"] for e in lj.events()]
    assert 1984 in subjects and 3.14 in subjects


def test_dw_forces_poster_to_string_even_when_digits(sandbox: SandboxServer) -> None:
    sandbox.world.add_user("1234", password="pw")
    sandbox.world.set_role("fluffyfics", "1234", member=True)
    LJ(sandbox.url, "1234", "pw").post(usejournal="fluffyfics")
    xml = _getevents_xml(sandbox, usejournal="fluffyfics")
    assert "<name>poster</name><value><string>1234</string>" in xml


def test_lj_does_not_force_poster_to_string(sandbox_lj: SandboxServer) -> None:
    sandbox_lj.world.add_user("1234", password="pw")
    sandbox_lj.world.set_role("fluffyfics", "1234", member=True)
    LJ(sandbox_lj.url, "1234", "pw").post(usejournal="fluffyfics")
    xml = _getevents_xml(sandbox_lj, usejournal="fluffyfics", password="sandbox-password")
    assert "<name>poster</name><value><int>1234</int>" in xml


def test_dw_non_ascii_fullname_arrives_double_encoded(sandbox: SandboxServer) -> None:
    sandbox.world.update("writer", fullname="Zoë über")
    result = LJ(sandbox.url).call("login")
    assert result["fullname"] == "ZoÃ« Ã¼ber"
    assert result["fullname"].encode("latin-1").decode("utf-8") == "Zoë über"


def test_fault_is_http_200_with_int_code(sandbox: SandboxServer) -> None:
    status, headers, body = http_post(sandbox.url, xml_call(
        "login", {"username": "writer", "password": "wrong"}))
    assert status == 200
    assert headers["content-type"].startswith("text/xml")
    xml = body.decode()
    assert "<name>faultCode</name><value><int>101</int></value>" in xml
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(body)
    assert err.value.faultString == "Invalid password"


def test_fault_prefixes_follow_the_code_ranges(sandbox: SandboxServer) -> None:
    lj = LJ(sandbox.url)
    with pytest.raises(xmlrpc.client.Fault) as err:
        lj.raw("nosuchmode", {})
    assert (err.value.faultCode, err.value.faultString) == (201, "Client error: Unknown method")
    sandbox.faults.add("fault", "login", code=503)
    with pytest.raises(xmlrpc.client.Fault) as err:
        lj.call("login")
    assert err.value.faultString == "Server error: Error obtaining necessary database lock"


def test_extra_positional_parameter_is_202(sandbox: SandboxServer) -> None:
    _, _, body = http_post(sandbox.url, xml_call("getchallenge", {}, {}))
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(body)
    assert (err.value.faultCode, err.value.faultString) == (202, "Client error: Too many "
                                                                 "arguments")


def test_wrong_content_type_is_a_soap_client_fault(sandbox: SandboxServer) -> None:
    _, _, body = http_post(sandbox.url, xml_call("getchallenge", {}),
                           {"Content-Type": "application/json"})
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(body)
    assert err.value.faultCode == "Client"
    assert "Content-Type must be" in err.value.faultString


def test_method_name_with_colon_is_denied(sandbox: SandboxServer) -> None:
    body = xmlrpc.client.dumps(({},), "LJ.XMLRPC.get:challenge").encode()
    _, _, resp = http_post(sandbox.url, body)
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(resp)
    assert err.value.faultCode == "Client"
    assert err.value.faultString.startswith("Denied access to method")


def test_get_on_the_endpoint_is_not_allowed(sandbox: SandboxServer) -> None:
    status, headers, _ = http_get(f"{sandbox.url}/interface/xmlrpc")
    assert status == 405
    assert headers["allow"] == "POST"


def test_dw_missing_usejournal_account_is_a_server_string_fault(sandbox: SandboxServer) -> None:
    body = _post_body(sandbox, usejournal="nosuchcomm")
    with pytest.raises(xmlrpc.client.Fault) as err:
        xmlrpc.client.loads(body)
    assert err.value.faultCode == "Server"
    assert "can_post_to" in err.value.faultString
    assert "<name>faultCode</name><value><string>Server</string>" in body.decode()


def test_keep_alive_serves_many_calls_on_one_connection(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    for _ in range(3):
        conn.request("POST", "/interface/xmlrpc", body=xml_call("getchallenge", {}),
                     headers={"Content-Type": "text/xml"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert re.search(rb"c0:\d+:", resp.read())
    conn.close()
    snapshot = sandbox.stats.snapshot()
    assert snapshot["connections"] == 1
    assert snapshot["modes"]["getchallenge"] == 3


def test_getevents_sends_pc_line_endings_raw(sandbox: SandboxServer) -> None:
    LJ(sandbox.url).post(event="one\ntwo")
    assert "<string>one\r\ntwo</string>" in _getevents_xml(sandbox)
    assert "<string>one\ntwo</string>" in _getevents_xml(sandbox, lineendings="unix")


def _client_view(value: object, key: str, dialect: str) -> str:
    """What a careful client makes of a serialised value (reference §12, §14).

    (Control characters are left out: under name-type keys the real server writes them as
    character references that XML 1.0 forbids, as SOAP::Lite does.)"""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    text = str(value)
    forced = key in ({"name", "poster", "username", "fullname", "journalname", "postername"}
                     if dialect == "dw" else {"journalname"})
    if forced and not text.isascii():
        return text.encode("latin-1").decode("utf-8")
    return text


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
       key=st.sampled_from(["subject", "name", "journalname", "event"]),
       dialect=st.sampled_from(["dw", "lj"]))
def test_serialised_strings_survive_the_round_trip(text: str, key: str, dialect: str) -> None:
    from crosspost.sandbox.wire import dump_response

    params, _ = xmlrpc.client.loads(dump_response({key: text}, dialect), use_builtin_types=True)
    result: Any = params[0]
    value = result[key]
    if isinstance(value, int | float) and not isinstance(value, bool):
        # digit-only / decimal-looking strings come back as numbers (§1.1)
        assert float(value) == float(text)
        return
    assert _client_view(value, key, dialect) == text
