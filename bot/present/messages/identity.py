"""Sentences about who may act: linking DingTalk accounts, admin-only changes, guests from other
organisations, group limits and which group an answer used."""

from __future__ import annotations

import math
from datetime import datetime

from bot.markup import escape_mrkdwn
from bot.present.messages.words import quoted


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


# --- linking ------------------------------------------------------------------------------------


def link_code_notification(code: str, *, minutes: int) -> str:
    """The DingTalk work notification that carries a code (plain text, read in DingTalk)."""
    return (
        f"roombot: your code to link this DingTalk account to Slack is {code}. "
        f"It expires in {minutes} minutes. "
        "If you did not ask for it, ignore this message: nobody can link your account without the code."
    )


def demo_work_notification(text: str) -> str:
    """The demo's stand-in for the DingTalk app: what the simulator delivered as a work notification."""
    return f"[DingTalk, simulated work notification] {text}"


def link_code_sent(*, minutes: int) -> str:
    return (
        "I sent a 6-digit code to that DingTalk account (a work notification from roombot). "
        f"Type `link &lt;code&gt;` here within {minutes} minutes to finish. "
        "Only the owner of the account can read it."
    )


def link_code_wrong(attempts_left: int) -> str:
    tries = "1 more try" if attempts_left == 1 else f"{attempts_left} more tries"
    return f"That code is not right. Check the latest roombot message in DingTalk; you have {tries}."


def link_cooling_down(until: datetime, now: datetime) -> str:
    return f"Too many link attempts. For your account's safety, try again in {_minutes_until(until, now)} minutes."


def link_state(*, linked: bool, verified: bool) -> str:
    if linked and verified:
        return "Your DingTalk account is linked: bookings are made in your name. Remove the link with `unlink`."
    if linked:
        return (
            "Your DingTalk link is not confirmed yet, so rooms are booked with roombot's account in your name. "
            "Confirm it with `link &lt;your mobile number&gt;`: I'll send a code to your DingTalk."
        )
    return (
        "Your DingTalk account is not linked yet. "
        "Link it with `link &lt;your mobile number&gt;` or `link &lt;your unionId&gt;`."
    )


def link_email_offer(email: str) -> str:
    return f"Your Slack e-mail matches a DingTalk account. Link as {escape_mrkdwn(email)}?"


def link_email_button(email: str) -> str:
    return f"Link as {email}"


def unlinked_other(user_id: str) -> str:
    return f"Removed the DingTalk link of <@{user_id}>."


# --- groups -------------------------------------------------------------------------------------


def groups_per_user_limit(limit: int) -> str:
    return (
        f"You have reached the limit of {limit} room groups. Delete one you no longer use with `group delete &lt;name&gt;`."
    )


def group_used(name: str, where: str) -> str:
    """Which group answered a question, when several share its name."""
    return f"Using the group {quoted(name)} ({where})."


def group_where(scope: str, *, mine: bool, shared_here: bool) -> str:
    if shared_here:
        return "shared with this channel"
    if scope == "channel":
        return "this channel's"
    if scope == "workspace":
        return "everyone's"
    return "yours" if mine else "someone else's"


def groups_more(count: int) -> str:
    return f"…and {count} more. Name one to see it, e.g. `free rooms in &lt;group&gt; tomorrow 10am`."
