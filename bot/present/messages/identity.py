"""Sentences about who may act: linking DingTalk accounts, admin-only changes, guests from other
organisations, group limits and which group an answer used."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.markup import escape_mrkdwn
from bot.present.messages.words import quoted


def _minutes_until(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


@dataclass(frozen=True)
class IdentityWords:
    """The fixed sentences about linking accounts and who may act; sentences with a number or a name follow."""

    linked_verified: str = "Linked! Rooms you book from now on are booked in your own DingTalk name."
    unlinked: str = "Your DingTalk link is removed. Rooms you book are booked with roombot's account, in your name."
    unlink_nothing: str = "There is no DingTalk link to remove."
    unlink_others_admin_only: str = (
        "Only workspace admins can remove someone else's DingTalk link. To remove your own, type `unlink`."
    )
    link_code_expired: str = "That code has expired. Ask for a new one with `link &lt;your mobile number&gt;`."
    link_code_none: str = (
        "There is no link waiting for a code. Start with `link &lt;your mobile number&gt;` or `link &lt;your unionId&gt;`."
    )
    link_needs_agent_id: str = (
        "Linking sends a code through DingTalk work notifications, which is not set up yet. "
        "A workspace admin needs to set `DINGTALK_AGENT_ID` (the DingTalk app's AgentId)."
    )
    link_email_no_match: str = (
        "I could not find a DingTalk account with your Slack e-mail address. "
        "Link with `link &lt;your mobile number&gt;` instead: I'll send a code to your DingTalk."
    )
    workspace_groups_admin_only: str = (
        "Only workspace admins can create, import, rename, delete or share workspace groups. "
        "Ask a workspace admin, or make a group of your own with `group add &lt;name&gt; &lt;room&gt; &lt;room&gt;`."
    )
    external_user_refused: str = (
        "Sorry, you are a guest from another organisation here, so I can't book rooms, link accounts "
        "or change room groups for you. Someone from this workspace can help."
    )
    external_user_cannot_see: str = (
        "Sorry, room availability is only shown to members of this workspace. "
        "Someone from this workspace can check it for you."
    )
    share_not_possible: str = (
        "Only room availability can be shared in the channel. Ask the question again to get a fresh answer."
    )


IDENTITY: Final = IdentityWords()


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


# --- who may change what --------------------------------------------------------------------------


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


# --- sharing ------------------------------------------------------------------------------------
