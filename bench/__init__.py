"""crosspost's benchmark suite: ``python -m bench --help``. See BENCHMARKS.md."""
