"""Community rules (``[targets.NAME.rules]``) and word-count bands as tags, end to end:
``check``, ``preview``, ``post`` and ``watch`` refuse a story that breaks a rule, with the
rule and the fix, before any request reaches the sandbox site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_main
from storyfiles import write_story

from crosspost.config import load_config
from crosspost.errors import ConfigError
from crosspost.render import render_post
from crosspost.story.parse import parse_file
from crosspost.workflows import RuleError, check_rules

DRABBLE = " ".join(["word"] * 100)

RULES = """
[targets.drabbles]
account = "sandbox"
auto = false
subject = "[drabble] {title}"
tags.fields = { pairing = "pairing: {value}" }
tags.word_count_bands = [{ max = 100, tag = "length: drabble" },
                         { min = 101, tag = "length: long" }]

[targets.drabbles.rules]
required_fields = ["rating", "prompt"]
min_words = 100
max_words = 100
ratings = ["G", "PG", "PG-13"]
max_tags = 3
subject_contains = "[drabble]"
"""


def run(capsys: pytest.CaptureFixture[str], cfg: Path, *args: str) -> tuple[int, str, str]:
    return run_main(capsys, "--config", str(cfg), *args)


@pytest.fixture
def rules_config(sandbox: Any, sandbox_config_factory: Any) -> Path:
    path: Path = sandbox_config_factory(sandbox, extra=RULES)
    return path


def _protocol_requests(sandbox: Any) -> int:
    return int(sandbox.stats.snapshot()["requests"])


def test_post_of_a_story_breaking_community_rules_sends_nothing_and_names_rule_and_fix(
        tmp_path: Path, sandbox: Any, rules_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "long", " ".join(["tea"] * 143), title="Too Long",
                        rating="NC-17")
    before = _protocol_requests(sandbox)
    code, out, err = run(capsys, rules_config, "post", str(story), "--to", "drabbles")
    assert code == 1, err
    assert "drabbles: failed" in out
    assert "the header has no Prompt: line" in out
    assert "the story has 143 words" in out and "exactly 100 words" in out
    assert "rating 'NC-17' is not accepted" in out
    assert "rules.min_words" not in out and "rules.max_words" in out
    assert "fix:" in out and "add Prompt: to the story's header" in out
    assert _protocol_requests(sandbox) == before  # refused before any request
    assert sandbox.world.list_entries("writer") == []


def test_post_of_a_story_keeping_the_rules_gets_its_word_count_band_tag(
        tmp_path: Path, sandbox: Any, rules_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "drabble", DRABBLE, title="Hundred", prompt="22, Parting")
    code, out, _ = run(capsys, rules_config, "post", str(story), "--to", "drabbles")
    assert code == 0, out
    (entry,) = sandbox.world.list_entries("writer")
    assert entry.subject == "[drabble] Hundred"
    assert "length: drabble" in entry.tags


def test_check_and_preview_report_the_broken_rule(
        tmp_path: Path, rules_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "short", "Only a few words here.", title="Short",
                        prompt="Parting")
    code, out, err = run(capsys, rules_config, "check", str(story), "--to", "drabbles")
    assert code != 0
    assert "the story has 5 words" in out + err and "rules.min_words" in out + err
    code, out, err = run(capsys, rules_config, "preview", str(story), "--to", "drabbles")
    assert code == 2
    assert "drabbles: cannot be posted" in err and "lengthen the story" in err


def test_cut_required_from_a_rating_up(tmp_path: Path, sandbox: Any,
                                       sandbox_config_factory: Any) -> None:
    cfg = sandbox_config_factory(sandbox, extra="""
[targets.mods]
account = "sandbox"
community = "writersden"
cut = false
rules.cut_required = "R"
""")
    config = load_config(cfg)
    teen = parse_file(write_story(tmp_path, "teen", title="Teen Story", rating="Teen"))
    check_rules(teen, config, "mods", render_post(teen, config, "mods"))  # below R: no cut needed
    mature = parse_file(write_story(tmp_path, "mature", title="Mature Story", rating="Mature"))
    with pytest.raises(RuleError) as caught:
        check_rules(mature, config, "mods", render_post(mature, config, "mods"))
    assert "requires a cut from rating R up" in caught.value.message
    assert "set cut = true for targets.mods" in caught.value.fix
    unrated = parse_file(write_story(tmp_path, "unrated", title="Unrated", rating=None))
    with pytest.raises(RuleError):  # no rating: the safe side is a cut
        check_rules(unrated, config, "mods", render_post(unrated, config, "mods"))


def test_max_tags_counts_the_band_tag(tmp_path: Path, sandbox: Any,
                                      sandbox_config_factory: Any) -> None:
    cfg = sandbox_config_factory(sandbox, extra="""
[targets.mods]
account = "sandbox"
tags.constant = ["one", "two"]
tags.word_count_bands = [{ tag = "any length" }]
rules.max_tags = 2
""")
    config = load_config(cfg)
    story = parse_file(write_story(tmp_path, "tags", title="Tagged"))
    post = render_post(story, config, "mods")
    assert post.tags == ("one", "two", "any length")
    with pytest.raises(RuleError, match="would carry 3 tags; the community allows at most 2"):
        check_rules(story, config, "mods", post)


def test_watch_sets_a_story_breaking_the_rules_aside_with_a_report(
        tmp_path: Path, sandbox: Any, rules_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "stories"
    write_story(folder, "wrong", "Five words and no more.", title="Wrong Size", prompt="1")
    text = rules_config.read_text(encoding="utf-8")
    # only the rule-bound target is automatic
    text = re.sub(r'(\[targets\.(journal|fluffy|modq|closed|den)\]\naccount = "sandbox")',
                  r"\1\nauto = false", text).replace("auto = false\nsubject", "subject")
    rules_config.write_text(text, encoding="utf-8")
    before = _protocol_requests(sandbox)
    code, _, err = run(capsys, rules_config, "watch", "--once", "--settle", "0")
    assert code == 0, err
    report = folder / "failed" / "wrong.txt.error.txt"
    assert (folder / "failed" / "wrong.txt").exists(), err
    assert "rules.min_words" in report.read_text(encoding="utf-8")
    assert _protocol_requests(sandbox) - before <= 2  # a login check at most, no post
    assert sandbox.world.list_entries("writer") == []


@pytest.mark.parametrize(("extra", "expected"), [
    ("[targets.den.rules]\nmax_word = 5", "did you mean 'max_words'?"),
    ("[targets.den.rules]\nrequired_fields = ['Ratng']", "did you mean 'Rating'?"),
    ("[targets.den.rules]\nmin_words = 300\nmax_words = 100", "max_words (100) is below"),
    ("[targets.den.rules]\ncut_required = 'Spicy'", "'Spicy' is not a rating"),
    ("[targets.den.tags]\nword_count_bands = [{ min = 10, max = 5, tag = 'x' }]",
     "max (5) is below min (10)"),
])
def test_rule_and_band_config_mistakes_are_reported_with_their_key(
        sandbox: Any, sandbox_config_factory: Any, extra: str, expected: str) -> None:
    cfg = sandbox_config_factory(sandbox, extra=extra)
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert expected in caught.value.message
    assert "targets.den" in caught.value.message


def test_dry_run_says_a_rule_would_refuse_the_story(
        tmp_path: Path, sandbox: Any, rules_config: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    story = write_story(tmp_path, "short", "Too short.", title="Short One", prompt="1")
    before = _protocol_requests(sandbox)
    code, out, err = run(capsys, rules_config, "post", "--dry-run", str(story),
                         "--to", "drabbles", "--to", "journal")
    assert code == 0, out + err
    assert re.search(r"^drabbles: would refuse '\[drabble\] Short One': target 'drabbles' "
                     r"refuses this story: the story has 2 words", out, re.M), out
    assert re.search(r"^journal: would post ", out, re.M), out
    assert _protocol_requests(sandbox) == before
