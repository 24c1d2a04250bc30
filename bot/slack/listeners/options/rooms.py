"""Type-ahead for the group modal's room picker, answered from the synced directory."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.slack.answers import Answers
from bot.slack.modals import option
from bot.slack.payload import team_of

logger = logging.getLogger(__name__)

MAX_OPTIONS = 100  # Slack shows at most 100 options


class RoomOptions:
    def __init__(self, *, answers: Answers) -> None:
        self._answers = answers

    def on_rooms(self, ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
        query = str(payload.get("value") or "").strip()
        try:
            rooms = self._answers.service.search_rooms(team_id=team_of(context), query=query, limit=MAX_OPTIONS)
        except Exception:
            logger.exception("room search failed")
            rooms = []
        ack(options=[option(room_id, label) for room_id, label in rooms[:MAX_OPTIONS]])


__all__ = ["MAX_OPTIONS", "RoomOptions"]
