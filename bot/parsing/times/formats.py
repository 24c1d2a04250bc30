"""How days, times and lengths are written in errors and in the `understood` trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def fmt_day(day: date) -> str:
    return day.strftime("%a %-d %b %Y")


def fmt_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def fmt_minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    if minutes > 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min"
