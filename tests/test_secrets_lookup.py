"""Secrets come from the keyring, then CROSSPOST_SECRET_<ACCOUNT>; never shown anywhere."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from crosspost.config.secrets import (
    delete_secret,
    env_var_name,
    lookup_secret,
    secret_for,
    store_secret,
)
from crosspost.errors import SecretError


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_env_var_name_upper_cases_and_replaces_other_characters() -> None:
    assert env_var_name("sandbox") == "CROSSPOST_SECRET_SANDBOX"
    assert env_var_name("dw-main.2") == "CROSSPOST_SECRET_DW_MAIN_2"
    assert env_var_name("ünï") == "CROSSPOST_SECRET__N_"


def test_keyring_is_read_before_the_environment(file_keyring: PlaintextKeyring,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_MAIN", "from-env")
    assert secret_for("main")() == "from-env"
    store_secret("main", "from-keyring")
    assert secret_for("main")() == "from-keyring"
    assert delete_secret("main")
    assert secret_for("main")() == "from-env"


def test_secret_is_looked_up_only_when_called(file_keyring: PlaintextKeyring,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_LATE", raising=False)
    source = secret_for("late")  # nothing there yet: no error until called
    monkeypatch.setenv("CROSSPOST_SECRET_LATE", "arrived")
    assert source() == "arrived"


def test_missing_secret_names_both_places(file_keyring: PlaintextKeyring,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_NOPE", raising=False)
    with pytest.raises(SecretError) as info:
        lookup_secret("nope")
    assert "CROSSPOST_SECRET_NOPE" in info.value.message
    assert "crosspost login nope" in info.value.fix
    assert info.value.exit_code == 2


def test_without_keyring_backend_env_still_works(no_keyring: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_HEADLESS", "env-secret")
    assert lookup_secret("headless") == "env-secret"


def test_without_keyring_backend_errors_point_to_variable_and_file_backend(
        no_keyring: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CROSSPOST_SECRET_HEADLESS", raising=False)
    with pytest.raises(SecretError) as info:
        lookup_secret("headless")
    assert "no keyring backend" in info.value.message
    assert "CROSSPOST_SECRET_HEADLESS" in info.value.fix
    assert "keyrings.alt" in info.value.fix
    with pytest.raises(SecretError) as stored:
        store_secret("headless", "s3cret-value")
    assert "CROSSPOST_SECRET_HEADLESS" in stored.value.fix
    assert "s3cret-value" not in stored.value.render()


def test_secret_source_never_shows_the_value(file_keyring: PlaintextKeyring) -> None:
    store_secret("shown", "very-secret-value")
    source = secret_for("shown")
    assert "very-secret-value" not in repr(source)
    assert "very-secret-value" not in str(source)
    assert b"very-secret-value" not in pickle.dumps(source)
    assert source.account_name == "shown"


def test_empty_secret_is_refused(file_keyring: PlaintextKeyring) -> None:
    with pytest.raises(SecretError):
        store_secret("blank", "")


class LockedKeyring(keyring.backend.KeyringBackend):
    """Stands in for an OS keyring that is locked (we cannot run a real one in tests)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("locked")


@pytest.fixture
def locked_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    yield
    keyring.set_keyring(previous)


def test_locked_keyring_falls_back_to_environment(locked_keyring: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSPOST_SECRET_LOCKED", "env-value")
    assert lookup_secret("locked") == "env-value"
    monkeypatch.delenv("CROSSPOST_SECRET_LOCKED")
    with pytest.raises(SecretError) as info:
        lookup_secret("locked")
    assert "could not be read" in info.value.message


def test_keyring_store_error_never_repeats_the_secret(locked_keyring: None) -> None:
    with pytest.raises(SecretError) as info:
        store_secret("locked", "the-typed-secret")
    assert "the-typed-secret" not in info.value.render()
    assert "CROSSPOST_SECRET_LOCKED" in info.value.fix


def test_tls_verification_is_never_turned_off() -> None:
    root = Path(__file__).resolve().parents[1]
    sources = [*root.joinpath("adapters").rglob("*.py"),
               root / "crosspost" / "config" / "secrets.py"]
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "verify=False" not in text, source
        assert "CERT_NONE" not in text, source


def test_keyring_entry_hiding_a_different_environment_value_is_warned_about_once(
        file_keyring: PlaintextKeyring, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    store_secret("stale", "old-key-in-keyring")
    monkeypatch.setenv("CROSSPOST_SECRET_STALE", "new-key-in-env")
    with caplog.at_level("WARNING", logger="crosspost.config.secrets"):
        assert lookup_secret("stale") == "old-key-in-keyring"
        assert lookup_secret("stale") == "old-key-in-keyring"
    warned = [r.getMessage() for r in caplog.records if "CROSSPOST_SECRET_STALE" in r.getMessage()]
    assert len(warned) == 1
    assert "`crosspost login stale --forget`" in warned[0]
    assert "old-key" not in warned[0] and "new-key" not in warned[0]
    assert delete_secret("stale")
    assert lookup_secret("stale") == "new-key-in-env"
