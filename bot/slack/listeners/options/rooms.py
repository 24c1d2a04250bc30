"""Type-ahead for the group modal's room picker, answered from the synced directory."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.slack.answers import Answers
from bot.slack.modals import option
from bot.slack.payload import team_of

logger = logging.getLogger(__name__)

MAX_OPTIONS = 100  # Slack shows at most 100 options
SEARCH_TIMEOUT_S = 2.0  # Slack waits 3 s for the options; a hung database must not use them all


class RoomOptions:
    """The picker reads the stored directory only (the refresh job keeps it fresh), within `SEARCH_TIMEOUT_S`."""

    def __init__(self, *, answers: Answers, timeout_s: float = SEARCH_TIMEOUT_S) -> None:
        self._answers = answers
        self._timeout_s = timeout_s
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="roombot-picker")

    def on_rooms(self, ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
        query = str(payload.get("value") or "").strip()
        team_id = team_of(context)
        try:
            search = self._executor.submit(
                self._answers.service.search_rooms, team_id=team_id, query=query, limit=MAX_OPTIONS
            )
            rooms = search.result(timeout=self._timeout_s)
        except FutureTimeout:
            logger.warning("room search took over %.1f s (database not answering); no options", self._timeout_s)
            rooms = []
        except Exception:
            logger.exception("room search failed")
            rooms = []
        ack(options=[option(room_id, label) for room_id, label in rooms[:MAX_OPTIONS]])


__all__ = ["MAX_OPTIONS", "RoomOptions"]
