"""roombot's exceptions: one small hierarchy for the whole package.

Exceptions carry data, not user-facing sentences. `bot.present.messages` turns each of them into the
sentence a user reads, with a next step. `str(exc)` is for logs and developers, and never
includes a secret.

    RoomBotError
     ├── ConfigError                 a setting is missing or invalid (names the variable)
     ├── ParseError                  the message could not be read (carries what was understood)
     ├── StoreError                  the database or a rule kept by it
     │    ├── StoreUnavailable       the database cannot be reached or written
     │    ├── NotFound               a group, room or booking that is not there
     │    │    ├── UnknownRoom       (with the closest suggestions)
     │    │    └── UnknownGroup      (with the closest suggestions)
     │    ├── AmbiguousRoom          a name that matches several rooms (lists them)
     │    ├── DuplicateName          a group name already taken in that scope
     │    ├── LimitExceeded          a configured limit (rooms in a group, name length, ...)
     │    └── NotAllowed             acting on someone else's group or booking
     ├── SearchHeld                  roombot kept a search from DingTalk (budget, fairness) and has no cached answer
     ├── BookingError                a booking refused before DingTalk is called
     │    ├── BookingRuleViolation   the room's own rules (closed, too long, too far ahead, ...)
     │    └── AccountNotLinked       the user must link a DingTalk account first
     └── DingTalkError               DingTalk answered with an error (keeps code/message/requestid)
          ├── DingTalkParameterError 400 parameter errors (never retried)
          │    ├── EmptyRoomList
          │    ├── TooManyRooms
          │    ├── WindowTooLong
          │    └── InvalidRoomId
          ├── RoomBusy               meetingRoomNotAvailable: an expected race, not a crash
          ├── EventLimitReached      flowLimit: the organizer's daily event limit
          ├── ItemNotFound           404 itemNotFound (event gone)
          ├── NotInEvent             400 notInEvent (sign-in by someone not on the event)
          ├── UserNotFound           a user lookup found nobody
          ├── BadCredentials         app key/secret or suite credentials refused
          ├── PermissionMissing      the app lacks a scope (required_scopes)
          ├── Throttled              QPS/QPM limits and 429 (retried)
          ├── QuotaExhausted         ApiCountLimitForOrg: the monthly quota (not retried)
          ├── UpstreamUnavailable    5xx, timeouts, connection errors (retried)
          └── MalformedReply         a reply that is not the documented shape
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum


class RoomBotError(Exception):
    """Base class of every error roombot raises on purpose."""


class ConfigError(RoomBotError):
    """A setting is missing or invalid."""

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


class ParseError(RoomBotError):
    """The message could not be turned into a Request.

    Args:
        reason: a short machine-readable reason (`no_time`, `end_before_start`, `in_past`,
            `too_long`, `unreadable`, `missing_argument`, ...).
        understood: a short description of what was understood, for the user.
        example: an example the user could type instead.
        detail: extra values for the message (times, limits), already formatted.
    """

    def __init__(
        self,
        reason: str,
        *,
        understood: str = "",
        example: str = "",
        detail: dict[str, str] | None = None,
        text: str = "",
    ) -> None:
        super().__init__(f"cannot parse ({reason}): understood={understood!r}")
        self.reason = reason
        self.understood = understood
        self.example = example
        self.detail = dict(detail or {})
        self.text = text


# --- reasons -------------------------------------------------------------------------------
# Each reason is raised with one of these values and worded once in `bot.present.messages`. They are
# StrEnums, so code that still raises the bare string value reads the same sentence.


class NotAllowedReason(StrEnum):
    """Why `NotAllowed` was raised."""

    CHANGE_GROUP = "change_group"
    GROUP_NOT_SHARED_WITH_CHANNEL = "group_not_shared_with_channel"
    CANCEL_BOOKING = "cancel_booking"
    CHANGE_BOOKING = "change_booking"  # check in, release, end early or extend someone else's booking
    WORKSPACE_GROUP = "workspace_group"  # only admins change workspace groups
    EXTERNAL_USER = "external_user"  # a Slack Connect guest from another organisation
    EXTERNAL_READ = "external_read"  # ... asking what is free where guests may not see it
    UNLINK_OTHERS = "unlink_others"  # only admins remove someone else's link


class LimitReason(StrEnum):
    """Which limit `LimitExceeded` reports."""

    GROUP_ROOMS = "group_rooms"
    NAME_LENGTH = "name_length"
    NAME_EMPTY = "name_empty"
    BOOKING_ATTEMPTS = "booking_attempts"
    GROUPS_PER_USER = "groups_per_user"


class RuleReason(StrEnum):
    """Which of a room's booking rules `BookingRuleViolation` reports."""

    IN_PAST = "in_past"
    CLOSED = "closed"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    TOO_FAR_AHEAD = "too_far_ahead"
    NOT_OPEN = "not_open"  # the room's reservation scope leaves the booker out


class CallbackRejected(RoomBotError):
    """A DingTalk callback push that fails its signature, decryption or owner check (`what`)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"DingTalk callback rejected: {what}")
        self.what = what


class HeldReason(StrEnum):
    """Why a search was answered from the cache (or, with nothing cached, held) instead of asking DingTalk."""

    BUDGET = "budget"  # searching has spent its part of the month's budget; the rest is for bookings
    FAIRNESS = "fairness"  # the user reached the cold fetches an hour allows one person
    DINGTALK_QUOTA = "dingtalk_quota"  # DingTalk itself reported the organisation's monthly quota spent
    TOO_SOON = "too_soon"  # a Refresh of data younger than the minimum refresh age


class SearchHeld(RoomBotError):
    """A search roombot did not send to DingTalk, with nothing cached to answer from.

    Args:
        reason: why (`HeldReason`).
        until: when searching works again, if known (the next month, the next hour).
    """

    def __init__(self, reason: HeldReason, *, until: datetime | None = None) -> None:
        super().__init__(f"search held ({reason})")
        self.reason = reason
        self.until = until


# --- store ---------------------------------------------------------------------------------


class StoreError(RoomBotError):
    """The database, or a rule it keeps."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or written; nothing was changed."""


class NotFound(StoreError):
    """Something named by the user is not there."""

    def __init__(self, kind: str, name: str, *, suggestions: Sequence[str] = ()) -> None:
        super().__init__(f"unknown {kind}: {name!r}")
        self.kind = kind
        self.name = name
        self.suggestions = tuple(suggestions)


class UnknownRoom(NotFound):
    """No room has that name or id."""

    def __init__(self, name: str, *, suggestions: Sequence[str] = ()) -> None:
        super().__init__("room", name, suggestions=suggestions)


class UnknownGroup(NotFound):
    """No group of that name is visible to the user."""

    def __init__(self, name: str, *, suggestions: Sequence[str] = ()) -> None:
        super().__init__("group", name, suggestions=suggestions)


class AmbiguousRoom(StoreError):
    """A room name matches several rooms."""

    def __init__(self, name: str, *, candidates: Sequence[str]) -> None:
        super().__init__(f"room name {name!r} matches {len(candidates)} rooms")
        self.name = name
        self.candidates = tuple(candidates)


class DuplicateName(StoreError):
    """A group of that name already exists in that scope."""

    def __init__(self, name: str) -> None:
        super().__init__(f"duplicate group name: {name!r}")
        self.name = name


class LimitExceeded(StoreError):
    """A configured limit would be exceeded."""

    def __init__(self, what: LimitReason | str, *, limit: int) -> None:
        super().__init__(f"limit exceeded: {what} (limit {limit})")
        self.what = what
        self.limit = limit


class NotAllowed(StoreError):
    """The user may not act on this group or booking."""

    def __init__(self, what: NotAllowedReason | str) -> None:
        super().__init__(f"not allowed: {what}")
        self.what = what


# --- booking -------------------------------------------------------------------------------


class BookingError(RoomBotError):
    """A booking refused before DingTalk is called."""


class BookingRuleViolation(BookingError):
    """The room's own booking rules forbid this booking.

    Args:
        rule: a `RuleReason` (`closed`, `too_long`, `too_short`, `too_far_ahead`, `in_past`).
        detail: values for the message (limits, dates), already formatted.
    """

    def __init__(self, rule: RuleReason | str, *, room_name: str, detail: dict[str, str] | None = None) -> None:
        super().__init__(f"booking rule {rule} for {room_name!r}")
        self.rule = rule
        self.room_name = room_name
        self.detail = dict(detail or {})


class AccountNotLinked(BookingError):
    """The user has no linked DingTalk account and the settings require one."""


# --- DingTalk ------------------------------------------------------------------------------


class DingTalkError(RoomBotError):
    """DingTalk answered with an error, or could not be reached.

    Keeps DingTalk's own `code`, `message` and `requestid` for support, and the HTTP status.
    """

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "",
        request_id: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(f"DingTalk {status or '-'} {code or '-'}: {message} (requestid {request_id or '-'})")
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status


class DingTalkParameterError(DingTalkError):
    """400 parameter error; retrying cannot help."""


class EmptyRoomList(DingTalkParameterError):
    """`query ids cannot be empty`."""


class TooManyRooms(DingTalkParameterError):
    """`Cannot get schedule information for more than limit.`"""


class WindowTooLong(DingTalkParameterError):
    """`Cannot query schedule for more than 90 days.`"""


class InvalidRoomId(DingTalkParameterError):
    """`roomId invalid`: the room no longer exists in DingTalk."""


class RoomBusy(DingTalkError):
    """`meetingRoomNotAvailable`: the room was taken for an overlapping time."""


class RoomRuleRefused(DingTalkError):
    """`meetingRoomNotAvailable` for a broken booking rule of the room (its message says which:
    "预订时长不得超过…", closed, not open to the booker), not for another booking."""


class EventLimitReached(DingTalkError):
    """`flowLimit`: the organizer reached DingTalk's daily event limit."""


class ItemNotFound(DingTalkError):
    """404 `itemNotFound`: the event no longer exists."""


class NotInEvent(DingTalkError):
    """400 `notInEvent`: the user signing in is neither the event's organizer nor an attendee."""


class UserNotFound(DingTalkError):
    """A user lookup (mobile, userId) found nobody."""


class BadCredentials(DingTalkError):
    """The app key/secret or the suite credentials were refused."""


class PermissionMissing(DingTalkError):
    """The app lacks a permission scope; `required_scopes` names it when DingTalk says."""

    def __init__(
        self,
        message: str = "",
        *,
        required_scopes: Sequence[str] = (),
        code: str = "",
        request_id: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id, status=status)
        self.required_scopes = tuple(required_scopes)


class OutsideVisibility(PermissionMissing):
    """`permissionDeny` ("user not in authorized scope") or `forbidden.accessDenied`: the user is
    outside the visibility range of roombot's DingTalk app; no permission scope is missing."""


class OperatorNotEmployee(UserNotFound):
    """`user.not.employee` from the rooms APIs: the account roombot reads rooms with
    (DINGTALK_OPERATOR_UNION_ID) is not a member of the organisation."""


class Throttled(DingTalkError):
    """A QPS/QPM limit or 429; retried with backoff, raised when the deadline runs out."""


class QuotaExhausted(DingTalkError):
    """`Forbidden.AccessDenied.ApiCountLimitForOrg`: the organisation's monthly call quota is used up."""


class UpstreamUnavailable(DingTalkError):
    """5xx, a timeout or a connection error; retried, raised when the deadline runs out."""


class MalformedReply(DingTalkError):
    """A reply that is not the documented shape."""


__all__ = [
    "AccountNotLinked",
    "AmbiguousRoom",
    "BadCredentials",
    "BookingError",
    "BookingRuleViolation",
    "CallbackRejected",
    "ConfigError",
    "HeldReason",
    "DingTalkError",
    "DingTalkParameterError",
    "DuplicateName",
    "EmptyRoomList",
    "EventLimitReached",
    "InvalidRoomId",
    "ItemNotFound",
    "LimitExceeded",
    "LimitReason",
    "MalformedReply",
    "NotAllowed",
    "NotAllowedReason",
    "NotFound",
    "OperatorNotEmployee",
    "OutsideVisibility",
    "ParseError",
    "PermissionMissing",
    "QuotaExhausted",
    "RoomBotError",
    "RoomBusy",
    "RoomRuleRefused",
    "RuleReason",
    "SearchHeld",
    "StoreError",
    "StoreUnavailable",
    "Throttled",
    "TooManyRooms",
    "UnknownGroup",
    "UnknownRoom",
    "UpstreamUnavailable",
    "NotInEvent",
    "UserNotFound",
    "WindowTooLong",
]
