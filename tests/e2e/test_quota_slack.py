"""The monthly DingTalk budget in Slack: the age on every answer, the Refresh button, the admins' App Home."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_bolt import App

from bot.config import Settings
from bot.sim import Simulator
from bot.wiring import point_at_simulator
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import ALICE, BOB, FORM, SIGNING_SECRET, block_actions_payload, payload_body, signed
from tests.e2e.test_app_home import open_home
from tests.e2e.test_slack_app import button, make_group, slash


@pytest.fixture
def settings(database_url: str, sim: Simulator, fake_slack: FakeSlack) -> Settings:
    return point_at_simulator(
        Settings(
            slack_bot_token=fake_slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.base_url,
            database_url=database_url,
            default_tz="Asia/Shanghai",
            deadline_s=2.0,
            request_timeout_s=2.0,
            admin_user_ids=(ALICE,),
            # Any age is old enough for Refresh here: the minimum age is shown in tests/integration/test_quota.py.
            refresh_min_age_s=0.0,
        ),
        sim,
    )


def context_text(blocks: list[dict[str, Any]]) -> str:
    return " ".join(e.get("text", "") for b in blocks if b.get("type") == "context" for e in b.get("elements", []))


def test_every_answer_says_how_old_its_data_is_and_refresh_asks_dingtalk_again(
    app: App, fake_slack: FakeSlack, sim: Simulator
) -> None:
    make_group(app, fake_slack, sim, count=3)
    sim.reset_stats()
    answer = slash(app, fake_slack, "tomorrow 10-11am")
    assert sim.stats()["schedules"] == 1  # three rooms, one call
    assert "checked just now" in context_text(answer.blocks)
    refresh = button(answer.blocks, "refresh")
    assert refresh is not None and refresh["text"]["text"] == "Refresh"

    # A question about another day of the fetched horizon costs nothing and says how old its data is.
    other_day = slash(app, fake_slack, "the day after tomorrow 10-11am")
    assert sim.stats()["schedules"] == 1
    assert "checked" in context_text(other_day.blocks)

    payload = block_actions_payload("refresh", refresh["value"], response_url=fake_slack.response_url("refreshed"))
    assert app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200

    (refreshed,) = fake_slack.webhook_calls("refreshed")
    assert sim.stats()["schedules"] == 2  # Refresh spent one call
    assert refreshed.body["replace_original"] is True  # the private answer is replaced
    assert "checked just now" in context_text(refreshed.blocks)
    assert button(refreshed.blocks, "refresh") is not None


def test_admins_see_the_months_calls_in_app_home_and_others_do_not(app: App, fake_slack: FakeSlack, sim: Simulator) -> None:
    make_group(app, fake_slack, sim, count=3)
    slash(app, fake_slack, "tomorrow 10-11am")

    admin_view = json.dumps(open_home(app, fake_slack, user=ALICE), ensure_ascii=False)
    assert "DingTalk calls this month (admins)" in admin_view
    assert "of a budget of 4000" in admin_view
    assert "schedules" in admin_view

    other_view = json.dumps(open_home(app, fake_slack, user=BOB), ensure_ascii=False)
    assert "DingTalk calls this month" not in other_view
