"""Sentences: errors."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from bot import errors
from bot.markup import escape_mrkdwn
from bot.present.messages.fixed import WORDS
from bot.present.messages.identity import groups_per_user_limit
from bot.present.messages.parsing import parse_error
from bot.present.messages.quota import search_held
from bot.present.messages.words import quoted, quoted_list

_Reason = TypeVar("_Reason", bound=StrEnum)


_GENERIC_ERROR = "Something went wrong on my side. Please try again; if it keeps happening, tell your Slack admin."


def _support(exc: errors.DingTalkError) -> str:
    return f" (DingTalk request id `{escape_mrkdwn(exc.request_id)}`)" if exc.request_id else ""


def unknown_room(name: str, suggestions: Sequence[str]) -> str:
    hint = (
        f" Did you mean {quoted_list(suggestions, limit=5)}?" if suggestions else " Try `groups` to see the rooms you use."
    )
    return f"I can't find a room called {quoted(name)}.{hint}"


def unknown_group(name: str, suggestions: Sequence[str]) -> str:
    hint = (
        f" Did you mean {quoted_list(suggestions, limit=5)}?"
        if suggestions
        else f" Create it with `group add {escape_mrkdwn(name)} &lt;room&gt; &lt;room&gt;`."
    )
    return f"You have no group called {quoted(name)}.{hint}"


def ambiguous_room(name: str, candidates: Sequence[str]) -> str:
    return f"{quoted(name)} matches several rooms: {quoted_list(candidates)}. Use the full name or the room id."


def duplicate_group(name: str) -> str:
    return (
        f"There is already a group called {quoted(name)}. Pick another name, "
        f"or rename the old one with `group rename {escape_mrkdwn(name)} &lt;new name&gt;`."
    )


def _member(kind: type[_Reason], value: str) -> _Reason | None:
    """The reason enum member for a raised value (a member, or its bare string), or None for an unknown one."""
    try:
        return kind(value)
    except ValueError:
        return None


def limit_exceeded(what: str, limit: int) -> str:
    match _member(errors.LimitReason, what):
        case errors.LimitReason.GROUP_ROOMS:
            return f"A group can hold at most {limit} rooms. Split the rooms into two groups."
        case errors.LimitReason.NAME_LENGTH:
            return f"Names can be at most {limit} characters. Try a shorter name."
        case errors.LimitReason.NAME_EMPTY:
            return "A name can't be empty. Give it at least one letter or digit."
        case errors.LimitReason.GROUPS_PER_USER:
            return groups_per_user_limit(limit)
        case errors.LimitReason.BOOKING_ATTEMPTS:
            return f"That button was already tried {limit} times. Ask for free rooms again to get a fresh Book button."
        case None:
            return f"That goes over a limit ({escape_mrkdwn(what)}: at most {limit})."


def not_allowed(what: str) -> str:
    reason = _member(errors.NotAllowedReason, what)
    if reason is None:
        reason = errors.NotAllowedReason.CANCEL_BOOKING if "booking" in what else errors.NotAllowedReason.CHANGE_GROUP
    match reason:
        case errors.NotAllowedReason.CANCEL_BOOKING:
            return "Only the person who booked the room, or a workspace admin, can cancel it."
        case errors.NotAllowedReason.CHANGE_BOOKING:
            return "Only the person who booked the room, or a workspace admin, can change that booking."
        case errors.NotAllowedReason.WORKSPACE_GROUP:
            return WORDS.workspace_groups_admin_only
        case errors.NotAllowedReason.EXTERNAL_USER:
            return WORDS.external_user_refused
        case errors.NotAllowedReason.EXTERNAL_READ:
            return WORDS.external_user_cannot_see
        case errors.NotAllowedReason.UNLINK_OTHERS:
            return WORDS.unlink_others_admin_only
        case errors.NotAllowedReason.CHANGE_GROUP:
            return "Only the person who made this group, or a workspace admin, can change it."
        case errors.NotAllowedReason.GROUP_NOT_SHARED_WITH_CHANNEL:
            return (
                "That group is personal and not shared with this channel. "
                "Its owner can share it here first with `group share &lt;group&gt;`."
            )


def store_unavailable() -> str:
    return "I can't reach my database right now, so nothing was changed. Please try again in a minute."


def booking_rule(rule: str, room_name: str, detail: dict[str, str]) -> str:
    room = quoted(room_name)
    match _member(errors.RuleReason, rule):
        case errors.RuleReason.CLOSED:
            until = detail.get("until")
            why = f" ({escape_mrkdwn(detail['reason'])})" if detail.get("reason") else ""
            when = f" until {until}" if until else ""
            return f"{room} is closed for bookings{when}{why}. Pick another room from the list."
        case errors.RuleReason.TOO_LONG:
            return f"{room} can be booked for at most {detail.get('limit', '?')} minutes at a time. Try a shorter slot."
        case errors.RuleReason.TOO_SHORT:
            return f"{room} must be booked for at least {detail.get('limit', '?')} minutes. Try a longer slot."
        case errors.RuleReason.TOO_FAR_AHEAD:
            return f"{room} can only be booked {detail.get('limit', 'a limited time')} ahead. Try a nearer date."
        case errors.RuleReason.NOT_OPEN:
            return f"{room} is open to some members only, and you are not one of them. Pick another room from the list."
        case errors.RuleReason.IN_PAST:
            return "That time has already passed. Pick a time from now on, for example `tomorrow 10-11am`."
        case None:
            return f"{room} can't be booked for that time ({escape_mrkdwn(rule)})."


def room_taken(room_name: str) -> str:
    return f"{quoted(room_name)} is already booked for that time. Here are rooms that are free then:"


def room_busy(room_name: str) -> str:
    return f"Someone just took {quoted(room_name)} for that time. Here are rooms that are free then:"


def room_invalid(room_name: str) -> str:
    return f"DingTalk no longer knows {quoted(room_name)}; it may have been removed. Remove it from your group."


# The DingTalk errors whose sentence needs nothing from the error itself; `dingtalk_error` words the rest.
_DINGTALK_FIXED: dict[type[errors.DingTalkError], str] = {
    errors.EmptyRoomList: "That group has no rooms yet. Add some with `group add &lt;group&gt; &lt;room&gt; &lt;room&gt;`.",
    errors.WindowTooLong: (
        "That span is too long for DingTalk to check in one go. Ask about a shorter span, such as one week."
    ),
    errors.TooManyRooms: (
        "DingTalk refused to check that many rooms at once. Please try again; if it keeps happening, tell your admin."
    ),
    errors.InvalidRoomId: (
        "DingTalk no longer knows one of these rooms; it may have been removed. An admin can run `roombot sync`."
    ),
    errors.RoomBusy: "Someone just took that room for that time. Ask again to see what is still free.",
    errors.EventLimitReached: (
        "DingTalk allows each organizer 100 new events a day, and that limit is reached. "
        "Link your own DingTalk account with `link`, or try again tomorrow."
    ),
    errors.ItemNotFound: "That meeting no longer exists in DingTalk; it may have been cancelled there already.",
    errors.UserNotFound: "I couldn't find that person in DingTalk. Check the mobile number or unionId and try again.",
    errors.QuotaExhausted: (
        "Your organisation has used this month's DingTalk API quota, so I can't check rooms until it resets "
        "on the 1st of next month. An admin can raise the quota by upgrading the DingTalk plan."
    ),
    errors.Throttled: "DingTalk is busy right now and asked me to slow down. Please try again in a minute.",
    errors.UpstreamUnavailable: "DingTalk isn't answering right now. Please try again in a few minutes.",
}


def dingtalk_error(exc: errors.DingTalkError) -> str:
    support = _support(exc)
    match exc:
        case errors.RoomRuleRefused():
            rule = f" “{escape_mrkdwn(exc.message)}”" if exc.message else ""
            return (
                f"DingTalk refused the booking because of the room's booking rule{rule}. "
                "Pick a time that fits the rule, or another room."
            )
        case errors.OperatorNotEmployee():
            return (
                "DingTalk says the account roombot reads rooms with is not a member of your organisation. "
                "An admin needs to set DINGTALK_OPERATOR_UNION_ID to the unionId of an active member "
                f"who can see the meeting rooms.{support}"
            )
        case errors.BadCredentials():
            return (
                "DingTalk refused roombot's app credentials. A workspace admin needs to check "
                f"DINGTALK_APP_KEY and DINGTALK_APP_SECRET (or the suite credentials).{support}"
            )
        case errors.OutsideVisibility():
            return (
                "This DingTalk account is outside the visibility range of roombot's DingTalk app. "
                "A DingTalk admin can add the person (or their department) to the app's visibility range "
                f"(可见范围) in the developer console.{support}"
            )
        case errors.PermissionMissing():
            if exc.required_scopes:
                scopes = ", ".join(f"`{escape_mrkdwn(s)}`" for s in exc.required_scopes)
                missing = f"the permission {scopes}"
            else:
                missing = "a permission for the calendar or rooms APIs"
            return (
                f"roombot's DingTalk app is missing {missing}. A DingTalk admin can add it in the "
                f"developer console under the app's permissions.{support}"
            )
        case errors.Throttled() if exc.code == "IpFlowLimit":
            return (
                "DingTalk has paused calls from roombot's address for a few minutes (too many calls at once). "
                "I'm backing off; please try again in about five minutes."
            )
        case errors.MalformedReply():
            return (
                "DingTalk sent a reply I couldn't read. "
                f"Please try again shortly; if it keeps happening, tell your admin.{support}"
            )
    for kind in type(exc).__mro__:
        if kind in _DINGTALK_FIXED:
            return _DINGTALK_FIXED[kind]
    return f"DingTalk said no: {escape_mrkdwn(exc.message or exc.code or 'unknown error')}.{support}"


def describe_error(exc: BaseException) -> str:
    """The sentence a user reads for any error, with a next step. Never a stack trace."""
    match exc:
        case errors.ParseError():
            return parse_error(exc)
        case errors.UnknownRoom():
            return unknown_room(exc.name, exc.suggestions)
        case errors.UnknownGroup():
            return unknown_group(exc.name, exc.suggestions)
        case errors.NotFound():
            return f"I can't find that {escape_mrkdwn(exc.kind)}: {quoted(exc.name)}."
        case errors.AmbiguousRoom():
            return ambiguous_room(exc.name, exc.candidates)
        case errors.DuplicateName():
            return duplicate_group(exc.name)
        case errors.LimitExceeded():
            return limit_exceeded(exc.what, exc.limit)
        case errors.NotAllowed():
            return not_allowed(exc.what)
        case errors.StoreUnavailable():
            return store_unavailable()
        case errors.BookingRuleViolation():
            return booking_rule(exc.rule, exc.room_name, exc.detail)
        case errors.AccountNotLinked():
            return WORDS.account_not_linked
        case errors.SearchHeld():
            return search_held(exc)
        case errors.DingTalkError():
            return dingtalk_error(exc)
        case errors.ConfigError():
            variable = f" (`{exc.variable}`)" if exc.variable else ""
            return f"roombot is not set up correctly{variable}. A workspace admin needs to fix its configuration."
        case _:
            return _GENERIC_ERROR


def empty_group(name: str) -> str:
    return (
        f"The group {quoted(name)} has no rooms yet. "
        f"Add some with `group add {escape_mrkdwn(name)} &lt;room&gt; &lt;room&gt;`."
    )
