"""Sentences: the monthly DingTalk call budget (answers from saved data, Refresh, `roombot quota`, admins)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from bot import errors
from bot.markup import escape_mrkdwn
from bot.present.messages.words import ago, day, duration


def _duration(seconds: float) -> str:
    return "no refresh until next month" if math.isinf(seconds) else duration(seconds, hour_decimals=1)


def held_note(reason: errors.HeldReason, *, age_s: float | None, until: datetime | None) -> str:
    """The sentence under an answer that came from saved data instead of DingTalk (mrkdwn-safe)."""
    age = ago(age_s)
    match reason:
        case errors.HeldReason.BUDGET:
            return (
                f"Searching has used its share of this month's DingTalk calls, so this answer comes from saved data "
                f"(checked {age}). Booking still works: DingTalk checks the room when you book."
            )
        case errors.HeldReason.FAIRNESS:
            return (
                f"You've asked for many fresh checks this hour, so this answer comes from saved data (checked {age}). "
                "Fresh checks come back within the hour; booking still works."
            )
        case errors.HeldReason.DINGTALK_QUOTA:
            when = f" on {day(until)}" if until else " when the month ends"
            return (
                f"DingTalk says your organisation has used this month's API quota, so this answer comes from saved "
                f"data (checked {age}). Searching works again{when}."
            )
        case errors.HeldReason.TOO_SOON:
            return f"This was checked {age}, recently enough: I saved the DingTalk call for when it matters."
    return f"This answer comes from saved data (checked {age})."


def search_held(exc: errors.SearchHeld) -> str:
    """The answer when a search was held and nothing about those rooms and days was saved yet."""
    match exc.reason:
        case errors.HeldReason.BUDGET:
            return (
                "Searching has used its share of this month's DingTalk calls and I have nothing saved for that time. "
                "You can still book a room by name, e.g. `book 3F-Everest tomorrow 2-3pm`: DingTalk checks it."
            )
        case errors.HeldReason.FAIRNESS:
            return (
                "You've asked for many fresh checks this hour and I have nothing saved for that time. "
                "Please ask again within the hour, or ask about today or the next few days."
            )
        case errors.HeldReason.DINGTALK_QUOTA:
            when = f" on {day(exc.until)}" if exc.until else " when the month ends"
            return (
                "DingTalk says your organisation has used this month's API quota, and I have nothing saved for that "
                f"time. Searching works again{when}; an admin can raise the quota by upgrading the DingTalk plan."
            )
    return "I have nothing saved for that time yet. Please try again in a few minutes."


def quota_report(
    *,
    month: str,
    by_api: Mapping[str, int],
    used: int,
    budget: int,
    search_limit: int,
    projected: float,
    refresh_age_s: float,
    running_low: bool,
    dingtalk_spent: bool,
) -> list[str]:
    """`roombot quota` and App Home: the month's calls by API, the budget, the projection, the refresh age."""
    lines = [f"DingTalk calls in {month}"]
    width = max((len(api) for api in by_api), default=0)
    lines.extend(f"  {api:<{width}}  {calls:>6}" for api, calls in by_api.items())
    if not by_api:
        lines.append("  (none yet)")
    if budget:
        lines.append(f"total {used} of a budget of {budget} ({used / budget:.0%}); searching may use {search_limit}")
        lines.append(f"projected month-end use: {round(projected)} ({projected / budget:.0%} of the budget)")
    else:
        lines.append(f"total {used}; no budget set (ROOMBOT_MONTHLY_CALL_BUDGET=0)")
        lines.append(f"projected month-end use: {round(projected)}")
    lines.append(f"refresh age now (today's data, a 20-room group): {_duration(refresh_age_s)}")
    if dingtalk_spent:
        lines.append("DingTalk reported the organisation's quota spent: answers come from saved data.")
    elif running_low:
        lines.append("running low: answers are refreshed less often; the admins were told.")
    return lines


def quota_admin_dm(*, month: str, used: int, budget: int, projected: float) -> str:
    """The one DM a month to the admins when the budget runs low (mrkdwn)."""
    return (
        f":warning: roombot's DingTalk calls are running low for {escape_mrkdwn(month)}: {used} of a budget of "
        f"{budget} used, and {round(projected)} projected by the month's end. I'm refreshing room data less often "
        "and keeping the last share of the budget for bookings. Run `roombot quota` for details; raise "
        "`ROOMBOT_MONTHLY_CALL_BUDGET` if your DingTalk plan allows more."
    )


def jobs_quota_checked(sent: int) -> str:
    return f"told {sent} admin(s) the budget runs low" if sent else "budget on track (or admins already told)"


__all__ = [
    "held_note",
    "jobs_quota_checked",
    "quota_admin_dm",
    "quota_report",
    "search_held",
]
