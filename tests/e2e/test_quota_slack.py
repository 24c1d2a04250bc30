"""The monthly DingTalk budget in Slack: the age on every answer, the Refresh button, the admins' App Home."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_bolt import App

from bot.config import Settings
from bot.sim import Simulator
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import FORM, block_actions_payload, payload_body, signed
from tests.e2e.test_app_home import open_home
from tests.e2e.test_slack_app import button, make_group, slash
from tests.e2e.workspace import ALICE, BOB


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The e2e settings with Alice an admin; any age is old enough for Refresh here (the minimum age is
    shown in tests/integration/test_quota.py)."""
    return settings.with_overrides(admin_user_ids=(ALICE,), refresh_min_age_s=0.0)


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


def test_the_admins_get_one_dm_when_the_budget_runs_low(
    settings: Settings, database_url: str, fake_slack: FakeSlack
) -> None:
    from bot.jobs.registry import WATCH_QUOTA, default_jobs
    from bot.slack.app import make_web_client
    from bot.slack.delivery import dm_sender
    from bot.store import Store, ensure_schema, make_engine, make_session_factory

    settings = replace(settings, monthly_call_budget=100, admin_user_ids=(ALICE, BOB))
    engine = make_engine(database_url)
    ensure_schema(engine)
    try:
        # Two stores on one database stand for two processes running the job runner.
        stores = [Store(session_factory=make_session_factory(engine)) for _ in range(2)]
        tuesday = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)  # a third of November's working time has passed
        stores[0].quota.add_calls(settings.quota_org, "2026-11", "schedules", 25)

        def watch(store: Store, now: datetime) -> str | None:
            notify = dm_sender(make_web_client(settings))
            (job,) = [
                j
                for j in default_jobs(store=store, directory=None, settings=settings, notify_admin=notify)
                if j.name == WATCH_QUOTA
            ]
            return job.run(now)

        # 25 calls by 56 of November's 189 working hours projects to about 84 of 100: on track, nobody is told.
        watch(stores[0], tuesday)
        assert fake_slack.calls("chat.postMessage") == []

        stores[0].quota.add_calls(settings.quota_org, "2026-11", "schedules", 35)  # 60: about 200 projected
        notes = [watch(stores[0], tuesday), watch(stores[1], tuesday), watch(stores[1], tuesday.replace(hour=9))]

        dms = fake_slack.calls("chat.postMessage")
        assert sorted(call.body["channel"] for call in dms) == [ALICE, BOB]  # once each, whichever process ran first
        assert all("running low" in call.body["text"] and "60 of a budget of 100" in call.body["text"] for call in dms)
        assert notes[0] == "told 2 admin(s) the budget runs low"
        assert notes[1:] == ["budget on track (or admins already told)"] * 2

        # A new month may warn again.
        stores[1].quota.add_calls(settings.quota_org, "2026-12", "schedules", 90)
        watch(stores[1], datetime(2026, 12, 8, 3, 0, tzinfo=UTC))
        assert len(fake_slack.calls("chat.postMessage")) == 4
    finally:
        engine.dispose()


def test_dingtalks_own_quota_error_answers_from_saved_data_and_says_when_search_works_again(
    app: App, fake_slack: FakeSlack, sim: Simulator
) -> None:
    make_group(app, fake_slack, sim, count=3)  # one free/busy call per question
    slash(app, fake_slack, "tomorrow 10-11am")
    sim.configure(monthly_quota=1)  # the one call left this month
    in_3_weeks, in_4_weeks = (datetime.now(UTC).date() + timedelta(days=days) for days in (21, 28))
    slash(app, fake_slack, f"on {in_3_weeks:%b} {in_3_weeks.day} 10-11am")

    # A question about a day never fetched: DingTalk says the quota is spent, nothing is saved.
    cold = slash(app, fake_slack, f"on {in_4_weeks:%b} {in_4_weeks.day} 10-11am")
    assert "DingTalk says your organisation has used this month's API quota" in cold.all_text()
    assert "Searching works again on" in cold.all_text()
    # A question about a saved day: the saved answer, its age, and the same sentence.
    sim.reset_stats()
    saved = slash(app, fake_slack, "tomorrow 11am-12pm")
    assert sim.stats()["schedules"] == 0
    assert "from saved data" in saved.all_text() and "Searching works again on" in saved.all_text()
    assert "checked" in context_text(saved.blocks)
