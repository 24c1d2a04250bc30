"""The small pieces every DingTalk reply is read with: times, objects, lists, strings, numbers.

Anything that is not the documented shape raises `MalformedReply` rather than being guessed at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import MalformedReply

# --- times -----------------------------------------------------------------------------------


def check_window(start: datetime, end: datetime) -> None:
    """A window to ask DingTalk about: both ends time-zone aware, the end after the start (else ValueError)."""
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"times must be time-zone aware, got {moment!r}")
    if end <= start:
        raise ValueError("the end must be after the start")


def format_time(moment: datetime, *, round_up: bool = False, zone: ZoneInfo | None = None) -> str:
    """ISO-8601 with whole seconds and an explicit offset, the form every DingTalk endpoint reads alike.

    Sub-second parts are dropped; `round_up` rounds them up instead, so the end of a window is
    never moved earlier.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"time must be time-zone aware: {moment!r}")
    if round_up and moment.microsecond:
        moment = moment + timedelta(microseconds=1_000_000 - moment.microsecond)
    moment = moment.replace(microsecond=0)
    if zone is not None:
        moment = moment.astimezone(zone)
    return moment.isoformat(timespec="seconds")


def parse_time(value: object, *, zone_name: str | None = None) -> datetime:
    """A `dateTime` string with any offset or `Z`; a naive one is read in `zone_name`."""
    if not isinstance(value, str) or not value:
        raise MalformedReply(f"expected a date-time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedReply(f"unreadable date-time {value!r}") from exc
    if parsed.tzinfo is None:
        zone = zone_named(zone_name)
        if zone is None:
            raise MalformedReply(f"date-time {value!r} has no offset and no time zone")
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    if name.upper() in {"UTC", "Z", "GMT"}:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Moment:
    at: datetime
    is_date: bool  # given as a `date` (all-day) rather than a `dateTime`
    zone_name: str


def parse_moment(raw: object, what: str) -> Moment:
    """`{dateTime, timeZone}` or `{date}` (all-day; read as midnight UTC unless a zone is given)."""
    obj = as_object(raw, what)
    zone_name = as_str(obj.get("timeZone"))
    if obj.get("dateTime"):
        return Moment(parse_time(obj.get("dateTime"), zone_name=zone_name), False, zone_name)
    if obj.get("date"):
        try:
            day = date.fromisoformat(str(obj["date"]))
        except ValueError as exc:
            raise MalformedReply(f"unreadable date {obj['date']!r} in {what}") from exc
        zone = zone_named(zone_name) or UTC
        return Moment(datetime.combine(day, time(0), tzinfo=zone), True, zone_name or "UTC")
    raise MalformedReply(f"{what} has neither dateTime nor date")


def is_all_day(start: Moment, end: Moment) -> bool:
    """DingTalk sends all-day items as UTC midnights spanning whole days."""
    if start.is_date or end.is_date:
        return True
    if start.zone_name.upper() != "UTC" or end.zone_name.upper() != "UTC":
        return False
    span = end.at - start.at
    utc_start = start.at.astimezone(UTC)
    return span > timedelta(0) and span % timedelta(days=1) == timedelta(0) and utc_start.time() == time(0)


# --- small shape helpers -----------------------------------------------------------------------


def as_object(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedReply(f"expected an object for {what}, got {type(value).__name__}")
    return value


def as_list(value: object, what: str) -> list[Any]:
    """A JSON array; an omitted (null) array is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedReply(f"expected a list for {what}, got {type(value).__name__}")
    return value


def as_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    raise MalformedReply(f"expected a string, got {type(value).__name__}")


def required_str(obj: Mapping[str, Any], key: str, what: str) -> str:
    value = as_str(obj.get(key))
    if not value:
        raise MalformedReply(f"{what} has no {key}")
    return value


def as_int(value: object, what: str, *, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise MalformedReply(f"expected a number for {what}, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise MalformedReply(f"expected a number for {what}, got {value!r}")


def as_bool(value: object, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise MalformedReply(f"expected a boolean, got {value!r}")
