"""Parse throughput in MB/s on generated stories, per body format.

Baseline in the same run: decoding the same bytes as UTF-8 and splitting them into lines, the
least any parser must do. Each timing is the best of seven passes over the whole corpus, the
parser's passes taken in turn with the floor's (the machine's speed drifts: both see it).
HTML is measured twice: the generated stories (read by the linear fast path) and the same
stories with one bit of markup the fast path declines (read through the BeautifulSoup tree).

Then hostile Markdown files, each against the same floor on its own bytes: one line of cut
tags (parsed: time must grow linearly with the file) and raw HTML nested far past the bound
(refused by a linear pre-scan, with the line and the fix).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from .corpus import FORMATS, SUFFIX, make_story
from .harness import Context, require
from .report import Row


def _best_pair(fn: Callable[[], object], floor: Callable[[], object],
               passes: int = 7) -> tuple[float, float]:
    """The best time of ``fn`` and of ``floor`` over ``passes`` passes each, in turn."""
    best = [float("inf"), float("inf")]
    for _ in range(passes):
        for k, run in enumerate((fn, floor)):
            start = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - start)
    return best[0], best[1]


def run(ctx: Context) -> list[Row]:
    parse = require("crosspost.story.parse", "the parser", "parse_bytes", "parse_file")
    count = ctx.size(120, 4)
    words = ctx.size(1500, 300)
    folder = ctx.scratch("parse")
    rows = []
    for fmt in FORMATS:
        stories = [make_story(i, fmt, words=words) for i in range(count)]
        items = [(s.data, folder / s.name) for s in stories]
        rows.append(_throughput(parse, ctx, f"parse throughput: {fmt}", items, fmt,
                                f"{count} stories, {{mb}}, ~{words} words each; best of 7"))
        if fmt == "html":
            # the same stories, each with one bullet of Word's list markup (a marked section
            # html.parser releases read apart), which the fast path declines: the
            # BeautifulSoup tree path reads them (still the case for unusual markup)
            bullet = b"<![if !supportLists]>\xc2\xb7<![endif]></p>"
            odd = [(data.replace(b"</p>", bullet, 1), path.with_name(f"tree-{path.name}"))
                   for data, path in items]
            rows.append(_throughput(
                parse, ctx, "parse throughput: html the fast path declines", odd, fmt,
                f"the same {count} stories, {{mb}}, each with one Word list bullet (read "
                "through the BeautifulSoup tree); best of 7"))
    rows.extend(_hostile(parse, ctx))
    return rows


def _throughput(parse: object, ctx: Context, label: str, items: list[tuple[bytes, Path]],
                fmt: str, notes: str) -> Row:
    """Parse throughput over ``items`` against decoding and splitting the same bytes."""
    for data, path in items:
        path.write_bytes(data)
    size_mb = sum(len(d) for d, _ in items) / 1e6

    def parse_all() -> None:
        for data, path in items:
            parse.parse_bytes(data, path=path)  # type: ignore[attr-defined]

    def floor() -> None:
        for data, _ in items:
            data.decode("utf-8").splitlines()

    took, base = _best_pair(parse_all, floor)
    one = parse.parse_file(items[0][1])  # type: ignore[attr-defined]
    if one.body_format != fmt:
        ctx.note(f"{SUFFIX[fmt]} parsed as {one.body_format}, expected {fmt}")
    return Row(label, f"{size_mb / took:.1f} MB/s", f"{size_mb / base:.0f} MB/s (decode+split)",
               f"{took / base:.0f}× the floor's time", notes.format(mb=f"{size_mb:.2f} MB"))


def _hostile(parse: object, ctx: Context) -> list[Row]:
    n = ctx.size(100_000, 10_000)
    head = b"---\ntitle: Hostile\n---\n"
    cases = [("many cut tags", head + b"<lj-cut>x</lj-cut> " * n + b"end\n"),
             ("nested <div>s", head + b"<div>" * n + b"x\n")]
    rows = []
    for label, data in cases:
        outcome = ""

        def one(data: bytes = data) -> None:
            nonlocal outcome
            try:
                parse.parse_bytes(data, fmt="markdown")  # type: ignore[attr-defined]
                outcome = "parsed"
            except Exception as exc:  # the StoryError refusal is the expected outcome
                outcome = f"refused: {getattr(exc, 'reason', exc)}"[:60]

        took, base = _best_pair(one, lambda data=data: data.decode("utf-8").splitlines())
        size_mb = len(data) / 1e6
        rows.append(Row(f"hostile .md: {n:,} {label}", f"{took * 1000:.0f} ms",
                        f"{size_mb / base:.0f} MB/s (decode+split)",
                        f"{took / base:.0f}× the floor's time",
                        f"{size_mb:.2f} MB; {outcome}; best of 7"))
    return rows
