"""Template values of a story, and the header block and footer of an entry.

Every header field is reachable by its key (``title``, ``pairing``, unknown fields by their
normalised name), plus computed values: ``word_count`` (counted from the body when the
header gives none), ``target``, ``community``, ``journal`` and ``username``.
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from crosspost.story import fields as known_fields
from crosspost.story.template import fill, placeholder_key

if TYPE_CHECKING:
    from crosspost.config import Rendering
    from crosspost.story.model import Story

#: fields never shown by a ``"*"`` in header_fields (they steer crosspost, not readers)
INTERNAL_FIELDS = frozenset({"release", "id"})


def story_values(story: Story, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Plain-text template values: the story's fields, computed ones, then ``extra``."""
    values = dict(story.fields)
    if not values.get("word_count", "").strip():
        values["word_count"] = f"{story.word_count:,}"
    if extra:
        values.update(extra)
    return values


def html_values(values: Mapping[str, str]) -> dict[str, str]:
    """The same values, HTML-escaped, line breaks kept as ``<br>``."""
    return {k: html_lib.escape(v, quote=True).replace("\r", "").replace("\n", "<br>\n")
            for k, v in values.items()}


def field_label(story: Story, key: str, labels: Mapping[str, str]) -> str:
    """The label shown for a field: the target's own, the known field's display name, or
    the header name as the writer spelled it."""
    for name, label in labels.items():
        if placeholder_key(name) == key:
            return label
    spec = known_fields.BY_KEY.get(key)
    if spec is not None:
        return spec.display
    return story.labels.get(key) or key.replace("_", " ").title()


def header_keys(story: Story, wanted: list[str], values: Mapping[str, str]) -> list[str]:
    """The field keys of the header block, in the target's order; ``"*"`` stands for every
    other field of the story, in file order. Empty fields are skipped."""
    listed = [placeholder_key(name) for name in wanted if name.strip() != "*"]
    keys: list[str] = []
    for name in wanted:
        if name.strip() == "*":
            keys.extend(k for k in story.fields
                        if k not in listed and k not in INTERNAL_FIELDS)
        else:
            keys.append(placeholder_key(name))
    seen: set[str] = set()
    out = []
    for key in keys:
        if key in seen or not values.get(key, "").strip():
            continue
        seen.add(key)
        out.append(key)
    return out


def header_html(story: Story, rendering: Rendering, values: Mapping[str, str]) -> str:
    """The header block: one ``header_line`` per wanted non-empty field, as a paragraph."""
    escaped = html_values(values)
    line_template = rendering.header_line or "<b>{label}:</b> {value}"
    labels = rendering.header_labels or {}
    lines = []
    for key in header_keys(story, list(rendering.header_fields or []), values):
        label = field_label(story, key, labels)
        lines.append(fill(line_template, {**escaped, "label": html_lib.escape(label),
                                          "value": escaped[key], "key": key}))
    if not lines:
        return ""
    return "<p>" + "<br>\n".join(lines) + "</p>"


def footer_html(rendering: Rendering, values: Mapping[str, str]) -> str:
    """The footer (a template of HTML; values are escaped), or ""."""
    if not rendering.footer:
        return ""
    return fill(rendering.footer, html_values(values)).strip()
