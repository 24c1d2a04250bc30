"""What must be answered inside the acknowledgement (the room picker, the group modal's save) is
answered within Slack's 3 seconds even when the database hangs."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from bot.present import messages
from bot.present.actions import GROUP_NAME, GROUP_ROOMS
from bot.slack.listeners.options.rooms import RoomOptions
from bot.slack.listeners.views.group_edit import GroupEditSubmission
from bot.slack.modals import BLOCK_NAME, BLOCK_ROOMS, build_group_modal


class HungService:
    def __init__(self) -> None:
        self.released = threading.Event()

    def search_rooms(self, *, team_id: str, query: str, limit: int) -> list[tuple[str, str]]:
        self.released.wait(timeout=30)  # a database that stopped answering
        return [("r1", "3F-Everest")]


def test_a_hung_search_is_answered_with_no_options_instead_of_a_timeout() -> None:
    service = HungService()
    picker = RoomOptions(answers=SimpleNamespace(service=service), timeout_s=0.2)  # type: ignore[arg-type]
    acked: list[dict[str, Any]] = []
    try:
        picker.on_rooms(lambda **kw: acked.append(kw), {"value": "3F"}, SimpleNamespace(team_id="T"))  # type: ignore[arg-type]
    finally:
        service.released.set()
    assert acked == [{"options": []}]


def test_a_search_that_answers_gives_its_rooms_as_options() -> None:
    service = HungService()
    service.released.set()
    picker = RoomOptions(answers=SimpleNamespace(service=service), timeout_s=5)  # type: ignore[arg-type]
    acked: list[dict[str, Any]] = []
    picker.on_rooms(lambda **kw: acked.append(kw), {"value": "3F"}, SimpleNamespace(team_id="T"))  # type: ignore[arg-type]
    (options,) = [a["options"] for a in acked]
    assert [o["value"] for o in options] == ["r1"]


class HungGroups:
    def __init__(self) -> None:
        self.released = threading.Event()

    def save_group(self, *_: Any, **__: Any) -> None:
        self.released.wait(timeout=30)  # a database that stopped answering


def test_a_group_save_on_a_hung_database_is_acknowledged_with_a_field_error_in_time() -> None:
    service = HungGroups()
    answers: Any = SimpleNamespace(service=service, actor=lambda *args, **kwargs: None)
    submission = GroupEditSubmission(answers=answers, timeout_s=0.2)
    view = build_group_modal(group_id=None)
    view["state"] = {
        "values": {
            BLOCK_NAME: {GROUP_NAME.id(): {"value": "HQ"}},
            BLOCK_ROOMS: {GROUP_ROOMS.id(): {"selected_options": [{"value": "r1"}]}},
        }
    }
    acked: list[dict[str, Any]] = []
    try:
        submission.on_group_edit(
            lambda **kw: acked.append(kw),  # type: ignore[arg-type]
            {"user": {"id": "U"}},
            view,
            None,  # type: ignore[arg-type]
            SimpleNamespace(team_id="T"),  # type: ignore[arg-type]
        )
    finally:
        service.released.set()
    assert acked == [{"response_action": "errors", "errors": {BLOCK_NAME: messages.WORDS.slack_modal_save_slow}}]
