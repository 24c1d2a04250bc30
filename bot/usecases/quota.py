"""Where the month's DingTalk budget stands, in words: `roombot quota` and the admins' App Home."""

from __future__ import annotations

from bot.present import messages
from bot.quota import QuotaKeeper


def quota_report(keeper: QuotaKeeper, *, batch_size: int) -> list[str]:
    """The month's calls by API, the budget, the projected month-end use and the current refresh age."""
    status = keeper.status()
    return messages.quota_report(
        month=status.month,
        by_api=keeper.calls_by_api(),
        used=status.used,
        budget=status.budget,
        search_limit=status.search_limit,
        projected=status.projected,
        refresh_age_s=keeper.reference_refresh_age_s(status, batch_size=batch_size),
        running_low=status.running_low,
        dingtalk_spent=status.dingtalk_spent,
    )


__all__ = ["quota_report"]
