"""Run a SandboxServer in its own process for the benchmarks.

``python -m bench.sandbox_host '{"latency_ms": 50}'`` starts the sandbox with those keyword
arguments (keys the server does not take are reported and skipped; ``bench_communities: N``
adds communities ``benchcomm01``… with ``writer`` as a member), prints one JSON line
``{"url": ..., "skipped": [...]}`` and serves until its stdin closes. A separate process keeps
the server's work off the measured client's interpreter (and its GIL).
"""

from __future__ import annotations

import inspect
import json
import sys


def community_names(count: int) -> list[str]:
    return [f"benchcomm{i:02d}" for i in range(1, count + 1)]


def main() -> None:
    from crosspost.sandbox import SandboxServer

    wanted = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    communities = int(wanted.pop("bench_communities", 0))
    known = set(inspect.signature(SandboxServer).parameters)
    try:
        from crosspost.sandbox.options import SandboxOptions

        known |= set(SandboxOptions.__dataclass_fields__)
    except ImportError:
        pass
    kwargs = {k: v for k, v in wanted.items() if k in known}
    skipped = sorted(set(wanted) - set(kwargs))
    server = SandboxServer(**kwargs)
    for name in community_names(communities):
        server.world.add_community(name, maintainers=["mod"], members=["writer"])
    server.start()
    print(json.dumps({"url": server.url, "skipped": skipped}), flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
