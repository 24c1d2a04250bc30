"""The presenters: the reply model as Slack Block Kit (within Slack's limits) and as terminal text."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.domain.availability import Alternative, Interval, alternatives, assess, summarize
from bot.domain.models import BUSY, TENTATIVE, ScheduleItem
from bot.present.actions import BOOK
from bot.present.reply import ButtonSpec, FindReply, RoomResult, RoomView, TextReply
from bot.present.terminal import render_text, timeline
from bot.slack.blocks import MAX_BLOCKS, render

SH = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=SH)


def item(start: datetime, end: datetime, status: str = BUSY) -> ScheduleItem:
    return ScheduleItem(status=status, start=start, end=end)


def result(
    name: str,
    items: Sequence[ScheduleItem] = (),
    *,
    room_id: str | None = None,
    capacity: int | None = 8,
    start: datetime | None = None,
    end: datetime | None = None,
    duration: timedelta | None = None,
    error: str | None = None,
    footnote: str | None = None,
) -> RoomResult:
    view = RoomView(
        room_id=room_id or f"id-{name}", name=name, capacity=capacity, location="3F East", labels=("TV", "Projector")
    )
    assessment = assess(items, start or at(14), end or at(15), duration=duration, error=error)
    return RoomResult(room=view, assessment=assessment, footnote=footnote)


def find_reply(results: Sequence[RoomResult], **kw: Any) -> FindReply:
    fields: dict[str, Any] = {
        "start": at(14),
        "end": at(15),
        "tz": "Asia/Shanghai",
        "duration_minutes": None,
        "results": tuple(results),
        "summary": summarize(r.assessment for r in results),
        "groups": ("HQ",),
        "data_age_s": 0.0,
        "timeline_start": at(12),
        "timeline_end": at(18),
        "query_text": "free rooms tomorrow 2-3pm",
    }
    fields.update(kw)
    return FindReply(**fields)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a Block Kit payload, outermost first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(payload: dict[str, Any]) -> list[str]:
    """Every text Slack would show (text objects' strings)."""
    return [d["text"] for d in walk(payload["blocks"]) if isinstance(d.get("text"), str)]


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in walk(payload["blocks"]) if d.get("type") == "button"]


def room_block(payload: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [b for b in payload["blocks"] if b["type"] == "section" and f"*{name}*" in b["text"]["text"]]
    assert len(matches) == 1, f"{name!r} appears in {len(matches)} sections"
    return matches[0]


def assert_valid(payload: dict[str, Any]) -> None:
    """Within Slack's limits, and every block parses back into slack_sdk's models."""
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= MAX_BLOCKS
    assert payload["text"].strip()
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block  # to_dict() validates the limits again
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for block in blocks:
        if block["type"] == "actions":
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids)) and len(ids) <= 25
    for button in buttons(payload):
        assert len(button["text"]["text"]) <= 75
        assert len(button["value"]) <= 2000


# --- Slack: one answer -----------------------------------------------------------------------


def test_a_typical_answer_renders_valid_blocks_with_header_rooms_and_context() -> None:
    rooms = [result("Everest"), result("K2", [item(at(13), at(14, 30))]), result("Fuji", [item(at(14), at(16))])]
    payload = render(find_reply(rooms))
    assert_valid(payload)
    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == "Free rooms · Tue 24 Nov, 14:00–15:00 (Asia/Shanghai)"
    assert payload["blocks"][1]["text"]["text"] == "*1 of 3 free; 1 partly free; 1 is free from 14:30*"
    everest = room_block(payload, "Everest")["text"]["text"]
    assert "8 seats · 3F East · TV, Projector" in everest
    assert ":large_green_circle: Free" in everest
    assert "`12 ····[··]······ 18`" in everest
    k2 = room_block(payload, "K2")["text"]["text"]
    assert ":large_yellow_circle: Partly free · free 14:30–15:00" in k2
    assert "`12 ··▓▓[▓·]······ 18`" in k2
    fuji = room_block(payload, "Fuji")["text"]["text"]
    assert ":red_circle: Busy · free from 16:00" in fuji
    context = payload["blocks"][-1]
    assert context["type"] == "context"
    assert [e["text"] for e in context["elements"]][:2] == ["Searched HQ", "checked just now"]


def test_the_header_shows_the_window_in_the_askers_zone() -> None:
    # The same window given in UTC is still shown in the asker's zone.
    rooms = [result("Everest")]
    reply = find_reply(rooms, start=at(14).astimezone(UTC), end=at(15).astimezone(UTC), tz="Asia/Shanghai")
    assert render(reply)["blocks"][0]["text"]["text"] == "Free rooms · Tue 24 Nov, 14:00–15:00 (Asia/Shanghai)"
    berlin = find_reply(rooms, tz="Europe/Berlin")
    assert render(berlin)["blocks"][0]["text"]["text"] == "Free rooms · Tue 24 Nov, 07:00–08:00 (Europe/Berlin)"


def test_book_button_only_on_rooms_that_fit_and_its_value_says_what_to_book() -> None:
    rooms = [
        result("Free"),
        result("Partly", [item(at(14, 30), at(16))]),
        result("Pending", [item(at(14), at(15), TENTATIVE)]),
        result("Busy", [item(at(14), at(15))]),
        result("Unknown", error="roomId invalid"),
    ]
    payload = render(find_reply(rooms))
    assert_valid(payload)
    button = room_block(payload, "Free")["accessory"]
    assert button["action_id"] == "book"
    assert button["text"]["text"] == "Book"
    assert button["style"] == "primary"
    assert json.loads(button["value"]) == {
        "room_id": "id-Free",
        "start": "2026-11-24T14:00:00+08:00",
        "end": "2026-11-24T15:00:00+08:00",
    }
    for name in ("Partly", "Pending", "Busy", "Unknown"):
        assert "accessory" not in room_block(payload, name), name
    assert ":hourglass_flowing_sand: Awaiting approval, may free up" in room_block(payload, "Pending")["text"]["text"]
    assert ":grey_question: Could not be checked" in room_block(payload, "Unknown")["text"]["text"]


def test_with_a_duration_the_book_button_books_the_free_slot() -> None:
    window: dict[str, Any] = {"start": at(14), "end": at(17), "duration": timedelta(minutes=30)}
    rooms = [result("Late", [item(at(14), at(16, 30))], **window), result("Full", [item(at(14), at(17))], **window)]
    payload = render(find_reply(rooms, end=at(17), duration_minutes=30))
    assert_valid(payload)
    assert payload["blocks"][0]["text"]["text"] == "30 min slots · Tue 24 Nov, 14:00–17:00 (Asia/Shanghai)"
    button = room_block(payload, "Late")["accessory"]
    assert button["text"]["text"] == "Book 16:30–17:00"
    value = json.loads(button["value"])
    assert (value["start"], value["end"]) == ("2026-11-24T16:30:00+08:00", "2026-11-24T17:00:00+08:00")
    assert "accessory" not in room_block(payload, "Full")


def test_user_text_is_escaped_so_it_cannot_ping_link_or_format() -> None:
    evil = "<!channel> *bold* & <https://x.example|click>"
    room = result(evil)
    reply = find_reply([room], groups=("<!here> _team_",), labels=("<@U123>",), capacity=4)
    payload = render(reply)
    assert_valid(payload)
    shown = "\n".join(texts(payload))
    assert "<!channel>" not in shown
    assert "<!here>" not in shown
    assert "<@U123>" not in shown
    assert "<https://x.example" not in shown
    assert "*bold*" not in shown and "_team_" not in shown
    assert "&lt;!channel&gt;" in shown and "&amp;" in shown and "&lt;!here&gt;" in shown
    # The terminal shows the very same name as typed.
    assert evil in render_text(reply)


def test_the_fallback_text_is_a_sentence_for_notifications() -> None:
    payload = render(find_reply([result("Everest"), result("K2", [item(at(14), at(15))])]))
    assert payload["text"] == (
        "Free rooms · Tue 24 Nov, 14:00–15:00 (Asia/Shanghai): 1 of 2 free; 1 is free from 15:00. "
        "Everest: Free; K2: Busy"  # the best rooms and their state: what a screen reader announces
    )


def test_data_age_and_extra_buttons() -> None:
    share = ButtonSpec("Share in channel", "share", "x")
    payload = render(find_reply([result("Everest")], data_age_s=40.2, buttons=(share,)))
    assert_valid(payload)
    assert "checked 40 s ago" in texts(payload)
    assert payload["blocks"][-1]["type"] == "actions"
    assert [b["action_id"] for b in payload["blocks"][-1]["elements"]] == ["share"]


def test_an_answer_states_the_age_of_the_oldest_room_it_shows() -> None:
    # The eight best rooms were just checked; the rest were checked 12 minutes ago.
    rooms = [replace(room, age_s=0.0 if n < 8 else 720.0) for n, room in enumerate(many(12))]
    reply = find_reply(rooms, data_age_s=0.0)

    assert "checked just now" in texts(render(reply, max_rooms=8))
    assert "checked 12 min ago" in render_text(reply, max_rooms=20)  # the terminal lists all twelve
    assert "checked 12 min ago" in texts(render(replace(reply, show_all=True), max_rooms=8))


# --- Slack: large answers --------------------------------------------------------------------


def many(count: int) -> list[RoomResult]:
    rooms = []
    for n in range(count):
        items = [item(at(14), at(15))] if n % 3 == 0 else []
        rooms.append(result(f"Room-{n:03d}", items, capacity=4 + n % 10))
    return rooms


def test_a_hundred_rooms_are_summarised_within_fifty_blocks_with_a_show_all_button() -> None:
    reply = find_reply(many(100), query_text="free rooms tomorrow 2-3pm in HQ")
    payload = render(reply, max_rooms=8)
    assert_valid(payload)
    sections = [b for b in payload["blocks"] if b.get("block_id", "").startswith("room-")]
    assert len(sections) == 8
    assert "Showing the best 8 of 100 rooms." in texts(payload)
    (show_all,) = [b for b in buttons(payload) if b["action_id"] == "show_all"]
    assert show_all["text"]["text"] == "Show all 100 rooms"
    assert json.loads(show_all["value"]) == {
        "q": "free rooms tomorrow 2-3pm in HQ",
        "start": "2026-11-24T14:00:00+08:00",
        "end": "2026-11-24T15:00:00+08:00",
        "tz": "Asia/Shanghai",
        "duration": None,
    }


def test_show_all_lists_every_room_compactly_within_fifty_blocks() -> None:
    rooms = many(100)
    payload = render(find_reply(rooms, show_all=True))
    assert_valid(payload)
    shown = "\n".join(texts(payload))
    for room in rooms:
        assert f"*{room.room.name}*" in shown
    assert not [b for b in buttons(payload) if b["action_id"] == "show_all"]
    book = [b for b in buttons(payload) if BOOK.matches(b["action_id"])]
    fitting = [r for r in rooms if r.assessment.fits]
    assert len(book) == min(len(fitting), 50)
    assert json.loads(book[0]["value"])["room_id"] == fitting[0].room.room_id


def test_show_all_of_thousands_of_rooms_still_fits_and_says_how_many_are_left_out() -> None:
    payload = render(find_reply(many(3000), show_all=True))
    assert_valid(payload)
    (more,) = [t for t in texts(payload) if t.startswith("…and ")]
    listed = sum(t.count("*Room-") for t in texts(payload))
    assert more == f"…and {3000 - listed} more rooms not listed."


def test_a_very_long_question_is_cut_to_fit_the_show_all_button() -> None:
    question = "free rooms “" + 'é"<' * 3000
    payload = render(find_reply(many(20), query_text=question))
    assert_valid(payload)
    (show_all,) = [b for b in buttons(payload) if b["action_id"] == "show_all"]
    value = json.loads(show_all["value"])
    assert question.startswith(value["q"]) and len(value["q"]) > 100


# --- Slack: nothing fits ---------------------------------------------------------------------


def test_when_nothing_fits_alternatives_and_other_groups_are_offered_with_book_buttons() -> None:
    rooms = [
        result("Everest", [item(at(9), at(13)), item(at(13, 30), at(15, 20))]),
        result("K2", [item(at(9), at(16))]),
    ]
    found = alternatives([(r.room.room_id, r.assessment) for r in rooms], within=_day())
    assert [(a.key, a.earlier) for a in found] == [("id-Everest", False), ("id-K2", False)]
    other = result("Annapurna", room_id="id-A")
    reply = find_reply(rooms, alternatives=found, other_group_results=(other,), notes=("K2's data is old.",))
    payload = render(reply)
    assert_valid(payload)
    assert payload["blocks"][1]["text"]["text"] == "*0 of 2 free; 1 is free from 15:20*"
    (section,) = [b for b in payload["blocks"] if b.get("block_id") == "alternatives"]
    assert section["text"]["text"] == "*Nearest other times*\n• *Everest* 15:20–16:20 (later)\n• *K2* 16:00–17:00 (later)"
    (actions,) = [b for b in payload["blocks"] if b.get("block_id") == "book-alternatives"]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Book Everest 15:20–16:20", "Book K2 16:00–17:00"]
    assert all(BOOK.matches(e["action_id"]) for e in actions["elements"])
    assert json.loads(actions["elements"][1]["value"])["room_id"] == "id-K2"
    assert "*Free in your other groups*" in texts(payload)
    assert room_block(payload, "Annapurna")["accessory"]["action_id"] == "book"
    assert "K2's data is old." in texts(payload)


def _day() -> Interval:
    return Interval(at(9), at(18))


# --- Slack: text replies ---------------------------------------------------------------------


def test_text_replies_render_text_examples_and_buttons() -> None:
    reply = TextReply(
        "You have no room groups yet.",
        kind="error",
        examples=("group add HQ 3F-Everest",),
        buttons=(ButtonSpec("Import DingTalk groups", "import_groups", "import", "primary"),),
    )
    payload = render(reply)
    assert_valid(payload)
    assert payload["text"] == "You have no room groups yet."
    assert payload["blocks"][0]["text"]["text"] == ":warning: You have no room groups yet."
    assert payload["blocks"][1]["elements"][0]["text"] == "`group add HQ 3F-Everest`"
    assert payload["blocks"][2]["elements"][0]["action_id"] == "import_groups"


def test_a_long_text_reply_is_split_into_sections() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    payload = render(TextReply(text))
    assert_valid(payload)
    assert len(payload["blocks"]) == 4
    assert "\n".join(b["text"]["text"] for b in payload["blocks"]) == text


# --- terminal --------------------------------------------------------------------------------


def test_timeline_marks_busy_tentative_free_and_the_asked_window() -> None:
    assessment = assess([item(at(13), at(14)), item(at(15), at(15, 30), TENTATIVE)], at(14), at(15))
    assert timeline(assessment, at(12), at(18), SH) == "12 ··▓▓[··]░····· 18"
    instant = assess([], at(14), at(14))
    assert timeline(instant, at(12), at(16), SH) == "12 ····|···· 16"
    assert timeline(assess([], at(14), at(15), error="x"), at(12), at(18), SH) == ""


def test_terminal_rendering_shows_the_same_facts() -> None:
    rooms = [
        result("Everest"),
        result("K2", [item(at(13), at(14, 30))], footnote="A footnote &amp; more"),
        result("Fuji", error="无权限"),
    ]
    reply = find_reply(rooms, data_age_s=40, notes=("Fuji could not be checked.",), capacity=6, labels=("TV",))
    text = render_text(reply)
    lines = text.splitlines()
    assert lines[0] == "Free rooms · Tue 24 Nov, 14:00–15:00 (Asia/Shanghai)"
    assert lines[1] == "1 of 3 free; 1 partly free; 1 is free from 14:30; 1 could not be checked · for 6 people · with TV"
    assert "  ✓ Everest  8 seats  3F East  TV, Projector" in lines
    assert any(line.startswith("    Free ") and line.endswith("12 ····[··]······ 18") for line in lines)
    assert any("Partly free · free 14:30–15:00" in line and "12 ··▓▓[▓·]······ 18" in line for line in lines)
    assert "    A footnote & more" in lines
    assert "    Could not be checked" in lines
    assert "  note: Fuji could not be checked." in lines
    assert "Searched HQ · checked 40 s ago" in lines
    assert "\x1b[" not in text
    assert "\x1b[32m" in render_text(reply, color=True)


def test_terminal_rendering_of_alternatives_and_text_replies() -> None:
    rooms = [result("K2", [item(at(12), at(16))])]
    found = (Alternative("id-K2", at(16), at(17), earlier=False),)
    text = render_text(find_reply(rooms, alternatives=found))
    assert "Nearest other times" in text
    assert any(line.split() == ["later", "K2", "16:00–17:00"] for line in text.splitlines())
    reply = TextReply("I can't find “3F&amp;\u200b*x*\u200b”.", examples=("groups",), buttons=(ButtonSpec("Go", "go", "1"),))
    assert render_text(reply) == "I can't find “3F&*x*”.\n\n  › groups\n\n  [Go]"


def test_terminal_lists_the_best_rooms_unless_asked_for_all() -> None:
    rooms = many(30)
    text = render_text(find_reply(rooms), max_rooms=5)
    assert sum(line.startswith(("  ✓", "  ✗")) for line in text.splitlines()) == 5
    assert "Showing the best 5 of 30 rooms." in text
    text = render_text(find_reply(rooms, show_all=True), max_rooms=5)
    assert sum(line.startswith(("  ✓", "  ✗")) for line in text.splitlines()) == 30
