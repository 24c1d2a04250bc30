"""Time parsing and formatting exactly as the simulated DingTalk endpoints use them.

The server accepts ISO-8601 with an offset or `Z`, with or without seconds or milliseconds
(`2022-07-29T14:55Z`, `2026-09-22T10:00:00+08:00`, `2026-09-22T02:00:00.000Z`). It answers timed
items as `2026-09-22T10:00:00+08:00` with `timeZone: Asia/Shanghai`, and all-day items as
`2026-09-22T00:00:00Z` .. `2026-09-23T00:00:00Z` with `timeZone: UTC` (the shape DingTalk itself answers).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHANGHAI_NAME = "Asia/Shanghai"


def parse_iso(value: object) -> datetime | None:
    """An aware datetime from an ISO-8601 string with an offset, or None when it is not one."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # DingTalk needs an explicit zone; a naive time is a parameter error, not a guess.
        return None
    return parsed


def format_local(moment: datetime) -> str:
    """`2026-09-22T10:00:00+08:00`: a timed item as the free/busy answer carries it."""
    return moment.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def format_in_zone(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def format_utc(moment: datetime) -> str:
    """`2026-09-20T08:12:45Z` (createTime/updateTime style)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_utc_midnight(day: date) -> str:
    """`2026-09-22T00:00:00Z`: an all-day item's boundary."""
    return f"{day.isoformat()}T00:00:00Z"


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)


def local_days(start: datetime, end: datetime) -> list[date]:
    """Every Asia/Shanghai calendar day that [start, end) touches."""
    first = start.astimezone(SHANGHAI).date()
    last = (end - timedelta(microseconds=1)).astimezone(SHANGHAI).date() if end > start else first
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
