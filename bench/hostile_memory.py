"""Peak memory of parsing hostile story files, each in a fresh process (issue: fuzzed input
once took 530 MB). The parser bounds it with the file-size cap, a nesting bound and an
element cap; this shows the peak each worst case reaches against the same process that
only imports the parser (the floor), in the same run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .harness import Context
from .report import Row

HEAD = "Title: Hostile\nBy: Fuzz\nRating: G\n\n"
PAGE = "<html><body><p>Title: Hostile</p><p>{}</p></body></html>"


def cases(scale: float) -> dict[str, tuple[str, str]]:
    """name → (file name, text): each the worst of its kind that fits under the caps
    (``scale`` < 1 for a quick run)."""
    def n(count: int) -> int:
        return max(1, int(count * scale))
    attrs = "<b " + " ".join(f'a{i}="v{i}"' for i in range(8)) + ">x</b>"
    return {
        f"HTML, {n(59_000):,} elements with 8 attributes each": (
            "attrs.html", PAGE.format(attrs * n(59_000))),
        f"HTML, {n(700_000):,} entities": ("entities.html", PAGE.format("&amp;x " * n(700_000))),
        "HTML nested 200,000 deep": ("nested.html", PAGE.format("<span>" * 200_000 + "x")),
        "Markdown nested 100,000 deep": (
            "nested.md", HEAD + "<div>" * 100_000 + "x" + "</div>" * 100_000),
    }


PROBE = """
import resource, sys
from pathlib import Path
from crosspost.story.parse import parse_file
if len(sys.argv) > 1:
    try:
        parse_file(Path(sys.argv[1]))
        print("parsed")
    except Exception as exc:
        print("refused")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak(*args: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                         text=True, check=True, timeout=300).stdout.split()
    return (out[0] if len(out) > 1 else ""), int(out[-1]) / 1024  # KiB on Linux


def run(ctx: Context) -> list[Row]:
    if sys.platform == "win32":
        return [Row.missing("peak memory parsing hostile files", "resource is POSIX-only")]
    folder: Path = ctx.scratch("hostile")
    _, floor = _peak()
    rows = []
    for name, (file_name, text) in cases(ctx.size(1.0, 0.02)).items():
        path = folder / file_name
        path.write_text(text, encoding="utf-8")
        what, peak = _peak(str(path))
        rows.append(Row(f"peak memory parsing: {name}", f"{peak:.0f} MiB",
                        f"{floor:.0f} MiB (parser imported)", f"+{peak - floor:.0f} MiB",
                        f"{path.stat().st_size / 1e6:.1f} MB file, {what}; a fresh process"))
    return rows
