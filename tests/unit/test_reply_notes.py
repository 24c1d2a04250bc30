"""A room's footnote is said once: beside the room when it is shown, else under the rooms."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import availability
from bot.present.reply import FindReply, RoomResult, RoomView
from bot.present.terminal import render_text
from bot.slack.blocks import render

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 25, 14, tzinfo=ZONE)
END = START + timedelta(hours=1)
FOOTNOTE = "DingTalk no longer knows “Gone”."


def reply_with_unknown_room_at(position: int, total: int, *, show_all: bool = False) -> FindReply:
    results = []
    for index in range(total):
        unknown = index == position
        assessment = availability.assess((), START, END, error="roomId invalid" if unknown else None)
        name = "Gone" if unknown else f"Room {index}"
        results.append(
            RoomResult(
                room=RoomView(room_id=f"r{index}", name=name), assessment=assessment, footnote=FOOTNOTE if unknown else None
            )
        )
    return FindReply(
        start=START,
        end=END,
        tz="Asia/Shanghai",
        duration_minutes=None,
        results=tuple(results),
        summary=availability.summarize(r.assessment for r in results),
        groups=("HQ",),
        show_all=show_all,
    )


def test_a_shown_rooms_footnote_is_not_repeated_in_the_notes() -> None:
    reply = reply_with_unknown_room_at(1, 3)
    assert reply.notes_for(reply.results) == ()
    assert render_text(reply).count(FOOTNOTE) == 1
    assert json.dumps(render(reply), ensure_ascii=False).count(FOOTNOTE) == 1


def test_a_hidden_rooms_footnote_goes_under_the_rooms() -> None:
    reply = reply_with_unknown_room_at(11, 12)  # beyond the best few that are shown in full
    assert reply.notes_for(reply.results[:8]) == (FOOTNOTE,)
    assert render_text(reply, max_rooms=8).count(FOOTNOTE) == 1
    assert json.dumps(render(reply, max_rooms=8), ensure_ascii=False).count(FOOTNOTE) == 1


def test_show_all_lists_rooms_compactly_and_keeps_the_footnote_once() -> None:
    reply = reply_with_unknown_room_at(0, 30, show_all=True)
    assert json.dumps(render(reply), ensure_ascii=False).count(FOOTNOTE) == 1
