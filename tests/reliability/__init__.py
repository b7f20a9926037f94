"""Reliability test helpers: story generators and the crash / fault harness.

- ``stories``: deterministic good batches (unique titles carrying a run tag) and bad files
  of many kinds (random bytes, truncations, enormous lines, deep HTML, bad encodings,
  random mutations);
- ``harness``: the sandbox control client, config/env for a client subprocess, the random
  SIGKILLer, the exactly-once and nothing-lost checks, the printed counts;
- ``scenarios``: whole crash runs (``post_run`` for ``crosspost post``, ``daemon_run`` for
  ``crosspost watch``);
- ``crash_harness.py``: the same by hand, ``python tests/reliability/crash_harness.py --runs
  200`` (``--mode daemon|both``, ``--dialect lj``, ``--seed S --tag T`` to replay a failure).

Used by tests/test_crash_*.py, tests/test_faults_*.py, tests/test_fuzz_*.py and
tests/test_limits_*.py.
"""
