"""App Home, the group modal with its type-ahead room picker, and the modal's submission."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk.models.views import View

from bot.config import utc_now
from bot.present import messages
from bot.slack.modals import build_group_modal
from bot.store.sync import sync_directory
from bot.wiring import Runtime
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import (
    ALICE,
    BOB,
    FORM,
    JSON,
    TEAM,
    block_actions_payload,
    block_suggestion_payload,
    event_body,
    payload_body,
    signed,
    view_submission_payload,
)
from tests.e2e.test_slack_app import make_group


@pytest.fixture(autouse=True)
def directory_synced(runtime: Runtime) -> None:
    """The directory refresh job has run: the room picker reads the stored directory only."""
    sync_directory(
        store=runtime.store,
        client=runtime.dingtalk,
        team_id=TEAM,
        union_id=runtime.settings.dingtalk_operator_union_id or "",
        now=utc_now(),
    )


def open_home(app: App, fake: FakeSlack, *, user: str = ALICE) -> dict[str, Any]:
    event = {"type": "app_home_opened", "user": user, "channel": "D_HOME", "tab": "home", "event_ts": "1.1"}
    assert app.dispatch(signed(event_body(event), content_type=JSON)).status == 200
    publish = fake.calls("views.publish")[-1]
    assert publish.body["user_id"] == user
    view = view_of(publish)
    View(**view).validate_json()  # slack_sdk checks Slack's limits
    return view


def view_of(call: Any) -> dict[str, Any]:
    view = call.body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def actions_in(view: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in view["blocks"]:
        found += block.get("elements", []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            found.append(block["accessory"])
    return found


def test_home_of_a_new_user_invites_to_create_a_group(app: App, fake_slack: FakeSlack) -> None:
    view = open_home(app, fake_slack)
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home"
    assert messages.WORDS.slack_home_no_groups in text
    assert messages.WORDS.slack_home_no_bookings in text
    assert [a["action_id"] for a in actions_in(view)] == ["home_group_create"]


def test_home_shows_groups_and_what_is_free_now(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    names = make_group(app, fake_slack, sim, name="HQ")
    view = open_home(app, fake_slack)
    text = json.dumps(view, ensure_ascii=False)
    assert "*HQ* · 3 rooms" in text
    assert "Free now in" in text
    assert any(name in text for name in names)
    edit = [a for a in actions_in(view) if a["action_id"] == "home_group_edit"]
    assert len(edit) == 1 and edit[0]["value"].isdigit()


def test_the_messages_tab_does_not_publish_a_home(app: App, fake_slack: FakeSlack) -> None:
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D_HOME", "tab": "messages"}
    app.dispatch(signed(event_body(event), content_type=JSON))
    assert fake_slack.calls("views.publish") == []


def test_edit_opens_the_modal_with_the_groups_rooms(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    names = make_group(app, fake_slack, sim, name="HQ")
    edit = next(a for a in actions_in(open_home(app, fake_slack)) if a["action_id"] == "home_group_edit")
    home_view = {"type": "home", "id": "V_HOME"}
    payload = block_actions_payload("home_group_edit", edit["value"], response_url=None, view=home_view)
    assert app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200
    (opened,) = fake_slack.calls("views.open")
    modal = view_of(opened)
    View(**modal).validate_json()
    assert opened.body["trigger_id"] == "1.2.trigger"
    name_input, rooms_input = modal["blocks"]
    assert name_input["element"]["initial_value"] == "HQ"
    labels = [o["text"]["text"] for o in rooms_input["element"]["initial_options"]]
    assert len(labels) == len(names) and all(label.startswith(name) for label, name in zip(labels, names, strict=True))


def test_someone_elses_group_cannot_be_edited(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    make_group(app, fake_slack, sim, name="HQ", user=ALICE)
    edit = next(a for a in actions_in(open_home(app, fake_slack)) if a["action_id"] == "home_group_edit")
    # Bob replays Alice's button value: the service re-checks the owner.
    payload = block_actions_payload("home_group_edit", edit["value"], response_url=None, user=BOB, view={"type": "home"})
    app.dispatch(signed(payload_body(payload), content_type=FORM))
    (opened,) = fake_slack.calls("views.open")
    text = json.dumps(view_of(opened))
    assert messages.WORDS.slack_modal_group_gone in text
    assert "initial_value" not in text


def test_the_room_picker_types_ahead_from_the_directory(app: App, sim: Any) -> None:
    name = str(sim.rooms[0]["roomName"])
    response = app.dispatch(signed(payload_body(block_suggestion_payload("rooms", name[:4])), content_type=FORM))
    assert response.status == 200
    options = json.loads(response.body)["options"]
    assert options and all(o["text"]["text"] and o["value"] for o in options)
    assert options[0]["text"]["text"].startswith(name[:4])
    assert str(sim.rooms[0]["roomId"]) in [o["value"] for o in options]


def test_the_room_picker_never_waits_on_dingtalk_even_with_a_stale_directory(app: App, runtime: Runtime, sim: Any) -> None:
    # The stored directory was last synced two days ago (stale), and DingTalk fails every call.
    sync_directory(
        store=runtime.store,
        client=runtime.dingtalk,
        team_id=TEAM,
        union_id=runtime.settings.dingtalk_operator_union_id or "",
        now=utc_now() - timedelta(days=2),
    )
    sim.configure(fail_rate=1.0)
    calls_before = sim.stats().get("total", 0)
    name = str(sim.rooms[0]["roomName"])

    response = app.dispatch(signed(payload_body(block_suggestion_payload("rooms", name[:4])), content_type=FORM))

    assert response.status == 200
    assert str(sim.rooms[0]["roomId"]) in [o["value"] for o in json.loads(response.body)["options"]]
    assert sim.stats().get("total", 0) == calls_before


def submit(app: App, values: dict[str, Any], *, group_id: int | None = None, user: str = ALICE) -> Any:
    # As in Slack, the user picked the rooms with the type-ahead first (which reads the stored directory).
    app.dispatch(signed(payload_body(block_suggestion_payload("rooms", "f", user=user)), content_type=FORM))
    modal = build_group_modal(group_id=group_id)
    return app.dispatch(signed(payload_body(view_submission_payload(modal, values, user=user)), content_type=FORM))


def modal_values(name: str, room_ids: list[str]) -> dict[str, Any]:
    return {
        "group_name": {"name": {"type": "plain_text_input", "value": name}},
        "group_rooms": {
            "rooms": {
                "type": "multi_external_select",
                "selected_options": [{"value": r, "text": {"type": "plain_text", "text": r}} for r in room_ids],
            }
        },
    }


def test_submitting_the_modal_creates_the_group_and_refreshes_home(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    room_ids = [str(r["roomId"]) for r in sim.rooms[:2]]
    response = submit(app, modal_values("Floor 3", room_ids))
    assert response.status == 200 and response.body == ""
    home = json.dumps(view_of(fake_slack.calls("views.publish")[-1]), ensure_ascii=False)
    assert "*Floor 3* · 2 rooms" in home


def test_an_empty_modal_is_refused_field_by_field(app: App, fake_slack: FakeSlack) -> None:
    response = submit(app, modal_values("  ", []))
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {
            "group_name": messages.WORDS.slack_modal_name_required,
            "group_rooms": messages.WORDS.slack_modal_rooms_required,
        },
    }
    assert fake_slack.calls("views.publish") == []


def test_a_service_refusal_keeps_the_modal_open_with_the_reason(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    room_ids = [str(r["roomId"]) for r in sim.rooms[:1]]
    assert submit(app, modal_values("Dup", room_ids)).body == ""
    response = submit(app, modal_values("Dup", room_ids))  # the same name again
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert "Dup" in body["errors"]["group_name"]
