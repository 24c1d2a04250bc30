"""'When can @ana, @bo and I meet?' through the real Bolt app: a signed mention in, the suggested
times with Book and invite buttons out, a signed click that books and invites, and the DMs."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App

from bot.wiring import Runtime
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    block_actions_payload,
    event_body,
    mention_event,
    payload_body,
    signed,
    slash_body,
)
from tests.e2e.workspace import ALICE, CHANNEL, TEAM

ANA, BO, CY = "U0ANA", "U0BO", "U0CY"  # CY has not linked a DingTalk account
ZONES = {ALICE: "Asia/Shanghai", ANA: "Europe/Berlin", BO: "America/New_York", CY: "Asia/Tokyo"}


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [element for block in blocks if block.get("type") == "actions" for element in block.get("elements", [])]


def dms_to(fake: FakeSlack, user: str) -> list[Call]:
    return [call for call in fake.calls("chat.postMessage") if call.body.get("channel") == user]


def next_monday(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())


def test_mention_question_book_and_invite_click_and_the_attendees_dms(
    app: App, fake_slack: FakeSlack, sim: Any, runtime: Runtime
) -> None:
    fake_slack.timezones.update(ZONES)
    union = {ALICE: sim.users[1]["unionid"], ANA: sim.users[2]["unionid"], BO: sim.users[3]["unionid"]}
    for slack_id, union_id in union.items():
        runtime.store.users.link(TEAM, slack_id, union_id, verified=True)
    fake_slack.profiles[ALICE] = {"is_admin": True, "team_id": TEAM}  # workspace groups are imported by admins
    imported = app.dispatch(signed(slash_body("group import", response_url=fake_slack.response_url("setup"))))
    assert imported.status == 200

    question = f"<@UBOT0001> when can <@{ANA}> <@{BO}> <@{CY}> and I meet next monday for an hour with a video call"
    response = app.dispatch(signed(event_body(mention_event(question, ts="1700000700.000700"))))
    assert response.status == 200

    (answer,) = [call for call in fake_slack.calls("chat.postMessage") if call.body.get("channel") == CHANNEL]
    assert answer.body["thread_ts"] == "1700000700.000700"
    text = answer.all_text()
    assert f"<@{CY}>" in text and "link" in text  # the unlinked person is named...
    (link_dm,) = dms_to(fake_slack, CY)  # ...and asked by DM to link
    assert "link" in link_dm.body["text"] and f"<@{ALICE}>" in link_dm.body["text"]
    invite = [b for b in buttons(answer.blocks) if b["action_id"].startswith("book_invite")]
    assert invite, answer.blocks
    wanted = json.loads(invite[0]["value"])
    start, end = datetime.fromisoformat(wanted["s"]), datetime.fromisoformat(wanted["e"])
    monday = next_monday(sim.today)
    assert start.astimezone(ZoneInfo("Asia/Shanghai")).date() == monday and end - start == timedelta(hours=1)

    hook = fake_slack.response_url("invite")
    payload = block_actions_payload(invite[0]["action_id"], invite[0]["value"], response_url=hook, ephemeral=False)
    clicked = app.dispatch(signed(payload_body(payload)))
    assert clicked.status == 200

    (done,) = fake_slack.webhook_calls("invite")
    # The question was asked in public: the confirmation is the clicker's own, so it comes privately
    # and the channel keeps what it was shown (a private question's answer is replaced in place).
    assert done.body["replace_original"] is False
    assert "Booked" in done.all_text()
    (event,) = sim.events
    assert event["organizer"]["id"] == union[ALICE]
    assert {a["id"] for a in event["attendees"]} == set(union.values())
    assert [room["roomId"] for room in event["meetingRooms"]] == [wanted["r"]]
    assert event["onlineMeetingInfo"]["url"]
    # Each attendee in Slack gets a DM with the time in their own zone (CY too, told he is not on
    # the DingTalk invitation); the organiser gets none.
    for person in (ANA, BO, CY):
        zone = ZoneInfo(ZONES[person])
        (dm,) = [call for call in dms_to(fake_slack, person) if "invited" in call.body["text"]]
        local = start.astimezone(zone)
        assert f"{local:%H:%M}–{end.astimezone(zone):%H:%M}" in dm.body["text"]
        assert f"{local.day} {local:%b}" in dm.body["text"] and ZONES[person] in dm.body["text"]
        assert event["onlineMeetingInfo"]["url"] in dm.body["text"]
    assert (
        "not on the DingTalk invitation"
        in next(c for c in dms_to(fake_slack, CY) if "invited" in c.body["text"]).body["text"]
    )
    assert dms_to(fake_slack, ALICE) == []
