"""Tunable knobs of a sandbox server (all keyword options of ``SandboxServer``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

DIALECTS = ("dw", "lj", "ij")


@dataclass
class SandboxOptions:
    """Defaults follow the reference's example configs; tests shrink the time windows."""

    #: seconds a challenge stays good (reference §2.2: 60)
    challenge_ttl: float = 60.0
    #: failed logins per (user, IP) within ``login_fail_period`` before 402 (§2.4: 3 / 300 s)
    login_fail_limit: int = 3
    login_fail_period: float = 300.0
    #: HTTP-level leaky bucket (§8); off unless asked (the CLI turns it on)
    rate_limit: bool = False
    rate_anon_per_min: int = 30
    rate_user_per_min: int = 100
    #: the bucket's window in seconds (Retry-After is this, rounded up)
    rate_window: float = 60.0
    #: added to every request, in milliseconds
    latency_ms: int = 0
    #: CLI convenience: probability of a random injected fault per XML-RPC request
    fault_rate: float = 0.0
    #: seed for anums and fault injection (None: random)
    rng_seed: int | None = None
    #: moderation queue caps (§3.5: DW example 50 per community, 3 per poster)
    mod_queue_max: int = 50
    mod_queue_per_poster: int = 3
    #: distinct tags per journal (§3.7: DW free accounts 1000)
    tags_max: int = 1000
    #: 405 "Post frequency limit": posts allowed per ``post_rate_period`` (0 = no limit)
    post_rate: int = 0
    post_rate_period: float = 3600.0
    #: getevents syncitems: the same lastsync this many times within an hour → 406
    sync_repeat_limit: int = 3
    #: LJ08-style 153 for posts "back in time" in personal journals (None: on for "ij")
    backdate_check: bool | None = None
    #: session lifetimes in seconds (§2.3: 1.5 days / 60 days)
    session_short: float = 1.5 * 86400
    session_long: float = 60 * 86400
    #: seconds the duplicate-post lock may wait (only relevant to 503 faults)
    dup_lock_timeout: float = 2.0

    @classmethod
    def build(cls, **options: Any) -> SandboxOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown sandbox option(s): {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
        return cls(**options)
