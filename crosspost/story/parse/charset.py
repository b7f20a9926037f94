"""Which legacy encoding a story file that is not UTF-8 is in, or that it cannot be told.

Word and Notepad on Western Windows save Windows-1252 (smart quotes, accented letters); a
writer of Russian or Japanese saves Windows-1251 or Shift-JIS, and reading those as
Windows-1252 gives mojibake (``Ïðèâåò``) that would be posted publicly. The decision:

1. Windows-1252 when it reads as Western text: its non-ASCII letters sit inside mostly-ASCII
   words (``Café``, ``Grüße``), not as whole words of accented letters (``Ïðèâåò``).
2. Else the first candidate of the detector (charset-normalizer) whose text is clean (no
   undecodable bytes, no private-use or unassigned characters) and holds at least
   :data:`MIN_EVIDENCE` non-ASCII letters, :data:`MIN_PURITY` of them in one script
   (Cyrillic, Japanese kana and kanji, Greek …). Mojibake mixes scripts; a short file
   gives too little evidence.
3. Else None: the caller refuses the file and asks for UTF-8 instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: non-ASCII letters a guess needs before it counts as sure
MIN_EVIDENCE = 20
#: share of those letters in one script family
MIN_PURITY = 0.95
#: share of letters that may be non-ASCII in the words holding them, for Windows-1252
MAX_WESTERN_SHARE = 0.5
#: bytes the detector looks at (it samples larger files itself)
_SAMPLE = 256 * 1024

_WORD = re.compile(r"[^\W\d_]+")
#: the script families a story is written in; a letter outside every family is mess
_FAMILIES: dict[str, frozenset[str]] = {
    "Cyrillic": frozenset({"CYRILLIC"}),
    "Japanese": frozenset({"HIRAGANA", "KATAKANA", "CJK", "HALFWIDTH"}),
    "Chinese": frozenset({"CJK"}),
    "Korean": frozenset({"HANGUL", "CJK"}),
    "Greek": frozenset({"GREEK"}),
    "Hebrew": frozenset({"HEBREW"}),
    "Arabic": frozenset({"ARABIC"}),
    "Thai": frozenset({"THAI"}),
    "Latin": frozenset({"LATIN"}),
}
#: readable names for the encodings the detector names
NAMES: dict[str, str] = {
    "cp1252": "Windows-1252", "cp1251": "Windows-1251 (Cyrillic)", "koi8_r": "KOI8-R (Russian)",
    "koi8_u": "KOI8-U (Ukrainian)", "cp866": "DOS Cyrillic (CP866)", "mac_cyrillic":
    "Mac Cyrillic", "iso8859_5": "ISO-8859-5 (Cyrillic)", "cp932": "Shift-JIS (Japanese)",
    "shift_jis": "Shift-JIS (Japanese)", "euc_jp": "EUC-JP (Japanese)", "euc_jis_2004":
    "EUC-JP (Japanese)", "iso2022_jp": "ISO-2022-JP (Japanese)", "gb2312": "GB2312 (Chinese)",
    "gbk": "GBK (Chinese)", "gb18030": "GB18030 (Chinese)", "big5": "Big5 (Chinese)",
    "cp949": "EUC-KR (Korean)", "euc_kr": "EUC-KR (Korean)", "cp1253": "Windows-1253 (Greek)",
    "cp1255": "Windows-1255 (Hebrew)", "cp1256": "Windows-1256 (Arabic)",
    "cp874": "Windows-874 (Thai)",
}


@dataclass(frozen=True)
class Guess:
    """A legacy encoding chosen for a file: the codec name and a name to show."""

    codec: str
    name: str


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith("HANGUL") and not name.startswith("HANGUL SYLLABLE"):
        return "JAMO"  # lone jamo are what Japanese bytes read as Korean look like
    return name.split(" ", 1)[0] if name else ""


def western_share(text: str) -> float:
    """Share of non-ASCII letters among the letters of the words that hold any: low for
    Western text, near 1 for another script read as Windows-1252; 0 when no word of three
    or more letters is all non-ASCII (a stray ``Ã`` or ``à`` is no evidence)."""
    letters = odd = 0
    foreign = False  # a word of 3+ letters, none of them ASCII ("Ïðèâåò")
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        n = sum(1 for ch in word if not ch.isascii())
        letters += len(word)
        odd += n
        foreign = foreign or (n == len(word) >= 3)
    return odd / letters if letters and foreign else 0.0


def script_family(text: str) -> str | None:
    """The one script family the non-ASCII letters of ``text`` are written in, or None when
    there are too few of them or they mix scripts (mojibake)."""
    counts: dict[str, int] = {}
    total = 0
    for ch in text:
        if ch.isascii() or not ch.isalpha():
            continue
        total += 1
        script = _script(ch)
        counts[script] = counts.get(script, 0) + 1
    if total < MIN_EVIDENCE:
        return None
    for family, scripts in _FAMILIES.items():
        if sum(counts.get(s, 0) for s in scripts) >= MIN_PURITY * total:
            return family
    return None


def _clean(text: str) -> bool:
    """No replacement character, private-use or unassigned code point (control characters
    are fine: the decoder strips them from any file)."""
    return "\ufffd" not in text and not any(
        unicodedata.category(ch) in ("Co", "Cn") for ch in text if not ch.isascii())


def _decode_sample(sample: bytes, codec: str, whole: bool) -> str | None:
    """``sample`` decoded strictly; a cut sample may end inside a multi-byte character."""
    for trim in range(0 if whole else 4):
        try:
            return (sample[:-trim] if trim else sample).decode(codec)
        except UnicodeDecodeError:
            continue
        except LookupError:
            return None
    try:
        return sample.decode(codec) if whole else None
    except (UnicodeDecodeError, LookupError):
        return None


def guess(data: bytes) -> Guess | None:
    """The encoding of ``data`` (which is not UTF-8) per the module docstring, or None.
    The decision reads at most the first :data:`_SAMPLE` bytes (a 5 MB file costs no more
    than a long story)."""
    sample = data[:_SAMPLE]
    western = sample.decode("cp1252", errors="replace")
    if western_share(western) <= MAX_WESTERN_SHARE:
        return Guess("cp1252", NAMES["cp1252"])
    from charset_normalizer import from_bytes

    whole = len(sample) == len(data)
    for match in from_bytes(sample):
        codec = match.encoding
        text = _decode_sample(sample, codec, whole)
        if text is None:
            continue
        family = script_family(text)
        if family is not None and family != "Latin" and _clean(text):
            return Guess(codec, NAMES.get(codec, codec))
    return None
