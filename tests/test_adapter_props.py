"""PostOptions become the props each site knows, and nothing it would refuse (§4, §12)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crosspost_adapters.lj.props import journal_time, security_fields, time_fields
from crosspost_adapters.lj.sites import Dreamwidth, GenericLJ, InsaneJournal, LiveJournal, Sandbox

from crosspost.adapter import adapter_class
from crosspost.config import Account
from crosspost.story.post import Post, PostOptions


def _post(**opts: object) -> Post:
    return Post(target="t", subject="A story", html="<p>Hello</p>",
                tags=("fandom: torchwood", "rating: pg"), options=PostOptions(**opts))  # type: ignore[arg-type]


def test_preformatted_is_always_sent() -> None:
    for cls in (Dreamwidth, LiveJournal, InsaneJournal, GenericLJ, Sandbox):
        assert cls.site_props(_post(), None)["opt_preformatted"] == "1"


def test_adult_content_reason_only_on_dreamwidth() -> None:
    post = _post(adult_content="explicit", adult_reason="violence")
    assert Dreamwidth.site_props(post, None)["adult_content_reason"] == "violence"
    assert "adult_content_reason" not in LiveJournal.site_props(post, None)
    assert "adult_content_reason" not in InsaneJournal.site_props(post, None)


def test_adult_content_never_sent_to_insanejournal() -> None:
    post = _post(adult_content="concepts")
    assert Dreamwidth.site_props(post, None)["adult_content"] == "concepts"
    assert LiveJournal.site_props(post, None)["adult_content"] == "concepts"
    assert "adult_content" not in InsaneJournal.site_props(post, None)
    raw = _post(extra_props={"adult_content": "explicit"})
    assert "adult_content" not in InsaneJournal.site_props(raw, None)


def test_backdated_only_in_own_journal() -> None:
    post = _post(backdated=True, extra_props={"opt_backdated": "1"})
    assert Dreamwidth.site_props(post, None)["opt_backdated"] == "1"
    assert "opt_backdated" not in Dreamwidth.site_props(post, "fluffyfics")
    assert "opt_backdated" not in LiveJournal.site_props(post, "fluffyfics")


def test_options_map_to_props() -> None:
    post = _post(comments=False, screening="anonymous", mood="happy", music="Song",
                 location="Cardiff", userpic="ianto")
    props = Dreamwidth.site_props(post, None)
    assert props["opt_nocomments"] == "1"
    assert props["opt_screening"] == "R"
    assert props["current_mood"] == "happy"
    assert props["current_music"] == "Song"
    assert props["current_location"] == "Cardiff"
    assert props["picture_keyword"] == "ianto"
    assert props["taglist"] == "fandom: torchwood, rating: pg"
    assert props["useragent"].startswith("crosspost/")


def test_security_members_is_usemask_with_bit_zero() -> None:
    assert security_fields(PostOptions(security="members")) == {"security": "usemask",
                                                                 "allowmask": 1}
    assert security_fields(PostOptions(security="private"))["security"] == "private"
    assert security_fields(PostOptions())["allowmask"] == 0


def test_aware_time_becomes_journal_wall_clock() -> None:
    when = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    assert time_fields(when, "Europe/London") == {"year": 2024, "mon": 3, "day": 1,
                                                  "hour": 23, "min": 30}
    assert time_fields(when, "Asia/Tokyo") == {"year": 2024, "mon": 3, "day": 2,
                                               "hour": 8, "min": 30}


def test_naive_time_is_taken_as_wall_clock() -> None:
    assert journal_time(datetime(2020, 1, 2, 3, 4), "Asia/Tokyo") == datetime(2020, 1, 2, 3, 4)


def test_no_time_means_now_in_journal_zone() -> None:
    now_tokyo = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    got = journal_time(None, "Asia/Tokyo")
    assert abs((got - now_tokyo.replace(tzinfo=None)).total_seconds()) < 5


@pytest.mark.parametrize("site,cls", [("dreamwidth", Dreamwidth), ("livejournal", LiveJournal),
                                      ("insanejournal", InsaneJournal), ("lj", GenericLJ),
                                      ("sandbox", Sandbox)])
def test_presets_are_registered_entry_points(site: str, cls: type) -> None:
    assert adapter_class(site) is cls


def test_generic_dialect_comes_from_account() -> None:
    dw = Sandbox.profile_for(Account(site="sandbox", username="w", server="http://h"))
    lj = Sandbox.profile_for(Account(site="sandbox", username="w", server="http://h",
                                     dialect="lj"))
    assert (dw.dialect, dw.adult_reason, dw.limits.subject_overflow) == ("dw", True, "reject")
    assert (lj.dialect, lj.adult_reason, lj.limits.subject_overflow) == ("lj", False, "truncate")
    generic = GenericLJ.profile_for(Account(site="lj", username="w", server="http://h"))
    assert generic.dialect == "lj"


def test_limits_per_site() -> None:
    assert Dreamwidth.limits.subject_overflow == "reject"
    assert Dreamwidth.limits.event_bytes == 450_000
    assert LiveJournal.limits.subject_overflow == "truncate"
    assert InsaneJournal.limits.event_bytes == 65_535


def test_cut_uses_lj_cut_everywhere() -> None:
    for cls in (Dreamwidth, LiveJournal, InsaneJournal):
        assert cls.cut('Read "more"', "<p>x</p>") == \
            '<lj-cut text="Read &quot;more&quot;"><p>x</p></lj-cut>'


def test_limits_for_follows_generic_dialect() -> None:
    lj_box = Account(site="sandbox", username="w", server="http://h", dialect="lj")
    assert Sandbox.limits_for(lj_box).subject_overflow == "truncate"
    assert Sandbox.limits_for(None).subject_overflow == "reject"
    assert Dreamwidth.limits_for(None) is Dreamwidth.limits


def test_generic_site_without_server_is_a_config_error() -> None:
    from crosspost.config.secrets import secret_for
    from crosspost.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        GenericLJ(Account(site="lj", username="w"), secret_for("mine"))
    assert "accounts.mine.server" in info.value.render()


def test_screening_names_and_letters() -> None:
    from crosspost_adapters.lj.props import screening_letter

    assert [screening_letter(v) for v in ("all", "anonymous", "non-access", "none", "F")] == \
        ["A", "R", "F", "N", "F"]
