"""The sentences of parse errors: what was understood, why it failed, and an example."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ParseError
from bot.parsing import Intent, TimeKind, parse
from bot.present import messages

NOW = datetime(2025, 12, 2, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai"))


def _error(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text, now=NOW, tz="Asia/Shanghai")
    return info.value


def test_in_past_suggests_the_same_time_tomorrow() -> None:
    err = _error("today 9am")
    assert err.detail["suggestion_start"] == "2025-12-03T09:00:00+08:00"
    sentence = messages.parse_error(err)
    assert sentence.startswith("That time has already passed (Tue 2 Dec 09:00–09:30).")  # its day is named
    assert "Did you mean Wed 3 Dec 2025 09:00–09:30?" in sentence
    assert "I understood: " in sentence and "Try: `" in sentence


def test_end_before_start_shows_both_ends() -> None:
    assert messages.parse_error(_error("3pm-2pm")).startswith("The end of that window comes before its start (15:00–14:00).")


def test_book_without_time_asks_when() -> None:
    err = _error("book 3F-Everest")
    assert err.reason == "no_time"
    assert "book 3F-Everest tomorrow 2-3pm" in messages.parse_error(err)


def test_unreadable_names_the_fragment_and_user_text_is_escaped() -> None:
    err = _error("<b>meet</b> at 25:00")
    sentence = messages.parse_error(err)
    assert "“25:00”" in sentence
    assert "<b>" not in sentence


def test_missing_argument_names_the_command() -> None:
    sentence = messages.parse_error(_error("group rename HQ"))
    assert sentence.startswith("`group rename` needs more")
    assert 'group rename HQ "Head Office"' in sentence


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock moment in December 2025 in the asker's zone (NOW is Tuesday 2 Dec, 10:17)."""
    return datetime(2025, 12, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


# What each help example promises, worked out by hand: NOW is Tuesday 2 Dec 2025 10:17 in Shanghai,
# working hours 09:00-18:00, meetings 30 min by default, afternoons 13:00-18:00, projector = label 3.
HELP_PROMISES: dict[str, dict[str, object]] = {
    "free rooms tomorrow 2-3pm": {
        "intent": Intent.FIND,
        "start": _at(3, 14),
        "end": _at(3, 15),
        "time_kind": TimeKind.INTERVAL,
    },
    "any room now for 45 min": {
        "intent": Intent.FIND,
        "start": NOW,
        "end": _at(2, 11, 2),
        "time_kind": TimeKind.INTERVAL,
    },
    "next monday 10:30 to noon in HQ": {  # the coming Monday is 8 Dec
        "intent": Intent.FIND,
        "start": _at(8, 10, 30),
        "end": _at(8, 12),
        "time_kind": TimeKind.INTERVAL,
        "group": "HQ",
    },
    "friday afternoon for 8 people with a projector": {  # the coming Friday is 5 Dec
        "intent": Intent.FIND,
        "start": _at(5, 13),
        "end": _at(5, 18),
        "time_kind": TimeKind.PART_OF_DAY,
        "capacity": 8,
        "labels": (3,),
    },
    "a 30 min slot between 2 and 5pm": {  # today, 14:00-17:00, looking for 30 free minutes
        "intent": Intent.FIND,
        "start": _at(2, 14),
        "end": _at(2, 17),
        "time_kind": TimeKind.INTERVAL,
        "duration_minutes": 30,
    },
    "book 3F-Everest tomorrow 2-3pm": {
        "intent": Intent.BOOK,
        "start": _at(3, 14),
        "end": _at(3, 15),
        "time_kind": TimeKind.INTERVAL,
        "rooms": ("3F-Everest",),
    },
    "cancel my 2pm booking": {  # today's 14:00 has not passed yet
        "intent": Intent.CANCEL,
        "start": _at(2, 14),
        "end": _at(2, 14, 30),
        "time_kind": TimeKind.POINT,
        "rooms": (),
        "args": (),
    },
    "my bookings": {"intent": Intent.MY_BOOKINGS, "start": None, "end": None, "time_kind": TimeKind.NONE},
    "明天下午2点到3点有空的会议室": {  # tomorrow afternoon 2 to 3
        "intent": Intent.FIND,
        "start": _at(3, 14),
        "end": _at(3, 15),
        "time_kind": TimeKind.INTERVAL,
    },
    "groups": {"intent": Intent.GROUPS, "args": ()},
    "group add HQ 3F-Everest 3F-K2": {"intent": Intent.GROUP_ADD, "args": ("HQ", "3F-Everest", "3F-K2")},
    "link +86 138 0000 0000": {"intent": Intent.LINK, "args": ("+8613800000000",)},
}
_UNSET = {"group": None, "capacity": None, "labels": (), "duration_minutes": None}


def test_help_promises_cover_every_help_example() -> None:
    shown = [part for example in messages.parse_help_examples() for part in example.split(" · ")]
    assert sorted(shown) == sorted(HELP_PROMISES)


@pytest.mark.parametrize("example", sorted(HELP_PROMISES))
def test_every_help_example_parses_as_promised(example: str) -> None:
    request = parse(example, now=NOW, tz="Asia/Shanghai")
    promised = HELP_PROMISES[example]
    expected = {**(_UNSET if "start" in promised else {}), **promised}
    assert {name: getattr(request, name) for name in expected} == expected


def test_request_text_is_the_cleaned_message() -> None:
    request = parse("<@UBOT>   free rooms   <#C1|general> tomorrow &amp; later", now=NOW, tz="Asia/Shanghai")
    assert request.text == "free rooms tomorrow & later"
    assert request.to_json()["text"] == request.text


def test_a_weekday_that_does_not_match_the_date_is_pointed_out() -> None:
    sentence = messages.parse_error(_error("Sat 7 Dec 2-3pm"))
    assert sentence.startswith("Sun 7 Dec 2025 is a Sunday, not a Saturday. Which day did you mean?")
