"""Days: calendar dates (Dec 3, 3/12, the 3rd, 12月3日), weekdays, today/tomorrow, this/next week."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.parsing import grammar as g
from bot.parsing.scan import BLANK, Scan
from bot.parsing.times.formats import fmt_day
from bot.parsing.times.found import Found

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_RELATIVE = {"今": 0, "明": 1, "后": 2, "後": 2, "大后": 3, "大後": 3, "昨": -1, "前": -2, "大前": -3}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class DayReader:
    """Takes the named days out of a scan into `found` (a second day makes a range of days)."""

    def __init__(self, *, scan: Scan, found: Found) -> None:
        self.scan = scan
        self.found = found
        self.today = scan.today

    def set_day(self, day: date, kind: str, text: str, *, strict: bool = False) -> None:
        f = self.found
        if f.day is not None and f.day_kind == "date" and kind == "weekday":
            self._check_weekday(day, text)
            return
        if f.day is not None and f.day != day:
            if kind == "weekday" and f.day_kind == "weekday" and day < f.day and not strict:
                day += timedelta(days=7 * ((f.day - day).days // 7 + 1))  # monday to wednesday
            if day > f.day and f.day_end is None:
                f.day_end = day
                self.scan.understood.append(f"to {fmt_day(day)}")
            return
        f.day, f.day_kind, f.day_text, f.weekday_strict = day, kind, text, strict
        self.scan.understood.append(f"{text} ({fmt_day(day)})" if text else fmt_day(day))

    def _check_weekday(self, weekday_day: date, text: str) -> None:
        """ "Sat 7 Dec": the weekday only confirms the date; a date on another weekday is a mistake to point out."""
        f = self.found
        assert f.day is not None
        named = {f.day.weekday()} | ({f.day_end.weekday()} if f.day_end is not None else set())
        if weekday_day.weekday() not in named:
            raise self.scan.error(
                "weekday_mismatch",
                f"free rooms {f.day:%a} {f.day.day} {f.day:%b} 2-3pm",
                date=fmt_day(f.day),
                actual=f"{f.day:%A}",
                asked=f"{weekday_day:%A}",
                fragment=text,
            )

    # --- calendar dates ------------------------------------------------------------------------

    def read_dates(self) -> None:
        scan = self.scan
        if match := scan.take(g.MONTH_DAY_REL):
            self._relative_month_day(match)
        if match := scan.take(g.NTH_WEEKDAY):
            self.set_day(self._nth_weekday(match), "date", "")
        if scan.chinese and (match := scan.take(g.ZH_NTH_WEEKDAY)):
            self.set_day(self._zh_nth_weekday(match), "date", "")
        if match := scan.take(g.WEEKDAY_NTH):
            self.set_day(self._weekday_numbered(match), "date", "")
        while match := scan.take(g.EN_MONTH_DATE):
            month = match["m1"] or match["m2"]
            day_number = match["d1"] or match["d2"]
            year = match["y1"] or match["y2"]
            self.set_day(self._month_day(month, int(day_number), int(year) if year else None, match[0]), "date", "")
        while match := scan.take(g.NUM_DATE):
            raw = match["iso"] or match["num"] or match["dot"]
            order = "YMD" if match["iso"] else scan.settings.date_order
            has_year = bool(match["iso"]) or raw.count("/") == 2 or raw.count(".") == 2
            self.set_day(self._calendar(raw.replace(".", "/"), has_year=has_year, order=order), "date", "")
        ordinal = scan.take(g.ORDINAL_DATE)
        if ordinal:
            self.set_day(self._day_of_month(int(ordinal["d"]), ordinal[0]), "date", "")
        if scan.chinese:  # the Chinese patterns need a Han character: skip them on other text
            self._zh_dates()

    def _relative_month_day(self, match: re.Match[str]) -> None:
        """ "the 20th of next month", "下个月20号"."""
        number = int(match["d"] or match["zd"])
        ahead = 1 if (match["q"] or match["zq"]) in ("next", "下") else 0
        year, month = _add_months(self.today.year, self.today.month, ahead)
        try:
            day = date(year, month, number)
        except ValueError as exc:
            raise self.scan.error(
                "unreadable", "free rooms on the 3rd of next month", fragment=match[0].strip(BLANK + " ")
            ) from exc
        self.set_day(day, "date", "")

    def _nth_weekday(self, match: re.Match[str]) -> date:
        """ "the first monday of next month", "the last friday in march"."""
        weekday = _WEEKDAYS[match["wd"][:3]]
        if match["mon"]:
            month = _MONTHS.index(match["mon"][:3]) + 1
            year = int(match["y"]) if match["y"] else self.today.year
            if not match["y"] and date(year, month, 28) < self.today:
                year += 1
        else:
            year, month = _add_months(self.today.year, self.today.month, 1 if match["q"] == "next" else 0)
        nth = -1 if match["nth"] == "last" else int(match["nth"][0])
        return self._in_month(year, month, weekday, nth, match[0])

    def _zh_nth_weekday(self, match: re.Match[str]) -> date:
        """下个月第一个周一, 本月最后一个周五."""
        raw_wd = match["zwd"]
        weekday = min(int(raw_wd) - 1 if raw_wd.isdigit() else _ZH_WEEKDAYS[raw_wd], 6)
        year, month = _add_months(self.today.year, self.today.month, 1 if match["zq"] == "下" else 0)
        return self._in_month(year, month, weekday, -1 if match["zlast"] else int(match["zn"]), match[0])

    def _in_month(self, year: int, month: int, weekday: int, nth: int, raw: str) -> date:
        """The nth (1-5, or -1 for the last) given weekday of a month."""
        first = date(year, month, 1)
        days_in_month = (date(*_add_months(year, month, 1), 1) - first).days
        matching = [day for day in (first + timedelta(days=i) for i in range(days_in_month)) if day.weekday() == weekday]
        if nth == -1:
            return matching[-1]
        if nth > len(matching):
            raise self.scan.error("unreadable", "the first monday of next month", fragment=raw.strip(BLANK + " "))
        return matching[nth - 1]

    def _weekday_numbered(self, match: re.Match[str]) -> date:
        """ "Tuesday 8th": the next Tuesday that falls on an 8th."""
        weekday, number = _WEEKDAYS[match["wd"][:3]], int(match["d"])
        year, month = self.today.year, self.today.month
        for _ in range(12 * 12):
            try:
                candidate = date(year, month, number)
            except ValueError:
                candidate = None
            if candidate is not None and candidate >= self.today and candidate.weekday() == weekday:
                return candidate
            year, month = _add_months(year, month, 1)
        raise self.scan.error("unreadable", "tuesday the 8th", fragment=match[0].strip(BLANK + " "))

    def _zh_dates(self) -> None:
        for match in list(g.ZH_DATE.finditer(self.scan.low)):
            self.scan.blank(match.start(), match.end())
            if match["m"]:
                self.set_day(self._zh_month_day(match["y"], int(match["m"]), int(match["d"]), match[0]), "date", "")
            else:
                self.set_day(self._day_of_month(int(match["d2"]), match[0]), "date", "")

    def _zh_month_day(self, year_text: str | None, month: int, day_number: int, raw: str) -> date:
        """12月3日, 2026年12月3日: without a year, the next occurrence."""
        year = int(year_text) if year_text else self.today.year
        try:
            day = date(year, month, day_number)
        except ValueError as exc:
            raise self.scan.error("unreadable", "12月3日下午2点到3点", fragment=raw) from exc
        if not year_text and day < self.today:
            day = _replace_year(day, year + 1)
        return day

    def _calendar(self, raw: str, *, has_year: bool, order: str | None = None) -> date:
        """A calendar date, read by dateparser with fixed languages (no detection on the hot path)."""
        import dateparser  # lazy: most messages name no calendar date, and the import costs ~0.1 s

        settings: dict[str, Any] = {
            "DATE_ORDER": order or self.scan.settings.date_order,
            "PREFER_DATES_FROM": "current_period",
            "RELATIVE_BASE": datetime.combine(self.today, time(12)),
            "REQUIRE_PARTS": ["day", "month"],
            "STRICT_PARSING": False,
        }
        try:
            parsed = dateparser.parse(raw, languages=["en"], settings=settings)
        except Exception:  # dateparser can raise odd things on odd input
            parsed = None
        if parsed is None:
            raise self.scan.error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw)
        day = parsed.date()
        if not has_year:
            # dateparser may pick another year (29 Feb → the last leap year): take the next occurrence
            try:
                day = date(self.today.year, day.month, day.day)
                if day < self.today:
                    day = date(self.today.year + 1, day.month, day.day)
            except ValueError as exc:
                raise self.scan.error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw) from exc
        return day

    def _month_day(self, month_word: str, day_number: int, year: int | None, raw: str) -> date:
        """`Dec 3`, `3rd of December 2026`: the grammar already read the parts; without a year, the next one."""
        month = _MONTHS.index(month_word[:3].lower()) + 1
        try:
            if year is not None:
                return date(year, month, day_number)
            day = date(self.today.year, month, day_number)
            return day if day >= self.today else date(self.today.year + 1, month, day_number)
        except ValueError as exc:
            raise self.scan.error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw.strip(BLANK + " ")) from exc

    def _day_of_month(self, number: int, raw: str) -> date:
        year, month = self.today.year, self.today.month
        for _ in range(13):
            try:
                candidate = date(year, month, number)
            except ValueError:
                candidate = None
            if candidate is not None and candidate >= self.today:
                return candidate
            month += 1
            if month == 13:
                year, month = year + 1, 1
        raise self.scan.error("unreadable", "free rooms on the 3rd 2-4pm", fragment=raw.strip(BLANK + " "))

    # --- weeks, weekdays, today/tomorrow --------------------------------------------------------

    def read_days(self) -> None:
        self._week()
        for match in list(g.EN_DAY.finditer(self.scan.low)):
            self.scan.blank(match.start(), match.end())
            self._en_day(match)
        if not self.scan.chinese:  # the Chinese patterns need a Han character: skip them on other text
            return
        for match in list(g.ZH_DAY.finditer(self.scan.low)):
            self.scan.blank(match.start(), match.end())
            self._zh_day(match)

    def _week(self) -> None:
        match = self.scan.take(g.WEEK)
        if match:
            qualifier = match["q"] or match["zq"] or "this"
            monday = self.today - timedelta(days=self.today.weekday())
            weeks = 1 if qualifier in ("next", "下") else -1 if qualifier in ("last", "previous", "past", "上") else 0
            monday += timedelta(days=7 * weeks)
            self.found.week = (monday, monday + timedelta(days=4))
            self.scan.understood.append({1: "next week", -1: "last week", 0: "this week"}[weeks])

    def _en_day(self, match: re.Match[str]) -> None:
        if match["today"]:
            self.set_day(self.today, "today", "today")
        elif match["tomorrow"]:
            self.set_day(self.today + timedelta(days=1), "relative", "tomorrow")
        elif match["after"]:
            self.set_day(self.today + timedelta(days=2), "relative", "the day after tomorrow")
        elif match["yesterday"]:
            back = 2 if "before" in match["yesterday"] else 1
            self.set_day(self.today - timedelta(days=back), "relative", match["yesterday"])
        else:
            weekday = _WEEKDAYS[match["wd"][:3]]
            qualifier = re.sub(r"[ \t]+", " ", match["q"] or "")
            qualifier = "last" if qualifier.endswith("past") else "" if qualifier.endswith("coming") else qualifier
            raw = match[0].strip(BLANK + " ")
            if self.found.week is not None:  # "wednesday next week", "tuesday of next week"
                self.set_day(self.found.week[0] + timedelta(days=weekday), "weekday", raw, strict=True)
                return
            if qualifier in ("last", "past", "previous"):  # the one before today: a past day, said so later
                back = (self.today.weekday() - weekday) % 7 or 7
                self.set_day(self.today - timedelta(days=back), "weekday", raw, strict=True)
                return
            delta = (weekday - self.today.weekday()) % 7
            if qualifier == "next" and delta == 0:
                delta = 7
            self.set_day(self.today + timedelta(days=delta), "weekday", raw, strict=qualifier == "this")

    def _zh_day(self, match: re.Match[str]) -> None:
        if match["rel"]:
            rel = match["rel"]
            offset = _ZH_RELATIVE[rel[:2] if rel.startswith("大") else rel[0]]
            self.set_day(self.today + timedelta(days=offset), "today" if offset == 0 else "relative", match["rel"])
        elif match["zpart"]:  # 今早, 明晚: a day and a part of it
            offset = {"今": 0, "明": 1, "昨": -1}[match["zpart"][0]]
            self.set_day(self.today + timedelta(days=offset), "today" if offset == 0 else "relative", match["zpart"])
            self.found.part = "morning" if match["zpart"][1] == "早" else "tonight"
            self.found.part_names_day = True
        else:
            self._zh_weekday(match["wd"], match["q"] or "", match[0])

    def _zh_weekday(self, raw_wd: str, qualifier: str, raw: str) -> None:
        """周三, 下周一, 这周五: a qualified weekday is strict (never rolls to the next week)."""
        weekday = int(raw_wd) - 1 if raw_wd.isdigit() else _ZH_WEEKDAYS[raw_wd]
        weekday = min(weekday, 6)
        monday = self.today - timedelta(days=self.today.weekday())
        weeks = {"下": 7, "下下": 14, "上": -7, "这": 0, "這": 0, "本": 0}
        if qualifier in weeks:
            self.set_day(monday + timedelta(days=weeks[qualifier] + weekday), "weekday", raw, strict=True)
        elif self.found.week is not None:  # 下周 周三
            self.set_day(self.found.week[0] + timedelta(days=weekday), "weekday", raw, strict=True)
        else:
            delta = (weekday - self.today.weekday()) % 7
            self.set_day(self.today + timedelta(days=delta), "weekday", raw)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _replace_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)
