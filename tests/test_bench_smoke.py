"""The benchmark suite itself runs and produces a well-formed table.

Benchmarks are not tests: nothing here asserts a speed. This runs ``python -m bench --quick``
(tiny sizes) once and checks the shape of what it prints and writes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import HEADERS, NOT_MEASURED, Row, markdown_table, percentile  # noqa: E402
from bench.run import MEASURES  # noqa: E402


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                                  Path]:
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "BENCHMARKS.md"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out),
                           "--workdir", str(tmp / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    return proc, out


def _md_rows(text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.startswith("| ")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines]


@pytest.mark.slow
def test_quick_run_exits_zero_and_prints_the_table(quick_run: tuple[
        subprocess.CompletedProcess[str], Path]) -> None:
    proc, _ = quick_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:2] == ["measurement", "crosspost"]
    assert set(lines[1].replace(" ", "")) == {"-"}


@pytest.mark.slow
def test_quick_run_has_a_row_for_every_measurement(quick_run: tuple[
        subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    rows = _md_rows(out.read_text(encoding="utf-8"))
    assert rows[0] == list(HEADERS)
    body = rows[1:]
    assert all(len(r) == len(HEADERS) for r in body)
    names = " ".join(r[0] for r in body)
    for key in ("drop→posted", "requests per post", "batch wall time", "fan-out", "429s",
                "--help", "preview", "daemon start", "CPU", "RSS", "parse throughput"):
        assert key in names, f"no row for {key!r} in {names}"


@pytest.mark.slow
def test_quick_run_rows_hold_a_value_or_say_why_not(quick_run: tuple[
        subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    for row in _md_rows(out.read_text(encoding="utf-8"))[1:]:
        value = row[1]
        if value.startswith(NOT_MEASURED):
            assert len(value) > len(NOT_MEASURED) + 3, row
        else:
            assert re.search(r"\d", value), row


@pytest.mark.slow
def test_benchmarks_md_names_date_machine_and_command(quick_run: tuple[
        subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    text = out.read_text(encoding="utf-8")
    assert re.search(r"- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert re.search(r"- machine: .*nproc \d+, memory .*, Python 3\.\d+", text)
    assert "- command: `python -m bench --quick --out" in text


def test_unknown_measurement_name_is_a_usage_error() -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--only", "nosuch"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "unknown measurement" in proc.stderr
    assert set(MEASURES) >= {"drop", "batch", "fanout", "pacing", "coldstart", "daemon", "parse"}


def test_missing_row_renders_its_reason_in_markdown() -> None:
    table = markdown_table([Row.missing("fan-out", "the sandbox | not running"),
                            Row("parse", "3.0 MB/s", "9 MB/s")])
    rows = _md_rows(table)
    assert rows[1][1] == "not measured: the sandbox \\| not running"
    assert rows[2][:3] == ["parse", "3.0 MB/s", "9 MB/s"]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_measurement_that_cannot_run_becomes_not_measured_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import run as bench_run
    from bench.harness import Context

    (tmp_path / "bench_fixture_missing.py").write_text(
        "from bench.harness import require\n"
        "def run(ctx):\n"
        "    require('crosspost.no_such_module', 'the flux capacitor')\n", encoding="utf-8")
    (tmp_path / "bench_fixture_broken.py").write_text(
        "def run(ctx):\n    raise ValueError('boom')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(bench_run.MEASURES, "fixture_missing",
                        ("bench_fixture_missing", ["row a", "row b"]))
    monkeypatch.setitem(bench_run.MEASURES, "fixture_broken",
                        ("bench_fixture_broken", ["row c"]))
    ctx = Context(workdir=tmp_path)

    missing = bench_run.run_measure("fixture_missing", ctx)
    broken = bench_run.run_measure("fixture_broken", ctx)

    assert [r.measure for r in missing] == ["row a", "row b"]
    assert all(not r.measured for r in missing + broken)
    assert "the flux capacitor not available yet" in missing[0].crosspost
    assert broken[0].crosspost == "not measured: error: ValueError: boom"
