"""Slack's own conventions, checked on the Block Kit roombot renders (parsed back with slack_sdk's
models): readers' own time zones, screen readers, one primary button, confirmations, label widths,
fresh block ids, and lists that stay readable on a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block, ButtonElement, ConfirmObject
from slack_sdk.models.views import View

from bot.present import messages
from bot.present.actions import BOOK, CANCEL_BOOKING
from bot.present.reply import BookingsReply, BookingView, ButtonSpec
from bot.slack.answers import with_fresh_block_ids
from bot.slack.blocks import render
from bot.slack.home import build_home_view
from bot.store.records import BookingRecord
from bot.usecases.home import HomeModel
from tests.unit.test_reply_render import assert_valid, at, buttons, find_reply, item, many, result, texts

# 14:00 and 15:00 on 24 Nov 2026 in Shanghai (UTC+8), as Unix seconds.
START_UNIX = int(datetime(2026, 11, 24, 6, 0, tzinfo=UTC).timestamp())
END_UNIX = int(datetime(2026, 11, 24, 7, 0, tzinfo=UTC).timestamp())
DATE_TOKEN = re.compile(r"<!date\^(\d+)\^([^|>]+)\|([^>]*)>")


def parsed_buttons(payload: dict[str, Any]) -> list[ButtonElement]:
    found = []
    for block in payload["blocks"]:
        model = Block.parse(block)
        assert model is not None and model.to_dict() == block
        elements = list(getattr(model, "elements", None) or [])
        accessory = getattr(model, "accessory", None)
        found += [e for e in [*elements, accessory] if isinstance(e, ButtonElement)]
    return found


# --- times in each reader's zone -------------------------------------------------------------


def test_a_shared_answer_writes_its_window_as_date_tokens_with_the_askers_times_as_fallback() -> None:
    payload = render(find_reply([result("Everest")]), shared=True)
    assert_valid(payload)

    header = next(b for b in payload["blocks"] if b.get("block_id") == "header")
    assert header["type"] == "section"  # a header block is plain text, where tokens do not work
    tokens = DATE_TOKEN.findall(header["text"]["text"])
    assert tokens == [
        (str(START_UNIX), "{date_short_pretty} {time}", "Tue 24 Nov, 14:00"),
        (str(END_UNIX), "{time}", "15:00"),
    ]
    assert "Asia/Shanghai" not in header["text"]["text"]


def test_in_a_shared_answer_every_time_shown_is_a_date_token() -> None:
    rooms = [
        result("Everest"),
        result("Fuji", [item(at(14, 30), at(15))]),  # partly free
        result("K2", [item(at(13), at(16))]),  # busy, free from 16:00
    ]
    payload = render(find_reply(rooms), shared=True)
    assert_valid(payload)

    mrkdwn = [d["text"] for b in payload["blocks"] for d in _mrkdwn_texts(b)]
    tokens = [t for text in mrkdwn for t in DATE_TOKEN.findall(text)]
    assert (str(int(datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp())), "{date_short_pretty} {time}") in [
        t[:2] for t in tokens
    ]  # K2 frees up at 16:00 Shanghai
    for text in mrkdwn:
        assert not re.search(r"\d{1,2}:\d{2}", DATE_TOKEN.sub("", text)), text


def _mrkdwn_texts(block: dict[str, Any]) -> list[dict[str, Any]]:
    found = [block["text"]] if isinstance(block.get("text"), dict) and block["text"]["type"] == "mrkdwn" else []
    return found + [e for e in block.get("elements", []) if e.get("type") == "mrkdwn"]


def test_a_private_answer_keeps_its_header_in_the_askers_zone() -> None:
    payload = render(find_reply([result("Everest")]))
    header = next(b for b in payload["blocks"] if b.get("block_id") == "header")
    assert header["type"] == "header" and "(Asia/Shanghai)" in header["text"]["text"]


# --- screen readers and buttons --------------------------------------------------------------


def test_the_fallback_text_names_the_best_rooms_and_their_state() -> None:
    payload = render(find_reply([result("Everest"), result("K2", [item(at(14), at(15))])]))
    assert payload["text"].endswith("Everest: Free; K2: Busy")


def test_every_button_has_an_accessibility_label_and_book_buttons_name_their_room() -> None:
    rooms = [result(f"Room {name}") for name in ("Everest", "Fuji", "K2", "Denali")]
    payload = render(find_reply(rooms))
    assert_valid(payload)

    book = [b for b in parsed_buttons(payload) if BOOK.matches(b.action_id or "")]
    assert len(book) == 4
    assert [b.accessibility_label for b in book] == [
        f"Book Room {name}, Tue 24 Nov, 14:00–15:00" for name in ("Everest", "Fuji", "K2", "Denali")
    ]
    assert all(b.accessibility_label for b in parsed_buttons(payload))


def test_an_answer_has_at_most_one_primary_button_the_best_rooms() -> None:
    payload = render(find_reply([result(f"Room-{n}") for n in range(8)]))
    primary = [b for b in buttons(payload) if b.get("style") == "primary"]
    assert len(primary) == 1
    first_room = next(b for b in payload["blocks"] if b.get("block_id") == "room-0")
    assert first_room["accessory"] is primary[0]


def test_labels_stay_within_slacks_display_width_and_keep_their_whole_text_for_screen_readers() -> None:
    name = "Grand Ballroom East Wing Conference Suite"
    long_label = messages.book_alternative_button(name, at(16), at(17))
    assert len(long_label) > messages.LABEL_DISPLAY_MAX  # premise
    extra = (ButtonSpec(long_label, BOOK.id(), "{}"),)
    payload = render(find_reply([result(name, [item(at(14), at(15))])], buttons=extra))
    for button in parsed_buttons(payload):
        assert button.text is not None and len(button.text.text) <= messages.LABEL_DISPLAY_MAX
    (cut,) = [b for b in parsed_buttons(payload) if b.accessibility_label == long_label]
    assert cut.text is not None and cut.text.text.endswith("…")


def test_cancel_buttons_ask_for_confirmation_first() -> None:
    bookings = tuple(BookingView(booking_id=n, room_name=f"Room {n}", start=at(14), end=at(15)) for n in (1, 2))
    payload = render(BookingsReply(bookings=bookings, tz="Asia/Shanghai"))
    assert_valid(payload)

    cancels = [b for b in parsed_buttons(payload) if CANCEL_BOOKING.matches(b.action_id or "")]
    assert len(cancels) == 2
    for button in cancels:
        assert isinstance(button.confirm, ConfirmObject)
        confirm = button.confirm.to_dict()
        assert confirm["title"]["text"] == messages.CANCEL_CONFIRM.title
        assert confirm["confirm"]["text"] == messages.CANCEL_CONFIRM.confirm
        assert confirm["deny"]["text"] == messages.CANCEL_CONFIRM.deny
        assert confirm["style"] == "danger"
    assert all(b.confirm is None for b in parsed_buttons(payload) if not CANCEL_BOOKING.matches(b.action_id or ""))


# --- replacing, and long lists ---------------------------------------------------------------


def test_a_replacing_message_gets_fresh_block_ids() -> None:
    payload = render(find_reply([result("Everest")]))
    first, second = with_fresh_block_ids(payload), with_fresh_block_ids(payload)
    old_ids = [b["block_id"] for b in payload["blocks"] if "block_id" in b]
    for fresh in (first, second):
        new_ids = [b["block_id"] for b in fresh["blocks"] if "block_id" in b]
        assert [i.split(".")[0] for i in new_ids] == old_ids
        assert not set(new_ids) & set(old_ids)
    assert {b.get("block_id") for b in first["blocks"]} != {b.get("block_id") for b in second["blocks"]}


def test_show_all_of_120_rooms_keeps_sections_short_and_says_which_rooms_have_no_button() -> None:
    rooms = many(120)  # every third room is busy: 80 fit
    payload = render(find_reply(rooms, show_all=True))
    assert_valid(payload)

    sections = [b for b in payload["blocks"] if b.get("block_id", "").startswith("all-")]
    assert sections and all(len(b["text"]["text"]) <= 1000 for b in sections)
    shown = "\n".join(texts(payload))
    listed = [r for r in rooms if f"*{r.room.name}*" in shown]
    book = [b for b in buttons(payload) if BOOK.matches(b["action_id"])]
    without = sum(1 for r in listed if r.assessment.fits) - len(book)
    assert without > 0  # premise: more fitting rooms than a message has buttons for
    assert messages.slack_listed_without_button(without) in shown


def test_app_homes_cancel_buttons_ask_for_confirmation_and_every_button_is_labelled() -> None:
    booking = BookingRecord(
        id=7,
        team_id="T",
        idempotency_key="k",
        slack_user_id="U",
        room_id="r",
        room_name="3F-Everest",
        start=at(14),
        end=at(15),
        status="booked",
    )
    model = HomeModel(
        user_id="U",
        tz="Asia/Shanghai",
        groups=(),
        default_group_id=None,
        default_group=None,
        bookings=(booking,),
        free_now=None,
    )
    view = build_home_view(model)
    View(**view).validate_json()

    found = [d for b in view["blocks"] for d in [*(b.get("elements") or []), b.get("accessory") or {}]]
    home_buttons = [d for d in found if d.get("type") == "button"]
    assert home_buttons and all(b.get("accessibility_label") for b in home_buttons)
    (cancel,) = [b for b in home_buttons if CANCEL_BOOKING.matches(b["action_id"])]
    assert ConfirmObject(**cancel["confirm"]).to_dict() == cancel["confirm"]
    assert cancel["confirm"]["title"]["text"] == messages.CANCEL_CONFIRM.title
