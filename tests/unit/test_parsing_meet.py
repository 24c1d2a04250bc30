"""Reading "when can @ana, @bo and I meet tomorrow?": people from Slack mentions, in English and Chinese."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.parsing import Intent, TimeKind, parse

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SH)  # a Tuesday


def read(text: str):
    return parse(text, now=NOW, tz="Asia/Shanghai")


def test_mentions_make_a_meeting_question() -> None:
    request = read("when can <@U0ANA> <@U0BO> and I meet tomorrow for an hour")
    assert request.intent is Intent.MEET
    assert request.people == ("U0ANA", "U0BO") and request.optional_people == ()
    assert request.start == datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    assert request.end == datetime(2026, 11, 25, 18, 0, tzinfo=SH)
    assert request.time_kind is TimeKind.DAY and request.duration_minutes == 60


def test_a_slot_this_week_in_a_group() -> None:
    request = read("find 30 min with <@U0ANA|ana> this week in HQ 3F")
    assert request.intent is Intent.MEET and request.people == ("U0ANA",)
    assert request.group == "HQ 3F" and request.duration_minutes == 30
    assert request.end == datetime(2026, 11, 27, 18, 0, tzinfo=SH)


def test_chinese() -> None:
    request = read("明天和 <@U0ANA> <@U0BO> 开一小时会")
    assert request.intent is Intent.MEET and request.people == ("U0ANA", "U0BO")
    assert request.duration_minutes == 60
    assert request.start == datetime(2026, 11, 25, 9, 0, tzinfo=SH)


@pytest.mark.parametrize(
    "text",
    [
        "when can <@U0ANA> and <@U0BO> optional meet tomorrow with a video call",
        "明天和 <@U0ANA> <@U0BO>（可选）开会 视频会议",
    ],
)
def test_optional_people_and_a_video_call(text: str) -> None:
    request = read(text)
    assert request.intent is Intent.MEET
    assert request.people == ("U0ANA",) and request.optional_people == ("U0BO",)
    assert request.video and request.labels == ()  # a video meeting, not a room with video equipment


def test_a_headcount_and_the_same_person_twice() -> None:
    request = read("meet <@U0ANA> and <@u0ana> tomorrow 2-5pm for 45 min for 6 people")
    assert request.people == ("U0ANA",) and request.capacity == 6
    assert request.duration_minutes == 45


def test_no_time_leaves_the_window_to_the_use_case() -> None:
    request = read("when can <@U0ANA> and me meet")
    assert request.intent is Intent.MEET and request.start is None and request.end is None


def test_a_stray_mention_without_meeting_words_stays_a_room_search() -> None:
    assert read("<@UBOT> free rooms tomorrow 2-3pm").intent is Intent.FIND
    assert read("free rooms tomorrow 2-3pm").people == ()
