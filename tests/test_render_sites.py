"""render_post through the config and the installed site adapters (their cut and limits)."""

from __future__ import annotations

import pytest

from crosspost.config import Config
from crosspost.errors import StoryError, UserError
from crosspost.render import render_post
from crosspost.story.model import Story

LONG_TITLE = ("A Very Long Title " * 7).strip()  # 125 characters


def config() -> Config:
    return Config(
        accounts={"dw": {"site": "dreamwidth", "username": "writer"},
                  "lj": {"site": "livejournal", "username": "writer"},
                  "ij": {"site": "insanejournal", "username": "writer"},
                  "box": {"site": "sandbox", "username": "writer",
                          "server": "http://127.0.0.1:8080"}},
        targets={"dwcomm": {"account": "dw", "community": "fluffyfics"},
                 "ljown": {"account": "lj"},
                 "ijown": {"account": "ij"},
                 "box": {"account": "box", "community": "fluffyfics", "cut_text": "more"}})


def story(title: str = "Short", body: str = "Words here.") -> Story:
    return Story(fields={"title": title}, body=body)


@pytest.mark.parametrize("target", ["dwcomm", "ljown", "ijown", "box"])
def test_render_post_uses_the_sites_cut(target):
    post = render_post(story(), config(), target)
    assert "<lj-cut text=" in post.html and post.html.endswith("</lj-cut>")
    assert post.target == target


def test_dreamwidth_refuses_long_subject_at_render_time():
    with pytest.raises(StoryError) as err:
        render_post(story(LONG_TITLE), config(), "dwcomm")
    text = err.value.render()
    assert "'dwcomm'" in text and "125 characters" in text and "100 characters" in text
    assert "Dreamwidth" in text and "shorten the title" in text


def test_livejournal_trims_long_subject_with_a_note():
    post = render_post(story(LONG_TITLE), config(), "ljown")
    assert len(post.subject) <= 100
    assert LONG_TITLE.startswith(post.subject)
    assert any("subject" in note for note in post.notes)


def test_livejournal_refuses_event_over_its_byte_limit():
    body = "\n\n".join(["üüüü " * 100] * 120)  # about 61 000 characters, 108 000 bytes
    with pytest.raises(StoryError, match="less than 65,535 bytes"):
        render_post(story(body=body), config(), "ljown")
    assert render_post(story(body=body), config(), "dwcomm").html


def test_unknown_target_is_a_user_error():
    with pytest.raises(UserError) as err:
        render_post(story(), config(), "nope")
    assert "dwcomm" in err.value.fix


def test_generic_server_limits_follow_the_accounts_dialect():
    """A sandbox account speaking the LJ dialect gets LJ's limits: the subject is cut."""
    from crosspost.adapter import Adapter, adapter_class

    cls = adapter_class("sandbox")
    if cls.limits_for.__func__ is Adapter.limits_for.__func__:  # type: ignore[attr-defined]
        pytest.skip("the sandbox adapter does not adjust its limits by dialect yet")
    cfg = Config(accounts={"box": {"site": "sandbox", "username": "writer", "dialect": "lj"}},
                 targets={"box": {"account": "box"}})
    post = render_post(story(LONG_TITLE), cfg, "box")
    assert LONG_TITLE.startswith(post.subject) and len(post.subject) <= 100
