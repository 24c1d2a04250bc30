"""The quota watch: when the month's projected DingTalk use passes the budget, tell the admins once.

"Once" holds across processes and restarts: the first runner to record the month's notice in the
database (`QuotaKeeper.claim_running_low_notice`) sends the DMs; every later pass finds it recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.present import messages
from bot.quota import QuotaKeeper

log = logging.getLogger(__name__)

AdminNotifier = Callable[[str, str], None]
"""Sends `text` (mrkdwn) to one Slack user id as a DM (`bot.slack.delivery.dm_sender`)."""


def watch_quota(*, keeper: QuotaKeeper, admins: Sequence[str], notify: AdminNotifier | None, now: datetime) -> str:
    """One pass: DM the admins if the budget runs low and they were not told this month."""
    status = keeper.status(now)
    if not keeper.budget.limited or not status.running_low:
        return messages.jobs_quota_checked(0)
    if notify is None or not admins:
        log.warning(
            "DingTalk calls are running low (%d of %d, %d projected) and no admin can be told: "
            "set ROOMBOT_ADMIN_USER_IDS and SLACK_BOT_TOKEN",
            status.used,
            status.budget,
            round(status.projected),
        )
        return messages.jobs_quota_checked(0)
    if not keeper.claim_running_low_notice(status):
        return messages.jobs_quota_checked(0)
    text = messages.quota_admin_dm(month=status.month, used=status.used, budget=status.budget, projected=status.projected)
    sent = 0
    for admin in dict.fromkeys(admins):
        try:
            notify(admin, text)
            sent += 1
        except Exception:
            log.warning("could not DM admin %s about the DingTalk budget", admin, exc_info=True)
    return messages.jobs_quota_checked(sent)


__all__ = ["AdminNotifier", "watch_quota"]
