"""Text that is not about rooms or time gets "I didn't understand", not a silent search."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ParseError
from bot.parsing import Intent, parse
from bot.present import messages

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("text", ["flibber jabber", "banana", "what is the weather like"])
def test_words_that_say_nothing_about_rooms_are_not_a_search(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, now=NOW, tz="Asia/Shanghai")
    assert caught.value.reason == "not_understood"
    sentence = messages.parse_error(caught.value)
    assert "didn't understand" in sentence
    assert "free rooms tomorrow 2-3pm" in sentence


@pytest.mark.parametrize(
    "text", ["free rooms", "any room", "is anything free?", "conference room please", "rooms", "有空的会议室"]
)
def test_plain_searches_still_mean_now(text: str) -> None:
    request = parse(text, now=NOW, tz="Asia/Shanghai")
    assert request.intent is Intent.FIND
    assert request.start is not None and request.start <= NOW


@pytest.mark.parametrize("room", ["5F-Atlas", "Lab-Inland", "TowerB-Atrium", "HQ.Fromage", "3F-K2"])
def test_room_names_holding_group_keywords_stay_whole(room: str) -> None:
    request = parse(f"book {room} tomorrow 2-3pm", now=NOW, tz="Asia/Shanghai")
    assert request.intent is Intent.BOOK
    assert request.rooms == (room,)
    assert request.group is None


@pytest.mark.parametrize("text", ["my", "mine", "my bookings", "please my bookings", "我的预订"])
def test_my_alone_lists_my_bookings(text: str) -> None:
    assert parse(text, now=NOW, tz="Asia/Shanghai").intent is Intent.MY_BOOKINGS
