"""The room picker answers within Slack's 3 seconds even when the database hangs: no options then."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from bot.slack.listeners.options.rooms import RoomOptions


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
