"""A self-contained HTML page showing what each target would receive.

For each target: the subject, tags, notes, options and protocol props, the entry as a
reader would see it (the cut shown as a visible marker) and the exact HTML source. No
external resources: the page opens from disk in any browser.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crosspost.story.post import Post

_CUT_OPEN = re.compile(r"<(?:lj-)?cut\b([^>]*)>", re.IGNORECASE)
_CUT_CLOSE = re.compile(r"</(?:lj-)?cut\s*>", re.IGNORECASE)
_CUT_TEXT = re.compile(r"""\btext\s*=\s*"([^"]*)\"""")

_STYLE = """
body{font:16px/1.5 Georgia,serif;max-width:52em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;border-bottom:2px solid #557;padding-bottom:.2em}
section{margin-bottom:3em}dl{display:grid;grid-template-columns:9em 1fr;gap:.3em 1em}
dt{font-weight:bold;color:#557}dd{margin:0}code,pre{font:13px/1.4 monospace}
pre{white-space:pre-wrap;background:#f4f4f8;padding:1em;overflow-x:auto}
.tags span{display:inline-block;background:#e6e9f5;border-radius:3px;padding:0 .4em;
margin:0 .3em .3em 0;font:14px sans-serif}
.notes li{color:#a33}.notes li.hint{color:#557}
.entry{border:1px solid #ccd;padding:1em 1.5em;background:#fff}
.cut-marker,.cut-end{font:14px sans-serif;color:#557;background:#eef;border:1px dashed #88a;
padding:.2em .6em;margin:1em 0}
.behind-cut{border-left:3px solid #ccd;padding-left:1em}
table{border-collapse:collapse}td{padding:0 1em 0 0;vertical-align:top;font:14px monospace}
"""


@dataclass
class TargetPreview:
    """What one target would receive: the post, where it goes, and the site's props."""

    post: Post
    destination: str
    props: Mapping[str, Any] = field(default_factory=dict)
    #: things decided only when posting (e.g. the community's tag check)
    hints: list[str] = field(default_factory=list)


def entry_view(event_html: str) -> str:
    """The event with its cut turned into visible markers (for reading in a browser)."""

    def opening(m: re.Match[str]) -> str:
        text = _CUT_TEXT.search(m.group(1))
        label = f"“{text.group(1)}”" if text and text.group(1) else "(no link text)"
        return (f'<div class="cut-marker">✂ cut: {label}: readers click this to read on; '
                'everything below until the end of the cut is hidden on reading pages'
                '</div>\n<div class="behind-cut">')

    out = _CUT_OPEN.sub(opening, event_html)
    return _CUT_CLOSE.sub('</div>\n<div class="cut-end">✂ end of the cut</div>', out)


def _table(values: Mapping[str, Any]) -> str:
    if not values:
        return "<i>none</i>"
    rows = "".join(f"<tr><td>{html_lib.escape(str(k))}</td><td>{html_lib.escape(str(v))}"
                   "</td></tr>" for k, v in values.items())
    return f"<table>{rows}</table>"


def _section(name: str, item: TargetPreview, options: Mapping[str, Any]) -> str:
    post = item.post
    esc = html_lib.escape
    tags = "".join(f"<span>{esc(t)}</span>" for t in post.tags) or "<i>none</i>"
    notes = "".join(f"<li>{esc(n)}</li>" for n in post.notes)
    notes += "".join(f'<li class="hint">{esc(h)}</li>' for h in item.hints)
    notes = f'<ul class="notes">{notes}</ul>' if notes else "<i>none</i>"
    return f"""<section id="target-{esc(name)}">
<h2>{esc(name)} → {esc(item.destination)}</h2>
<dl>
<dt>Subject</dt><dd><code>{esc(post.subject)}</code></dd>
<dt>Tags</dt><dd class="tags">{tags}</dd>
<dt>Notes</dt><dd>{notes}</dd>
<dt>Options</dt><dd>{_table(options)}</dd>
<dt>Protocol props</dt><dd>{_table(item.props)}</dd>
</dl>
<h3>The entry</h3>
<div class="entry">
{entry_view(post.html)}
</div>
<details><summary>Exact HTML sent ({len(post.html):,} characters)</summary>
<pre>{esc(post.html)}</pre></details>
</section>"""


def preview_page(title: str, source: str, items: Sequence[tuple[str, TargetPreview]],
                 options: Mapping[str, Mapping[str, Any]]) -> str:
    """The whole page. ``options`` maps a target name to its displayed options."""
    esc = html_lib.escape
    sections = "\n".join(_section(name, item, options.get(name, {})) for name, item in items)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {esc(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>Preview: {esc(title)}</h1>
<p>From <code>{esc(source)}</code>. Nothing has been posted; this is exactly what each
target would receive.</p>
{sections}
</body></html>
"""
