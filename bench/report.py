"""Result rows and the table the suite prints (plain text) and writes (Markdown)."""

from __future__ import annotations

import math
import os
import platform
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

NOT_MEASURED = "not measured: "
HEADERS = ("measurement", "crosspost", "baseline", "comparison", "notes")


@dataclass(frozen=True)
class Row:
    """One line of the table. ``crosspost`` holds "not measured: <reason>" when a
    measurement could not be taken; no number is ever made up."""

    measure: str
    crosspost: str
    baseline: str = ""
    compare: str = ""
    notes: str = ""

    @classmethod
    def missing(cls, measure: str, reason: str) -> Row:
        return cls(measure, NOT_MEASURED + reason)

    @property
    def measured(self) -> bool:
        return not self.crosspost.startswith(NOT_MEASURED)

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.measure, self.crosspost, self.baseline, self.compare, self.notes)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``N.N×`` (how many times ``a`` is ``b``)."""
    return f"{a / b:.1f}×" if b > 0 else "n/a"


def versus(base: float, mine: float, better: str = "faster", worse: str = "slower") -> str:
    """crosspost (``mine``) against the baseline, lower being better: ``3.2× faster`` or
    ``1.4× slower``."""
    if mine <= 0 or base <= 0:
        return "n/a"
    r = base / mine
    return f"{r:.1f}× {better}" if r >= 1 else f"{1 / r:.1f}× {worse}"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct * len(ordered) / 100)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def text_table(rows: list[Row]) -> str:
    """Fixed-width table for the terminal."""
    grid = [HEADERS, *(r.cells() for r in rows)]
    widths = [max(len(line[i]) for line in grid) for i in range(len(HEADERS))]
    out = []
    for n, line in enumerate(grid):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r.cells()) + " |" for r in rows]
    return "\n".join(lines)


def memory_total() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, memory "
            f"{memory_total()}, Python {platform.python_version()}")


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def command_line(argv: list[str]) -> str:
    return " ".join(["python", "-m", "bench", *argv])


def document(rows: list[Row], argv: list[str], elapsed: float, settings: str,
             notes: list[str] | None = None) -> str:
    """The BENCHMARKS.md body: how to run, then the latest table with date and machine."""
    return f"""# crosspost benchmarks

The suite in `bench/` measures where crosspost spends time against the local LJ-protocol
sandbox, and compares each number with a baseline taken **in the same run** (absolute times
on shared machines are noisy; the ratios are what to read).

## Run it

```sh
python -m bench --out BENCHMARKS.md  # full run (a few minutes): print the table, rewrite this file
python -m bench --quick              # tiny sizes, seconds; what the smoke test runs
python -m bench --latency-ms 0       # server latency for the batch and drop measures (default
                                     # 50 ms, about a real site; 0 shows crosspost's own CPU cost)
python -m bench --only coldstart,parse   # a subset (names: {", ".join(_names())})
```

`python bench/run.py …` works the same. Run from the repository root with the project's
virtualenv (`.venv/bin/python -m bench` after the README's install). Benchmarks are never
part of the test run; `tests/test_bench_smoke.py` only checks that `--quick` produces a
well-formed table.

The baseline client (`bench/baseline.py`) is what a naive script would do: plain
`xmlrpc.client.ServerProxy`, `getchallenge` + call for every post, one after the other, a
new connection each time. A row saying "not measured: …" names why no number was taken;
none is ever estimated. The sandbox runs in its own process; stories are generated
(`bench/corpus.py`), never copied.

What the rows measure (one module each in `bench/`):

- **drop→posted** (`drop_latency.py`): a real `crosspost watch` subprocess; a story file
  written into its folder until the registry records it posted (the sandbox is checked to
  hold every entry). Baseline: one naive post on the same server.
- **requests per post, batch wall time** (`batch.py`): 20 stories posted to the account's
  journal by crosspost's engine in-process (parse, render, registry, adapter), then by the
  baseline, on one sandbox; requests and connections counted by the sandbox. Then 20 more
  in a second run, which finds the session the first run kept (in the keyring).
- **fan-out** (`fanout.py`): one story to 20 communities at 50 ms latency, then the next
  story in a second run; both against the floor measured in the same run (`floor.py`: one
  session request plus `ceil(20 / 4)` waves of posts, 4 being the requests in flight per
  site), and against the baseline.
- **fest** (`fest.py`): 500 stories scheduled for 10 communities, released by the daemon's
  release pass at simulated times over a month (5 batches of 100 stories) under DW's
  budgets (100 requests per window per user, 30 per IP; the 60 s window scaled to 4 s, on
  the sandbox and in crosspost's pacing): early releases, 429s, each batch's time against
  the floor the budget allows at 4 in flight, requests per post, peak RSS after the first
  100 stories and at the end; and a day of 24 hourly releases from a fresh start
  (requests per post: the session is reused, and renewed once it is 20 hours old). The
  clock is simulated; the HTTP and the sandbox are real.
- **429s** (`pacing.py`): 50 entries under the sandbox's rate limiter, time scaled 10×
  (30 requests per 6 s on both sides); the baseline meets the same limiter.
- **cold start** (`coldstart.py`): median wall time of fresh processes (the `crosspost`
  console script) against `python -c pass`, with the slowest imports from `-X importtime`.
- **daemon** (`daemon_idle.py`): 10,000 already-posted stories left in the watched folder;
  start time to the end of the start-up scan, CPU over an idle window (/proc/<pid>/stat),
  peak RSS (VmHWM); baseline: the same daemon on an empty folder.
- **parse throughput** (`parse_speed.py`): `parse_bytes` over generated text, Markdown and
  HTML stories; baseline: decoding and splitting the same bytes.

## Latest results

- date: {stamp()}
- machine: {machine()}
- command: `{command_line(argv)}`
- settings: {settings}
- whole run: {elapsed:.0f} s

{markdown_table(rows)}
{_notes(notes or [])}"""


def _notes(notes: list[str]) -> str:
    if not notes:
        return ""
    return "\nNotes from this run:\n\n" + "".join(f"- {n}\n" for n in notes)


def _names() -> list[str]:
    from .measures import MEASURES

    return list(MEASURES)

