"""Clock times: reading one out of a grammar match, and turning it into minutes after midnight."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.parsing.scan import BLANK, Scan

ZH_PARTS = {
    "上午": "morning",
    "早上": "morning",
    "早晨": "morning",
    "清晨": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "晚上": "evening",
    "傍晚": "evening",
    "夜里": "tonight",
    "凌晨": "early",
    "明早": "next_morning",
    "明天早上": "next_morning",
    "明天凌晨": "next_morning",
    "次日凌晨": "next_morning",
    "次日早上": "next_morning",
    "次日": "next_morning",
    "全天": "allday",
    "一整天": "allday",
    "1整天": "allday",
    "整天": "allday",
    "下班前": "eod",
}
# Parts of the day whose span comes from ParseSettings.part().
PART_NAMES = frozenset({"morning", "noon", "afternoon", "evening", "tonight"})
_CLOCK_KEYS = frozenset({"cp", "sp", "h", "hh", "hm", "mi", "dm", "half", "q", "cmi", "oc", "m"})


@dataclass
class Clock:
    hour: int | None  # None for noon/midnight
    minute: int = 0
    meridiem: str | None = None  # "am" | "pm"
    special: str | None = None  # "noon" | "midnight"
    part: str | None = None  # from a Chinese prefix: 下午 → afternoon
    strong: bool = False  # written so it can only be a time (2pm, 14:00, 3点)
    h24: bool = False  # 14:00, 09:00: read literally
    colon: bool = False
    raw: str = ""


def meridiem_of(part: str | None) -> str | None:
    if part in ("morning", "early", "next_morning"):
        return "am"
    if part in ("afternoon", "evening", "tonight"):
        return "pm"
    return None


def minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


# --- reading a clock out of a match -----------------------------------------------------------


def clock_of(match: re.Match[str], n: int) -> Clock:
    """The n-th clock of a grammar match (groups h1, mi1, m1, ... name its parts)."""
    groups = match.groupdict()
    special = groups.get(f"sp{n}")
    part_word = groups.get(f"cp{n}")
    part = ZH_PARTS.get(part_word) if part_word else None
    if special:
        name = "noon" if special in ("noon", "midday") else "midnight"
        return Clock(None, 0, special=name, part=part, strong=True, raw=special)
    if groups.get(f"hh{n}"):  # 0930, 1440: four digits are a 24-hour time, read literally
        raw = match.string[match.start(f"hh{n}") : match.end(f"hm{n}")]
        hour, minute = int(groups[f"hh{n}"]), int(groups[f"hm{n}"])
        return Clock(hour, minute, part=part, h24=True, colon=True, raw=raw)
    raw_start = match.start(f"h{n}")
    hour_text = groups[f"h{n}"]
    hour = int(hour_text)
    minute = 0
    colon = groups.get(f"mi{n}") is not None or groups.get(f"dm{n}") is not None
    if colon:
        minute = int(groups.get(f"mi{n}") or groups[f"dm{n}"])
    elif groups.get(f"half{n}"):
        minute = 30
    elif groups.get(f"q{n}"):
        minute = 15 * int(groups[f"q{n}"])
    elif groups.get(f"cmi{n}"):
        minute = int(groups[f"cmi{n}"])
    meridiem_text = groups.get(f"m{n}")
    meridiem = None
    if meridiem_text:
        meridiem = "am" if meridiem_text.startswith("a") else "pm"
    chinese = "点" in match[0] or "點" in match[0] or "时" in match[0] or "時" in match[0]
    strong = bool(colon or meridiem or chinese or groups.get(f"oc{n}") or part)
    h24 = colon and (hour >= 13 or hour_text.startswith("0") or hour == 0) or (hour >= 13 and not meridiem)
    raw_end = max(match.end(k) for k, v in groups.items() if v is not None and k.endswith(str(n)) and k[:-1] in _CLOCK_KEYS)
    raw = match.string[raw_start:raw_end].strip(BLANK + " ")
    return Clock(hour, minute, meridiem=meridiem, part=part, strong=strong, h24=h24, colon=colon, raw=raw or hour_text)


def first_clock(match: re.Match[str]) -> Clock:
    for n in (1, 2, 3):
        if match.groupdict().get(f"h{n}") or match.groupdict().get(f"sp{n}") or match.groupdict().get(f"hh{n}"):
            return clock_of(match, n)
    raise ValueError("no clock in match")  # the patterns always hold one


# --- minutes after midnight ---------------------------------------------------------------------


def minute_of(scan: Scan, clock: Clock, *, hint: str | None, after: int | None = None, end: bool = False) -> int:
    """Minutes after midnight for a clock, using am/pm, a part-of-day hint or working hours."""
    if clock.special == "noon":
        return 720
    if clock.special == "midnight":
        return 1440 if end or after is not None else 0
    hour = clock.hour if clock.hour is not None else 0
    if hour > 24 or clock.minute > 59 or (hour == 24 and clock.minute):
        raise scan.error("unreadable", "free rooms tomorrow 2-3pm", fragment=clock.raw)
    meridiem = clock.meridiem or meridiem_of(clock.part) or (None if clock.h24 else hint)
    if hour > 12 or hour == 0 or clock.h24:
        return hour * 60 + clock.minute
    if meridiem is not None and clock.meridiem is None and after is not None:
        hinted = (hour % 12 + (12 if meridiem == "pm" else 0)) * 60 + clock.minute
        if hinted > after:
            return hinted
        meridiem = None
    if meridiem == "am":
        return (hour % 12) * 60 + clock.minute
    if meridiem == "pm":
        return (hour % 12 + 12) * 60 + clock.minute
    candidates = [(hour % 12) * 60 + clock.minute, (hour % 12 + 12) * 60 + clock.minute]
    if hour == 12:
        candidates = [720 + clock.minute, 1440 + clock.minute]
    if after is not None:
        later = [c for c in candidates if c > after]
        return later[0] if later else candidates[0]
    ws = minutes_of(scan.settings.work_start)
    we = minutes_of(scan.settings.work_end)
    return min(candidates, key=lambda c: (max(ws - c, 0, c - we), c))


def range_minutes(scan: Scan, first: Clock, second: Clock, hint: str | None) -> tuple[int, int]:
    """Both ends of "2-3pm", "10pm-2am", "下午2点到3点" in minutes after midnight."""
    if hint is not None and first.meridiem is None and first.part is None and not first.h24 and first.hour is not None:
        # 今晚11点到明早1点, "tonight 11 to 1": the part of the day named elsewhere places the start
        first = Clock(first.hour, first.minute, meridiem=hint, strong=first.strong, raw=first.raw)
    second_meridiem = second.meridiem or meridiem_of(second.part)
    first_meridiem = first.meridiem or meridiem_of(first.part)
    if first_meridiem is None and second_meridiem is not None and not first.h24 and first.special is None:
        end = minute_of(scan, second, hint=hint, end=True)
        shared = Clock(first.hour, first.minute, meridiem=second_meridiem, raw=first.raw)
        start = minute_of(scan, shared, hint=None)
        if start >= end and first.hour is not None and first.hour <= 12:
            # "11-1pm" is 11am to 1pm; "3-2pm" is not 3am to 2pm but a range written backwards
            other = "am" if second_meridiem == "pm" else "pm"
            flipped = minute_of(scan, Clock(first.hour, first.minute, meridiem=other, raw=first.raw), hint=None)
            if flipped < end and flipped >= minutes_of(scan.settings.work_start) - 180:
                start = flipped
        return start, end
    start = minute_of(scan, first, hint=hint)
    if second.h24 or (first.h24 and second.colon) or second.meridiem is not None:
        end = minute_of(scan, second, hint=None, end=True)
    else:
        if second.part is None and second.special is None:
            second = Clock(second.hour, second.minute, part=first.part, raw=second.raw, strong=second.strong)
        end = minute_of(scan, second, hint=hint, after=start, end=True)
    if end <= start and second.part == "next_morning":
        end += 1440  # 今晚11点到明早8点: the end is said to be on the next day
    elif end <= start and start >= _EVENING and end <= _EARLY and second_meridiem != "pm":
        end += 1440  # 10pm-2am, 22:00-01:30, 晚上11点到凌晨2点: overnight
    return start, end


_EVENING = 18 * 60  # a range starting this late may end after midnight
_EARLY = 6 * 60  # ... at this hour of the next morning at the latest
