"""Run the benchmark suite and print its table.

    python -m bench [--quick] [--latency-ms 50] [--out BENCHMARKS.md] [--only NAME,...]

Each measurement lives in its own module with ``run(ctx) -> list[Row]``. One that cannot be
taken (a component missing, a command failing) becomes "not measured: <reason>" rows; the
suite never makes a number up.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    __package__ = "bench"

from bench.harness import SECRET_ENV, Context, NotMeasured
from bench.measures import MEASURES
from bench.report import Row, document, text_table


def run_measure(name: str, ctx: Context) -> list[Row]:
    module, labels = MEASURES[name]
    try:
        mod = importlib.import_module(module)
        rows: list[Row] = mod.run(ctx)
        return rows
    except NotMeasured as exc:
        return [Row.missing(label, str(exc)) for label in labels]
    except Exception as exc:  # a broken measurement must not hide the others
        traceback.print_exc()
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        return [Row.missing(label, f"error: {reason}") for label in labels]


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: seconds, for the smoke test")
    ap.add_argument("--latency-ms", type=float, default=50.0,
                    help="server latency injected for the drop and batch measures (default 50, "
                         "about a real site's round trip; 0 shows crosspost's own CPU cost; "
                         "fan-out always uses 50 ms)")
    ap.add_argument("--out", type=Path, help="write the results as Markdown (BENCHMARKS.md)")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {','.join(MEASURES)}")
    ap.add_argument("--workdir", type=Path, help="keep scratch files here (default: a temp dir)")
    args = ap.parse_args(argv)
    args.only = [n.strip() for n in args.only.split(",") if n.strip()] or list(MEASURES)
    unknown = [n for n in args.only if n not in MEASURES]
    if unknown:
        ap.error(f"unknown measurement(s): {', '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    os.environ.update(SECRET_ENV)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crosspost-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        # the in-process engine keeps sessions in the keyring and tag lists in the cache
        # folder: a throw-away file keyring and folders of this run, never the user's
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
        for var, sub in (("XDG_DATA_HOME", "xdg-data"), ("XDG_CACHE_HOME", "xdg-cache")):
            os.environ[var] = str(workdir / sub)
        ctx = Context(workdir=workdir, quick=args.quick, latency_ms=args.latency_ms)
        rows: list[Row] = []
        for name in args.only:
            print(f"[{name}]", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            rows += run_measure(name, ctx)
            print(f"  ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(text_table(rows))
    settings = (f"{'quick' if args.quick else 'full'} sizes, injected latency "
                f"{args.latency_ms:g} ms (fan-out: 50 ms)")
    if args.out:
        args.out.write_text(document(rows, argv, elapsed, settings, ctx.log), encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
