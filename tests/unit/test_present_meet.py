"""How a meeting answer looks in Slack and in a terminal: times, who is busy, rooms, buttons."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.present.actions import BOOK_INVITE, parse_invite_value
from bot.present.reply import MeetReply, MeetSlot, RoomView
from bot.present.terminal import render_text
from bot.slack.blocks import render

SH = ZoneInfo("Asia/Shanghai")
EVEREST = RoomView(room_id="r-everest", name="3F-Everest", capacity=8)
K2 = RoomView(room_id="r-k2", name="3F-K2", capacity=6)


def at(hour: int) -> datetime:
    return datetime(2026, 11, 25, hour, 0, tzinfo=SH)


def reply(*slots: MeetSlot, **kw: object) -> MeetReply:
    args: dict[str, object] = {
        "tz": "Asia/Shanghai",
        "window_start": at(9),
        "window_end": at(18),
        "duration_minutes": 60,
        "people": ("U0ALICE", "U0ANA"),
        "optional_people": ("U0BO",),
        "slots": slots,
        "video": True,
        "groups": ("HQ",),
        "calendars": 3,
    }
    args.update(kw)
    return MeetReply(**args)  # type: ignore[arg-type]


def test_each_time_has_its_rooms_and_a_book_and_invite_button_per_room() -> None:
    message = render(reply(MeetSlot(at(13), at(14), rooms=(EVEREST, K2)), MeetSlot(at(15), at(16), rooms=(K2,))))
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == [
        "Book 3F-Everest and invite",
        "Book 3F-K2 and invite",
        "Book 3F-K2 and invite",
    ]
    assert len({b["action_id"] for b in buttons}) == 3 and all(BOOK_INVITE.matches(b["action_id"]) for b in buttons)
    value = parse_invite_value(buttons[0]["value"])
    assert (value.room_id, value.start, value.end) == ("r-everest", at(13), at(14))
    assert value.people == ("U0ALICE", "U0ANA") and value.optional_people == ("U0BO",) and value.video
    text = str(message)
    assert "Everyone is free" in text and "3 people" in text


def test_no_common_time_names_who_is_busy_and_offers_optional() -> None:
    busy = MeetSlot(at(13), at(14), busy=("U0ANA",), optional_busy=("U0BO",), rooms=(K2,))
    message = render(reply(busy))
    text = str(message)
    assert "<@U0ANA>" in text and "Busy" in text and "optional" in text
    terminal = render_text(reply(busy))
    assert "No time suits everyone" in terminal and "Busy: <@U0ANA>" in terminal and "3F-K2" in terminal


def test_no_slot_at_all_says_so_and_offers_no_button() -> None:
    message = render(reply())
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    assert "No 1 h slot" in str(message)


def test_a_booked_answer_is_its_sentence_alone() -> None:
    done = reply(intro="Booked “3F-K2” …", intro_kind="success")
    message = render(done)
    assert [b["block_id"] for b in message["blocks"]] == ["intro"]
    assert render_text(done).startswith("Booked")


def test_with_no_calendar_searched_nobody_is_said_to_be_free() -> None:
    lonely = reply(MeetSlot(at(13), at(14), rooms=(K2,)), calendars=0)
    assert "Everyone is free" not in str(render(lonely)) and "Everyone is free" not in render_text(lonely)
