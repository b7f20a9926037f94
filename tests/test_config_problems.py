"""Config problems: all reported at once, each with its key path; env overrides keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosspost.cli import main
from crosspost.config import load_config
from crosspost.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"

BAD = """
[accounts.sandbox]
site = "sandbox"
username = "writer"

[targets.fluffy]
account = "sandbox"
community = "fluffyfics"
subjet = "{title}"
security = "everyone"
subject = "{title"
header_fields = ["title", "Ratng"]

[targets.fluffy.tags]
fields = { Pairng = "pairing: {value}", fandom = "fandom: {value" }

[targets.lost]
account = "nobody"
"""


def problems_of(path: Path) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return {p.key: p.message for p in err.value.problems}


def test_every_problem_reported_with_its_key_path(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(BAD, encoding="utf-8")
    found = problems_of(cfg)
    assert found["targets.fluffy.tags.fields"] == \
        "unknown field 'Pairng' (did you mean 'Pairing'?)"
    assert found["targets.fluffy.subjet"].startswith("unknown key (did you mean 'subject'")
    assert "security" in " ".join(found) and "targets.fluffy.security" in found
    assert "unclosed '{'" in found["targets.fluffy.subject"]
    assert "unclosed '{'" in found["targets.fluffy.tags.fields.fandom"]
    assert "did you mean 'Rating'" in found["targets.fluffy.header_fields"]


def test_cross_reference_problems_reported_together(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("""
[accounts.me]
site = "dreamwidht"
username = "me"

[targets.a]
account = "nobody"
subject = "[{title}"
""", encoding="utf-8")
    found = problems_of(cfg)
    assert "no account 'nobody'" in found["targets.a.account"]
    assert "did you mean 'dreamwidth'" in found["accounts.me.site"]
    assert "unclosed '['" in found["targets.a.subject"]


def test_unknown_story_fields_are_allowed_in_tag_maps(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("""
[accounts.me]
site = "sandbox"
username = "me"
[targets.a]
account = "me"
tags = { fields = { recipient = "for: {value}" } }
""", encoding="utf-8")
    assert load_config(cfg).targets["a"].tags.fields == {"recipient": "for: {value}"}


def test_misspelt_field_in_a_template_is_reported_with_a_suggestion(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("""
[defaults]
subject = "{titel} by {autor}[ ({pairing})]"
[defaults.tags]
fields = { rating = "rating: {ratng}" }
[accounts.me]
site = "sandbox"
username = "me"
[targets.a]
account = "me"
cut_text = "{word count} words for {recipient} in {community}"
header_line = "<b>{label}:</b> {value}"
""", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    found = [(p.key, p.message) for p in err.value.problems]
    assert found == [
        ("defaults.subject", "unknown field {titel} (did you mean 'Title'?)"),
        ("defaults.subject", "unknown field {autor} (did you mean 'Author'?)"),
        ("defaults.tags.fields.rating", "unknown field {ratng} (did you mean 'Rating'?)")]


def test_tag_map_aliases_become_canonical_keys(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("""
[accounts.me]
site = "sandbox"
username = "me"
[targets.a]
account = "me"
tags = { fields = { Pairings = "p: {value}" }, split = { Fandoms = ["/"] } }
""", encoding="utf-8")
    tags = load_config(cfg).targets["a"].tags
    assert tags.fields == {"pairing": "p: {value}"} and tags.split == {"fandom": ["/"]}


def test_bad_screening_value_named(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[defaults]\nscreening = "sometimes"\n', encoding="utf-8")
    assert "unknown screening" in problems_of(cfg)["defaults.screening"]


def test_invalid_toml_reported(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[targets\n", encoding="utf-8")
    assert "not valid TOML" in problems_of(cfg)[""]


def test_environment_overrides_keys(monkeypatch):
    monkeypatch.setenv("CROSSPOST_TARGETS__JOURNAL__SECURITY", "private")
    monkeypatch.setenv("CROSSPOST_ACCOUNTS__SANDBOX__SERVER", "http://127.0.0.1:9999")
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_LIMIT", "3")
    cfg = load_config(EXAMPLE)
    assert cfg.targets["journal"].security == "private"
    assert cfg.targets["journal"].account == "sandbox"  # the rest of the table stays
    assert cfg.accounts["sandbox"].server == "http://127.0.0.1:9999"
    assert cfg.accounts["sandbox"].username == "writer"
    assert cfg.settings.retry_limit == 3


def test_environment_value_is_validated(monkeypatch):
    monkeypatch.setenv("CROSSPOST_TARGETS__JOURNAL__SECURITY", "everyone")
    with pytest.raises(ConfigError) as err:
        load_config(EXAMPLE)
    assert [p.key for p in err.value.problems] == ["targets.journal.security"]


def test_cli_reports_config_problems_without_traceback(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text(BAD, encoding="utf-8")
    story = tmp_path / "story.txt"
    story.write_text("Title: T\n\nBody.\n", encoding="utf-8")
    with pytest.raises(SystemExit) as code:
        main(["--config", str(cfg), "preview", str(story)])
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "targets.fluffy.tags.fields: unknown field 'Pairng' (did you mean 'Pairing'?)" in err
    assert "targets.lost.account" not in err or "no account" in err
    assert "fix:" in err


def test_cli_missing_config_file_is_a_clear_error(tmp_path, capsys):
    story = tmp_path / "story.txt"
    story.write_text("Title: T\n\nBody.\n", encoding="utf-8")
    with pytest.raises(SystemExit) as code:
        main(["--config", str(tmp_path / "nope.toml"), "preview", str(story)])
    assert code.value.code == 2
    assert "file not found" in capsys.readouterr().err


def test_environment_problem_names_the_variable(monkeypatch):
    monkeypatch.setenv("CROSSPOST_SETTINGS__RETRY_LIMIT", "many")
    with pytest.raises(ConfigError) as err:
        load_config(EXAMPLE)
    (problem,) = err.value.problems
    assert problem.key == "settings.retry_limit"
    assert "CROSSPOST_SETTINGS__RETRY_LIMIT" in problem.message


def test_unreadable_environment_table_is_a_config_error(monkeypatch):
    monkeypatch.setenv("CROSSPOST_TARGETS", "not json")
    with pytest.raises(ConfigError) as err:
        load_config(EXAMPLE)
    assert [p.key for p in err.value.problems] == ["targets"]
    assert "CROSSPOST_TARGETS" in err.value.problems[0].message


def test_structural_and_cross_check_problems_come_in_one_report(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("""
[settings]
timezon = "Europe/Paris"
timezone = "Mars/Olympus"
edit_mode = "sometimes"

[accounts.a]
site = "dreamwidht"
username = "me"

[targets.t]
account = "b"
security = "friends"
""", encoding="utf-8")
    found = problems_of(cfg)
    # pydantic's problems …
    assert found["settings.timezon"].startswith("unknown key")
    assert "settings.edit_mode" in found and "targets.t.security" in found
    # … and the cross-checks, in the same report
    assert "did you mean 'dreamwidth'" in found["accounts.a.site"]
    assert "no account 'b'" in found["targets.t.account"]
    assert "unknown time zone 'Mars/Olympus'" in found["settings.timezone"]


def test_crosspost_config_naming_a_missing_file_is_an_error(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nonexist.toml"
    monkeypatch.setenv("CROSSPOST_CONFIG", str(missing))
    with pytest.raises(ConfigError) as err:
        load_config()
    assert "CROSSPOST_CONFIG" in str(err.value) and str(missing) in str(err.value)
    story = tmp_path / "story.txt"
    story.write_text("Title: T\nBy: me\n\nBody.\n", encoding="utf-8")
    with pytest.raises(SystemExit) as code:
        main(["preview", str(story)])
    assert code.value.code == 2
    err_text = capsys.readouterr().err
    assert "file not found (named by $CROSSPOST_CONFIG)" in err_text
    assert str(missing) in err_text and "Traceback" not in err_text


def test_a_real_key_in_the_wrong_table_says_where_it_belongs(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[settings]\nmax_parallel = 2\n", encoding="utf-8")
    assert problems_of(cfg) == {"settings.max_parallel": "'max_parallel' is not a key here; "
                                                         "it belongs under [accounts.NAME]"}
