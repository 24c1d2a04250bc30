"""Global Bolt middleware: each Events API delivery is handled at most once.

Slack redelivers an event when it did not get a 2xx within 3 s (up to three retries, carrying
`X-Slack-Retry-Num`; in Socket Mode Bolt ≥ 1.29 copies the envelope's `retry_attempt` into the
same header). The event id is recorded in the database, which every web process and the worker
share, so a redelivery, or the same event reaching two processes, does nothing twice.

The record must never hold up the ack: it gets `timeout_s`, and when the database does not
answer in time the event is handled anyway (handling an event twice beats dropping it, or
making Slack retry it). At most `MAX_PENDING` records wait on a hung database; beyond that,
events skip the record at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.ports import SlackService

logger = logging.getLogger(__name__)


MAX_PENDING = 16


class EventDeduplication(Middleware):
    """Acknowledge and drop an event whose `event_id` was already handled."""

    def __init__(self, *, service: SlackService, timeout_s: float = 0.5) -> None:
        self._service = service
        self._timeout_s = timeout_s
        self._pending = threading.BoundedSemaphore(MAX_PENDING)
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="roombot-dedup")

    def _first_time(self, team_id: str, event_id: str) -> bool | None:
        """True or False as the database says, None when it did not answer in time."""
        if not self._pending.acquire(blocking=False):
            logger.warning("event %s: the database is not answering; handled without de-duplication", event_id)
            return None

        def record() -> bool:
            try:
                return self._service.mark_event_processed(team_id=team_id, event_id=event_id)
            finally:
                self._pending.release()

        future = self._executor.submit(record)
        try:
            return future.result(timeout=self._timeout_s)
        except FutureTimeout:
            logger.warning("event %s: no answer from the database in %.2f s; handling it anyway", event_id, self._timeout_s)
            return None

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return next()
        event_id = body.get("event_id")
        team_id = body.get("team_id") or req.context.team_id or req.context.enterprise_id or ""
        if not event_id:
            return next()
        try:
            first_time = self._first_time(team_id, event_id)
        except Exception:
            # The database is down: handling the event twice beats dropping it silently.
            logger.exception("could not record event %s; handling it anyway", event_id)
            return next()
        if first_time is False:
            retry = req.headers.get("x-slack-retry-num", ["0"])
            logger.info("event %s already handled (retry %s); skipped", event_id, retry[0] if retry else "0")
            return BoltResponse(status=200, body="")
        return next()


__all__ = ["EventDeduplication"]
