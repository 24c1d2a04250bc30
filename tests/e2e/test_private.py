"""What is private stays private, over a real HTTP socket: a Book click on a public message is
answered to the clicker alone, and personal answers to an @mention are ephemeral."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_bolt import App

from bot.present import messages
from bot.slack.wsgi import RoombotWSGI
from bot.wiring import Runtime
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import FORM, JSON, block_actions_payload, event_body, mention_event, payload_body, slash_body
from tests.e2e.test_booking_slack import ROOMS, book_button, buttons
from tests.e2e.test_http_endpoint import post, serve
from tests.e2e.workspace import ALICE, CHANNEL

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOT = "<@UBOT0001>"


@pytest.fixture
def url(app: App, runtime: Runtime) -> Iterator[str]:
    """The app over HTTP; its answers are done by the time the HTTP answer returns."""
    yield from serve(RoombotWSGI(app=app, health=runtime.service.health))


def mention(url: str, fake: FakeSlack, text: str) -> None:
    assert post(url, event_body(mention_event(f"{BOT} {text}")), content_type=JSON).status_code == 200


def public_answer(url: str, fake: FakeSlack, sim: Any) -> tuple[Call, str, datetime, datetime]:
    """Alice's group, then an @mention in the channel: the public answer, Everest's id and the window."""
    fake.timezones.update({ALICE: "Asia/Shanghai"})
    setup = post(
        url, slash_body("group add HQ " + " ".join(ROOMS), response_url=fake.response_url("setup")), content_type=FORM
    )
    assert setup.status_code == 200 and "HQ" in fake.webhook_calls("setup")[-1].all_text()
    day = sim.today + timedelta(days=1)
    start, end = datetime.combine(day, time(20), SHANGHAI), datetime.combine(day, time(21), SHANGHAI)
    everest = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == "3F-Everest")
    assert sim.schedule(everest, start, end) == [], "premise: Everest is free tomorrow evening"
    mention(url, fake, "tomorrow 8-9pm in HQ")
    (answer,) = fake.calls("chat.postMessage")
    assert answer.body["channel"] == CHANNEL
    return answer, everest, start, end


def click_on_public(url: str, fake: FakeSlack, message: Call, value: str) -> None:
    payload = block_actions_payload("book", value, response_url=fake.response_url("click"), ephemeral=False)
    payload["message"] = {
        "type": "message",
        "ts": "1700000050.000050",
        "text": message.body["text"],
        "blocks": message.blocks,
    }
    assert post(url, payload_body(payload), content_type=FORM).status_code == 200


def test_a_book_click_on_a_public_answer_is_confirmed_privately_and_the_channel_sees_only_who_booked(
    url: str, fake_slack: FakeSlack, sim: Any
) -> None:
    public, everest, start, end = public_answer(url, fake_slack, sim)

    click_on_public(url, fake_slack, public, book_button(public.blocks, everest)["value"])

    (answer,) = fake_slack.webhook_calls("click")
    assert answer.body["replace_original"] is False
    assert answer.body["response_type"] == "ephemeral"
    confirmation = messages.booking_done("3F-Everest", start, end, pending=False, on_behalf=True)
    assert confirmation in answer.all_text()
    assert any(b["action_id"].startswith("cancel") for b in buttons(answer.blocks))
    (event,) = sim.events
    assert event["meetingRooms"][0]["roomId"] == everest

    (update,) = fake_slack.calls("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (CHANNEL, "1700000050.000050")
    *kept, line = update.blocks
    assert kept == public.blocks  # the rooms the channel was shown, unchanged
    assert line["type"] == "context" and line["elements"][0]["text"] == messages.slack_booked_by(ALICE)
    shown = json.dumps(update.blocks)
    assert confirmation not in shown and "cancel" not in shown


def test_my_bookings_asked_by_mention_in_a_channel_is_answered_ephemerally(
    url: str, fake_slack: FakeSlack, sim: Any
) -> None:
    public, everest, _start, _end = public_answer(url, fake_slack, sim)
    click_on_public(url, fake_slack, public, book_button(public.blocks, everest)["value"])
    posted_before = len(fake_slack.calls("chat.postMessage"))

    mention(url, fake_slack, "my bookings")

    assert len(fake_slack.calls("chat.postMessage")) == posted_before  # nothing new in the channel
    (private,) = fake_slack.calls("chat.postEphemeral")
    assert private.body["channel"] == CHANNEL and private.body["user"] == ALICE
    assert "3F-Everest" in private.all_text()


def test_availability_asked_by_mention_stays_public_with_times_for_every_reader(
    url: str, fake_slack: FakeSlack, sim: Any
) -> None:
    public, _everest, start, _end = public_answer(url, fake_slack, sim)
    assert public.body.get("thread_ts") == "1700000100.000100"
    assert fake_slack.calls("chat.postEphemeral") == []
    # The channel's readers each see the window in their own zone.
    assert f"<!date^{int(start.timestamp())}^" in json.dumps(public.blocks)
