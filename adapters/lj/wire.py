"""XML-RPC encoding and the LJ servers' serialisation quirks (reference §1.1, §14).

The servers answer with untyped Perl values that XMLRPC::Lite guesses types for, so:

- a non-ASCII string arrives as ``<base64>`` (bytes holding UTF-8);
- under the "name-type" keys DW forces to ``<string>`` (``username``, ``journalname``,
  ``fullname``, ``poster``, ``postername``, ``name`` — so every tag name of ``getusertags``)
  a non-ASCII value arrives *double-encoded*: its UTF-8 bytes read as Latin-1;
- a digit-only string arrives as ``<int>``, a decimal-looking one as ``<double>`` and a
  ``20020713T20:35:00``-shaped one as ``<dateTime.iso8601>``.

:func:`loads` keeps the lexical form of every number (``WireInt.raw``) and returns dates as
plain strings, so :func:`text` can give back exactly what the server stored (``"007"``
stays ``"007"``). :func:`decode` turns a whole response into plain Python values.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

#: keys whose non-ASCII values arrive double-encoded instead of base64 (§14).
NAME_KEYS = frozenset({"username", "journalname", "fullname", "poster", "postername", "name"})

#: keys whose values are text even when the server sent a number or base64.
TEXT_KEYS = frozenset({"subject", "event", "url", "message", "display", "eventtime",
                       "logtime", "security", "ljsession", "challenge", "item", "action",
                       "time", "faultString"})


class WireInt(int):
    """An ``<int>`` that remembers how the server wrote it."""

    raw: str

    @classmethod
    def parse(cls, lexical: str) -> WireInt:
        value = cls(int(lexical.strip()))
        value.raw = lexical.strip()
        return value


class WireFloat(float):
    """A ``<double>`` that remembers how the server wrote it."""

    raw: str

    @classmethod
    def parse(cls, lexical: str) -> WireFloat:
        value = cls(float(lexical.strip()))
        value.raw = lexical.strip()
        return value


class _Unmarshaller(xmlrpc.client.Unmarshaller):
    """The stdlib unmarshaller, keeping numbers' lexical form and dates as text."""

    dispatch = dict(xmlrpc.client.Unmarshaller.dispatch)  # noqa: RUF012

    def end_int(self, data: str) -> None:
        self.append(WireInt.parse(data))
        self._value = False

    def end_double(self, data: str) -> None:
        self.append(WireFloat.parse(data))
        self._value = False

    def end_date(self, data: str) -> None:
        # XMLRPC::Lite turns a date-shaped *string* into a date: keep the text.
        self.append(data)
        self._value = False


_dispatch: dict[str, Callable[[Any, str], None]] = _Unmarshaller.dispatch
for _tag in ("i1", "i2", "i4", "i8", "int", "biginteger"):
    _dispatch[_tag] = _Unmarshaller.end_int
for _tag in ("double", "float", "bigdecimal"):
    _dispatch[_tag] = _Unmarshaller.end_double
_dispatch["dateTime.iso8601"] = _Unmarshaller.end_date


def dumps(method: str, params: dict[str, Any]) -> bytes:
    """One ``methodCall`` with a single struct parameter, UTF-8 encoded."""
    body = xmlrpc.client.dumps((params,), methodname=method, encoding="utf-8",
                              allow_none=False)
    return body.encode("utf-8")


def loads(data: bytes) -> Any:
    """Parse a ``methodResponse``; raises :class:`xmlrpc.client.Fault` for a fault
    (whose ``faultCode`` may be the *string* ``"Server"`` or ``"Client"``, §1.1)."""
    unmarshaller = _Unmarshaller(use_datetime=False, use_builtin_types=True)
    parser = xmlrpc.client.ExpatParser(unmarshaller)
    parser.feed(data)
    parser.close()
    result = unmarshaller.close()
    return result[0] if len(result) == 1 else result


def text(value: Any) -> str:
    """A text field as the server stored it: base64 bytes → UTF-8, numbers → their own
    digits, None → ``""``."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, WireInt | WireFloat):
        return value.raw
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def name(value: Any) -> str:
    """A name-type field (§14): undo the double encoding when the value is one; a value
    that is not double-encoded UTF-8 is kept as it is."""
    out = text(value)
    if isinstance(value, bytes | bytearray) or out.isascii():
        return out  # base64 (LJ sends names that way) is plain UTF-8 already
    try:
        return out.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return out


def integer(value: Any, default: int | None = None) -> int | None:
    """An int field that may have arrived as a string or bytes."""
    if value is None or value == "":
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    try:
        return int(text(value).strip())
    except ValueError:
        return default


def decode(value: Any, key: str = "") -> Any:
    """Turn a whole response into plain values: texts as ``str`` (name keys un-doubled),
    structs and arrays recursively; numbers under non-text keys stay ``int``/``float``."""
    if isinstance(value, dict):
        if key == "props":  # prop values are text, whatever type the server guessed
            return {str(k): text(v) for k, v in value.items()}
        return {str(k): decode(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, key) for v in value]
    if key in NAME_KEYS:
        return name(value)
    if isinstance(value, bytes | bytearray) or key in TEXT_KEYS:
        return text(value)
    if isinstance(value, WireInt):
        return int(value)
    if isinstance(value, WireFloat):
        return float(value)
    return value


def fault_text(fault_string: Any) -> str:
    """A fault's string, which may itself be base64 when non-ASCII."""
    return text(fault_string)
