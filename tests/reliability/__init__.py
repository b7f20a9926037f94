"""Reliability test helpers: story generators and the crash / fault harness.

Used by tests/test_crash_*.py, tests/test_faults_*.py, tests/test_fuzz_*.py and
tests/test_limits_*.py, and by the hand-run script ``tests/reliability/crash_harness.py``.
"""
