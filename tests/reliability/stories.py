"""Story generators for the reliability suites: good batches and many kinds of bad files.

Everything is deterministic for a given ``random.Random`` so that a failing run can be
replayed from its seed. The text is our own word salad (never the shared example story).
Every good story gets a unique title, so the subject an entry carries names the story it
came from (the harness configures ``subject = "{title}"``).
"""

from __future__ import annotations

import codecs
import random
from dataclasses import dataclass

_WORD_TEXT = """
    lantern tide harbour quiet morning letter kettle rain window promise river station
    violet thread compass archive ember meadow signal orchard paper candle winter tower
    bridge whisper garden ledger anchor comet velvet hollow cinder beacon willow marble
    salt honey atlas ribbon chapel mirror copper fable season courtyard falcon ivy
    question answer stayed left returned waited listened smiled turned remembered
"""
WORDS = tuple(_WORD_TEXT.split())

UNICODE_WORDS = ("café", "naïve", "“quoted”", "—", "Ørsted", "Zoë", "façade", "déjà", "…")

PAIRINGS = ("Ianto Jones/Tenth Doctor", "Amy Pond/Rory Williams", "Rose Tyler/Martha Jones")
FANDOMS = ("Torchwood", "Doctor Who", "Torchwood/Doctor Who")
RATINGS = ("PG", "Teen", "G")


@dataclass(frozen=True)
class StoryFile:
    """A story file to drop into a folder: its name, exact bytes and the title it carries."""

    name: str
    data: bytes
    title: str
    kind: str = "good"


def _sentence(rng: random.Random, unicode_ok: bool) -> str:
    n = rng.randint(5, 14)
    words = [rng.choice(WORDS) for _ in range(n)]
    if unicode_ok and rng.random() < 0.3:
        words[rng.randrange(n)] = rng.choice(UNICODE_WORDS)
    return " ".join(words).capitalize() + rng.choice(".!?")


def body_text(rng: random.Random, paragraphs: int, *, unicode_ok: bool = True) -> str:
    """Plain-text paragraphs separated by blank lines, with an occasional scene break."""
    out: list[str] = []
    for i in range(paragraphs):
        if i and rng.random() < 0.15:
            out.append("***")
        out.append(" ".join(_sentence(rng, unicode_ok) for _ in range(rng.randint(2, 5))))
    return "\n\n".join(out)


def good_story(rng: random.Random, tag: str, index: int, *, with_id: bool | None = None,
               paragraphs: int | None = None, crlf: bool | None = None) -> StoryFile:
    """One valid plain-text story with a unique title ``<Word> <Word> <tag>-<index>``.

    ``with_id`` adds an ``ID:`` header (identity by ID; otherwise by author + title);
    ``crlf`` writes Windows line endings.
    """
    title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {tag}-{index:03d}"
    if with_id is None:
        with_id = rng.random() < 0.5
    if crlf is None:
        crlf = rng.random() < 0.2
    header = [
        f"Title: {title}",
        "By: harnesswriter",
        f"Pairing: {rng.choice(PAIRINGS)}",
        f"Fandom: {rng.choice(FANDOMS)}",
        f"Rating: {rng.choice(RATINGS)}",
        f"Summary: {_sentence(rng, True)}",
    ]
    if with_id:
        header.insert(0, f"ID: {tag}-{index:03d}-{rng.randrange(16**6):06x}")
    text = "\n".join(header) + "\n\n***\n\n" + body_text(rng, paragraphs or rng.randint(3, 8))
    text += "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    slug = title.lower().replace(" ", "-")
    return StoryFile(name=f"{slug}.txt", data=text.encode("utf-8"), title=title)


def good_batch(seed: object, count: int, tag: str) -> list[StoryFile]:
    """``count`` distinct valid stories; titles carry ``tag`` so runs never collide."""
    rng = random.Random(f"{seed}:{tag}")
    return [good_story(rng, tag, i) for i in range(count)]


# -- bad files -----------------------------------------------------------------------------

#: Kinds the parser must refuse with a StoryError (the story is not usable at all).
CERTAINLY_BAD = ("empty", "whitespace", "random_bytes", "binary_png", "gzip")
#: Kinds that may parse or not (depends on parser policy), but must never crash anything.
MAYBE_BAD = (
    "nul_bytes", "utf16_no_bom", "header_only", "no_title", "truncated_header",
    "truncated_utf8", "latin1", "enormous_line", "deep_html",
    "unclosed_html", "mixed_newlines", "lone_cr", "bom_then_junk", "control_chars",
    "huge_header_value", "many_fields", "truncated_body", "mutated", "spliced",
)
BAD_KINDS = CERTAINLY_BAD + MAYBE_BAD


def bad_story(rng: random.Random, kind: str, tag: str, index: int) -> StoryFile:
    """A file of the given bad ``kind``; derived files use their own unique base story, so a
    bad file never shares an identity with a good one."""
    base = good_story(rng, f"{tag}bad", index, with_id=False, crlf=False)
    text = base.data.decode("utf-8")
    title = base.title
    data: bytes
    ext = ".txt"
    if kind == "empty":
        data = b""
    elif kind == "whitespace":
        data = rng.choice([b" \n\t\n", b"\r\n\r\n", b"   "])
    elif kind == "random_bytes":
        data = rng.randbytes(rng.randint(1, 4000))
        # a random prefix may look like text; make sure it is binary-looking
        data = b"\x00\xff\xfe" + data
    elif kind == "binary_png":
        data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(500)
    elif kind == "gzip":
        data = b"\x1f\x8b\x08\x00" + rng.randbytes(300)
    elif kind == "nul_bytes":
        data = text.encode().replace(b" ", b"\x00")
    elif kind == "utf16_no_bom":
        data = text.encode("utf-16-le")
    elif kind == "header_only":
        data = "\n".join(text.split("\n***\n")[0].splitlines()[:3]).encode() + b"\n"
    elif kind == "no_title":
        data = "\n".join(ln for ln in text.splitlines() if not ln.startswith("Title:")).encode()
    elif kind == "truncated_header":
        head = text.split("\n***\n")[0]
        data = head[: rng.randint(1, max(1, len(head) - 1))].encode()
    elif kind == "truncated_utf8":
        raw = ("Title: " + title + " déjà vu\n\n***\n\nÉtude " + body_text(rng, 2)).encode()
        cut = raw.index("É".encode()) + 1  # cut inside a two-byte sequence
        data = raw[:cut] + raw[cut + 1:]
    elif kind == "latin1":
        data = text.replace("By:", "By: Zoë,").encode("utf-8", "replace")
        data = data.replace("ë".encode(), "ë".encode("latin-1"))
    elif kind == "enormous_line":
        data = (text + "\n" + "x" * rng.randint(200_000, 600_000) + "\n").encode()
    elif kind == "deep_html":
        depth = rng.choice([500, 2000, 20000])
        body = "<div>" * depth + "deep" + "</div>" * depth
        data = f"Title: {title}\nBy: harnesswriter\n\n***\n\n{body}\n".encode()
        ext = ".html"
    elif kind == "unclosed_html":
        body = "".join(rng.choice(["<b>", "<i>", "<p>", "<span class='x'>", "<lj-cut>",
                                   "<table><tr><td>", "<!--", "<![CDATA["])
                       for _ in range(rng.randint(50, 3000)))
        data = f"Title: {title}\nBy: harnesswriter\n\n***\n\n{body}words\n".encode()
        ext = ".html"
    elif kind == "mixed_newlines":
        data = text.replace("\n", rng.choice(["\r", "\r\n", "\n\r"]), rng.randint(1, 20)).encode()
    elif kind == "lone_cr":
        data = text.replace("\n", "\r").encode()
    elif kind == "bom_then_junk":
        data = codecs.BOM_UTF8 + b"\xc3\x28\xa0\xa1" + text.encode()
    elif kind == "control_chars":
        chars = "\x01\x02\x07\x08\x0b\x0c\x1b\x7f\u200b\u202e\ufeff"
        data = "".join(c if rng.random() > 0.05 else rng.choice(chars) for c in text).encode()
    elif kind == "huge_header_value":
        data = text.replace("Summary:", "Summary: " + "long " * rng.randint(5_000, 60_000), 1
                            ).encode()
    elif kind == "many_fields":
        extra = "".join(f"Field{i}: value {i}\n" for i in range(rng.randint(200, 5000)))
        data = (extra + text).encode()
    elif kind == "truncated_body":
        data = text.encode()[: rng.randint(len(text) // 2, len(text) - 1)]
    elif kind == "mutated":  # a few random bytes flipped, inserted or deleted anywhere
        buf = bytearray(text.encode())
        for _ in range(rng.randint(1, 12)):
            at = rng.randrange(len(buf))
            op = rng.random()
            if op < 0.4:
                buf[at] = rng.randrange(256)
            elif op < 0.7:
                buf[at:at] = rng.randbytes(rng.randint(1, 8))
            else:
                del buf[at:at + rng.randint(1, 8)]
        data = bytes(buf)
    elif kind == "spliced":  # a header pasted into the middle of another story's body
        raw = text.encode()
        at = rng.randrange(len(raw))
        data = raw[at:] + b"\n\nTitle: " + title.encode() + b" again\n***\n" + raw[:at]
    else:  # pragma: no cover - programming error in a test
        raise ValueError(f"unknown bad kind {kind!r}")
    slug = f"{tag}-bad-{index:03d}-{kind.replace('_', '-')}{ext}"
    return StoryFile(name=slug, data=data, title=title, kind=kind)


def bad_batch(seed: object, tag: str, per_kind: int = 1,
              kinds: tuple[str, ...] = BAD_KINDS) -> list[StoryFile]:
    """``per_kind`` files of every kind, deterministic for ``seed``."""
    rng = random.Random(f"{seed}:{tag}:bad")
    out: list[StoryFile] = []
    for kind in kinds:
        for _ in range(per_kind):
            out.append(bad_story(rng, kind, tag, len(out)))
    return out
