"""XML-RPC on the wire, the way Perl's XMLRPC::Lite does it (reference §1.1, §14).

Requests are parsed with :func:`xmlrpc.client.loads`. Responses are serialised by hand,
because the real servers hand untyped Perl values to XMLRPC::Lite, which *guesses* each
value's type: non-ASCII text becomes ``<base64>``, digit-only text becomes ``<int>``, and so
on. Only a few "name-type" keys are forced to ``<string>``, and those arrive double-encoded
when they hold non-ASCII text.
"""

from __future__ import annotations

import base64
import re
import xmlrpc.client
from typing import Any
from xml.sax.saxutils import escape

#: DW: keys forced to <string> (Protocol.pm:3604-3637).
DW_STRING_KEYS = frozenset({"username", "journalname", "fullname", "poster", "postername", "name"})
#: LJ: only journalname is forced (Apache/LiveJournal.pm:2530-2553).
LJ_STRING_KEYS = frozenset({"journalname"})

_BASE64_RE = re.compile(r"[^\x09\x0a\x0d\x20-\x7f]")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DOUBLE_RE = re.compile(
    r"^(?:-?(?:\d+(?:\.\d*)?|\.\d+)|[+-]?(?=\d|\.\d)\d*(?:\.\d*)?(?:[Ee][+-]?\d+)?)$")
_DATETIME_RE = re.compile(r"^\d{8}T\d\d:\d\d:\d\d$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")

#: Content types SOAP::Transport::HTTP lets through (SOAP/Transport/HTTP.pm:430-444).
_ALLOWED_CTYPES = ("text/xml", "application/soap+xml", "application/dime")


class WireFault(Exception):
    """A SOAP-level fault with a *string* code ("Client"/"Server"), outside the LJ error table."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def string_keys(dialect: str) -> frozenset[str]:
    """The keys a dialect forces to ``<string>``."""
    return DW_STRING_KEYS if dialect == "dw" else LJ_STRING_KEYS


def check_content_type(ctype: str | None) -> None:
    """Raise a SOAP ``Client`` fault for content types XMLRPC::Lite refuses."""
    value = (ctype or "").split(";")[0].strip().lower()
    if not value or value in _ALLOWED_CTYPES or value.startswith("multipart/"):
        return
    raise WireFault("Client", "Content-Type must be 'text/xml,multipart/*,application/soap+xml,"
                              f"application/dime' instead of '{value}'")


def parse_request(body: bytes) -> tuple[str, tuple[Any, ...]]:
    """``(method name, params)``; base64 values arrive as ``bytes``."""
    try:
        params, method = xmlrpc.client.loads(body, use_builtin_types=True)
    except Exception as exc:  # expat errors, bad values: SOAP::Lite's deserialisation fault
        raise WireFault("Client", "Application failed during request deserialization: "
                                  f"{exc}") from None
    if not method:
        raise WireFault("Client", "Application failed during request deserialization: "
                                  "no methodName")
    return method, params


def _scalar(value: str, forced: bool) -> str:
    if forced:
        if not value.isascii():
            # DW: name-type keys are sent as <string> whose chars are the UTF-8 bytes (§14)
            value = value.encode("utf-8", "surrogateescape").decode("latin-1")
        # SOAP::Lite's encode_data writes control characters as character references
        return "<string>" + _CONTROL_RE.sub(lambda m: f"&#x{ord(m[0]):02X};",
                                            escape(value)) + "</string>"
    if _BASE64_RE.search(value):
        data = base64.b64encode(value.encode("utf-8", "surrogateescape")).decode("ascii")
        return f"<base64>{data}</base64>"
    if _INT_RE.match(value) and -2147483648 <= int(value) <= 2147483647:
        return f"<int>{value}</int>"
    if _DOUBLE_RE.match(value):
        return f"<double>{value}</double>"
    if _DATETIME_RE.match(value):
        return f"<dateTime.iso8601>{value}</dateTime.iso8601>"
    return f"<string>{escape(value)}</string>"


def _value(value: Any, keys: frozenset[str], forced: bool = False) -> str:
    if isinstance(value, bool):
        return _scalar(str(int(value)), forced)
    if isinstance(value, int | float):
        return _scalar(str(value), forced)
    if isinstance(value, bytes):
        return f"<base64>{base64.b64encode(value).decode('ascii')}</base64>"
    if isinstance(value, dict):
        members = "".join(
            f"<member><name>{escape(str(k))}</name><value>{_value(v, keys, str(k) in keys)}"
            "</value></member>" for k, v in value.items())
        return f"<struct>{members}</struct>"
    if isinstance(value, list | tuple):
        # a forced key holding an array forces each element too (getusertags' names are
        # inside structs, so this only matters for plain arrays under those keys)
        items = "".join(f"<value>{_value(v, keys, forced)}</value>" for v in value)
        return f"<array><data>{items}</data></array>"
    if value is None:
        return "<string></string>"
    return _scalar(str(value), forced)


def dump_response(result: dict[str, Any], dialect: str) -> bytes:
    """Serialise a successful result the XMLRPC::Lite way."""
    body = _value(result, string_keys(dialect))
    return ('<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param>'
            f"<value>{body}</value></param></params></methodResponse>").encode()


def dump_fault(code: int | str, message: str, dialect: str = "dw") -> bytes:
    """Serialise a fault. The code goes through the same type guessing (int or string)."""
    body = _value({"faultString": message, "faultCode": code}, string_keys(dialect))
    return ('<?xml version="1.0" encoding="UTF-8"?><methodResponse><fault>'
            f"<value>{body}</value></fault></methodResponse>").encode()
