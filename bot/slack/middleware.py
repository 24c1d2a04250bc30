"""Global Bolt middleware: each Events API delivery is handled at most once.

Slack redelivers an event when it did not get a 2xx within 3 s (up to three retries, carrying
`X-Slack-Retry-Num`; in Socket Mode Bolt ≥ 1.29 copies the envelope's `retry_attempt` into the
same header). The event id is recorded in the database, which every web process and the worker
share, so a redelivery, or the same event reaching two processes, does nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.ports import SlackService

logger = logging.getLogger(__name__)


class EventDeduplication(Middleware):
    """Acknowledge and drop an event whose `event_id` was already handled."""

    def __init__(self, *, service: SlackService) -> None:
        self._service = service

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        if not isinstance(body, dict) or body.get("type") != "event_callback":
            return next()
        event_id = body.get("event_id")
        team_id = body.get("team_id") or req.context.team_id or req.context.enterprise_id or ""
        if not event_id:
            return next()
        try:
            first_time = self._service.mark_event_processed(team_id=team_id, event_id=event_id)
        except Exception:
            # The database is down: handling the event twice beats dropping it silently.
            logger.exception("could not record event %s; handling it anyway", event_id)
            return next()
        if not first_time:
            retry = req.headers.get("x-slack-retry-num", ["0"])
            logger.info("event %s already handled (retry %s); skipped", event_id, retry[0] if retry else "0")
            return BoltResponse(status=200, body="")
        return next()


__all__ = ["EventDeduplication"]
