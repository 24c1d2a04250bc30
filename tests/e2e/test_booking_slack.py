"""Book and Cancel buttons through the real Bolt app: signed block_actions in, response_url posts out.

The buttons are the ones roombot rendered in an earlier answer, so these tests also check that
what the presenter puts in a Book button is what the listener books.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App

from bot.present import messages
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    ALICE,
    BOB,
    FORM,
    block_actions_payload,
    payload_body,
    signed,
    slash_body,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOMS = ("3F-Everest", "3F-Fuji", "5F-Kilimanjaro")


def slash(app: App, fake: FakeSlack, text: str, *, user: str = ALICE, hook: str = "slash") -> Call:
    response = app.dispatch(signed(slash_body(text, response_url=fake.response_url(hook), user=user), content_type=FORM))
    assert response.status == 200
    return fake.webhook_calls(hook)[-1]


def click(app: App, fake: FakeSlack, action_id: str, value: str, *, user: str = ALICE, hook: str = "click") -> Call:
    payload = block_actions_payload(action_id, value, response_url=fake.response_url(hook), user=user)
    response = app.dispatch(signed(payload_body(payload), content_type=FORM))
    assert response.status == 200
    return fake.webhook_calls(hook)[-1]


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for block in blocks:
        if block.get("type") == "actions":
            found.extend(block.get("elements", []))
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


def book_button(blocks: list[dict[str, Any]], room_id: str) -> dict[str, Any]:
    return next(
        b for b in buttons(blocks) if b["action_id"].startswith("book") and json.loads(b["value"])["room_id"] == room_id
    )


def cancel_button(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return next(b for b in buttons(blocks) if b["action_id"].startswith("cancel"))


def setup(app: App, fake: FakeSlack, sim: Any) -> tuple[str, datetime, datetime, str]:
    """Alice's group of three rooms; an answer for tomorrow 8-9pm; Everest's id, the window, its Book value."""
    fake.timezones.update({ALICE: "Asia/Shanghai", BOB: "Asia/Shanghai"})
    group = slash(app, fake, "group add HQ " + " ".join(ROOMS), hook="setup")
    assert "HQ" in group.all_text()
    day = sim.today + timedelta(days=1)
    start, end = datetime.combine(day, time(20), SHANGHAI), datetime.combine(day, time(21), SHANGHAI)
    everest = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == "3F-Everest")
    assert sim.schedule(everest, start, end) == [], "premise: Everest is free tomorrow evening"
    answer = slash(app, fake, "tomorrow 8-9pm")
    return everest, start, end, book_button(answer.blocks, everest)["value"]


def test_book_replaces_the_answer_with_the_room_booked_by_the_user(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    everest, start, end, value = setup(app, fake_slack, sim)

    booked = click(app, fake_slack, "book", value)

    assert booked.body["replace_original"] is True
    # A replacing message gets fresh block ids (`intro.<salt>`), so Slack keeps no state from the old one.
    assert booked.blocks[0]["block_id"].split(".")[0] == "intro"
    assert messages.booking_done("3F-Everest", start, end, pending=False, on_behalf=True) in booked.blocks[0]["text"]["text"]
    everest_block = next(b for b in booked.blocks if str(b.get("block_id")).split(".")[0] == "room-0")
    assert everest_block["text"]["text"].startswith("*3F-Everest*")  # the booked room comes first...
    assert messages.booked_by("u_alice") in everest_block["text"]["text"]  # ...as the clicker's (payload name)
    assert cancel_button(booked.blocks)["style"] == "danger"
    (event,) = sim.events
    assert event["meetingRooms"][0]["roomId"] == everest and "alice" in event["summary"]
    # Everest no longer offers a Book button in the updated message: it is taken.
    assert all(json.loads(b["value"]).get("room_id") != everest for b in buttons(booked.blocks) if b["action_id"] == "book")


def test_a_double_click_books_once(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    _everest, _start, _end, value = setup(app, fake_slack, sim)

    first = click(app, fake_slack, "book", value)
    second = click(app, fake_slack, "book", value)

    assert len(sim.events) == 1
    assert first.blocks[0]["text"] == second.blocks[0]["text"]  # the same "Booked …" answer, not a second booking
    assert first.blocks[0]["block_id"] != second.blocks[0]["block_id"]  # each replacement has fresh block ids
    assert sim.stats()["createEvent"] == 1


def test_two_users_clicking_book_at_once_get_one_booking_and_a_busy_answer(
    app: App, fake_slack: FakeSlack, sim: Any
) -> None:
    everest, _start, _end, value = setup(app, fake_slack, sim)
    slash(app, fake_slack, "group add HQ " + " ".join(ROOMS), user=BOB, hook="setup-bob")
    barrier = threading.Barrier(2)

    def press(user: str) -> None:
        barrier.wait()
        click(app, fake_slack, "book", value, user=user, hook=f"race-{user}")

    threads = [threading.Thread(target=press, args=(user,)) for user in (ALICE, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    answers = [fake_slack.webhook_calls(f"race-{user}")[-1] for user in (ALICE, BOB)]
    texts = [answer.blocks[0]["text"]["text"] for answer in answers]
    assert sum("Booked" in text for text in texts) == 1
    busy_sentences = (messages.room_busy("3F-Everest"), messages.room_taken("3F-Everest"))
    (busy,) = [answer for answer in answers if answer.blocks[0]["text"]["text"].endswith(busy_sentences)]
    assert busy.body["replace_original"] is True  # it replaces the private answer with the next best rooms
    offered = [json.loads(b["value"])["room_id"] for b in buttons(busy.blocks) if b["action_id"].startswith("book")]
    assert offered and everest not in offered
    assert len(sim.events) == 1


def test_the_owner_cancels_from_the_booked_message(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    _everest, start, end, value = setup(app, fake_slack, sim)
    booked = click(app, fake_slack, "book", value)
    cancel = cancel_button(booked.blocks)

    answer = click(app, fake_slack, cancel["action_id"], cancel["value"])

    assert answer.body["replace_original"] is True
    assert messages.cancel_done("3F-Everest", start, end, cancel_mode="delete") in answer.all_text()
    assert sim.events == []


def test_cancel_is_refused_to_someone_else(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    _everest, _start, _end, value = setup(app, fake_slack, sim)
    booked = click(app, fake_slack, "book", value)
    cancel = cancel_button(booked.blocks)

    answer = click(app, fake_slack, cancel["action_id"], cancel["value"], user=BOB, hook="bob")

    assert answer.body["response_type"] == "ephemeral"
    assert answer.body["replace_original"] is False
    assert messages.not_allowed("cancel_booking") in answer.all_text()
    assert len(sim.events) == 1


def test_my_bookings_lists_each_booking_with_a_cancel_button(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    _everest, _start, _end, value = setup(app, fake_slack, sim)
    click(app, fake_slack, "book", value)

    listed = slash(app, fake_slack, "my bookings")

    assert "3F-Everest" in listed.all_text()
    cancel = cancel_button(listed.blocks)
    answer = click(app, fake_slack, cancel["action_id"], cancel["value"])
    assert messages.WORDS.bookings_none in answer.all_text()
    assert sim.events == []
