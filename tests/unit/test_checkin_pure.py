"""The pure parts of check-in: the command grammar, Slack date tokens and the state lists show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import errors
from bot.dingtalk import wire
from bot.errors import ParseError
from bot.parsing import Intent, parse
from bot.present import messages
from bot.store import BookingRecord
from bot.usecases.checkin import booking_state

NOW = datetime(2025, 12, 2, 10, 0)


@pytest.mark.parametrize(
    ("text", "intent", "rooms", "args"),
    [
        ("check in", Intent.CHECK_IN, (), ()),
        ("please check-in 3F-K2", Intent.CHECK_IN, ("3F-K2",), ()),
        ("签到", Intent.CHECK_IN, (), ()),
        ("release 3F-K2", Intent.RELEASE, ("3F-K2",), ()),
        ("release", Intent.RELEASE, (), ()),
        ("end my meeting now", Intent.END_NOW, (), ()),
        ("end the meeting early", Intent.END_NOW, (), ()),
        ("结束会议", Intent.END_NOW, (), ()),
        ("extend 30 min", Intent.EXTEND, (), ("30",)),
        ("extend by 1 hour", Intent.EXTEND, (), ("60",)),
        ("extend", Intent.EXTEND, (), ()),
        ("延长30分钟", Intent.EXTEND, (), ("30",)),
        ("remind me 15 min before", Intent.REMIND, (), ("15",)),
        ("reminders off", Intent.REMIND, (), ("off",)),
        ("reminders on", Intent.REMIND, (), ()),
        ('group grace "Head Office" 10', Intent.GROUP_GRACE, (), ("Head Office", "10")),
        ("group grace HQ off", Intent.GROUP_GRACE, (), ("HQ", "off")),
    ],
)
def test_check_in_commands_are_read(text: str, intent: Intent, rooms: tuple[str, ...], args: tuple[str, ...]) -> None:
    request = parse(text, now=NOW, tz="Asia/Shanghai")
    assert (request.intent, request.rooms, request.args) == (intent, rooms, args)


def test_remind_me_without_a_time_asks_for_one() -> None:
    with pytest.raises(ParseError) as caught:
        parse("remind me", now=NOW, tz="Asia/Shanghai")
    assert caught.value.reason == "missing_argument"


@pytest.mark.parametrize("text", ["my meetings", "book 3F-K2 tomorrow 2-3pm", "free rooms now", "cancel 12"])
def test_other_commands_keep_their_meaning(text: str) -> None:
    assert parse(text, now=NOW, tz="Asia/Shanghai").intent not in {
        Intent.CHECK_IN,
        Intent.RELEASE,
        Intent.END_NOW,
        Intent.EXTEND,
        Intent.REMIND,
    }


def test_times_are_slack_date_tokens_with_a_readable_fallback() -> None:
    moment = datetime(2025, 12, 3, 12, 0, tzinfo=UTC)  # 1764763200
    token = messages.slack_time(moment)
    assert token == "<!date^1764763200^{date_short_pretty} {time}|Wed 3 Dec 12:00>"
    assert messages.plain_dates(f"starts {token}.") == "starts Wed 3 Dec 12:00."


def _booking(**changes: object) -> BookingRecord:
    base = {
        "id": 1,
        "team_id": "T",
        "idempotency_key": "k",
        "slack_user_id": "U",
        "room_id": "r",
        "room_name": "3F-K2",
        "start": NOW.replace(tzinfo=UTC),
        "end": NOW.replace(tzinfo=UTC),
        "status": "booked",
    }
    return BookingRecord(**{**base, **changes})  # type: ignore[arg-type]


def test_lists_show_the_check_in_state() -> None:
    moment = NOW.replace(tzinfo=UTC)
    assert booking_state(_booking()) == "booked"
    assert booking_state(_booking(reminded_at=moment)) == "reminded"
    assert booking_state(_booking(reminded_at=moment, checked_in_at=moment)) == "checked_in"
    assert booking_state(_booking(released_at=moment, release_reason="released")) == "released"
    assert booking_state(_booking(released_at=moment, release_reason="ended")) == "ended"
    assert booking_state(_booking(released_at=moment, release_reason="skipped", reminded_at=moment)) == "reminded"
    assert messages.booking_status_label("checked_in") == "checked in"


def test_a_sign_in_reply_is_its_check_in_time_in_milliseconds() -> None:
    assert wire.parse_check_in_time({"checkInTime": 1764763200000}) == datetime(2025, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("body", [{}, {"checkInTime": None}, {"checkInTime": "soon"}, {"checkInTime": True}, []])
def test_a_sign_in_reply_without_a_time_is_malformed(body: object) -> None:
    with pytest.raises(errors.MalformedReply):
        wire.parse_check_in_time(body)


def test_not_in_event_and_meeting_room_invalid_get_their_own_errors() -> None:
    not_in = wire.error_from_body(400, {"code": "notInEvent", "message": "用户不在日程内"})
    assert isinstance(not_in, errors.NotInEvent)
    taken = wire.error_from_body(400, {"code": "invalidParameter", "message": "Meeting room invalid"})
    assert isinstance(taken, errors.InvalidRoomId)
