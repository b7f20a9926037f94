"""`crosspost preview`: what each target would receive, on stdout and as an HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crosspost.cli import main
from crosspost.story.parse.fences import is_fence

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config.example.toml"
SHARED_STORY = Path(__file__).resolve().parents[2] / "shared/examples/come-back-and-stay.txt"

OWN_STORY = """\
Title: Salt and Lanterns
Author: Quillfeather
Pairing: Maren/Ilse
Fandom: Original Work
Rating: PG
Summary: Two keepers,
  one light.

***

The lamp went out at *midnight*.

* * *

By dawn, Ilse had fixed it & Maren had <not> noticed.
"""


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(["--config", str(EXAMPLE_CONFIG), "preview", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def section(out: str, target: str) -> str:
    """The part of preview's output about one target."""
    parts = re.split(r"^== ", out, flags=re.MULTILINE)
    return next(p for p in parts if p.startswith(f"{target} "))


@pytest.fixture
def own_story(tmp_path: Path) -> Path:
    path = tmp_path / "salt-and-lanterns.txt"
    path.write_text(OWN_STORY, encoding="utf-8")
    return path


@pytest.mark.skipif(not SHARED_STORY.exists(), reason="../shared is absent")
def test_preview_of_the_example_story_with_the_example_config(capsys):
    code, out, _ = run(capsys, str(SHARED_STORY))
    assert code == 0
    header = dict(re.findall(r"^(\w+): (.*)$", SHARED_STORY.read_text(encoding="utf-8"),
                             re.MULTILINE))
    fluffy = section(out, "fluffyfics")
    assert (f"subject: {header['Title']} ({header['Pairing']}, {header['Rating']})"
            in fluffy)
    tags_line = next(line for line in fluffy.splitlines() if line.startswith("tags"))
    for tag in ("pairing: ianto jones/tenth doctor", "fandom: torchwood",
                "fandom: doctor who", "rating: pg", "type: fic"):
        assert tag in tags_line
    html = fluffy[fluffy.index("html ("):]
    cut_at = html.index("<lj-cut")
    assert "<b>Title:</b>" in html[:cut_at] and "<b>Pairing:</b>" in html[:cut_at]
    inside = html[cut_at:html.index("</lj-cut>")]
    lines = SHARED_STORY.read_text(encoding="utf-8").splitlines()
    last_line = next(ln for ln in reversed(lines) if ln.strip() and not is_fence(ln))
    assert " ".join(last_line.split()[:5]) in inside
    assert "journal" in out.split("== ")[1]  # the own-journal target is shown too


def test_preview_shows_subject_tags_options_props_and_html(capsys, own_story):
    code, out, _ = run(capsys, str(own_story), "--to", "fluffyfics")
    assert code == 0
    assert out.count("\n== ") == 0 and out.startswith("== fluffyfics → Sandbox as writer")
    assert "subject: Salt and Lanterns (Maren/Ilse, PG)" in out
    assert "tags (4): pairing: maren/ilse, fandom: original work, rating: pg, type: fic" in out
    assert "options: security=public, comments=on" in out
    assert re.search(r"^props: .*taglist", out, re.MULTILINE)
    assert "opt_preformatted" in out
    assert "&amp; Maren had &lt;not&gt; noticed" in out
    assert "<em>midnight</em>" in out


def test_preview_to_several_targets_in_order(capsys, own_story):
    code, out, _ = run(capsys, str(own_story), "--to", "den", "--to", "journal")
    assert code == 0
    names = re.findall(r"^== (\w+) ", out, re.MULTILINE)
    assert names == ["den", "journal"]
    den = section(out, "den")
    assert "<lj-cut text=\"Read Salt and Lanterns (" in den
    assert '<p style="text-align: center;">* * *</p>' in den
    assert "Comments and concrit welcome" in den


def test_preview_default_targets_are_the_auto_ones(capsys, own_story):
    _, out, _ = run(capsys, str(own_story))
    assert re.findall(r"^== (\w+) ", out, re.MULTILINE) == ["journal", "fluffyfics"]


def test_preview_unknown_target_is_a_clear_error(capsys, own_story):
    code, _, err = run(capsys, str(own_story), "--to", "fluffy")
    assert code == 2
    assert "no target named 'fluffy' in the config" in err
    assert "did you mean 'fluffy' → 'fluffyfics'?" in err
    assert "Traceback" not in err


def test_preview_subject_too_long_reported_per_target(capsys, tmp_path):
    story = tmp_path / "long.txt"
    story.write_text("Title: " + "Long Title Words " * 8 + "\nRating: PG\n\n***\n\nBody.\n",
                     encoding="utf-8")
    code, out, err = run(capsys, str(story), "--to", "journal", "--to", "fluffyfics")
    assert code == 2
    assert "subject for target 'journal'" in err and "shorten the title" in err
    assert "subject for target 'fluffyfics'" in err  # every target is reported
    assert out == ""
    assert "Traceback" not in err


def test_preview_html_page(capsys, own_story, tmp_path):
    page = tmp_path / "preview.html"
    code, _, err = run(capsys, str(own_story), "--html", str(page))
    assert code == 0 and "wrote" in err
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Salt and Lanterns (Maren/Ilse, PG)" in text
    assert "<span>pairing: maren/ilse</span>" in text
    assert 'class="cut-marker"' in text and "✂ end of the cut" in text
    assert "&lt;lj-cut text=" in text  # the exact source is shown too
    assert 'id="target-journal"' in text and 'id="target-fluffyfics"' in text
    assert "<script" not in text and "<link" not in text and "src=" not in text


def test_preview_markdown_and_html_stories(capsys, tmp_path):
    md = tmp_path / "tide.md"
    md.write_text("---\ntitle: Tide\nauthor: Quillfeather\nrating: PG\n---\n\n"
                  "The *tide* turned.\n\n***\n\nIt came back.\n", encoding="utf-8")
    code, out, _ = run(capsys, str(md), "--to", "fluffyfics")
    assert code == 0 and "<em>tide</em>" in out and '<hr width="40%">' in out
    page = tmp_path / "lamp.html"
    page.write_text("<html><body><p><b>Title:</b> Lamp</p><p><b>Rating:</b> PG</p><hr>"
                    "<p>Light <i>on</i>.</p><script>x()</script></body></html>",
                    encoding="utf-8")
    code, out, _ = run(capsys, str(page), "--to", "fluffyfics")
    assert code == 0 and "<i>on</i>" in out and "x()" not in out


def test_preview_bad_story_is_a_story_error(capsys, tmp_path):
    story = tmp_path / "empty.txt"
    story.write_bytes(b"")
    code, _, err = run(capsys, str(story))
    assert code == 2 and "empty.txt" in err and "Traceback" not in err


def test_preview_needs_no_secret(capsys, own_story, monkeypatch):
    monkeypatch.delenv("CROSSPOST_SECRET_SANDBOX", raising=False)
    code, _, _ = run(capsys, str(own_story), "--to", "journal")
    assert code == 0


def test_preview_shows_parse_warnings(capsys, tmp_path):
    story = tmp_path / "typo.txt"
    story.write_text("Title: Typo\nPairng: A/B\n\n***\n\nBody.\n", encoding="utf-8")
    code, out, err = run(capsys, str(story), "--to", "journal")
    assert code == 0 and "subject: Typo" in out
    assert "warning:" in err and "Pairng" in err


def test_preview_without_targets_says_how_to_add_one(capsys, tmp_path, own_story):
    cfg = tmp_path / "empty.toml"
    cfg.write_text("[settings]\n", encoding="utf-8")
    with pytest.raises(SystemExit) as code:
        main(["--config", str(cfg), "preview", str(own_story)])
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert "no targets are configured" in err and "[targets.NAME]" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (ENOSPC on write)")
def test_preview_page_on_a_full_disk_says_the_disk_is_full(capsys, own_story):
    code, _, err = run(capsys, str(own_story), "--to", "fluffyfics", "--html", "/dev/full")
    assert code == 2
    assert "the disk is full" in err and "free some space" in err
    assert "permission" not in err and "Traceback" not in err
