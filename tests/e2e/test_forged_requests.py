"""Forged and replayed requests through the real HTTP endpoint: rejected, or answered without effect.

The WSGI app is served on a loopback port in its production shape (listeners run after the
acknowledgement); requests are signed as Slack signs them, or deliberately not. Button payloads
are forged by a user of the workspace, who can sign nothing but can put any value in a payload
Slack relays: another team's group id, another user's booking id.
"""

from __future__ import annotations

import json
import time as clock
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.present import messages
from bot.slack.modals import build_group_modal
from bot.slack.wsgi import RoombotWSGI
from bot.usecases.context import Caller
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    FORM,
    JSON,
    block_actions_payload,
    dm_event,
    event_body,
    payload_body,
    signed_headers,
    slash_body,
    view_submission_payload,
)
from tests.e2e.test_http_endpoint import serve
from tests.e2e.workspace import ALICE, BOB, TEAM
from tests.runtimes import press_book

SHANGHAI = ZoneInfo("Asia/Shanghai")
OTHER_TEAM = "T_OTHER"
HOME = {"type": "home", "id": "V_HOME"}


@pytest.fixture
def base_url(make_app: Any, runtime: Any, fake_slack: FakeSlack) -> Iterator[str]:
    fake_slack.timezones.update({ALICE: "Asia/Shanghai", BOB: "Asia/Shanghai"})
    app = make_app(process_before_response=False)  # the production shape: work after the acknowledgement
    yield from serve(RoombotWSGI(app=app, health=runtime.service.health))


def group_modal_values(name: str, sim: Any, room_name: str) -> dict[str, Any]:
    """The group modal's state when saved: the name typed and one room picked."""
    picked = {"value": room_id(sim, room_name), "text": {"type": "plain_text", "text": room_name}}
    return {
        "group_name": {"name": {"type": "plain_text_input", "value": name}},
        "group_rooms": {"rooms": {"type": "multi_external_select", "selected_options": [picked]}},
    }


def send(base_url: str, body: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{base_url}/slack/events", content=body.encode(), headers=headers)


def post(base_url: str, body: str, *, content_type: str = FORM) -> httpx.Response:
    return send(base_url, body, signed_headers(body, content_type=content_type))


def slash(base_url: str, fake: FakeSlack, text: str, *, user: str = ALICE, hook: str = "slash") -> Call:
    before = len(fake.webhook_calls(hook))
    assert post(base_url, slash_body(text, response_url=fake.response_url(hook), user=user)).status_code == 200
    return fake.wait_for(f"/webhook/{hook}", before + 1)[-1]


def click(base_url: str, fake: FakeSlack, action_id: str, value: str, *, user: str, hook: str = "click") -> Call:
    before = len(fake.webhook_calls(hook))
    payload = block_actions_payload(action_id, value, response_url=fake.response_url(hook), user=user)
    assert post(base_url, payload_body(payload)).status_code == 200
    return fake.wait_for(f"/webhook/{hook}", before + 1)[-1]


def room_id(sim: Any, name: str) -> str:
    return next(str(room["roomId"]) for room in sim.rooms if room["roomName"] == name)


def evening(sim: Any) -> tuple[datetime, datetime]:
    day = sim.today + timedelta(days=1)
    return datetime.combine(day, time(20), SHANGHAI), datetime.combine(day, time(21), SHANGHAI)


# --- signatures and timestamps ------------------------------------------------------------------


def test_a_bad_signature_is_refused_before_any_listener_runs(base_url: str, fake_slack: FakeSlack) -> None:
    body = slash_body("group add HQ 3F-Everest", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM)
    headers["x-slack-signature"] = "v0=" + "0" * 64
    assert send(base_url, body, headers).status_code == 401
    # A signature of another body, and one made with another secret, are refused the same way.
    other = signed_headers(body.replace("HQ", "Evil"), content_type=FORM)
    assert send(base_url, body, {**headers, "x-slack-signature": other["x-slack-signature"]}).status_code == 401
    assert send(base_url, body, signed_headers(body, content_type=FORM, secret="guessed-secret")).status_code == 401
    assert fake_slack.calls() == []


def test_a_body_changed_after_signing_is_refused(base_url: str, fake_slack: FakeSlack, runtime: Any) -> None:
    body = slash_body("group add HQ 3F-Everest", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM)
    tampered = body.replace(f"user_id={ALICE}", f"user_id={BOB}")
    assert tampered != body
    assert send(base_url, tampered, headers).status_code == 401
    assert fake_slack.calls() == []
    assert runtime.store.groups.visible(TEAM, user_id=BOB) == []


@pytest.mark.parametrize("skew_s", [-6 * 60, -60 * 60, 6 * 60], ids=["6-min-old", "1-hour-old", "6-min-ahead"])
def test_a_timestamp_more_than_five_minutes_off_is_refused(base_url: str, fake_slack: FakeSlack, skew_s: int) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM, timestamp=int(clock.time()) + skew_s)
    assert send(base_url, body, headers).status_code == 401
    assert fake_slack.calls() == []


@pytest.mark.parametrize(
    "missing",
    [("x-slack-signature",), ("x-slack-request-timestamp",), ("x-slack-signature", "x-slack-request-timestamp")],
    ids=["no-signature", "no-timestamp", "neither"],
)
def test_missing_signature_headers_are_refused(base_url: str, fake_slack: FakeSlack, missing: tuple[str, ...]) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    headers = {k: v for k, v in signed_headers(body, content_type=FORM).items() if k not in missing}
    assert send(base_url, body, headers).status_code == 401
    assert fake_slack.calls() == []


@pytest.mark.parametrize(
    "timestamp", ["soon", "", "1e9", "-1", "9" * 5000], ids=["word", "empty", "float", "negative", "5000-digits"]
)
def test_a_malformed_timestamp_is_refused(base_url: str, fake_slack: FakeSlack, timestamp: str) -> None:
    body = slash_body("help", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM)
    headers["x-slack-request-timestamp"] = timestamp
    assert send(base_url, body, headers).status_code == 401
    assert fake_slack.calls() == []


# --- replays ------------------------------------------------------------------------------------


def test_a_replayed_event_is_processed_once(base_url: str, fake_slack: FakeSlack) -> None:
    body = event_body(dm_event("group add HQ 3F-Everest"), event_id="EvREPLAY01")
    headers = signed_headers(body, content_type=JSON)
    assert send(base_url, body, headers).status_code == 200
    fake_slack.wait_for("chat.postMessage")
    # The very same signed request again, without Slack's retry headers: an attacker's replay.
    assert send(base_url, body, headers).status_code == 200
    # A fresh event afterwards proves the app still answers; the replay added nothing.
    post(base_url, event_body(dm_event("groups"), event_id="EvREPLAY02"), content_type=JSON)
    first, second = fake_slack.wait_for("chat.postMessage", 2)
    clock.sleep(0.3)  # let a wrongly processed replay arrive, if there were one
    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert "Created the group" in first.all_text() and "Your room groups" in second.all_text()


def test_a_replayed_slash_command_only_repeats_the_answer(base_url: str, fake_slack: FakeSlack, runtime: Any) -> None:
    body = slash_body("group add HQ 3F-Everest 3F-K2", response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM)
    assert send(base_url, body, headers).status_code == 200
    (first,) = fake_slack.wait_for("/webhook/default")
    groups = runtime.store.groups.visible(TEAM, user_id=ALICE)

    assert send(base_url, body, headers).status_code == 200
    _, second = fake_slack.wait_for("/webhook/default", 2)

    assert runtime.store.groups.visible(TEAM, user_id=ALICE) == groups
    (group,) = groups
    assert group.name == "HQ" and len(group.room_ids) == 2
    assert "Created the group" in first.all_text()
    assert "Updated the group" in second.all_text() and "3F-Everest" in second.all_text()


def test_a_replayed_booking_command_books_once(base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any) -> None:
    start, _end = evening(sim)
    text = f"book 3F-Everest {start:%Y-%m-%d} 8-9pm"
    body = slash_body(text, response_url=fake_slack.response_url())
    headers = signed_headers(body, content_type=FORM)
    for count in (1, 2):
        assert send(base_url, body, headers).status_code == 200
        fake_slack.wait_for("/webhook/default", count)
    assert len(sim.events) == 1
    assert sim.stats()["createEvent"] == 1
    assert len(runtime.store.bookings.for_user(TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))) == 1


# --- button payloads naming what is not the user's ---------------------------------------------


def test_editing_another_teams_group_opens_no_modal_with_it(base_url: str, fake_slack: FakeSlack, runtime: Any) -> None:
    created = runtime.service.handle_text(
        Caller(team_id=OTHER_TEAM, user_id=ALICE, tz="Asia/Shanghai"), "group add Secret-Board 3F-Everest"
    )
    assert created.kind == "success", created
    (secret,) = runtime.store.groups.visible(OTHER_TEAM, user_id=ALICE)

    # Same user id, other workspace: the team comes from the verified payload, not from the value.
    payload = block_actions_payload("home_group_edit", str(secret.id), response_url=None, user=ALICE, view=HOME)
    assert post(base_url, payload_body(payload)).status_code == 200
    (opened,) = fake_slack.wait_for("views.open")
    view = json.dumps(opened.body["view"] if isinstance(opened.body["view"], dict) else json.loads(opened.body["view"]))
    assert messages.WORDS.slack_modal_group_gone in view
    assert "Secret-Board" not in view and "initial_value" not in view and "private_metadata" not in view


def test_saving_a_modal_forged_with_another_teams_group_is_refused(
    base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any
) -> None:
    runtime.service.handle_text(
        Caller(team_id=OTHER_TEAM, user_id=ALICE, tz="Asia/Shanghai"), "group add Secret-Board 3F-Everest"
    )
    (secret,) = runtime.store.groups.visible(OTHER_TEAM, user_id=ALICE)
    modal = build_group_modal(group_id=secret.id, name="Secret-Board", rooms=[])
    values = group_modal_values("Pwned", sim, "3F-K2")
    response = post(base_url, payload_body(view_submission_payload(modal, values, user=ALICE)))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors" and answer["errors"]["group_name"]
    assert runtime.store.groups.visible(OTHER_TEAM, user_id=ALICE) == [secret]
    assert [g.name for g in runtime.store.groups.visible(TEAM, user_id=ALICE)] == []
    assert fake_slack.calls("views.publish") == []


def test_saving_a_modal_forged_with_a_colleagues_group_is_refused(
    base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any
) -> None:
    slash(base_url, fake_slack, "group add Alices 3F-Everest", user=ALICE)
    (alices,) = runtime.store.groups.visible(TEAM, user_id=ALICE)
    modal = build_group_modal(group_id=alices.id, name="Alices", rooms=[])
    values = group_modal_values("Bobs now", sim, "3F-K2")
    response = post(base_url, payload_body(view_submission_payload(modal, values, user=BOB)))

    assert response.json()["response_action"] == "errors"
    assert runtime.store.groups.visible(TEAM, user_id=ALICE) == [alices]


def bookable_evening(base_url: str, fake: FakeSlack, runtime: Any, sim: Any) -> tuple[str, str]:
    """Alice's answer for tomorrow evening; Everest's Book button value and action id."""
    slash(base_url, fake, "group add HQ 3F-Everest 3F-K2", user=ALICE, hook="setup")
    start, end = evening(sim)
    assert sim.schedule(room_id(sim, "3F-Everest"), start, end) == [], "premise: Everest is free tomorrow evening"
    answer = slash(base_url, fake, f"free rooms {start:%Y-%m-%d} 8-9pm", user=ALICE, hook="answer")
    everest = room_id(sim, "3F-Everest")
    for block in answer.blocks:
        button = block.get("accessory") or {}
        if button.get("action_id", "").startswith("book") and json.loads(button["value"])["room_id"] == everest:
            return str(button["value"]), str(button["action_id"])
    raise AssertionError("no Book button for 3F-Everest")


def test_a_replayed_book_click_books_once(base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any) -> None:
    value, action_id = bookable_evening(base_url, fake_slack, runtime, sim)
    payload = block_actions_payload(action_id, value, response_url=fake_slack.response_url("click"), user=ALICE)
    body = payload_body(payload)
    headers = signed_headers(body, content_type=FORM)

    assert send(base_url, body, headers).status_code == 200
    first = fake_slack.wait_for("/webhook/click")[-1]
    assert send(base_url, body, headers).status_code == 200
    second = fake_slack.wait_for("/webhook/click", 2)[-1]

    assert len(sim.events) == 1
    assert sim.stats()["createEvent"] == 1
    assert first.blocks[0]["text"] == second.blocks[0]["text"]  # the same "Booked …" answer twice
    start, _ = evening(sim)
    assert len(runtime.store.bookings.for_user(TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))) == 1


def test_cancelling_a_colleagues_booking_is_refused_and_the_booking_stays(
    base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any
) -> None:
    value, action_id = bookable_evening(base_url, fake_slack, runtime, sim)
    booked = click(base_url, fake_slack, action_id, value, user=ALICE, hook="alice")
    assert "Booked" in booked.all_text()
    start, _ = evening(sim)
    (booking,) = runtime.store.bookings.for_user(TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))
    events_before = json.dumps(sim.events, sort_keys=True, default=str)

    # Bob forges a Cancel button with Alice's booking id.
    refused = click(base_url, fake_slack, f"cancel_booking:{booking.id}", str(booking.id), user=BOB, hook="bob")

    assert messages.not_allowed("booking") in refused.all_text()
    assert refused.body.get("replace_original") is not True
    (still,) = runtime.store.bookings.for_user(TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))
    assert still.id == booking.id and still.status == booking.status
    assert json.dumps(sim.events, sort_keys=True, default=str) == events_before
    assert sim.stats().get("deleteEvent", 0) == 0


def test_cancelling_a_booking_of_another_team_is_refused(
    base_url: str, fake_slack: FakeSlack, runtime: Any, sim: Any
) -> None:
    start, end = evening(sim)
    everest = room_id(sim, "3F-Everest")
    runtime.service.handle_text(Caller(team_id=OTHER_TEAM, user_id=ALICE, tz="Asia/Shanghai"), "groups")
    reply: Any = press_book(runtime, everest, start, end, team=OTHER_TEAM, user=ALICE, key="other-team-booking")
    assert reply.intro_kind == "success", reply
    (booking,) = runtime.store.bookings.for_user(OTHER_TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))

    # The same user id in this workspace clicks Cancel with the other workspace's booking id.
    refused = click(base_url, fake_slack, f"cancel_booking:{booking.id}", str(booking.id), user=ALICE)

    assert "Cancelled" not in refused.all_text()
    (still,) = runtime.store.bookings.for_user(OTHER_TEAM, user_id=ALICE, start_after=start - timedelta(hours=1))
    assert still.status == booking.status
    assert len(sim.events) == 1 and sim.stats().get("deleteEvent", 0) == 0


def test_a_book_value_naming_an_unknown_room_books_nothing(base_url: str, fake_slack: FakeSlack, sim: Any) -> None:
    start, end = evening(sim)
    value = json.dumps({"room_id": "not-a-room-of-ours", "start": start.isoformat(), "end": end.isoformat()})
    answer = click(base_url, fake_slack, "book", value, user=ALICE)
    assert "Booked" not in answer.all_text()
    assert sim.events == [] and sim.stats().get("createEvent", 0) == 0
