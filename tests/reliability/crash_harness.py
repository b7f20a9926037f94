"""Run the crash harness by hand: many SIGKILL/restart cycles against a local sandbox.

    python tests/reliability/crash_harness.py --runs 200
    python tests/reliability/crash_harness.py --mode daemon --runs 20 --seed 7
    python tests/reliability/crash_harness.py --runs 1 --seed 1234 --tag r0003 --keep

Each run posts a fresh batch of stories to three targets through a sandbox with
``drop_after`` / ``drop_before`` / delay faults, kills the real client (``crosspost post`` or
``crosspost watch``) at random points, restarts it until done, and checks that every story
is on every target exactly once and every story file is still there, byte for byte. A failing
run prints its seed and tag; rerun it with ``--runs 1 --seed S --tag T``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `reliability` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reliability.harness import JOURNALS, SandboxControl, Tally
from reliability.scenarios import LONG_SUFFIX, add, daemon_run, post_run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="runs (fresh batch each)")
    ap.add_argument("--kills", type=int, default=6, help="SIGKILLs per run")
    ap.add_argument("--stories", type=int, default=4, help="stories per run")
    ap.add_argument("--mode", choices=["post", "daemon", "both"], default="post",
                    help="daemon mode needs the dw dialect")
    ap.add_argument("--seed", default=str(int(time.time())), help="seed (replay a failure)")
    ap.add_argument("--tag", default=None, help="run tag to replay (with --runs 1)")
    ap.add_argument("--dialect", choices=["dw", "lj"], default="dw",
                    help="sandbox dialect (lj: subjects made long enough for LJ to cut)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folders")
    ap.add_argument("--url", default=None,
                    help="use a running sandbox (`crosspost sandbox`) instead of starting one")
    args = ap.parse_args(argv)

    server = None
    if args.url:
        url = args.url
    else:
        from crosspost.sandbox import SandboxServer

        server = SandboxServer(dialect=args.dialect)
        server.start()
        url = server.url
    control = SandboxControl(url)
    tally = Tally(f"crash harness {args.mode}")
    scratch = Path(tempfile.mkdtemp(prefix="crosspost-crash-"))
    failures = 0
    try:
        for i in range(args.runs):
            tag = args.tag or f"r{i:04d}x{args.seed}"
            modes = ["post", "daemon"] if args.mode == "both" else [args.mode]
            for mode in modes:
                root = scratch / f"{mode}-{tag}"
                try:
                    if mode == "post":
                        res = post_run(control, root, seed=args.seed, tag=f"{tag}p",
                                       stories=args.stories, targets=tuple(JOURNALS),
                                       kills=args.kills, dialect=args.dialect,
                                       suffix=LONG_SUFFIX if args.dialect == "lj" else "")
                    else:
                        res = daemon_run(control, root, seed=args.seed, tag=f"{tag}d",
                                         stories=args.stories, targets=tuple(JOURNALS),
                                         kills=args.kills)
                except AssertionError as exc:
                    failures += 1
                    print(f"FAIL {mode} run {tag}: {exc}", flush=True)
                    continue
                add(tally, res)
                print(f"ok   {mode} run {tag}: starts={res.starts} kills={res.kills} "
                      f"entries={res.entries} files={res.files} adopted={res.adopted}", flush=True)
    finally:
        control.close()
        if server is not None:
            server.stop()
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    tally.extra["failed_runs"] = failures
    print(tally.line())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
