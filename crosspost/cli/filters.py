"""The row filters of ``status`` and ``queue`` (``--state``, ``--to``, ``--story``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crosspost.state.registry import Delivery


def select(rows: list[Delivery], states: tuple[str, ...], targets: tuple[str, ...],
           identities: set[str] | None, show_all: bool) -> list[Delivery]:
    """The rows the filters keep. Pure. Deleted and cancelled copies only with ``show_all``
    or when asked for by ``--state``."""
    want_states = {s.casefold() for s in states}
    want_targets = {t.casefold() for t in targets}
    out = []
    for r in rows:
        if want_states and r.status not in want_states:
            continue
        if not want_states and not show_all and r.status in ("deleted", "cancelled"):
            continue
        if want_targets and r.target.casefold() not in want_targets:
            continue
        if identities is not None and r.identity not in identities:
            continue
        out.append(r)
    return out
