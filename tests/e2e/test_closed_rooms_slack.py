"""A closed room and a members-only room in a Slack answer: shown as such, with no Book button."""

from __future__ import annotations

import json
from typing import Any

import httpx
from slack_bolt import App

from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import FORM, signed, slash_body
from tests.e2e.workspace import ALICE


def slash(app: App, fake: FakeSlack, text: str, *, hook: str) -> Call:
    response = app.dispatch(signed(slash_body(text, response_url=fake.response_url(hook), user=ALICE), content_type=FORM))
    assert response.status == 200
    return fake.webhook_calls(hook)[-1]


def booked_room_ids(blocks: list[dict[str, Any]]) -> set[str]:
    found = set()
    for block in blocks:
        for element in [*block.get("elements", []), *([block["accessory"]] if block.get("accessory") else [])]:
            if str(element.get("action_id", "")).startswith("book"):
                found.add(json.loads(element["value"])["room_id"])
    return found


def test_closed_and_members_only_rooms_have_no_book_button(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    fake_slack.timezones[ALICE] = "Asia/Shanghai"
    closed = next(room for room in sim.rooms if sim.room_rules(room["roomId"]).closed_from is not None)
    scoped = next(room for room in sim.rooms if room["roomStatus"] == 2)
    plain = next(room for room in sim.rooms if room["roomName"] == "3F-Everest")
    # Alice is not linked: she books as the operator, who is on the members-only room's list,
    # so make the list someone else's first.
    members = {"roomId": scoped["roomId"], "members": [sim.users[3]["unionid"]]}
    httpx.post(f"{sim.url}/_sim/rooms/members", json=members).raise_for_status()
    names = " ".join(room["roomName"] for room in (closed, scoped, plain))
    slash(app, fake_slack, f"group add Mine {names}", hook="setup")

    answer = slash(app, fake_slack, "tomorrow 8-9pm", hook="answer")
    text = json.dumps(answer.blocks, ensure_ascii=False)
    assert "Closed until" in text
    assert "Not open to you" in text
    offered = booked_room_ids(answer.blocks)
    assert closed["roomId"] not in offered and scoped["roomId"] not in offered
    assert plain["roomId"] in offered
