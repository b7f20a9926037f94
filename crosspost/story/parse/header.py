"""Header fields: recognising ``Key: value`` lines and turning them into Story fields.

Shared by every format: the text and Markdown parsers feed it lines, the HTML parser feeds it
the text of the header's lines, the YAML front-matter reader feeds it mapping entries.

Rules (the writer-facing summary of the story format):

* Names are matched case-insensitively through the alias table in ``crosspost.story.fields``
  (``By`` → author, ``Pairings`` → pairing, ``A/N`` → notes …). ``**Title:**`` (Markdown
  bold around the name) is accepted too.
* Unknown names are kept under ``field_key(name)`` and reported as a warning, with a "did you
  mean" hint when the name is close to a known one (``Titel`` → Title).
* A line indented with spaces or a tab continues the field above it. In a text header the
  lines are joined with a space (writers wrap long summaries to keep the file readable, as
  e-mail headers are folded); a line ending in ``<br>`` keeps its break, and a blank line
  between indented lines starts a new paragraph. Design decision (QA Q12): a hard break in
  mid-sentence is almost never what a writer who wrapped a line meant, while a wanted break
  is easy to ask for. HTML headers keep their ``<br>`` breaks.
* A field given twice: a multi-value field (one that splits into tags: Pairing, Characters,
  Fandom, Warnings, Author, Prompt, …) joins both values; any other field keeps the later
  value. Both cases are reported as a warning.
* Release times (``Release``, ``Post At``, ``Post Date`` …) go into ``Story.releases[None]``;
  ``Release (myjournal): …``, ``Release [myjournal]: …`` and ``Release for myjournal: …`` go
  into ``Story.releases["myjournal"]``. Times are kept as written (``crosspost.story.when`` parses
  them later with the user's time zone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from crosspost.errors import StoryError
from crosspost.story.fields import BY_KEY, FieldSpec, keep_lines, lookup, squeeze, suggest
from crosspost.story.model import ParseWarning, field_key

#: Longest header name recognised (longer "names" are prose).
MAX_NAME = 60
MAX_NAME_WORDS = 6
#: Unknown fields reported one by one (with a "did you mean"); the rest are summed up.
MAX_UNKNOWN_REPORTED = 50
#: Warnings kept one by one; past this, they are only counted.
MAX_WARNINGS = 100

_HEADER_RE = re.compile(
    r"(?P<mark>\*\*|__|\*|_)?"                                    # Markdown emphasis
    r"(?P<name>[^\W\d_][\w '’./&()\[\]#+-]{0,"                  # starts with a letter
    + str(MAX_NAME - 1) + r"}?)"
    r"(?P=mark)?[ \t]*:(?!//)(?P=mark)?[ \t]*"                    # the colon (not "://")
    r"(?P<value>.*)"
)
_BR_END = re.compile(r"<br\s*/?>\s*$", re.IGNORECASE)
_PER_TARGET_RE = re.compile(
    r"(?P<base>.+?)\s*(?:\((?P<a>[^()]+)\)|\[(?P<b>[^\[\]]+)\]|\s(?:for|to|@)\s+(?P<c>\S.*))",
    re.IGNORECASE,
)


#: A name with no Markdown marks around it (what ``_HEADER_RE``'s name group takes).
_NAME_RE = re.compile(r"[^\W\d_][\w '’./&()\[\]#+-]{0," + str(MAX_NAME - 1) + r"}")


def match_header(line: str) -> tuple[str, str] | None:
    """``(name, value)`` when ``line`` is a header line (``Name: value``), else None.

    Indented lines are never header lines (they continue the field above).
    """
    if not line or line[0] in " \t":
        return None
    if line[0] in "*_":
        m = _HEADER_RE.match(line)
        if m is None:
            return None
        name, value = m.group("name", "value")
        name = name.strip()
    else:
        # no mark: what _HEADER_RE does, without its character-by-character search (a name
        # holds no colon, so it ends at the first one)
        colon = line.find(":")
        if colon < 0:
            return None
        name = line[:colon].rstrip(" \t")
        if _NAME_RE.fullmatch(name) is None or line.startswith("//", colon + 1):
            return None
        value = line[colon + 1:]
        if "\n" in value:  # ("." stops at a line break)
            value = value[:value.index("\n")]
    if ". " in name or name.count(" ") >= MAX_NAME_WORDS:
        return None
    return name, value.strip()


def release_target(name: str) -> str | None:
    """The target of a per-target release name (``Release (fluffy)`` → ``fluffy``), or None."""
    if len(name) > 2 * MAX_NAME:
        return None
    m = _PER_TARGET_RE.fullmatch(name.strip())
    if m is None:
        return None
    spec = _spec_for(m.group("base"))
    if spec is None or spec.key != "release":
        return None
    target = (m.group("a") or m.group("b") or m.group("c") or "").strip().strip("'\"")
    return target or None


def _spec_for(name: str) -> FieldSpec | None:
    return lookup(name) or BY_KEY.get(field_key(name))


def _join_sep(spec: FieldSpec | None) -> str | None:
    if spec is None or not spec.split:
        return None
    if "," in spec.split:
        return ", "
    if ";" in spec.split:
        return "; "
    return spec.split[0]


@dataclass
class _Entry:
    name: str
    line: int | None
    parts: list[str]
    target: str | None = None
    is_release: bool = False


@dataclass
class Header:
    """The fields read from a header (see ``crosspost.story.model.Story`` for their meaning)."""

    fields: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    releases: dict[str | None, str] = field(default_factory=dict)
    warnings: list[ParseWarning] = field(default_factory=list)
    lines: dict[str, int | None] = field(default_factory=dict)
    #: unknown names close to a known one: (name as written, line, known name)
    misspelt: list[tuple[str, int | None, str]] = field(default_factory=list)


class HeaderBuilder:
    """Collects header entries in file order, then :meth:`build` applies the rules above."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._unknown = self._hidden = 0

    def __bool__(self) -> bool:
        return bool(self._entries)

    def add(self, name: str, value: str, line: int | None) -> None:
        self._entries.append(_Entry(name.strip(), line, [value]))

    def add_release(self, target: str | None, value: str, line: int | None) -> None:
        label = "Release" if target is None else f"Release ({target})"
        self._entries.append(_Entry(label, line, [value], target, is_release=True))

    def extend(self, text: str) -> None:
        """A continuation line that keeps its line break (HTML: after a ``<br>``), or ""
        for a paragraph break."""
        if self._entries:
            self._entries[-1].parts.append(text)

    def fold(self, text: str) -> None:
        """An indented continuation line of a text header: joined to the line before with
        a space, like a folded e-mail header; the break is kept after a paragraph break or
        when the line before ends with ``<br>``."""
        if not self._entries:
            return
        parts = self._entries[-1].parts
        last = parts[-1]
        br = _BR_END.search(last)
        if br is not None:
            parts[-1] = last[:br.start()].rstrip()
            parts.append(text)
        elif not last.strip():
            parts.append(text)
        else:
            parts[-1] = f"{last} {text}"

    def build(self) -> Header:
        h = Header()
        self._unknown = self._hidden = 0
        values: dict[str, list[str]] = {}  # key → values kept (more than one: joined)
        joins: dict[str, str] = {}
        for e in self._entries:
            raw = "\n".join(e.parts)
            target = e.target
            is_release = e.is_release
            spec = None if is_release else _spec_for(e.name)
            if spec is None and not is_release:
                target = release_target(e.name)
                is_release = target is not None
            if is_release and target is not None:
                value = squeeze(raw)
                if target in h.releases:
                    self._warn(h, ParseWarning(
                        f"release time for '{target}' given twice; the later one counts", e.line))
                if value:
                    h.releases[target] = value
                continue
            if is_release:
                spec = BY_KEY["release"]
            self._store(h, values, joins, e, spec, raw)
        h.fields = {key: joins.get(key, "").join(vals) for key, vals in values.items()}
        if h.fields.get("release"):
            h.releases = {None: h.fields["release"], **h.releases}
        if self._unknown > MAX_UNKNOWN_REPORTED:
            h.warnings.append(ParseWarning(
                f"{self._unknown - MAX_UNKNOWN_REPORTED:,} more unknown fields (all kept)",
                hint="is the line of *** between the header and the story missing?"))
        if self._hidden:
            h.warnings.append(ParseWarning(f"{self._hidden:,} more warnings not shown"))
        return h

    def _warn(self, h: Header, warning: ParseWarning) -> None:
        if len(h.warnings) < MAX_WARNINGS:
            h.warnings.append(warning)
        else:
            self._hidden += 1

    def _store(self, h: Header, values: dict[str, list[str]], joins: dict[str, str],
               e: _Entry, spec: FieldSpec | None, raw: str) -> None:
        if spec is not None:
            key, value = spec.key, spec.process(raw)
        else:
            key, value = field_key(e.name), keep_lines(raw)
            if not key:
                self._warn(h, ParseWarning(
                    f"ignored a header field with no usable name: {e.name!r}", e.line,
                    "field names need letters or digits"))
                return
            self._unknown += 1
            if self._unknown <= MAX_UNKNOWN_REPORTED:
                close = suggest(e.name)
                if close:
                    h.misspelt.append((e.name, e.line, close))
                self._warn(h, ParseWarning(
                    f"unknown field '{e.name}' (kept for templates and tag maps as {{{key}}})",
                    e.line, f"did you mean '{close}'?" if close else ""))
        if key in values:
            sep = _join_sep(spec)
            first = h.lines.get(key)
            where = f" (also on line {first})" if first is not None else ""
            if sep is not None and value and any(values[key]):
                values[key].append(value)
                joins[key] = sep
                note = "both values are kept"
            else:
                values[key] = [value]
                note = "the later value counts"
            self._warn(h, ParseWarning(f"field '{e.name}' given twice{where}; {note}", e.line,
                                       "give each field once"))
        else:
            h.lines[key] = e.line
            values[key] = [value]
        h.labels[key] = e.name


def require_title(header: Header, path: Path | None, line: int | None) -> None:
    """Raise StoryError when the header has no (non-empty) Title."""
    if header.fields.get("title", "").strip():
        return
    if "title" in header.fields:
        raise StoryError("the Title field is empty", path=path,
                         line=header.lines.get("title", line),
                         fix="write the story's title after 'Title:'")
    hint = ""
    for name, at, known in header.misspelt:
        if known == "Title":
            where = f"line {at} says" if at is not None else "the header has"
            hint = f" ({where} '{name}': did you mean 'Title'?)"
            break
    raise StoryError("missing Title: the header has no 'Title:' line", path=path, line=line,
                     fix="add a line 'Title: <the title>' to the header" + hint)
