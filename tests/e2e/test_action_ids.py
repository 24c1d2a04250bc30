"""Every action id roombot shows is answered by exactly one registered listener, and every
registered listener answers an id roombot shows.

The ids are collected from what the real app posts to the fake Slack (answers, App Home, the
group modal), so the use cases' own buttons are covered too; the listeners are the ones
`register_listeners` installs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.present.actions import BUTTONS
from bot.slack.app import make_web_client
from bot.slack.delivery import SlackDirectMessages
from bot.slack.listeners import register_listeners
from bot.usecases.checkin import CheckinSweeps
from bot.wiring import Runtime
from tests.e2e.fake_slack import Call, FakeSlack
from tests.e2e.slack_requests import (
    FORM,
    JSON,
    SIGNING_SECRET,
    block_actions_payload,
    event_body,
    payload_body,
    signed,
    slash_body,
)
from tests.e2e.workspace import ALICE, TEAM
from tests.unit.test_reply_render import walk

Constraint = str | re.Pattern[str] | dict[str, str | re.Pattern[str]]
Registered = Callable[..., Callable[..., BoltResponse | None] | None]


class RecordingApp(App):
    """A Bolt app that also remembers what each action, options and view listener was registered for."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.registered: dict[str, list[Constraint]] = {"action": [], "options": [], "view": []}


def _recording(kind: str) -> Callable[..., Registered]:
    """App.action, App.options or App.view, remembering the constraint before registering the listener."""
    register = getattr(App, kind)

    def record(self: RecordingApp, constraints: Constraint, *args: Any, **kwargs: Any) -> Registered:
        self.registered[kind].append(constraints)
        return register(self, constraints, *args, **kwargs)

    return record


for _kind in ("action", "options", "view"):
    setattr(RecordingApp, _kind, _recording(_kind))


def matches(constraint: Constraint, value: str) -> bool:
    """Bolt's rule: a string is compared whole, a pattern is searched."""
    if isinstance(constraint, dict):
        raise AssertionError(f"unexpected constraint {constraint!r}")
    if isinstance(constraint, str):
        return constraint == value
    return constraint.search(value) is not None


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every interactive element (anything with an action_id) in a message or view."""
    return (d for d in walk(node) if "action_id" in d)


def view_of(call: Call) -> dict[str, Any]:
    view = call.body["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def test_shown_action_ids_and_registered_listeners_match_one_to_one(
    settings: Settings, runtime: Runtime, fake_slack: FakeSlack, sim: Any
) -> None:
    app = RecordingApp(
        client=make_web_client(settings),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )
    register_listeners(app, service=runtime.service, settings=settings, notice_after_s=60.0)
    fake_slack.timezones.update({ALICE: "Asia/Shanghai"})
    shown: list[dict[str, Any]] = []

    def slash(text: str) -> Call:
        response = app.dispatch(signed(slash_body(text, response_url=fake_slack.response_url("slash")), content_type=FORM))
        assert response.status == 200
        call = fake_slack.webhook_calls("slash")[-1]
        shown.extend(elements(call.blocks))
        return call

    def click(element: dict[str, Any]) -> Call:
        payload = block_actions_payload(
            element["action_id"], element.get("value", ""), response_url=fake_slack.response_url("click")
        )
        assert app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200
        call = fake_slack.webhook_calls("click")[-1]
        shown.extend(elements(call.blocks))
        return call

    def first(name: str) -> dict[str, Any]:
        return next(e for e in shown if e["action_id"].split(":")[0] == name)

    slash("tomorrow 8-9pm")  # no group yet: the use case offers to import the channel's groups
    names = " ".join(f'"{room["roomName"]}"' for room in sim.rooms)
    slash(f"group add HQ {names}")
    slash("tomorrow 8-9pm")  # every room: summarised behind "Show all", with Book and Share buttons
    click(first("show_all"))  # every room compactly, Book buttons numbered
    click(first("book"))  # booked: a Cancel button from the use case
    slash("my bookings")
    # The reminder DM (sent by the job runner's sweep, five minutes before the booking starts).
    booking = runtime.store.bookings.for_user(TEAM, user_id=ALICE)[0]
    sweeps = CheckinSweeps(settings=settings, store=runtime.store, dingtalk=runtime.dingtalk, log=logging.getLogger("e2e"))
    report = sweeps.send_reminders(
        booking.start - timedelta(minutes=5), SlackDirectMessages(client=make_web_client(settings))
    )
    assert report.done == 1
    shown.extend(elements(fake_slack.calls("chat.postMessage")[-1].blocks))
    # The one-click link: offered when the Slack e-mail is in the DingTalk directory.
    fake_slack.profiles[ALICE] = {"profile": {"email": sim.users[1]["email"]}}
    slash("link")
    click(first("link_email"))
    runtime.store.users.link(TEAM, ALICE, sim.users[1]["unionid"], verified=True)
    runtime.store.users.link(TEAM, "U0ANA", sim.users[2]["unionid"], verified=True)
    slash("when can <@U0ANA> and I meet next monday")  # suggested times: Book and invite buttons
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D_HOME", "tab": "home", "event_ts": "1.1"}
    assert app.dispatch(signed(event_body(event), content_type=JSON)).status == 200
    home = view_of(fake_slack.calls("views.publish")[-1])
    shown.extend(elements(home))
    edit = first("home_group_edit")
    payload = block_actions_payload("home_group_edit", edit["value"], response_url=None, view=home)
    assert app.dispatch(signed(payload_body(payload), content_type=FORM)).status == 200
    modal = view_of(fake_slack.calls("views.open")[-1])

    buttons = {e["action_id"] for e in shown if e.get("type") == "button"}
    kinds = {action_id.split(":")[0] for action_id in buttons}
    assert kinds == {button.name for button in BUTTONS}, "every kind of button is shown in this walk"
    for action_id in buttons:
        answering = [c for c in app.registered["action"] if matches(c, action_id)]
        assert len(answering) == 1, f"{action_id!r} is answered by {answering}"
    for constraint in app.registered["action"]:
        assert any(matches(constraint, action_id) for action_id in buttons), f"{constraint!r} answers no button shown"

    pickers = [e["action_id"] for e in elements(modal) if e.get("type") == "multi_external_select"]
    assert pickers and all(any(matches(c, p) for c in app.registered["options"]) for p in pickers)
    assert len(app.registered["options"]) == len(pickers)
    assert [c for c in app.registered["view"] if matches(c, modal["callback_id"])] == app.registered["view"]
