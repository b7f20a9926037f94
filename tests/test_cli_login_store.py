"""`crosspost login ACCOUNT` stores the secret typed without echo, and --check verifies it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from keyrings.alt.file import PlaintextKeyring

from crosspost.cli import cli
from crosspost.config.secrets import lookup_secret
from crosspost.errors import AuthError, ConfigError


def _config(tmp_path: Path, url: str, site: str = "sandbox", dialect: str = "dw") -> Path:
    cfg = tmp_path / "login-config.toml"
    cfg.write_text(f'[accounts.box]\nsite = "{site}"\nusername = "writer"\nserver = "{url}"\n'
                   f'dialect = "{dialect}"\n', encoding="utf-8")
    return cfg


def test_login_stores_secret_in_keyring(tmp_path: Path, file_keyring: PlaintextKeyring,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box"],
                                input="typed-api-key\n")
    assert result.exit_code == 0, result.output
    assert "typed-api-key" not in result.output  # no echo
    assert "API key" in result.output  # the sandbox speaks DW: hint about API keys
    assert lookup_secret("box") == "typed-api-key"


def test_login_check_verifies_before_storing(tmp_path: Path, file_keyring: PlaintextKeyring,
                                             sandbox: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, sandbox.url)
    good = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check"],
                              input="sandbox-key\n")
    assert good.exit_code == 0, good.output
    assert "login ok" in good.output
    assert "fluffyfics" in good.output
    assert lookup_secret("box") == "sandbox-key"


def test_login_check_with_wrong_key_stores_nothing(tmp_path: Path,
                                                   file_keyring: PlaintextKeyring, sandbox: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, sandbox.url)
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check"],
                             input="not-the-key\n")
    assert isinstance(bad.exception, AuthError)
    assert "not-the-key" not in bad.exception.render()
    assert "API key" in bad.exception.fix
    assert "crosspost login box" in bad.exception.fix
    assert file_keyring.get_password("crosspost", "box") is None


def test_login_check_stored_uses_existing_secret(tmp_path: Path,
                                                 file_keyring: PlaintextKeyring, sandbox: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_BOX", "sandbox-key")
    cfg = _config(tmp_path, sandbox.url)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check",
                                      "--stored"])
    assert result.exit_code == 0, result.output
    assert "login ok" in result.output


def test_login_unknown_account_is_a_config_error(tmp_path: Path,
                                                 file_keyring: PlaintextKeyring) -> None:
    cfg = _config(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "nobody"], input="x\n")
    assert isinstance(result.exception, ConfigError)
    assert "box" in result.exception.render()


def test_login_reads_stdin_for_scripts(tmp_path: Path, file_keyring: PlaintextKeyring,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, "http://127.0.0.1:9", site="lj", dialect="lj")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--stdin"],
                                input="lj-password\n")
    assert result.exit_code == 0, result.output
    assert "password" in result.output
    assert lookup_secret("box") == "lj-password"


def test_login_for_dreamwidth_explains_api_keys(tmp_path: Path, file_keyring: PlaintextKeyring,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_DW", raising=False)
    cfg = tmp_path / "dw.toml"
    cfg.write_text('[accounts.dw]\nsite = "dreamwidth"\nusername = "writer"\n', encoding="utf-8")
    # --no-check: the real Dreamwidth is never contacted from a test
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "dw", "--no-check"],
                                input="0123456789abcdef0123456789abcdef\n")
    assert result.exit_code == 0, result.output
    assert "only an API key" in result.output
    assert 'Account Settings → Mobile → "Manage API Keys"' in result.output
    assert "https://www.dreamwidth.org/manage/settings/?cat=mobile" in result.output
    assert lookup_secret("dw") == "0123456789abcdef0123456789abcdef"


def test_login_checks_the_secret_by_default_and_stores_nothing_refused(
        tmp_path: Path, file_keyring: PlaintextKeyring, sandbox: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, sandbox.url)
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box"], input="mistyped\n")
    assert isinstance(bad.exception, AuthError)
    assert file_keyring.get_password("crosspost", "box") is None
    good = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box"],
                              input="sandbox-key\n")
    assert good.exit_code == 0, good.output
    assert "login ok" in good.output and lookup_secret("box") == "sandbox-key"


def test_login_stores_unchecked_with_a_note_when_the_site_cannot_be_reached(
        tmp_path: Path, file_keyring: PlaintextKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box"],
                                input="offline-key\n")
    assert result.exit_code == 0, result.output
    assert "could not reach" in result.output and "storing it unchecked" in result.output
    assert "crosspost login box --stored" in result.output
    assert lookup_secret("box") == "offline-key"
    strict = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check"],
                                input="other-key\n")
    assert strict.exit_code != 0 and lookup_secret("box") == "offline-key"
    assert "nothing was stored" in getattr(strict.exception, "fix", "")


def test_login_no_check_stores_without_asking_the_site(
        tmp_path: Path, file_keyring: PlaintextKeyring, sandbox: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_BOX", raising=False)
    cfg = _config(tmp_path, sandbox.url)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--no-check"],
                                input="not-checked\n")
    assert result.exit_code == 0, result.output
    assert "login ok" not in result.output and lookup_secret("box") == "not-checked"


def test_login_piped_without_stdin_flag_reads_the_pipe_without_getpass_warning(
        tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    cfg = _config(tmp_path, "http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSPOST_")}
    env.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(tmp_path / "data"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "crosspost", "--config", str(cfg), "login",
                           "box", "--no-check"], input="piped-key\n", text=True,
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "GetPassWarning" not in proc.stderr and "getpass" not in proc.stderr
    assert "piped-key" not in proc.stdout + proc.stderr
    assert "stored the API key for box" in proc.stdout


def test_login_forget_removes_the_keyring_entry_and_says_so(
        tmp_path: Path, file_keyring: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_BOX", "from-env")
    cfg = _config(tmp_path, "http://127.0.0.1:9")
    file_keyring.set_password("crosspost", "box", "stale-key")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--forget"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "removed the secret of box from the keyring"
    assert lookup_secret("box") == "from-env"
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--forget"])
    assert result.output.strip() == "the keyring holds no secret for box"


def test_refused_login_with_a_stale_keyring_entry_points_to_forget(
        tmp_path: Path, file_keyring: PlaintextKeyring, sandbox: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_BOX", "sandbox-key")  # right, but hidden
    file_keyring.set_password("crosspost", "box", "stale-key")
    cfg = _config(tmp_path, sandbox.url)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--stored"])
    assert result.exit_code != 0
    fix = getattr(result.exception, "fix", "")
    assert "CROSSPOST_SECRET_BOX holds another" in fix
    assert "`crosspost login box --forget`" in fix
    assert "stale-key" not in fix and "sandbox-key" not in fix


def test_login_forget_also_removes_the_saved_login_session(
        tmp_path: Path, file_keyring: PlaintextKeyring) -> None:
    from crosspost.adapter import SavedSession, session_store

    cfg = _config(tmp_path, "http://127.0.0.1:9")
    file_keyring.set_password("crosspost", "box", "a-key")
    store = session_store("box", "http://127.0.0.1:9/interface/xmlrpc", "writer")
    assert store is not None
    store.save(SavedSession("v1:u1:s1:aX//1", 1.0e9))
    assert store.load() is not None
    result = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--forget"])
    assert result.exit_code == 0, result.output
    assert store.load() is None


def test_login_check_uses_the_environment_variable_without_stored(
        tmp_path: Path, file_keyring: PlaintextKeyring, sandbox: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _config(tmp_path, sandbox.url)
    monkeypatch.setenv("CROSSPOST_SECRET_BOX", "sandbox-key")
    good = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check"],
                              input="")
    assert good.exit_code == 0, good.output
    assert "login ok" in good.output and "CROSSPOST_SECRET_BOX" in good.output
    assert file_keyring.get_password("crosspost", "box") is None  # nothing typed or stored
    monkeypatch.setenv("CROSSPOST_SECRET_BOX", "wrong-key")
    bad = CliRunner().invoke(cli, ["--config", str(cfg), "login", "box", "--check"],
                             input="")
    assert isinstance(bad.exception, AuthError)
    assert 'Account Settings → Mobile → "Manage API Keys"' in bad.exception.fix
