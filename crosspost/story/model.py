"""The parsed story: header fields, body and where they came from.

A :class:`Story` is what every parser (plain text, Markdown, HTML) returns and what the
renderer, the tag mapper and the delivery engine consume. It is immutable.

Field keys are *canonical names*: known fields use the names in ``crosspost.story.fields``
(``title``, ``author``, ``pairing``, ``fandom``, …); unknown fields keep their header name
normalised to a key (lower-case, runs of non-alphanumerics become ``_``: ``Cross-posted to``
→ ``cross_posted_to``). Templates (``{title} ({pairing})``) and tag maps reach every field
by that key.

Identity (which story a file *is*, so that a changed file is an edit and not a new post):
the ``ID`` header when given, else the normalised author and title. The file name is not
part of it, so moving a file into ``posted/`` or renaming it keeps its identity.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from crosspost.story.markup import strip_html_tags

BodyFormat = Literal["text", "markdown", "html"]


#: fields never read as a placeholder (see :meth:`Story.without_placeholders`)
_NEVER_BLANK = frozenset({"title", "id", "release"})


@dataclass(frozen=True)
class ParseWarning:
    """Something odd but not fatal in a story file (unknown field, duplicate field, …)."""

    message: str
    line: int | None = None
    hint: str = ""
    #: informational (e.g. "your own cut is used"), not something to fix
    note: bool = False

    @property
    def level(self) -> str:
        return "note" if self.note else "warning"

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"


def field_key(name: str) -> str:
    """Normalise a header field name to a template key: ``Author's Notes`` → ``author_s_notes``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    slug = re.sub(r"\W+", "-", text).strip("-")
    if text and not slug:  # a title of only punctuation ("???") still needs to be told apart
        slug = "~" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return slug


@dataclass(frozen=True)
class Cut:
    """The writer's own cut in an HTML or Markdown story (its ``<lj-cut>``/``<cut>`` tag is
    taken out of the body): ``body[:at]`` is shown above the cut, ``body[at:]`` goes inside
    each target's cut; ``text`` is the writer's cut text ("" = the target's ``cut_text``).
    A plain-text story keeps its ``<lj-cut>`` line in the body instead."""

    at: int
    text: str = ""


@dataclass(frozen=True)
class Story:
    """A parsed story file.

    ``fields``: canonical key → value (whitespace-trimmed, continuation lines joined).
    ``labels``: canonical key → the header name as the writer spelled it (for display).
    ``body``: the body source in ``body_format`` (fences stripped, scene breaks kept as a
    line holding only ``***``-style fences in text/markdown).
    ``releases``: release times as written, per target name (``None`` = every target);
    parsed later by ``crosspost.story.when`` with the user's time zone.
    ``raw_sha256``: hash of the file's bytes (cheap change detection).
    ``cut``: the writer's own cut in an HTML or Markdown body (see :class:`Cut`), or None.
    """

    fields: dict[str, str]
    body: str
    body_format: BodyFormat = "text"
    path: Path | None = None
    labels: dict[str, str] = field(default_factory=dict)
    warnings: tuple[ParseWarning, ...] = ()
    releases: dict[str | None, str] = field(default_factory=dict)
    body_line: int = 1
    raw_sha256: str = ""
    cut: Cut | None = None

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    def without_placeholders(self, words: Iterable[str]) -> Story:
        """This story with every field whose whole value is one of ``words`` (``none``,
        ``n/a``, ``-`` …; ignoring case and surrounding spaces) made empty, so ``Pairing:
        none`` gives no tag and no "(none)" in a subject. The title, ID and release times
        are kept as written (they name the story and when it goes out)."""
        blank = {w.strip().casefold() for w in words}
        if not blank:
            return self
        fields = {k: ("" if k not in _NEVER_BLANK and v.strip().casefold() in blank else v)
                  for k, v in self.fields.items()}
        return self if fields == self.fields else replace(self, fields=fields)

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def author(self) -> str:
        return self.fields.get("author", "")

    @property
    def identity(self) -> str:
        """Stable identity: ``id:<ID header>`` or ``story:<author>/<title>`` (normalised)."""
        explicit = self.fields.get("id", "").strip()
        if explicit:
            return f"id:{explicit}"
        return f"story:{_slug(self.author)}/{_slug(self.title)}"

    @property
    def word_count(self) -> int:
        """The header's word count if it gives a number, else counted from the body."""
        given = re.sub(r"[,.\s]", "", self.fields.get("word_count", ""))
        if given.isdigit():
            return int(given)
        return count_words(self.body, self.body_format)

    @property
    def content_hash(self) -> str:
        """Hash of what gets published (fields + body), independent of file encoding and
        line endings: equal hashes mean nothing to edit."""
        h = hashlib.sha256()
        for key in sorted(self.fields):
            h.update(f"{key}\x1f{self.fields[key]}\x1e".encode())
        h.update(self.body_format.encode() + b"\x1d" + self.body.encode())
        if self.cut is not None:  # a moved cut or new cut text is an edit too
            h.update(f"\x1c{self.cut.at}\x1f{self.cut.text}".encode())
        return h.hexdigest()


_TAG_RE = re.compile(r"<[^>]*>")
_WORD_RE = re.compile(r"[\w'’-]+")
_NON_WORD_RE = re.compile(r"(?<![\w'’-])[_'’-]+(?![\w'’-])")  # tokens with no letter/digit
_MD_URL_RE = re.compile(r"\]\([^)\n]*\)")


def _drop_unseen_html(body: str) -> str:
    """Remove comments and script/style contents (linear: no backtracking regex)."""
    low = body.lower()
    out: list[str] = []
    pos = 0
    nxt = {m: low.find(m) for m in ("<!--", "<script", "<style")}
    while True:
        for m, at in nxt.items():
            if 0 <= at < pos:
                nxt[m] = low.find(m, pos)
        live = [(at, m) for m, at in nxt.items() if at >= 0]
        if not live:
            break
        i, mark = min(live)
        out.append(body[pos:i])
        close = "-->" if mark == "<!--" else "</" + mark[1:]
        j = low.find(close, i + len(mark))
        if j < 0:
            pos = len(body)
            break
        pos = j + len(close)
    out.append(body[pos:])
    return " ".join(out)


@functools.lru_cache(maxsize=16)  # a fan-out renders one story for many targets
def count_words(body: str, body_format: BodyFormat = "text") -> int:
    """Count words the way writers do: markup, entities, link URLs and fence lines do not
    count (``don&rsquo;t`` is one word)."""
    text = body
    if body_format == "html":
        text = html.unescape(_TAG_RE.sub(" ", _drop_unseen_html(body)))
    elif body_format == "markdown":
        text = _TAG_RE.sub(" ", _MD_URL_RE.sub("] ", body))
    elif "<" in text:

        text = strip_html_tags(text)
    return len(_WORD_RE.findall(text)) - len(_NON_WORD_RE.findall(text))


def cut_warning(name: str, line: int | None, *, first: bool) -> ParseWarning:
    """The note on a writer's own cut (``first``), or on a second one, which is removed;
    the same words for every story format."""
    if first:
        return ParseWarning(
            f"<{name}> marks where the cut starts: the text above it is shown before the "
            "cut, everything after it goes inside each target's cut", line, note=True)
    return ParseWarning(
        f"only the first <{name}> counts; this one and any later ones are removed", line)
