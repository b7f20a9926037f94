"""config.example.toml: valid as shipped, documents every key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crosspost.config import Account, Rendering, Settings, TagRules, Target, load_config
from crosspost.config.community import Masterlist, PromptTable, Rules, SeriesNavigation

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_config_loads():
    cfg = load_config(EXAMPLE)
    sandbox = cfg.accounts["sandbox"]
    assert (sandbox.site, sandbox.username, sandbox.server) == \
        ("sandbox", "writer", "http://127.0.0.1:8080")
    assert cfg.targets["journal"].community is None
    assert cfg.targets["fluffyfics"].community == "fluffyfics"


def test_example_fluffyfics_tag_map():
    rules = load_config(EXAMPLE).rendering_for("fluffyfics").tags
    assert rules is not None
    assert rules.fields == {"pairing": "pairing: {value}", "fandom": "fandom: {value}",
                            "rating": "rating: {value}"}
    assert rules.constant == ["type: fic"]


def test_example_targets_name_demo_world_communities():
    cfg = load_config(EXAMPLE)
    communities = {t.community for t in cfg.targets.values()}
    assert {"fluffyfics", "modfics", "writersden"} <= communities


@pytest.mark.parametrize("model", [Settings, Account, Rendering, Target, TagRules, Rules,
                                   PromptTable, Masterlist, SeriesNavigation])
def test_example_documents_every_key(model):
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = [name for name in model.model_fields
               if not re.search(rf"^#?\s*({name}\s*=|\[[\w.]+\.{name}\])", text,
                                re.MULTILINE)]
    assert missing == []


def test_example_has_commented_dreamwidth_account_with_api_key_hint():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert '# site = "dreamwidth"' in text
    assert "API key" in text


def test_example_keys_are_commented():
    """Every key line written in [settings], [accounts.sandbox] and [defaults] follows a
    comment line (the example explains what each key does)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    section = ""
    undocumented = []
    for i, line in enumerate(lines):
        if line.startswith("["):
            section = line
        elif (section in ("[settings]", "[accounts.sandbox]", "[defaults]", "[defaults.tags]")
              and re.match(r"^\w+\s*=", line)):
            prev = next(p for p in reversed(lines[:i]) if p.strip())
            if not prev.lstrip().startswith("#"):
                undocumented.append(line)
    assert undocumented == []


def test_example_dreamwidth_blocks_are_valid_when_uncommented(tmp_path):
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    out, live = [], False
    for line in lines:
        if line in ("# [accounts.dreamwidth]", "# [targets.dw_comm]"):
            live = True
        elif not line.strip():
            live = False
        out.append(line[2:] if live and line.startswith("# ") else line)
    cfg_path = tmp_path / "config.toml"
    cfg_path.write_text("\n".join(out), encoding="utf-8")
    cfg = load_config(cfg_path)
    assert cfg.accounts["dreamwidth"].site == "dreamwidth"
    assert cfg.targets["dw_comm"].account == "dreamwidth"
    assert cfg.rendering_for("dw_comm").tags.constant == ["type: fic"]


def test_example_says_auto_defaults_to_true_and_to_remove_the_sandbox_targets():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert Target.model_fields["auto"].default is True
    assert "Default: true" in text and "auto = false" in text
    assert "REMOVE these" in text and "LOCAL SANDBOX" in text
    assert "`Release (NAME): …`" in text


def test_example_stories_dir_is_in_the_home_folder_and_log_file_rule_is_stated(tmp_path):
    cfg = load_config(EXAMPLE)
    assert cfg.settings.stories_dir == Path("~/Stories/crosspost").expanduser()
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "for every command" in text and "taken from this file's" in text
    copy = tmp_path / "config.toml"
    copy.write_text(text.replace('# log_file = "crosspost.log"', 'log_file = "crosspost.log"'),
                    encoding="utf-8")
    assert load_config(copy).settings.log_file == tmp_path / "crosspost.log"


def test_example_drabble_target_has_rules_and_word_count_bands():
    cfg = load_config(EXAMPLE)
    drabbles = cfg.targets["drabbles"]
    assert not drabbles.auto
    assert (drabbles.rules.min_words, drabbles.rules.max_words) == (100, 100)
    assert drabbles.rules.required_fields == ["title", "rating", "fandom"]
    tags = cfg.rendering_for("drabbles").tags
    assert tags is not None and tags.word_count_bands is not None
    assert tags.word_count_bands[0].tag == "length: drabble"


def test_example_prompt_table_matches_the_canonical_story_header():
    from crosspost.workflows.tables import match_prompt, prompts_of, table_for

    cfg = load_config(EXAMPLE)
    name = table_for(cfg, "25fluffyfics")
    assert name is not None
    prompts = prompts_of(cfg.tables[name])
    assert len(prompts) == 25
    assert match_prompt(prompts, "22, Parting") == 22


def test_example_masterlist_loads_when_uncommented(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("# [masterlists.all]"):text.index("# A real Dreamwidth community")]
    lines = [ln[2:] for ln in block.splitlines()
             if ln.startswith(("# [masterlists", "# [series]")) or re.match(r"# \w+ = ", ln)]
    path = tmp_path / "config.toml"
    path.write_text(text + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_config(path)
    assert loaded.series is not None and "{next_url}" in loaded.series.navigation
    ml = loaded.masterlists["all"]
    assert ml.group_by == ["fandom", "pairing"] and ml.where == {"fandom": "Torchwood"}
