"""How the everyday commands draw: tables, progress and colour on a terminal, plain lines
otherwise (pipes, files, scripts: they read ``--json``).

:mod:`rich` draws; it is imported only when something is drawn, so ``crosspost --help``
stays fast. Colour follows the usual switches: ``NO_COLOR`` turns it off; ``TTY_COMPATIBLE=1``
(``=0``) turns the terminal output on (off) where the terminal is not detected (or is).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

#: delivery status → colour (rich style names)
STATUS_STYLE: dict[str, str] = {
    "posted": "green", "edited": "green", "deleted": "dim", "gone": "dim",
    "cancelled": "dim", "queued": "cyan", "scheduled": "cyan", "pending": "yellow",
    "editing": "yellow", "deleting": "yellow", "retry": "yellow", "uncertain": "yellow",
    "held": "yellow", "needs_edit": "yellow", "busy": "yellow", "failed": "bold red",
    "skipped": "dim",
}


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr), honouring NO_COLOR and FORCE_COLOR."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def draws(stderr: bool = False) -> bool:
    """Whether output goes to a terminal (then tables, colour and progress are drawn)."""
    stream = sys.stderr if stderr else sys.stdout
    if os.environ.get("TTY_COMPATIBLE") == "0":
        return False
    if os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    try:
        return bool(stream.isatty())
    except (ValueError, AttributeError):
        return False


def colour_on(stderr: bool = False) -> bool:
    return draws(stderr) and not os.environ.get("NO_COLOR") \
        and os.environ.get("TERM", "").lower() != "dumb"


def paint(text: str, status: str, stderr: bool = False) -> str:
    """``text`` in the colour of ``status`` when colour is on (plain otherwise)."""
    style = STATUS_STYLE.get(status)
    if not style or not colour_on(stderr):
        return text
    bold = style.startswith("bold ")
    colour = style.removeprefix("bold ")
    if colour == "dim":
        return click.style(text, dim=True)
    return click.style(text, fg=colour, bold=bold)


def table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]],
          *, status_col: int | None = None) -> None:
    """Draw a table with a header row (on a terminal)."""
    from rich import box
    from rich.table import Table

    out = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left",
                title_style="bold", header_style="bold")
    for h in headers:
        out.add_column(h, overflow="fold")
    for row in rows:
        cells: list[Any] = list(row)
        if status_col is not None:
            style = STATUS_STYLE.get(row[status_col].split(" ")[0])
            if style:
                from rich.text import Text

                cells[status_col] = Text(row[status_col], style=style)
        out.add_row(*cells)
    console().print(out)


@contextmanager
def progress(total: int, what: str) -> Iterator[Any]:
    """A progress bar on a terminal's stderr for ``total`` items (a no-op elsewhere, and
    for a single item). Yields ``advance(label)``."""
    if total < 2 or not draws(stderr=True):
        yield lambda label="": None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[label]}"), console=console(stderr=True),
                   transient=True)
    with bar:
        task = bar.add_task(what, total=total, label="")

        def advance(label: str = "") -> None:
            bar.update(task, advance=1, label=label)

        yield advance
