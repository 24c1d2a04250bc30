"""roombot through the real Bolt app: signed payloads in, real Web API calls and response_url posts out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import App

from bot.present import messages
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    FORM,
    JSON,
    block_actions_payload,
    dm_event,
    event_body,
    mention_event,
    payload_body,
    signed,
    slash_body,
)
from tests.e2e.workspace import ALICE, BOB, CHANNEL, DM, TEAM


def slash(app: App, fake: FakeSlack, text: str, *, user: str = ALICE, hook: str = "default") -> Call:
    """Send `/rooms text` and return the last answer posted to its response_url."""
    before = len(fake.webhook_calls(hook))
    response = app.dispatch(signed(slash_body(text, response_url=fake.response_url(hook), user=user), content_type=FORM))
    assert response.status == 200
    calls = fake.webhook_calls(hook)
    assert len(calls) > before, "nothing was posted to the response_url"
    return calls[-1]


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element
        accessory = block.get("accessory")
        if accessory and accessory.get("action_id") == action_id:
            return accessory
    return None


def room_names(sim: Any, count: int) -> list[str]:
    return [str(room["roomName"]) for room in sim.rooms[:count]]


def make_group(app: App, fake: FakeSlack, sim: Any, *, name: str = "HQ", count: int = 3, user: str = ALICE) -> list[str]:
    names = room_names(sim, count)
    quoted = " ".join(f'"{n}"' if " " in n else n for n in names)
    answer = slash(app, fake, f"group add {name} {quoted}", user=user, hook="setup")
    assert "error" not in answer.body.get("text", "").lower(), answer.all_text()
    return names


# --- /rooms --------------------------------------------------------------------------------------


def test_rooms_alone_shows_help_privately_without_a_share_button(app: App, fake_slack: FakeSlack) -> None:
    answer = slash(app, fake_slack, "")
    assert answer.body["response_type"] == "ephemeral"
    assert "/rooms" in answer.all_text() or "rooms" in answer.body["text"].lower()
    assert button(answer.blocks, "share") is None
    assert answer.all_text() == slash(app, fake_slack, "help").all_text()


def test_unreadable_text_gets_a_friendly_answer_with_an_example(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    make_group(app, fake_slack, sim)
    answer = slash(app, fake_slack, "tomorrow 25:99")
    assert answer.body["response_type"] == "ephemeral"
    assert "25:99" in answer.body["text"]  # it says what it could not read...
    assert "free rooms tomorrow 2-3pm" in answer.all_text()  # ...and what to type instead
    assert "Traceback" not in answer.all_text()
    assert button(answer.blocks, "share") is None


def test_a_question_lists_rooms_with_book_buttons_and_a_share_button(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    names = make_group(app, fake_slack, sim)
    answer = slash(app, fake_slack, "tomorrow 10-11am")
    assert answer.body["response_type"] == "ephemeral"
    assert answer.body.get("replace_original") is False  # fast answer: no "Looking…" to replace
    text = answer.all_text()
    assert any(name in text for name in names)
    share = button(answer.blocks, "share")
    assert share is not None and share["value"] == "tomorrow 10-11am"
    assert any(
        e.get("action_id", "").startswith("book")
        for b in answer.blocks
        for e in b.get("elements", []) + [b.get("accessory") or {}]
    )
    assert messages.slack_looking() not in [c.body.get("text") for c in fake_slack.webhook_calls()]


def test_the_users_slack_time_zone_is_used_and_cached(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    fake_slack.timezones[ALICE] = "America/New_York"
    make_group(app, fake_slack, sim)
    answer = slash(app, fake_slack, "tomorrow 10-11am")
    assert "America/New_York" in answer.all_text()
    lookups = [c for c in fake_slack.calls("users.info") if c.body.get("user") == ALICE]
    assert len(lookups) == 1  # the second /rooms used the cached zone


def test_share_in_channel_reasks_as_the_clicker_and_removes_the_private_copy(
    app: App, fake_slack: FakeSlack, sim: Any
) -> None:
    names = make_group(app, fake_slack, sim)
    payload = block_actions_payload("share", "tomorrow 10-11am", response_url=fake_slack.response_url("share"))
    response = app.dispatch(signed(payload_body(payload), content_type=FORM))
    assert response.status == 200
    posted, deleted = fake_slack.webhook_calls("share")
    assert posted.body["response_type"] == "in_channel"
    assert posted.body["replace_original"] is False
    assert any(name in posted.all_text() for name in names)
    assert button(posted.blocks, "share") is None
    assert f"<@{ALICE}>" in json.dumps(posted.blocks[-1])
    assert deleted.body["delete_original"] is True


def test_sharing_an_error_stays_private(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    make_group(app, fake_slack, sim)
    sim.configure(fail_rate=1.0)
    payload = block_actions_payload("share", "tomorrow 10-11am", response_url=fake_slack.response_url("share"))
    app.dispatch(signed(payload_body(payload), content_type=FORM))
    (answer,) = fake_slack.webhook_calls("share")
    assert answer.body["response_type"] == "ephemeral"


def test_a_dingtalk_failure_is_a_friendly_message(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    make_group(app, fake_slack, sim)
    sim.configure(fail_rate=1.0)
    answer = slash(app, fake_slack, "tomorrow 3-4pm")
    text = answer.all_text()
    assert "Traceback" not in text and "system.error" not in text
    assert "DingTalk" in text or "try again" in text.lower()


# --- @mentions and DMs ---------------------------------------------------------------------------


def test_a_mention_is_answered_in_its_thread(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    names = make_group(app, fake_slack, sim)
    event = mention_event("<@UBOT0001> tomorrow 10-11am", ts="1700000999.000100")
    response = app.dispatch(signed(event_body(event), content_type=JSON))
    assert response.status == 200
    (post,) = fake_slack.calls("chat.postMessage")
    assert post.body["channel"] == CHANNEL
    assert post.body["thread_ts"] == "1700000999.000100"
    assert any(name in post.all_text() for name in names)


def test_a_dm_works_like_rooms(app: App, fake_slack: FakeSlack) -> None:
    response = app.dispatch(signed(event_body(dm_event("help")), content_type=JSON))
    assert response.status == 200
    (post,) = fake_slack.calls("chat.postMessage")
    assert post.body["channel"] == DM
    assert "thread_ts" not in post.body
    assert post.all_text() == _help_text_via_slash(app, fake_slack)


def _help_text_via_slash(app: App, fake: FakeSlack) -> str:
    answer = slash(app, fake, "help", hook="help")
    return Call("/api/chat.postMessage", {"text": answer.body["text"], "blocks": answer.body["blocks"]}, {}).all_text()


@pytest.mark.parametrize(
    "extra",
    [
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"bot_id": "B_OTHER"},
        {"user": "UBOT0001"},  # the bot's own message
    ],
)
def test_edits_and_bot_messages_are_ignored(app: App, fake_slack: FakeSlack, extra: dict[str, str]) -> None:
    response = app.dispatch(signed(event_body(dm_event("help", **extra)), content_type=JSON))
    assert response.status == 200
    assert fake_slack.calls("chat.postMessage") == []


def test_an_event_retry_is_processed_once(app: App, fake_slack: FakeSlack) -> None:
    body = event_body(dm_event("help"), event_id="EvRETRY0001")
    assert app.dispatch(signed(body, content_type=JSON)).status == 200
    retry = signed(body, content_type=JSON, x_slack_retry_num="1", x_slack_retry_reason="http_timeout")
    assert app.dispatch(retry).status == 200
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_the_same_event_id_in_another_workspace_is_its_own_event(app: App, fake_slack: FakeSlack) -> None:
    app.dispatch(signed(event_body(dm_event("help"), event_id="EvSAME"), content_type=JSON))
    app.dispatch(signed(event_body(dm_event("help"), event_id="EvSAME", team="T_OTHER"), content_type=JSON))
    assert len(fake_slack.calls("chat.postMessage")) == 2


# --- Slack API trouble ---------------------------------------------------------------------------


def test_a_rate_limited_post_is_retried(app: App, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=1)
    app.dispatch(signed(event_body(dm_event("help")), content_type=JSON))
    first, second = fake_slack.calls("chat.postMessage")
    assert first.body == second.body
    assert fake_slack.calls("chat.postEphemeral") == []


def test_a_refused_post_is_told_to_the_user_privately(app: App, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="invalid_blocks")
    app.dispatch(signed(event_body(mention_event("<@UBOT0001> help", ts="1700000500.000500")), content_type=JSON))
    (told,) = fake_slack.calls("chat.postEphemeral")
    assert told.body["user"] == ALICE
    assert told.body["channel"] == CHANNEL
    assert told.body["text"] == messages.slack_post_failed("invalid_blocks")


# --- "Looking…" ----------------------------------------------------------------------------------


def test_a_slow_answer_shows_looking_then_replaces_it(make_app: Any, fake_slack: FakeSlack) -> None:
    app = make_app(notice_after_s=0.05)
    # users.info (part of the work) is answered only after the notice arrived: the answer is "slow".
    fake_slack.hold("users.info", until="/webhook/default")
    answer = slash(app, fake_slack, "help")
    notice, final = fake_slack.webhook_calls()
    assert notice.body["text"] == messages.slack_looking()
    assert notice.body["response_type"] == "ephemeral"
    assert final is answer and final.body["replace_original"] is True


def test_a_slow_mention_updates_its_looking_message(make_app: Any, fake_slack: FakeSlack) -> None:
    app = make_app(notice_after_s=0.05)
    fake_slack.hold("users.info", until="chat.postMessage")
    app.dispatch(signed(event_body(mention_event("<@UBOT0001> help", ts="1700000600.000600")), content_type=JSON))
    (notice,) = fake_slack.calls("chat.postMessage")
    assert notice.body["text"] == messages.slack_looking()
    assert notice.body["thread_ts"] == "1700000600.000600"
    (update,) = fake_slack.calls("chat.update")
    assert update.body["channel"] == CHANNEL
    assert update.body["ts"].startswith("1700000000.")
    assert update.body["text"] != messages.slack_looking()


# --- Socket Mode ---------------------------------------------------------------------------------


def test_socket_mode_envelopes_need_no_signing_secret(make_app: Any, settings: Any, fake_slack: FakeSlack) -> None:
    from slack_bolt.request import BoltRequest

    app = make_app(app_settings=settings.with_overrides(slack_signing_secret=None, slack_app_token="xapp-test"))
    body = {
        "team_id": TEAM,
        "user_id": BOB,
        "channel_id": CHANNEL,
        "command": "/rooms",
        "text": "help",
        "response_url": fake_slack.response_url("socket"),
        "trigger_id": "1.2.trigger",
    }
    response = app.dispatch(BoltRequest(mode="socket_mode", body=body))
    assert response.status == 200
    (answer,) = fake_slack.webhook_calls("socket")
    assert answer.body["response_type"] == "ephemeral"


# --- Show all ------------------------------------------------------------------------------------


def test_show_all_replaces_a_private_summary_with_every_room(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    names = make_group(app, fake_slack, sim, count=12)
    summary = slash(app, fake_slack, "tomorrow 10-11am")
    show_all = button(summary.blocks, "show_all")
    assert show_all is not None, "12 rooms should be summarised behind a show-all button"
    assert not all(name in summary.all_text() for name in names)
    payload = block_actions_payload("show_all", show_all["value"], response_url=fake_slack.response_url("all"))
    assert app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200
    (full,) = fake_slack.webhook_calls("all")
    assert full.body["replace_original"] is True
    assert all(name in full.all_text() for name in names)
    assert button(full.blocks, "share") is not None


def test_show_all_under_a_public_answer_comes_privately(app: App, fake_slack: FakeSlack, sim: Any) -> None:
    make_group(app, fake_slack, sim, count=12)
    summary = slash(app, fake_slack, "tomorrow 10-11am")
    show_all = button(summary.blocks, "show_all")
    assert show_all is not None
    payload = block_actions_payload(
        "show_all", show_all["value"], response_url=fake_slack.response_url("all"), ephemeral=False
    )
    app.dispatch(signed(payload_body(payload), content_type=FORM))
    (full,) = fake_slack.webhook_calls("all")
    assert full.body["response_type"] == "ephemeral"
    assert full.body["replace_original"] is False
