"""``crosspost check`` and ``parse`` catch, offline, what the watcher would set aside or
``post`` refuse (QA F6): an unreadable ``Release:`` time, a ``Release (target):`` naming no
configured target, a subject longer than the target's site allows. The config comes from the
sandbox fixtures; the sandbox's own counters show that no request reached it."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main, titled

STORIES = Path(__file__).parent / "stories"
TARGETS = "closed, den, fluffy, journal, modq"
LONG_TITLE = " ".join(["Lighthouse"] * 12)  # 131 characters: over the 100 DW allows


def story(folder: Path, name: str, *header: str, title: str = "Harbour Lights") -> Path:
    """A small story of our own with extra header lines."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    lines = [f"Title: {title}", "By: quietquill", *header, "***", "The tide came in."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), "check", *args)


def parse(capsys: pytest.CaptureFixture[str], cfg: Path | None, *args: str
          ) -> tuple[int, str, str]:
    where = ("--config", str(cfg)) if cfg is not None else ()
    return run_main(capsys, *where, "parse", *args)


def no_requests(sandbox: Any) -> bool:
    return sandbox.stats.connections == 0 and sandbox.stats.requests == 0


def test_check_fails_a_release_time_it_cannot_read_with_its_line_and_fix(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "br.txt", "Release: next tuesdy")
    code, out, err = check(capsys, sandbox_config, str(path))
    assert code == 1
    assert out.splitlines() == [out.strip()]
    assert out.startswith(f"FAIL  {path}, line 3: release time: cannot understand the time "
                          "'next tuesdy'")
    assert "(fix: write one of: now, 2026-12-01 09:00" in out
    assert "1 invalid story file(s)" in err
    assert no_requests(sandbox)


def test_check_fails_a_release_for_a_target_the_config_does_not_have(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "rt.txt", "Release (fluffly): tomorrow 9am")
    code, out, _ = check(capsys, sandbox_config, str(path))
    assert code == 1
    assert out.strip() == (f"FAIL  {path}, line 3: the release time names an unknown target "
                           "'fluffly' "
                           f"(fix: use one of the configured targets ({TARGETS}))")
    assert no_requests(sandbox)


def test_check_fails_a_subject_longer_than_the_site_allows_for_each_target(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "long.txt", title=LONG_TITLE)
    code, out, err = check(capsys, sandbox_config, str(path))
    assert code == 1
    assert out.startswith(f"FAIL  {path}: the subject for target 'journal' is "
                          f"{len(LONG_TITLE)} characters long; Sandbox allows at most 100 "
                          "characters")
    assert "(fix: shorten the title, or change the subject template (targets.journal" in out
    also = [ln for ln in err.splitlines() if ln.startswith("also  ")]
    assert [ln.split("'")[1] for ln in also] == ["fluffy", "modq", "closed", "den"]
    assert no_requests(sandbox)


def test_check_to_checks_the_subject_for_the_named_targets_only(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "long.txt", title=LONG_TITLE)
    code, out, err = check(capsys, sandbox_config, "--to", "den", str(path))
    assert code == 1
    assert "the subject for target 'den'" in out and "also  " not in err
    code, _, err = check(capsys, sandbox_config, "--to", "nosuch", str(path))
    assert code == 2 and "nosuch" in err and "journal" in err


def test_check_warns_when_a_site_cuts_the_subject_instead_of_refusing_it(
        tmp_path: Path, sandbox_lj: Any, sandbox_config_factory: Any,
        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = sandbox_config_factory(sandbox_lj, dialect="lj")
    path = story(tmp_path / "drafts", "long.txt", title=LONG_TITLE)
    code, out, err = check(capsys, cfg, "--to", "journal", str(path))
    assert code == 0 and out.startswith(f"ok    {path}: ")
    assert "1 warning(s): see crosspost parse" in out
    assert f"warn  {path}, target journal: subject cut to 100 characters" in err


def test_check_folder_fails_each_broken_file_and_passes_the_good_one(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stories"
    story(folder, "a-badrel.txt", "Release: next tuesdy")
    story(folder, "b-badtarget.txt", "Release (fluffly): tomorrow 9am")
    story(folder, "c-fine.txt", "Release: 2031-06-01 09:00", "Release (den): +2h")
    story(folder, "d-long.txt", title=LONG_TITLE)
    code, out, err = check(capsys, sandbox_config, str(folder))
    assert code == 1
    lines = out.splitlines()
    assert [ln[:4] for ln in lines] == ["FAIL", "FAIL", "ok  ", "FAIL"]
    assert "a-badrel.txt" in lines[0] and "b-badtarget.txt" in lines[1]
    assert "c-fine.txt" in lines[2] and "d-long.txt" in lines[3]
    assert "3 invalid story file(s)" in err
    assert no_requests(sandbox)


def test_check_says_the_same_problem_and_fix_as_the_watchers_report(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stories"  # the config's stories_dir
    story(folder, "br.txt", "Release: next tuesdy")
    story(folder, "rt.txt", "Release (fluffly): tomorrow 9am")
    shutil.copy(STORIES / "bad/word-document.docx", folder / "saved.docx")
    _, out, _ = run_main(capsys, "--config", str(sandbox_config), "check", "--json",
                         str(folder))
    rows = {Path(r["path"]).name: r for r in map(json.loads, out.splitlines())}
    code, wout, werr = run_main(capsys, "--config", str(sandbox_config), "watch", "--once")
    assert code == 0, wout + werr
    for name in ("br.txt", "rt.txt", "saved.docx"):
        report = (folder / "failed" / f"{name}.error.txt").read_text(encoding="utf-8")
        row = rows[name]
        assert row["ok"] is False
        assert f"Problem: {row['error']}\n" in report
        assert f"Fix:     {row['fix']}\n" in report
        assert (f"Line:    {row['line']}\n" in report) == (row["line"] is not None)


def test_check_counts_relative_release_times_from_the_files_modification_time(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "later.txt", "Release: +2h", "Release (den): now")
    saved = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    os.utime(path, (saved.timestamp(), saved.timestamp()))
    code, out, _ = check(capsys, sandbox_config, "--json", str(path))
    row = json.loads(out)
    assert code == 0 and row["ok"] is True
    assert row["releases"] == {"*": (saved + timedelta(hours=2)).isoformat(), "den": None}
    code, out, _ = check(capsys, sandbox_config, str(path))
    assert code == 0 and "release 2030-03-01 14:00 UTC (in " in out and "den now" in out


def test_check_with_an_unreadable_config_is_an_error_not_a_pass(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[settings\n", encoding="utf-8")
    path = story(tmp_path / "drafts", "fine.txt")
    code, out, err = check(capsys, cfg, str(path))
    assert code == 2 and out == ""
    assert "not valid TOML" in err and "Traceback" not in err


def test_check_without_a_config_still_fails_an_unreadable_release_time(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = story(tmp_path, "br.txt", "Release: next tuesdy")
    named = story(tmp_path, "rt.txt", "Release (fluffly): 2031-06-01 09:00")
    code, out, err = run_main(capsys, "check", str(bad), str(named))
    assert code == 1
    first, second = out.splitlines()
    assert first.startswith(f"FAIL  {bad}, line 3: release time: cannot understand")
    assert second.startswith(f"ok    {named}: ") and "fluffly 2031-06-01 09:00" in second
    assert "no targets are configured, so target names and subject lengths are not" in err


def test_parse_shows_an_unreadable_release_as_an_error_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path, "br.txt", "Release: next tuesdy")
    code, out, _ = parse(capsys, None, str(path))
    assert code == 2
    assert ("release      next tuesdy (every target) → error: cannot understand the time "
            "'next tuesdy'") in out
    assert "1 problem(s): crosspost would not post this file as it is" in out
    assert "  - line 3: release time: cannot understand the time 'next tuesdy'" in out
    assert "    fix: write one of: now," in out


def test_parse_with_the_config_flags_an_unknown_target_and_a_long_subject(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path, "rt.txt", "Release (fluffly): tomorrow 9am", title=LONG_TITLE)
    code, out, _ = parse(capsys, sandbox_config, str(path))
    assert code == 2
    assert ("release      tomorrow 9am (target fluffly) → error: the release time names an "
            "unknown target 'fluffly'") in out
    assert "6 problem(s)" in out  # the target, then the subject for each of the five targets
    assert f"  - the subject for target 'journal' is {len(LONG_TITLE)} characters long" in out
    assert f"    fix: use one of the configured targets ({TARGETS})" in out
    assert no_requests(sandbox)


def test_parse_shows_each_release_as_the_time_crosspost_reads(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path, "fest.txt", "Release: 2031-06-01 09:00 Europe/Paris",
                 "Release (den): now")
    code, out, _ = parse(capsys, sandbox_config, str(path))
    assert code == 0 and "problem" not in out
    assert ("release      2031-06-01 09:00 Europe/Paris (every target) → 2031-06-01 07:00 UTC "
            "(in ") in out
    assert "release      now (target den) → at once" in out


def test_parse_json_lists_release_times_and_problems(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path, "br.txt", "Release: next tuesdy", "Release (den): 2031-06-01 09:00")
    code, out, _ = parse(capsys, sandbox_config, "--json", str(path))
    data = json.loads(out)
    assert code == 2
    assert data["releases"] == {"*": "next tuesdy", "den": "2031-06-01 09:00"}
    assert data["release_times"] == {"den": "2031-06-01T09:00:00+00:00"}
    (problem,) = data["problems"]
    assert problem["line"] == 3 and problem["fix"].startswith("write one of:")
    assert problem["error"].startswith("release time: cannot understand the time 'next tuesdy'")


def test_parse_with_an_unreadable_config_still_reads_release_times(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path, "br.txt", "Release: next tuesdy")
    missing = tmp_path / "missing.toml"
    code, out, err = parse(capsys, missing, str(path))
    assert code == 2 and "→ error: cannot understand the time 'next tuesdy'" in out
    assert f"note: the config {missing} was not read (file not found)" in err


def test_check_folder_takes_the_files_the_watcher_takes(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stories"
    good = story(folder, "good.txt")
    story(folder, "#good.txt#")  # an editor's autosave: skipped silently, like the watcher
    (folder / "notes").write_text("Title: Notes\n***\nNot a story file.\n", encoding="utf-8")
    code, out, err = check(capsys, sandbox_config, str(folder))
    assert code == 0 and out.splitlines() == [out.strip()] and out.startswith(f"ok    {good}")
    assert f"note  {folder / 'notes'}: not a story file, the watcher leaves it alone" in err
    assert "#good.txt#" not in out + err


def test_check_says_the_same_about_a_long_subject_as_post_refusing_it(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "long.txt", title=LONG_TITLE)
    _, out, _ = check(capsys, sandbox_config, "--json", "--to", "journal", str(path))
    row = json.loads(out)
    assert row["ok"] is False and row["error"].startswith("the subject for target 'journal'")
    code, pout, perr = run_main(capsys, "--config", str(sandbox_config), "post", str(path),
                                "--to", "journal")
    assert code != 0
    assert row["error"] in pout + perr and row["fix"] in pout + perr
    assert titled(sandbox.url, "writer", "Lighthouse") == []  # post refused it too


def test_check_fails_an_entry_longer_than_the_site_accepts(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "epic.txt"
    words = "word " * 61_000  # 305,000 characters: over the 300,000 Dreamwidth accepts
    path.write_text(f"Title: Epic\nBy: quietquill\n***\n{words}\n", encoding="utf-8")
    code, out, _ = check(capsys, sandbox_config, "--to", "journal", str(path))
    assert code == 1
    assert out.startswith(f"FAIL  {path}: the entry for target 'journal' is ")
    assert "(fix: split the story into parts (one file per part))" in out
    assert no_requests(sandbox)


def test_check_and_parse_match_a_release_target_written_in_another_case(
        tmp_path: Path, sandbox: Any, sandbox_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = story(tmp_path / "drafts", "caps.txt", "Release (DEN): 2031-06-01 09:00")
    code, out, err = check(capsys, sandbox_config, str(path))
    assert code == 0, out + err
    assert "release DEN 2031-06-01 09:00 UTC" in out
    code, out, err = parse(capsys, sandbox_config, str(path))
    assert code == 0, out + err
    assert "(target DEN) → 2031-06-01 09:00 UTC" in out
    assert no_requests(sandbox)
