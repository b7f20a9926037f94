"""docs/PLUGINS.md stays true to the adapter contract and to the worked example."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from crosspost.adapter import Adapter

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "PLUGINS.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "crosspost-archive"


def _public_members() -> set[str]:
    return {name for name in vars(Adapter) if not name.startswith("_")}


def test_plugin_guide_table_names_every_member_of_the_contract() -> None:
    rows = [line.split("|")[1] for line in GUIDE.splitlines() if line.startswith("| `")]
    table = {name for cell in rows for name in re.findall(r"`(\w+)", cell)}
    assert _public_members() - table == set()
    assert table - _public_members() == set()


def test_plugin_guide_entry_point_is_the_examples_own() -> None:
    meta = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    points = meta["project"]["entry-points"]["crosspost.adapters"]
    for name, target in points.items():
        assert f'{name} = "{target}"' in GUIDE


def test_plugin_guide_config_snippets_are_valid_toml() -> None:
    for block in re.findall(r"```toml\n(.*?)```", GUIDE, re.S):
        tomllib.loads(block)


def test_worked_example_adapter_fits_in_one_short_file() -> None:
    modules = list(EXAMPLE.glob("*.py"))
    assert [m.name for m in modules] == ["crosspost_archive.py"]
    assert len(modules[0].read_text(encoding="utf-8").splitlines()) <= 110


def test_worked_example_imports_only_the_contract_errors_and_logs() -> None:
    source = (EXAMPLE / "crosspost_archive.py").read_text(encoding="utf-8")
    used = set(re.findall(r"^from (crosspost[\w.]*) import", source, re.M))
    assert used <= {"crosspost.adapter", "crosspost.errors", "crosspost.logs"}
