"""parse_when: release times as writers type them, against a fixed "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosspost.config import Config
from crosspost.errors import WhenError
from crosspost.story.when import describe, journal_time, parse_when, relative

LONDON = ZoneInfo("Europe/London")
PARIS = ZoneInfo("Europe/Paris")
# Tuesday 24 November 2026, 10:15 in London
NOW = datetime(2026, 11, 24, 10, 15, tzinfo=LONDON)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
       tz: ZoneInfo = LONDON) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-01 09:00", at(2026, 12, 1, 9, 0)),
    ("2026-12-01T09:00", at(2026, 12, 1, 9, 0)),
    ("2026-12-01", at(2026, 12, 1, 0, 0)),
    ("1 December 2026 9am", at(2026, 12, 1, 9, 0)),
    ("December 1, 2026 18:30", at(2026, 12, 1, 18, 30)),
    ("Dec 1 9:00", at(2026, 12, 1, 9, 0)),
    ("today 18:30", at(2026, 11, 24, 18, 30)),
    ("tomorrow 9am", at(2026, 11, 25, 9, 0)),
    ("Tomorrow at noon", at(2026, 11, 25, 12, 0)),
    ("tomorrow 9.30pm", at(2026, 11, 25, 21, 30)),
    ("friday 9am", at(2026, 11, 27, 9, 0)),
    ("next friday 9am", at(2026, 11, 27, 9, 0)),
    ("fri 18:00", at(2026, 11, 27, 18, 0)),
    ("9am", at(2026, 11, 25, 9, 0)),          # already past today: tomorrow
    ("18:30", at(2026, 11, 24, 18, 30)),      # still ahead today
])
def test_parse_when_absolute_and_calendar_forms(text: str, expected: datetime) -> None:
    assert parse_when(text, LONDON, NOW) == expected


@pytest.mark.parametrize(("text", "delta"), [
    ("+2h", timedelta(hours=2)),
    ("+30m", timedelta(minutes=30)),
    ("+1h30m", timedelta(hours=1, minutes=30)),
    ("+3d", timedelta(days=3)),
    ("in 2 hours", timedelta(hours=2)),
    ("in 45 minutes", timedelta(minutes=45)),
    ("in 1 day and 2 hours", timedelta(days=1, hours=2)),
    ("2 hours from now", timedelta(hours=2)),
    ("+10s", timedelta(seconds=10)),
])
def test_parse_when_relative_forms_count_from_now(text: str, delta: timedelta) -> None:
    assert parse_when(text, LONDON, NOW) == NOW + delta


def test_parse_when_now_is_now() -> None:
    assert parse_when("now", LONDON, NOW) == NOW
    assert parse_when(" NOW ", LONDON, NOW) == NOW


def test_parse_when_same_weekday_later_today_is_today_but_next_means_next_week() -> None:
    assert parse_when("tuesday 18:00", LONDON, NOW) == at(2026, 11, 24, 18, 0)
    assert parse_when("next tuesday 18:00", LONDON, NOW) == at(2026, 12, 1, 18, 0)
    assert parse_when("tuesday 9am", LONDON, NOW) == at(2026, 12, 1, 9, 0)  # 9am has passed


def test_parse_when_date_without_year_that_passed_means_next_year() -> None:
    assert parse_when("Nov 1 9am", LONDON, NOW) == at(2027, 11, 1, 9, 0)
    assert parse_when("Nov 24 9am", LONDON, NOW) == at(2026, 11, 24, 9, 0)  # today stays


@pytest.mark.parametrize(("text", "expected_utc"), [
    ("2026-12-01T09:00+02:00", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    ("2026-12-01 09:00 +02:00", datetime(2026, 12, 1, 7, 0, tzinfo=UTC)),
    ("2026-12-01 09:00 UTC", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01T09:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ("2026-12-01 09:00 Europe/Paris", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
    ("tomorrow 9am America/New_York", datetime(2026, 11, 25, 14, 0, tzinfo=UTC)),
])
def test_parse_when_a_zone_in_the_text_wins_over_the_users(text: str,
                                                           expected_utc: datetime) -> None:
    result = parse_when(text, LONDON, NOW)
    assert result == expected_utc
    assert result.tzinfo == LONDON  # returned in the user's zone, same instant


def test_parse_when_uses_the_users_zone() -> None:
    assert parse_when("2026-12-01 09:00", PARIS, NOW) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    # "tomorrow" is the user's tomorrow: 23:30 in London is already the 25th in Paris
    late = datetime(2026, 11, 24, 23, 30, tzinfo=LONDON)
    assert parse_when("tomorrow 9am", PARIS, late) == at(2026, 11, 26, 9, 0, tz=PARIS)


def test_parse_when_naive_now_is_taken_in_the_users_zone() -> None:
    assert parse_when("+1h", PARIS, datetime(2026, 6, 1, 12, 0)) == at(2026, 6, 1, 13, 0, tz=PARIS)


def test_parse_when_time_in_a_spring_forward_gap_moves_to_a_real_time() -> None:
    result = parse_when("2026-03-29 01:30", LONDON, NOW)
    assert result == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST, the same instant
    assert result.utcoffset() == timedelta(hours=1)


def test_parse_when_relative_time_across_dst_is_exact_elapsed_time() -> None:
    before = datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)  # clocks go back at 02:00 BST
    after = parse_when("+3h", LONDON, before)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=3)
    assert after.strftime("%H:%M %Z") == "02:30 GMT"


@pytest.mark.parametrize("text", ["banana", "9", "", "   ", "+2x", "in soon", "tomorrow 25:00",
                                  "13pm", "2026-13-01", "next blursday 9am"])
def test_parse_when_rejects_what_it_cannot_understand_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(WhenError) as err:
        parse_when(text, LONDON, NOW)
    assert "tomorrow 9am" in err.value.fix and "+2h" in err.value.fix


def test_parse_when_refuses_ambiguous_slashed_dates() -> None:
    with pytest.raises(WhenError) as err:
        parse_when("01/12/2026 09:00", LONDON, NOW)
    assert "ambiguous" in err.value.message and "2026-12-01" in err.value.fix
    # unambiguous: 25 cannot be a month
    assert parse_when("25/12/2026 09:00", LONDON, NOW) == at(2026, 12, 25, 9, 0)


def test_parse_when_unknown_zone_name_is_an_error_naming_it() -> None:
    with pytest.raises(WhenError) as err:
        parse_when("2026-12-01 09:00 Mars/Olympus", LONDON, NOW)
    assert "Mars/Olympus" in err.value.message


def test_relative_and_describe_say_it_for_people() -> None:
    assert relative(NOW + timedelta(hours=2, minutes=5), NOW) == "in 2 h 5 min"
    assert relative(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert relative(NOW + timedelta(seconds=10), NOW) == "in 10 s"
    assert relative(NOW - timedelta(seconds=0.5), NOW) == "now"
    assert describe(at(2026, 12, 1, 9, 0), NOW) == "2026-12-01 09:00 GMT (in 6 days)"
    assert describe(at(2026, 11, 25, 9, 0), NOW) == "2026-11-25 09:00 GMT (in 22 h 45 min)"


def test_journal_time_is_wall_clock_in_the_accounts_zone() -> None:
    cfg = Config.model_validate(dict(settings={"timezone": "Europe/London"},
                 accounts={"dw": {"site": "dreamwidth", "username": "w",
                                  "timezone": "America/New_York"},
                           "lj": {"site": "livejournal", "username": "w"}},
                 targets={"ny": {"account": "dw"}, "home": {"account": "lj"}}))
    release = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert journal_time(release, cfg.timezone_for("ny")) == datetime(2026, 12, 1, 9, 0)
    assert journal_time(release, cfg.timezone_for("home")) == datetime(2026, 12, 1, 14, 0)
    assert journal_time(release.astimezone(timezone(timedelta(hours=5))), cfg.timezone_for("ny")) \
        == datetime(2026, 12, 1, 9, 0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.from_regex(
    r"(\+|in )?[0-9]{1,4} ?(h|m|s|d|w|hours|minutes|days|x)?( ?(UTC|Z|[+-][0-9]{2}:?[0-9]{2}|"
    r"Europe/Paris|Nowhere/Land|CET|XYZ))?", fullmatch=True))
def test_parse_when_any_text_gives_an_aware_time_or_a_when_error(text: str) -> None:
    try:
        result = parse_when(text, LONDON, NOW)
    except WhenError as exc:
        assert exc.fix
    else:
        assert result.tzinfo is not None


@pytest.mark.parametrize("text", ["+99999999999d", "in 3000000 days", "9999-12-31 23:59 -05:00",
                                  "tonight"])
def test_parse_when_too_far_or_incomplete_is_a_when_error(text: str) -> None:
    with pytest.raises(WhenError):
        parse_when(text, LONDON, NOW)


def test_parse_when_tonight_with_a_time_is_today() -> None:
    assert parse_when("tonight 9pm", LONDON, NOW) == at(2026, 11, 24, 21, 0)
