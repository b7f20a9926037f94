"""Limits with clear errors: maximum file size, maximum post size per site, subject length per
site. Each limit is hit through the real CLI against the sandbox (dw and lj dialects); the
error names the limit and the fix, nothing half-posts, and the story file is left alone.

Limits (reference §3.7): DW event < 450 000 bytes and ≤ 300 000 chars, subject ≤ 100 chars
and ≤ 255 bytes (else 411); LJ event < 65 535 bytes, subject silently cut to 100 chars.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability.harness import SandboxControl, cli_env, journal_name, run_cli, write_config
from reliability.scenarios import Daemon, wait_until
from reliability.stories import good_story

from crosspost.errors import StoryError
from crosspost.story.parse import parse_file


def _story(tmp_path: Path, name: str, title: str, body: str) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(f"Title: {title}\nBy: limitwriter\n\n***\n\n{body}\n".encode())
    return path


def _names_number(text: str, number: int) -> bool:
    """True when ``text`` shows ``number`` in any usual spelling (450000, 450,000, 450 000,
    450_000, 450 kB / 439 KiB for byte counts)."""
    flat = re.sub(r"(?<=\d)[ ,_\u202f\u00a0.'](?=\d{3}\b)", "", text)
    if str(number) in flat:
        return True
    kb = {f"{number / 1000:g}", f"{number // 1000}", f"{number / 1024:.0f}",
          f"{number / 1024:.1f}"}
    return any(re.search(rf"\b{re.escape(k)}\s*(k|K|KB|kB|KiB)\b", text) for k in kb)


def _out(proc: Any) -> str:
    return f"{proc.stdout}\n{proc.stderr}"


def _assert_clear(proc: Any, *, limit: int | None = None) -> None:
    out = _out(proc)
    assert "Traceback" not in out, out
    assert "fix" in out.lower(), f"no fix offered:\n{out}"
    if limit is not None:
        assert _names_number(out, limit), f"the limit {limit} is not named:\n{out}"


@pytest.fixture
def dw(sandbox: Any, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], SandboxControl]]:
    control = SandboxControl(sandbox.url)
    yield write_config(tmp_path / "cfg", sandbox.url, targets=["journal", "fluffy"]), \
        cli_env(tmp_path), control
    control.close()


@pytest.fixture
def lj(sandbox_lj: Any, tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], SandboxControl]]:
    control = SandboxControl(sandbox_lj.url)
    yield write_config(tmp_path / "cfglj", sandbox_lj.url, targets=["journal"],
                       dialect="lj"), cli_env(tmp_path, "lj"), control
    control.close()


# -- file size -----------------------------------------------------------------------------

def test_limits_parse_file_over_max_bytes_raises_story_error_naming_the_limit(
        tmp_path: Path) -> None:
    path = _story(tmp_path, "big.txt", "Too Big", "word " * 1000)
    size = path.stat().st_size
    with pytest.raises(StoryError) as err:
        parse_file(path, max_bytes=size - 1)
    assert err.value.path == path
    assert _names_number(err.value.render(), size - 1) or "max_file_bytes" in err.value.render()
    assert err.value.fix
    parse_file(path, max_bytes=size)  # exactly at the limit is fine


def test_limits_post_file_over_max_file_bytes_is_refused_before_sending(
        sandbox: Any, tmp_path: Path) -> None:
    control = SandboxControl(sandbox.url)
    cfg = write_config(tmp_path / "cfg", sandbox.url, targets=["journal"],
                       settings={"max_file_bytes": 20_000})
    path = _story(tmp_path, "big.txt", "Big File Story", "words and more words " * 2000)
    data = path.read_bytes()
    before = control.calls()
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=cli_env(tmp_path))
    assert proc.returncode == 2, _out(proc)
    _assert_clear(proc, limit=20_000)
    assert control.calls() == before, "nothing may be sent for a refused file"
    assert path.read_bytes() == data
    control.close()


# -- post size -----------------------------------------------------------------------------

def _post_refused(cfg: Path, env: dict[str, str], control: SandboxControl, path: Path,
                  target: str, site_limit: int) -> None:
    """The post is refused: either before sending, naming the limit, or by the site (409),
    shown with a fix. No entry is created, and the file is unchanged."""
    data = path.read_bytes()
    before = control.calls()
    proc = run_cli(cfg, "post", str(path), "--to", target, env=env)
    assert proc.returncode != 0, _out(proc)
    sent = control.calls() != before
    if sent:
        assert re.search(r"too large|too long|409", _out(proc), re.I), _out(proc)
        _assert_clear(proc)
    else:
        _assert_clear(proc, limit=site_limit)
    assert not [e for e in control.entries(journal_name(target)) if "Limit" in e.subject]
    assert path.read_bytes() == data


def test_limits_dw_post_over_450000_bytes_is_refused(dw: Any, tmp_path: Path) -> None:
    cfg, env, control = dw
    path = _story(tmp_path, "huge.txt", "Limit Huge Bytes", "Ünïcödé wörds " * 30_000)
    _post_refused(cfg, env, control, path, "journal", 450_000)


def test_limits_dw_post_over_300000_chars_is_refused(dw: Any, tmp_path: Path) -> None:
    cfg, env, control = dw
    # 350 000 ASCII chars: under DW's byte limit, over its character limit
    path = _story(tmp_path, "long.txt", "Limit Many Chars", "abcdefgh " * 39_000)
    _post_refused(cfg, env, control, path, "journal", 300_000)


def test_limits_dw_post_of_100000_bytes_is_accepted(dw: Any, tmp_path: Path) -> None:
    cfg, env, control = dw
    path = _story(tmp_path, "ok.txt", "Size Fine Story", "plain words " * 8_500)
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=env)
    assert proc.returncode == 0, _out(proc)
    assert [e.subject for e in control.entries("writer")].count("Size Fine Story") == 1


def test_limits_lj_post_over_65535_bytes_is_refused(lj: Any, tmp_path: Path) -> None:
    cfg, env, control = lj
    path = _story(tmp_path, "huge.txt", "Limit LJ Bytes", "plain words " * 6_000)
    _post_refused(cfg, env, control, path, "journal", 65_535)


def test_limits_too_big_for_lj_still_posts_to_dw(sandbox: Any, sandbox_lj: Any,
                                                 tmp_path: Path) -> None:
    """Targets are independent: the LJ target is refused, the DW target gets the post."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[settings]\nstate_file = "{(tmp_path / "state.sqlite3").as_posix()}"\n'
        '[defaults]\nsubject = "{title}"\n'
        f'[accounts.dwbox]\nsite = "sandbox"\nusername = "writer"\nserver = "{sandbox.url}"\n'
        f'[accounts.ljbox]\nsite = "sandbox"\nusername = "writer"\nserver = "{sandbox_lj.url}"\n'
        'dialect = "lj"\n'
        '[targets.dwj]\naccount = "dwbox"\n[targets.ljj]\naccount = "ljbox"\n',
        encoding="utf-8")
    env = cli_env(tmp_path)
    env["CROSSPOST_SECRET_DWBOX"] = "sandbox-key"
    env["CROSSPOST_SECRET_LJBOX"] = "sandbox-password"
    path = _story(tmp_path, "mid.txt", "Limit Split Story", "plain words " * 8_000)
    proc = run_cli(cfg, "post", str(path), "--to", "dwj", "--to", "ljj", env=env)
    assert proc.returncode == 1, _out(proc)
    dw_c, lj_c = SandboxControl(sandbox.url), SandboxControl(sandbox_lj.url)
    assert [e.subject for e in dw_c.entries("writer")] == ["Limit Split Story"]
    assert [e.subject for e in lj_c.entries("writer")] == []
    _assert_clear(proc)
    dw_c.close()
    lj_c.close()


# -- subject length ------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "limit"), [
    ("S" * 101, 100),             # DW: more than 100 characters
    ("€" * 86, 255),              # DW: 86 chars but 258 bytes
])
def test_limits_dw_subject_too_long_is_refused_with_a_fix(dw: Any, tmp_path: Path, title: str,
                                                          limit: int) -> None:
    cfg, env, control = dw
    path = _story(tmp_path, "subj.txt", title, "A short body about a long title.")
    data = path.read_bytes()
    before = control.calls()
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=env)
    assert proc.returncode != 0, _out(proc)
    if control.calls() == before:   # refused before sending: the limit is named
        _assert_clear(proc, limit=limit)
    else:                           # the site's 411, shown with a fix
        assert re.search(r"subject", _out(proc), re.I), _out(proc)
        _assert_clear(proc)
    assert re.search(r"subject|title", _out(proc), re.I), _out(proc)
    assert control.entries("writer") == []
    assert path.read_bytes() == data


@pytest.mark.parametrize("title", ["T" * 100, "€" * 85])
def test_limits_dw_subject_at_the_limit_is_accepted(dw: Any, tmp_path: Path, title: str) -> None:
    cfg, env, control = dw
    path = _story(tmp_path, "subj.txt", title, "A short body about a title at the limit.")
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=env)
    assert proc.returncode == 0, _out(proc)
    assert [e.subject for e in control.entries("writer")] == [title]


def test_limits_lj_long_subject_is_posted_cut_and_we_warn(lj: Any, tmp_path: Path) -> None:
    cfg, env, control = lj
    title = "Long LJ Subject " + "x" * 120
    path = _story(tmp_path, "subj.txt", title, "A body under a subject LJ will cut.")
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=env)
    assert proc.returncode == 0, _out(proc)
    subjects = [e.subject for e in control.entries("writer")]
    assert len(subjects) == 1
    assert title.startswith(subjects[0]) and len(subjects[0]) <= 100
    assert re.search(r"truncat|cut|shorten", _out(proc), re.I), \
        f"no warning that LJ cuts the subject:\n{_out(proc)}"
    # posting again must recognise the (cut) entry as ours: no second copy
    proc = run_cli(cfg, "post", str(path), "--to", "journal", env=env)
    assert proc.returncode == 0, _out(proc)
    assert len(control.entries("writer")) == 1


def test_limits_generated_story_fits_every_site(dw: Any, tmp_path: Path) -> None:
    """Control case: an ordinary story is far from every limit and posts everywhere."""
    cfg, env, control = dw
    good = good_story(random.Random(5), "lim", 1)
    path = tmp_path / "stories" / good.name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(good.data)
    proc = run_cli(cfg, "post", str(path), "--to", "journal", "--to", "fluffy", env=env)
    assert proc.returncode == 0, _out(proc)
    assert [e.subject for e in control.entries("writer")] == [good.title]
    assert [e.subject for e in control.entries("fluffyfics")] == [good.title]


@pytest.mark.timeout(120)
def test_limits_daemon_sets_a_file_over_max_file_bytes_aside_with_a_report(
        sandbox: Any, tmp_path: Path) -> None:
    control = SandboxControl(sandbox.url)
    folder = tmp_path / "stories"
    folder.mkdir()
    cfg = write_config(tmp_path, sandbox.url, targets=["journal"], stories_dir=folder,
                       settings={"max_file_bytes": 20_000})
    big = _story(tmp_path, "big.txt", "Limit Big Daemon", "many many words " * 2000)
    data = big.read_bytes()
    _story(tmp_path, "small.txt", "Limit Small Daemon", "A story of a fine size.")
    daemon = Daemon(cfg, cli_env(tmp_path), tmp_path)
    daemon.start()
    try:
        report = folder / "failed" / "big.txt.error.txt"
        assert wait_until(lambda: report.exists() and (folder / "posted" / "small.txt").exists(),
                          timeout=60), daemon.tail()
        assert daemon.alive(), daemon.tail()
    finally:
        daemon.stop()
        daemon.kill()
    assert (folder / "failed" / "big.txt").read_bytes() == data
    text = report.read_text(encoding="utf-8")
    assert _names_number(text, 20_000), text
    assert "big.txt" in text
    assert [e.subject for e in control.entries("writer")] == ["Limit Small Daemon"]
    control.close()
