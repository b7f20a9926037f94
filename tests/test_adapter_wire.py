"""The LJ servers' serialisation quirks are undone by the adapter's wire layer (§1.1, §14)."""

from __future__ import annotations

import base64
import xmlrpc.client

import pytest
from crosspost_adapters.lj import wire


def _response(members: str) -> bytes:
    return (f"<?xml version='1.0'?><methodResponse><params><param><value><struct>{members}"
            "</struct></value></param></params></methodResponse>").encode()


def _member(name: str, value: str) -> str:
    return f"<member><name>{name}</name><value>{value}</value></member>"


def test_base64_subject_decodes_to_utf8_text() -> None:
    b64 = base64.b64encode("café ☕".encode()).decode()
    got = wire.decode(wire.loads(_response(_member("subject", f"<base64>{b64}</base64>"))))
    assert got == {"subject": "café ☕"}


def test_digit_only_subject_keeps_its_own_digits() -> None:
    got = wire.decode(wire.loads(_response(_member("subject", "<int>007</int>"))))
    assert got["subject"] == "007"


def test_date_shaped_subject_stays_text() -> None:
    xml = _response(_member("subject", "<dateTime.iso8601>20020713T20:35:00</dateTime.iso8601>"))
    assert wire.decode(wire.loads(xml))["subject"] == "20020713T20:35:00"


def test_decimal_prop_value_keeps_lexical_form() -> None:
    xml = _response(_member("props", "<struct>" + _member("current_music", "<double>1.50</double>")
                            + _member("opt_preformatted", "<int>1</int>") + "</struct>"))
    assert wire.decode(wire.loads(xml))["props"] == {"current_music": "1.50",
                                                     "opt_preformatted": "1"}


def test_double_encoded_tag_name_is_undone() -> None:
    doubled = "über fandom ☕".encode().decode("latin-1")
    xml = _response(_member("tags", "<array><data><value><struct>"
                            + _member("name", f"<string>{xmlrpc.client.escape(doubled)}</string>")
                            + _member("uses", "<int>3</int>")
                            + "</struct></value></data></array>"))
    tags = wire.decode(wire.loads(xml))["tags"]
    assert tags == [{"name": "über fandom ☕", "uses": 3}]


def test_name_that_is_not_double_encoded_is_kept() -> None:
    assert wire.name("café") == "café"  # é alone is not a UTF-8 sequence read as Latin-1
    assert wire.name("plain") == "plain"


def test_itemid_stays_an_integer() -> None:
    got = wire.decode(wire.loads(_response(_member("itemid", "<int>12</int>")
                                           + _member("anum", "<i4>200</i4>"))))
    assert got == {"itemid": 12, "anum": 200}


def test_string_fault_code_is_kept_as_a_string() -> None:
    xml = (b"<?xml version='1.0'?><methodResponse><fault><value><struct>"
           b"<member><name>faultCode</name><value><string>Server</string></value></member>"
           b"<member><name>faultString</name><value><string>Can't call method</string></value>"
           b"</member></struct></value></fault></methodResponse>")
    with pytest.raises(xmlrpc.client.Fault) as info:
        wire.loads(xml)
    assert wire.text(info.value.faultCode) == "Server"
    assert wire.integer(info.value.faultCode) is None


def test_base64_fault_string_decodes() -> None:
    msg = base64.b64encode("Client error: Unknown metadata: über".encode()).decode()
    xml = ("<?xml version='1.0'?><methodResponse><fault><value><struct>"
           "<member><name>faultCode</name><value><int>205</int></value></member>"
           f"<member><name>faultString</name><value><base64>{msg}</base64></value></member>"
           "</struct></value></fault></methodResponse>").encode()
    with pytest.raises(xmlrpc.client.Fault) as info:
        wire.loads(xml)
    assert wire.fault_text(info.value.faultString) == "Client error: Unknown metadata: über"
    assert wire.integer(info.value.faultCode) == 205


def test_request_is_one_struct_in_utf8() -> None:
    body = wire.dumps("LJ.XMLRPC.postevent", {"subject": "Ünïcode", "ver": 1})
    params, method = xmlrpc.client.loads(body)
    assert method == "LJ.XMLRPC.postevent"
    assert params == ({"subject": "Ünïcode", "ver": 1},)
    assert "Ünïcode".encode() in body


def test_base64_name_is_not_undoubled() -> None:
    raw = "Ã©tude".encode()  # a real name that happens to look double-encoded
    assert wire.name(raw) == "Ã©tude"
