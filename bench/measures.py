"""The benchmark suite's measurements, by name (``python -m bench --only NAME``)."""

from __future__ import annotations

#: name → (module, row labels used when the measurement cannot be taken)
MEASURES: dict[str, tuple[str, list[str]]] = {
    "drop": ("bench.drop_latency", ["drop→posted latency p50 / p99",
                                    "back-to-back drop→posted p50"]),
    "batch": ("bench.batch", ["HTTP requests per post (20-post batch)",
                              "HTTP requests per post (20-post batch, later run)",
                              "20-post batch wall time"]),
    "fanout": ("bench.fanout", ["fan-out: 1 story → 20 communities",
                                "fan-out: next story → 20 communities (later run)"]),
    "pacing": ("bench.pacing", ["429s met posting 50 entries under a 30/min budget"]),
    "coldstart": ("bench.coldstart", ["cold start: crosspost --help",
                                      "cold start: crosspost preview",
                                      "cold start: crosspost post (one story)"]),
    "daemon": ("bench.daemon_idle", ["daemon start, 10,000 posted stories",
                                     "daemon steady CPU while idle",
                                     "daemon peak RSS (VmHWM)"]),
    "parse": ("bench.parse_speed", ["parse throughput"]),
    "hostile": ("bench.hostile_memory", ["peak memory parsing hostile files"]),
    "ui": ("bench.ui_stories", ["dashboard stories page, 100 stories",
                                "dashboard stories page, 1,000 stories",
                                "dashboard stories page, 10,000 stories"]),
    "fest": ("bench.fest", ["fest: 500 stories → 10 communities over a simulated month",
                            "fest: requests per post over the month",
                            "fest: peak RSS (VmHWM), end vs after 100 stories",
                            "daemon day: 24 hourly releases → communities, requests per post"]),
}
