"""The writer's own cut in an HTML story: found, taken out of the body and recorded.

A saved post keeps its cut as ``<lj-cut text="…">`` (every LJ-code site) or ``<cut>`` (DW),
closed or not, wrapping the rest of the story or empty. Like a text story's ``<lj-cut>``
line, the first one marks where each target's cut starts (everything after its start goes
inside; a closing tag does not end it) and may give the cut text; later ones are unwrapped
(their content kept). The body keeps no cut tag: :class:`~crosspost.story.model.Cut` says where
the cut starts in it. An element the cut starts inside (``<p>teaser <lj-cut>rest</p>``) is
split in two, so the parts above and below the cut are each well-formed HTML.

Used by :mod:`.html` only (bs4 trees); walks without recursion.
"""

from __future__ import annotations

import secrets
from typing import Any

from crosspost.story.markup import CUT_NAMES, DROPPED_WITH_CONTENT
from crosspost.story.model import Cut, ParseWarning, cut_warning
from crosspost.story.parse.decode import clean_text


def lead_cut(header_end: Any, body_start: Any) -> Any:
    """A cut tag between the header's last node and the body's first one that does not
    hold the body (``<lj-cut text="…" />`` or an empty ``<lj-cut …></lj-cut>`` before the
    story): the cut starts where the body does. None when there is none (a cut that holds
    the body is found by :func:`take_cut`)."""
    from bs4 import Tag

    if body_start is header_end:
        return None
    holders = {id(n) for n in (body_start, *body_start.parents)}
    found = None
    for node in header_end.next_elements:
        if node is body_start:
            return found
        if (found is None and isinstance(node, Tag) and node.name in CUT_NAMES
                and id(node) not in holders):
            found = node
    return None  # the body does not come after the header's end: no lead cut


def _cuts(container: Any) -> list[Any]:
    """The cut tags in ``container``, in document order, but for those inside an element
    the sanitiser drops with its content (they never show)."""
    hidden = {id(c) for d in container.find_all(list(DROPPED_WITH_CONTENT))
              for c in d.find_all(list(CUT_NAMES))}
    return [c for c in container.find_all(list(CUT_NAMES)) if id(c) not in hidden]


def _empty(node: Any, unwrap: str) -> bool:
    """Nothing that shows: white space, or a (renamed) cut tag holding only white space."""
    from bs4 import NavigableString, Tag

    if isinstance(node, NavigableString):
        return type(node) is NavigableString and not node.strip()
    return (isinstance(node, Tag) and node.name == unwrap
            and all(type(n) is NavigableString and not n.strip() for n in node.descendants))


def _place(marker: Any, container: Any, unwrap: str) -> list[Any]:
    """Move ``marker`` out of each element it starts or ends (nothing shows before or after
    it there), up towards ``container``; returns the elements it is still inside, innermost
    first: those are split in two around it (by :func:`take_cut`, in the HTML text, so
    the cost grows with the depth, not with depth × size)."""
    while marker.parent is not None and marker.parent is not container:
        parent = marker.parent
        if all(_empty(n, unwrap) for n in marker.previous_siblings):
            parent.insert_before(marker.extract())
        elif all(_empty(n, unwrap) for n in marker.next_siblings):
            parent.insert_after(marker.extract())
        else:
            break
    inside = []
    node = marker.parent
    while node is not None and node is not container:
        inside.append(node)
        node = node.parent
    return inside


def _opening(soup: Any, tag: Any) -> str:
    """The opening tag of ``tag`` as bs4 writes it (attributes escaped alike)."""
    attrs = {k: list(v) if isinstance(v, list) else v for k, v in tag.attrs.items()}
    html = soup.new_tag(tag.name, attrs=attrs).decode()
    return str(html[:html.rindex("</")])


def _mark(soup: Any, container: Any, lead: Any, names: tuple[str, str],
          warnings: list[ParseWarning]) -> tuple[str | None, list[Any]]:
    """Put a tag named ``names[0]`` where the first cut starts (none for a ``lead`` cut,
    which starts with the body) and rename every cut tag to ``names[1]`` (those tags are
    taken out of the serialised HTML: bs4's ``unwrap`` is quadratic in the number of
    children). Returns the cut text (None: no cut) and the elements to split around the
    marker (see :func:`_place`)."""
    cuts = _cuts(container)
    first = lead if lead is not None else (cuts[0] if cuts else None)
    if first is None:
        return None, []
    warnings.append(cut_warning(first.name, first.sourceline, first=True))
    text = " ".join(clean_text(str(first.get("text") or "")).split())
    later = [c for c in cuts if c is not first]
    if later:
        warnings.append(cut_warning(later[0].name, later[0].sourceline, first=False))
    for cut in cuts:
        cut.name, cut.attrs = names[1], {}
    if first is lead:
        return text, []
    marker = soup.new_tag(names[0])
    first.insert_before(marker)
    return text, _place(marker, container, names[1])


def take_cut(soup: Any, container: Any, lead: Any,
             warnings: list[ParseWarning]) -> tuple[str, Cut | None]:
    """The body HTML of ``container`` without cut tags, and where the writer's cut starts
    in it (None: no cut). ``lead``: a cut found before the body by :func:`lead_cut`, which
    then counts as the first one. Notes on the cut are added to ``warnings``."""
    nonce = secrets.token_hex(8)  # names no story holds
    marker, unwrap = f"crosspost-cut-{nonce}", f"crosspost-unwrap-{nonce}"
    text, split = _mark(soup, container, lead, (marker, unwrap), warnings)
    opening = "".join(_opening(soup, t) for t in reversed(split))
    closing = "".join(f"</{t.name}>" for t in split)
    whole = clean_text(container.decode_contents())
    if text is not None:
        whole = whole.replace(f"<{unwrap}>", "").replace(f"</{unwrap}>", "")
    mark = f"<{marker}></{marker}>"
    at = whole.find(mark) if text is not None else -1
    if at < 0:
        at = 0  # no cut, or one before the body: it starts with the body
    else:  # the elements the cut starts inside end above it and start again below it
        whole = f"{whole[:at]}{closing}{opening}{whole[at + len(mark):]}"
        at += len(closing)
    body = whole.strip()
    if text is None:
        return body, None
    at = min(max(at - (len(whole) - len(whole.lstrip())), 0), len(body))
    if (0 < at < len(body) and not body[at - 1].isspace() and not body[at].isspace()
            and body[at - 1:at + 1] != "><"):
        body = f"{body[:at]}\n{body[at:]}"  # "end<lj-cut>start" must not glue two words
    return body, Cut(at, text)
