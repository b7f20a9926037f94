"""`crosspost init` against the sandbox (file keyring): from nothing to a working config
without a text editor; the shipped example; where crosspost looked when there is no config."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import keyring
import pytest
from click.testing import CliRunner
from storyfiles import write_story

from crosspost.cli import cli
from crosspost.cli.init_config import tag_map
from crosspost.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def _init(cfg: Path, *args: str, secret: str = "sandbox-key\n") -> Any:
    return CliRunner().invoke(cli, ["--config", str(cfg), "init", *args], input=secret)


def test_init_with_options_writes_a_config_that_posts(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "conf" / "config.toml"
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                "--targets", "journal,fluffyfics", "--yes")
    assert res.exit_code == 0, res.output
    assert "login ok: writer (Sandbox Writer)" in res.output
    assert f"wrote {cfg} (targets: journal, fluffyfics)" in res.output
    text = cfg.read_text(encoding="utf-8")
    assert "sandbox-key" not in text  # the secret is in the keyring only
    assert keyring.get_password("crosspost", "sandbox") == "sandbox-key"
    assert text.count("\n# ") > 5  # commented for a person
    config = load_config(cfg)
    assert config.targets["fluffyfics"].community == "fluffyfics"
    # the community's tags have prefixes: the map follows them
    rules = config.rendering_for("fluffyfics").tags
    assert rules is not None
    assert rules.fields["fandom"] == "fandom: {value}"
    assert rules.constant == ["type: fic"]
    story = write_story(tmp_path, "first", title="First Post")
    state = tmp_path / "state.sqlite3"
    posted = CliRunner(env={"CROSSPOST_SETTINGS__STATE_FILE": str(state)}).invoke(
        cli, ["--config", str(cfg), "post", str(story), "--to", "fluffyfics"])
    assert posted.exit_code == 0, posted.output
    assert "fluffyfics: posted" in posted.output


def test_init_asks_its_questions_when_run_by_a_person(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "config.toml"
    # site, user name, API key, then the journals by number (0: own journal)
    res = CliRunner().invoke(cli, ["--config", str(cfg), "init", "--server", sandbox.url],
                             input="sandbox\nwriter\nsandbox-key\n0,2\n")
    assert res.exit_code == 0, res.output
    assert "  1  fluffyfics" in res.output and "  0  your own journal" in res.output
    config = load_config(cfg)
    assert set(config.targets) == {"journal", "modfics"}


def test_init_asks_where_the_sandbox_runs_when_not_told(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "config.toml"
    # site, the sandbox's address (as `crosspost sandbox` printed it), user name, API key
    res = CliRunner().invoke(cli, ["--config", str(cfg), "init"],
                             input=f"sandbox\n{sandbox.url}\nwriter\nsandbox-key\n0\n")
    assert res.exit_code == 0, res.output
    assert "Sandbox address" in res.output and "[http://127.0.0.1:8080]" in res.output
    assert load_config(cfg).accounts["sandbox"].server == sandbox.url


def test_init_refuses_a_community_the_account_may_not_post_to(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "config.toml"
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                "--targets", "closedfics", "--yes")
    assert res.exit_code != 0
    assert "may not post to 'closedfics'" in str(res.exception or res.output)
    assert not cfg.exists()


def test_init_never_replaces_a_config_without_asking(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("# mine\n", encoding="utf-8")
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer", "--yes")
    assert res.exit_code != 0
    assert cfg.read_text(encoding="utf-8") == "# mine\n"
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                "--yes", "--force")
    assert res.exit_code == 0, res.output
    assert "[targets.journal]" in cfg.read_text(encoding="utf-8")


def test_init_with_a_wrong_key_writes_and_stores_nothing(
        tmp_path: Path, sandbox: Any, file_keyring: Any) -> None:
    cfg = tmp_path / "config.toml"
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                "--yes", secret="wrong\n")
    assert res.exit_code != 0
    assert not cfg.exists()
    assert keyring.get_password("crosspost", "sandbox") is None


def test_init_example_prints_the_shipped_example_config() -> None:
    res = CliRunner().invoke(cli, ["init", "--example"])
    assert res.exit_code == 0
    assert res.output == (ROOT / "config.example.toml").read_text(encoding="utf-8")
    unit = CliRunner().invoke(cli, ["init", "--systemd-unit"])
    assert "ExecStart=" in unit.output


def test_tag_map_follows_the_communitys_prefixes() -> None:
    fields, constant = tag_map(["Fandom: Merlin", "ship: arthur/merlin", "type: fic"])
    assert fields == {"fandom": "fandom: {value}", "pairing": "ship: {value}"}
    assert constant == ("type: fic",)
    assert tag_map([]) == ({}, ())


@pytest.mark.parametrize("command", [["status"], ["post", "x.txt"], ["queue"]])
def test_a_command_without_config_says_where_it_looked_and_suggests_init(
        command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("Title: X\n\nText.\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "crosspost", *command], capture_output=True,
                         text=True, timeout=60, check=False)
    assert res.returncode == 2, res.stderr
    assert "config.toml" in res.stderr and "no config file here" in res.stderr
    assert "crosspost init" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_a_built_wheel_ships_the_example_config_unit_and_docs(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                          str(tmp_path), str(ROOT)], capture_output=True, text=True,
                         timeout=540, check=False)
    assert res.returncode == 0, res.stderr
    wheel = next(tmp_path.glob("crosspost-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("config.example.toml", "crosspost.service", "USER-GUIDE.md", "JSON.md",
                    "README.md"):
        assert f"crosspost/shipped/{shipped}" in names
    example = zipfile.ZipFile(wheel).read("crosspost/shipped/config.example.toml")
    assert tomllib.loads(example.decode())["accounts"]


def test_setup_py_ships_the_same_files_as_the_runtime_expects() -> None:
    from crosspost.cli.shipped import SHIPPED

    src = (ROOT / "setup.py").read_text(encoding="utf-8")
    for name, source in SHIPPED.items():
        assert f'"{name}": "{source}"' in src
        assert (ROOT / source).is_file()


def test_init_takes_the_key_from_the_environment_without_copying_it(
        tmp_path: Path, sandbox: Any, file_keyring: Any, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_SANDBOX", "sandbox-key")
    cfg = tmp_path / "config.toml"
    res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                "--yes", secret="")
    assert res.exit_code == 0, res.output
    assert "using the API key in CROSSPOST_SECRET_SANDBOX" in res.output
    assert keyring.get_password("crosspost", "sandbox") is None
    assert cfg.exists()


def test_init_without_a_keyring_writes_the_config_and_says_how_to_give_the_key(
        tmp_path: Path, sandbox: Any) -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        cfg = tmp_path / "config.toml"
        res = _init(cfg, "--site", "sandbox", "--server", sandbox.url, "--user", "writer",
                    "--yes")
    finally:
        keyring.set_keyring(previous)
    assert res.exit_code == 0, res.output
    assert "CROSSPOST_SECRET_SANDBOX" in res.output
    assert cfg.exists() and "sandbox-key" not in cfg.read_text(encoding="utf-8")
