"""Bytes → text: encodings, byte-order marks, line endings, and refusing what is not text.

UTF-8 (with or without a BOM) is tried first, then UTF-16/32 when a BOM says so (Word's
"Unicode text"). A file that is not valid UTF-8 is read in the legacy encoding
:mod:`.charset` is sure of (Windows-1252 for Word's smart quotes, Windows-1251, Shift-JIS …),
with a warning; when it is not sure the file is refused (save it as UTF-8) rather than
posted as garbled text. CRLF and lone CR line endings become ``\\n``. Empty files, binary files
(NUL bytes, many control bytes) and well-known non-text formats (Word .docx/.doc, PDF, RTF,
images, archives) are refused with a :class:`~crosspost.errors.StoryError` that says what to
do instead.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from crosspost.errors import StoryError
from crosspost.story.model import ParseWarning

_NOT_A_STORY = "story files must be text; move it out of the stories folder"
#: (magic prefix, what it is, how to fix it)
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a zip archive (a Word .docx or OpenDocument file is one)",
     "open it in your word processor and save it as plain text (.txt, UTF-8)"),
    (b"\xd0\xcf\x11\xe0", "an old Word .doc (or other Office) file",
     "open it in your word processor and save it as plain text (.txt, UTF-8)"),
    (b"%PDF-", "a PDF file", "export the story from its source as plain text (.txt, UTF-8)"),
    (b"{\\rtf", "an RTF file", "save it as plain text (.txt, UTF-8) instead of Rich Text"),
    (b"\x89PNG", "a PNG image", _NOT_A_STORY),
    (b"\xff\xd8\xff", "a JPEG image", _NOT_A_STORY),
    (b"GIF8", "a GIF image", _NOT_A_STORY),
    (b"\x1f\x8b", "a gzip archive", "unpack it and use the story file inside"),
)

_MAGIC_STARTS = tuple(magic for magic, _what, _fix in _MAGIC)

# Bytes that count as "control" (binary-looking): C0 controls except tab, LF, VT, FF, CR, ESC.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
_SAMPLE = 65536
# Control characters XML (and so the LJ protocol) cannot carry; stripped from the text.
_STRAY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_NOT_STRAY = bytes(b for b in range(256) if not (b <= 8 or b in (11, 12) or 14 <= b <= 31
                                                  or b == 127))


@dataclass(frozen=True)
class Decoded:
    """A decoded story file: text with ``\\n`` line endings, and how it was read."""

    text: str
    encoding: str
    warnings: tuple[ParseWarning, ...] = ()


def _refuse(message: str, path: Path | None, fix: str) -> StoryError:
    return StoryError(message, path=path, fix=fix)


def _wide_decode(data: bytes) -> tuple[str, str] | None:
    """Decode UTF-16/32 text announced by its byte-order mark, or None."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                       (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


_SAVE_UTF8 = ("save it as UTF-8 (Notepad: File → Save as → Encoding: UTF-8; Word: Save as "
              "Plain Text → Unicode (UTF-8))")


def _legacy(data: bytes, bad: int, path: Path | None) -> tuple[str, str, ParseWarning]:
    """A file that is not UTF-8: (text, codec, the warning), in the encoding
    :func:`.charset.guess` is sure of; StoryError (nothing posted) when it is not sure."""
    from crosspost.story.parse.charset import guess

    line = (data.count(b"\n", 0, bad) or data.count(b"\r", 0, bad)) + 1
    found = guess(data)
    if found is None:
        raise StoryError(
            "the file is not UTF-8 and its encoding cannot be told for sure (Russian, "
            "Japanese or another script read wrongly would be posted as garbled text)",
            path=path, line=line, fix=_SAVE_UTF8)
    text = data.decode(found.codec, errors="replace")
    return text, found.codec, ParseWarning(
        f"the file is not UTF-8; read it as {found.name}", line,
        "save it as UTF-8 to be sure every character comes out right")


def check_not_binary(data: bytes, path: Path | None, *, no_controls: bool = False) -> None:
    """Raise StoryError when ``data`` is empty or clearly not a text file. ``no_controls``:
    the caller found no control byte in it (nothing to count)."""
    if not data or data.isspace():
        raise _refuse("the file is empty" if not data else "the file holds only blank lines",
                      path, "write a header (Title: …), a *** line, then the story")
    if data.startswith(_MAGIC_STARTS):
        for magic, what, fix in _MAGIC:
            if data.startswith(magic):
                raise _refuse(f"this is {what}, not a text story file", path, fix)
    if no_controls:
        return
    sample = data[:_SAMPLE]
    controls = len(sample.translate(None, _NOT_CONTROL))
    if b"\x00" in data or controls * 20 > len(sample):
        raise _refuse("this looks like a binary file, not a text story file", path,
                      "save the story as plain text (.txt, UTF-8), Markdown (.md) or HTML")


def decode(data: bytes, path: Path | None = None) -> Decoded:
    """Decode story bytes to text with ``\\n`` line endings (see module docstring)."""
    warnings: list[ParseWarning] = []
    strays = False
    wide = _wide_decode(data)
    if wide is not None:
        # NUL bytes are normal in UTF-16/32: look for binary content in the decoded text.
        text, encoding = wide
        check_not_binary(text.encode("utf-8", errors="replace"), path)
    else:
        # no stray control byte (nor NUL): nothing for the binary check to count either
        strays = bool(data.translate(None, _NOT_STRAY))
        check_not_binary(data, path, no_controls=not strays)
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            text, encoding, warning = _legacy(data, exc.start, path)
            warnings.append(warning)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    # Fast path: for byte-wise encodings, no control byte in the file means nothing to strip.
    maybe = wide is not None or strays or (not data.isascii() and (
        b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data))
    found = _STRAY_CONTROLS.search(text) if maybe else None
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        text = _STRAY_CONTROLS.sub("", text)
        warnings.append(ParseWarning(
            "removed control characters that sites refuse", line,
            "they are invisible; nothing to do unless the story looks wrong"))
    return Decoded(text, encoding, tuple(warnings))


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Text from an escape-decoding source (YAML ``"\\x07"``, ``"\\ud83d\\ude00"``): surrogate
    pairs joined, lone surrogates replaced, control characters removed."""
    if value.isascii():  # no surrogates; look for a control byte at C speed
        if not value.encode("ascii").translate(None, _NOT_STRAY):
            return value
        return _STRAY_CONTROLS.sub("", value)
    if _SURROGATE.search(value):
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _STRAY_CONTROLS.sub("", value)


#: What :func:`clean_text` changes.
_UNCLEAN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_CLEAN_BYTES = bytes(b for b in range(128) if not ((b < 32 and b not in (9, 10, 13)) or b == 127))


def is_clean(text: str) -> bool:
    """Whether :func:`clean_text` would leave ``text`` as it is (fast for ASCII)."""
    if text.isascii():
        return not text.encode("ascii").translate(None, _CLEAN_BYTES)
    return _UNCLEAN.search(text) is None
