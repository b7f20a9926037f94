"""Generated story corpus for the benchmarks: our own made-up stories, never copied ones.

Stories are deterministic (seeded) so two runs parse the same bytes. Each story has a header
block (``Title:``, ``Author:``, … in the format writers use), a ``***`` fence and a body in
plain text, Markdown or HTML.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("text", "markdown", "html")
SUFFIX = {"text": ".txt", "markdown": ".md", "html": ".html"}

_NAMES = ["Mara Quill", "Tobin Ash", "Ilse Varga", "Juno Pike", "Remy Castell", "Odile Brand",
          "Kasper Lund", "Nell Harrow", "Piet Adler", "Sunniva Holt"]
_FANDOMS = ["Lighthouse Keepers", "The Salt Roads", "Clockwork Harbour", "Glass Orchard"]
_RATINGS = ["G", "PG", "Teen", "Mature"]
_WORD_TEXT = """
the lamp harbour quiet rain stair kettle window letter ferry lantern orchard map salt tide
bell rope ledger compass winter morning promise doorway hollow bright slowly carefully
again almost never tomorrow yesterday said asked laughed waited walked carried folded
opened listened remembered and but because while until she he they we it was were had
would could might not only every each small old cold warm long short green grey blue of in
on under over between across
"""
_WORDS = tuple(_WORD_TEXT.split())


@dataclass(frozen=True)
class GeneratedStory:
    name: str
    fmt: str
    data: bytes
    title: str


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 18))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"])


def _paragraphs(rng: random.Random, words: int) -> list[str]:
    out: list[str] = []
    total = 0
    while total < words:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))
        total += para.count(" ") + 1
        out.append(para)
    return out


def _body(rng: random.Random, fmt: str, words: int) -> str:
    paras = _paragraphs(rng, words)
    if fmt == "markdown":
        paras = [p.replace(" lamp ", " *lamp* ", 1).replace(" tide ", " **tide** ", 1)
                 for p in paras]
        mid = len(paras) // 2
        return "\n\n".join([*paras[:mid], "* * *", *paras[mid:]]) + "\n"
    if fmt == "html":
        html = [f"<p>{p.replace(' lamp ', ' <em>lamp</em> ', 1)}</p>" for p in paras]
        return "\n".join(html) + "\n"
    return "\n\n".join(paras) + "\n"


@functools.lru_cache(maxsize=256)
def _cached_body(key: str, fmt: str, words: int) -> str:
    return _body(random.Random(key), fmt, words)


def make_story(index: int, fmt: str = "text", *, words: int = 1500, seed: int = 6,
               ident: str | None = None, extra_header: dict[str, str] | None = None,
               variety: int | None = None) -> GeneratedStory:
    """One generated story; ``index`` makes title (and so identity) unique. ``variety``: use
    only that many distinct bodies (faster for big folders where the text does not matter)."""
    rng = random.Random(f"{seed}:{index}:{fmt}")
    title = f"{rng.choice(['The', 'A', 'Our'])} {rng.choice(_WORDS).capitalize()} " \
            f"{rng.choice(_WORDS).capitalize()} No. {index}"
    a, b = rng.sample(_NAMES, 2)
    header = {
        "Title": title,
        "Author": "benchwriter",
        "Pairing": f"{a}/{b}",
        "Fandom": rng.choice(_FANDOMS),
        "Rating": rng.choice(_RATINGS),
        "Summary": _sentence(rng),
    }
    if ident:
        header["ID"] = ident
    header.update(extra_header or {})
    head = "".join(f"{k}: {v}\n" for k, v in header.items())
    body = _body(rng, fmt, words) if variety is None else _cached_body(
        f"{seed}:{index % variety}:{fmt}", fmt, words)
    text = f"{head}\n***\n\n{body}"
    return GeneratedStory(f"story-{index:05d}{SUFFIX[fmt]}", fmt, text.encode("utf-8"), title)


def write_corpus(folder: Path, count: int, *, words: int = 1500,
                 formats: tuple[str, ...] = FORMATS, start: int = 0,
                 variety: int | None = None) -> list[Path]:
    """Write ``count`` stories (formats taken in turn) into ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        story = make_story(i, formats[i % len(formats)], words=words, variety=variety)
        path = folder / story.name
        path.write_bytes(story.data)
        paths.append(path)
    return paths
