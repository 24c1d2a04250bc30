"""The reminder DM end to end: the job runner's sweep posts it to the fake Slack Web API, and
signed clicks on its buttons check in, release or extend the booking in the DingTalk simulator.

roombot runs on a fake clock (tomorrow evening, Shanghai); the simulator's own free/busy is
the truth each click is checked against.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_bolt import App

from bot.config import Settings
from bot.jobs.host import build_runner
from bot.present import messages
from bot.present.reply import FindReply, TextReply
from bot.sim import Simulator
from bot.slack.app import create_app, make_web_client
from bot.slack.delivery import SlackDirectMessages
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import FORM, JSON, block_actions_payload, event_body, payload_body, signed
from tests.e2e.workspace import ALICE, BOB, TEAM

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Scene:
    def __init__(self, sim: Simulator, runtime: Runtime, app: App, fake: FakeSlack, clock: Clock, start: datetime) -> None:
        self.sim, self.runtime, self.app, self.fake, self.clock = sim, runtime, app, fake, clock
        self.start, self.end = start, start + timedelta(hours=1)
        self.room_id = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == "3F-Everest")

    def at(self, hour: int, minute: int) -> None:
        self.clock.now = datetime.combine(self.start.date(), time(hour, minute), SHANGHAI)

    def run_jobs(self) -> None:
        notifier = SlackDirectMessages(client=make_web_client(self.runtime.settings))
        outcomes = build_runner(self.runtime, clock=self.clock, notifier=notifier).run_once()
        assert all(outcome.ok for outcome in outcomes), outcomes

    def reminder(self) -> Call:
        dms = [c for c in self.fake.calls("chat.postMessage") if c.body.get("channel") == ALICE]
        assert len(dms) == 1, dms
        return dms[0]

    def click(self, message: Call, action: str, *, user: str = ALICE) -> Call:
        button = next(
            e
            for block in message.blocks
            for e in block.get("elements", [])
            if isinstance(e, dict) and e.get("action_id") == action
        )
        payload = block_actions_payload(
            action, button["value"], user=user, channel="D_ALICE", response_url=self.fake.response_url(action)
        )
        assert self.app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200
        return self.fake.webhook_calls(action)[-1]

    def busy(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return self.sim.schedule(self.room_id, start, end)


@pytest.fixture
def scene(settings: Settings, sim: Simulator, fake_slack: FakeSlack) -> Iterator[Scene]:
    start = datetime.combine(sim.today + timedelta(days=1), time(20, 0), SHANGHAI)
    clock = Clock(start - timedelta(hours=1))
    runtime = build_runtime(settings, clock=clock)
    try:
        assert isinstance(runtime.service.import_groups(team_id=TEAM, user_id=ALICE, actor=CONSOLE_OPERATOR), TextReply)
        app = create_app(
            settings=settings, service=runtime.service, process_before_response=True, token_verification_enabled=False
        )
        fake_slack.timezones.update({ALICE: "Asia/Shanghai", BOB: "Asia/Shanghai"})
        scene = Scene(sim, runtime, app, fake_slack, clock, start)
        assert scene.busy(start, start + timedelta(minutes=90)) == [], "premise: 3F-Everest is free 20:00-21:30"
        booked = runtime.service.book(
            Caller(team_id=TEAM, user_id=ALICE, tz="Asia/Shanghai", user_name="alice"),
            BookingAsk(room_id=scene.room_id, start=start, end=scene.end, idempotency_key="e2e-checkin"),
        )
        assert isinstance(booked, FindReply) and booked.intro_kind == "success", booked
        scene.at(19, 50)
        scene.run_jobs()
        yield scene
    finally:
        runtime.close()


def test_the_check_in_button_keeps_the_room(scene: Scene) -> None:
    reminder = scene.reminder()
    assert "3F-Everest" in reminder.all_text()
    scene.at(20, 5)
    answer = scene.click(reminder, "checkin_booking")
    assert answer.body["replace_original"] is True
    assert "Checked in to" in answer.all_text()

    scene.at(20, 20)
    scene.run_jobs()
    assert len(scene.busy(scene.start, scene.end)) == 1  # not released
    assert len(scene.fake.calls("chat.postMessage")) == 1  # the reminder only, no release DM

    # App Home shows the state too.
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D_HOME", "tab": "home", "event_ts": "1.1"}
    assert scene.app.dispatch(signed(event_body(event), content_type=JSON)).status == 200
    assert "checked in" in json.dumps(scene.fake.calls("views.publish")[-1].body["view"], ensure_ascii=False)


def test_without_a_click_the_room_is_released_and_the_booker_gets_a_dm(scene: Scene) -> None:
    scene.at(20, 16)
    scene.run_jobs()
    dms = [c for c in scene.fake.calls("chat.postMessage") if c.body.get("channel") == ALICE]
    assert len(dms) == 2 and "gave the room back" in dms[1].all_text()
    assert scene.busy(scene.start, scene.end) == []


def test_the_release_button_gives_the_room_back(scene: Scene) -> None:
    reminder = scene.reminder()
    confirm = next(e for b in reminder.blocks for e in b.get("elements", []) if e.get("action_id") == "release_booking")
    assert confirm["confirm"]["confirm"]["text"] == messages.WORDS.release_confirm_yes
    answer = scene.click(reminder, "release_booking")
    assert "Released" in answer.all_text()
    assert scene.busy(scene.start, scene.end) == []


def test_someone_else_clicking_release_changes_nothing(scene: Scene) -> None:
    answer = scene.click(scene.reminder(), "release_booking", user=BOB)
    assert "Only the person who booked the room" in answer.all_text()
    assert answer.body["replace_original"] is False
    assert len(scene.busy(scene.start, scene.end)) == 1


def test_the_extend_button_moves_the_end_in_dingtalk(scene: Scene) -> None:
    scene.at(20, 45)
    answer = scene.click(scene.reminder(), "extend_booking")
    assert "Extended" in answer.all_text()
    busy = scene.busy(scene.end, scene.end + timedelta(minutes=30))
    assert len(busy) == 1 and busy[0]["end"]["dateTime"].startswith(f"{scene.start:%Y-%m-%d}T21:30")
