"""Takes the time pieces out of a message: durations, dates, clock times, days, parts of the day, "now"."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.parsing import grammar as g
from bot.parsing.scan import BLANK, Scan
from bot.parsing.times.clocks import PART_NAMES, ZH_PARTS, Clock, clock_of, first_clock
from bot.parsing.times.days import DayReader
from bot.parsing.times.formats import fmt_minutes
from bot.parsing.times.found import Found

_RANGE_SEPARATORS = ("-", "to", "到", "至")


class TimeReader:
    """Fills a `Found` from a scan; the order of the steps matters, as each blanks what it took."""

    def __init__(self, *, scan: Scan) -> None:
        self.scan = scan
        self.found = Found()
        self.days = DayReader(scan=scan, found=self.found)

    def read(self) -> Found:
        self.read_durations()
        self.days.read_dates()
        self.read_clocks()
        self.days.read_days()
        self.read_parts()
        if self.scan.take(g.NOW):
            self.found.now = True
            self.scan.understood.append("now")
        return self.found

    # --- lengths and offsets -------------------------------------------------------------------

    def read_durations(self) -> None:
        f, scan = self.found, self.scan
        match = scan.take(g.RELATIVE_DAYS)
        if match:
            count_text = match["n"] or match["zn"] or match["n2"]
            count = 1 if count_text in ("a", "an") else int(count_text)
            unit = match["unit"] or match["zunit"] or match["unit2"]
            days = count * (1 if unit.startswith(("day", "天")) else 7)
            self.days.set_day(scan.today + timedelta(days=days), "relative", f"in {days} days")
        match = scan.take(g.AGO)
        if match:
            self._ago(match)
        match = scan.take(g.NEXT_SPAN)
        if match:
            self._next_span(match)
        match = scan.take(g.RELATIVE)
        if match:
            f.relative = timedelta(minutes=minutes_in(match["d"] or match["d2"] or match["d3"] or match["d4"]))
            scan.understood.append(f"in {fmt_minutes(f.relative)}")
        match = scan.take(g.FOR_DURATION)
        if match:
            minutes = minutes_in(match["d"] or match["d2"])
            if minutes <= 0:
                raise scan.error("unreadable", "tomorrow 10am for an hour", fragment=match[0].strip(BLANK + " "))
            f.duration = minutes
            scan.understood.append(f"for {fmt_minutes(timedelta(minutes=minutes))}")

    def _ago(self, match: re.Match[str]) -> None:
        """ "3 hours ago", "2 days ago", "两天前": a moment or a day in the past (refused later, with the next one)."""
        count_text = match["n"] or match["zn"]
        count = 1 if count_text in ("a", "an") else int(count_text)
        unit = (match["unit"] or match["zunit"]).lower()
        if unit.startswith(("day", "天")):
            self.days.set_day(self.scan.today - timedelta(days=count), "relative", match[0].strip(BLANK + " "))
        elif unit.startswith(("week", "周", "週", "星期")):
            self.days.set_day(self.scan.today - timedelta(days=7 * count), "relative", match[0].strip(BLANK + " "))
        else:
            minutes = count * (60 if unit.startswith(("h", "小")) else 1)
            self.found.relative = timedelta(minutes=-minutes)
            self.scan.understood.append(match[0].strip(BLANK + " "))

    def _next_span(self, match: re.Match[str]) -> None:
        """ "the next 2 hours" is a window from now; "the next 3 days" is today and the two days after."""
        f, scan = self.found, self.scan
        days = match["days"] or match["zdays"]
        if days:
            count = int(days)
            if count <= 0:
                raise scan.error("unreadable", "free rooms in the next 3 days", fragment=match[0].strip(BLANK + " "))
            self.days.set_day(scan.today, "today", f"the next {count} days")
            if count > 1 and f.day == scan.today and f.day_end is None:
                f.day_end = scan.today + timedelta(days=count - 1)
            return
        f.next_span = timedelta(minutes=60 if match["hour"] else minutes_in(match["d"] or match["d2"] or match["d3"]))
        scan.understood.append(f"the next {fmt_minutes(f.next_span)}")

    # --- times of day ----------------------------------------------------------------------------

    def read_clocks(self) -> None:
        f, scan = self.found, self.scan
        now_until = scan.take(g.NOW_UNTIL)
        if now_until:  # "between now and 5": from now until then
            f.until = first_clock(now_until)
            scan.understood.append(f"from now until {f.until.raw}")
        elif scan.take(g.NOW_TO):  # "between now and friday", "now until eod"
            f.from_now = True
            scan.understood.append("from now")
        for match in list(g.RANGE.finditer(scan.low)):
            first, second = clock_of(match, 1), clock_of(match, 2)
            keyword = match["kw"]
            if match["sep"] == "and" and keyword != "between":
                continue
            if not (first.strong or second.strong or keyword) and match["sep"] not in _RANGE_SEPARATORS:
                continue
            if f.range is None:
                f.range = (first, second)
                scan.understood.append(f"from {first.raw} to {second.raw}")
            scan.blank(match.start(), match.end())
        until = scan.take(g.UNTIL) if f.until is None else None
        if until:
            f.until = first_clock(until)
            scan.understood.append(f"until {f.until.raw}")
        after = scan.take(g.AFTER)
        if after:
            f.after = first_clock(after)
            scan.understood.append(f"from {f.after.raw}")
        for match in g.POINT.finditer(scan.low):
            found = first_clock(match)
            if not (found.strong or match["kw"] or match["ctx"] is not None):
                continue
            scan.blank(match.start(), match.end())
            f.point = found
            scan.understood.append(f"at {found.raw}")
            break
        if f.point is None and f.range is None and (before_day := scan.take(g.POINT_BEFORE_DAY)):
            f.point = first_clock(before_day)
            scan.understood.append(f"at {f.point.raw}")

    # --- parts of the day --------------------------------------------------------------------------

    def read_parts(self) -> None:
        for match in list(g.PART.finditer(self.scan.low)):
            self.scan.blank(match.start(), match.end())
            if match["zp"]:
                self._note_part(ZH_PARTS[match["zp"]])
                continue
            word = re.sub(r"[ \t]+", " ", match["p"])
            qualifier = (match["this"] or "").strip()
            name = _part_name(word)
            self._qualified_day(word, qualifier)
            if qualifier in ("after", "before") and name in PART_NAMES:
                self._part_edge(name, word, qualifier)
            else:
                self._note_part(name)

    def _qualified_day(self, word: str, qualifier: str) -> None:
        """ "tomorrow morning" names tomorrow; "last night" yesterday; "tonight" and "this afternoon" today."""
        if qualifier == "tomorrow":
            self.days.set_day(self.scan.today + timedelta(days=1), "relative", "tomorrow")
        if qualifier in ("yesterday", "last"):
            self.days.set_day(self.scan.today - timedelta(days=1), "relative", f"{qualifier} {word}")
        if word == "tonight" or qualifier == "this":
            if self.found.day is None:
                self.days.set_day(self.scan.today, "today", "today")
            self.found.part_names_day = True

    def _part_edge(self, name: str, word: str, qualifier: str) -> None:
        """ "after lunch" starts where the part ends; "before noon" ends where it starts."""
        start_time, end_time = self.scan.settings.part(name)
        edge = end_time if qualifier == "after" else start_time
        clock = Clock(edge.hour, edge.minute, strong=True, h24=True, raw=f"{qualifier} {word}")
        if qualifier == "after":
            self.found.after = self.found.after or clock
        else:
            self.found.until = self.found.until or clock
        self.scan.understood.append(f"{qualifier} {word}")

    def _note_part(self, name: str) -> None:
        f = self.found
        if name == "eod":
            f.eod = True
            self.scan.understood.append("until the end of the day")
        elif f.part is None or f.part == "allday":
            f.part = name
            self.scan.understood.append(name if name != "allday" else "all day")


def _part_name(word: str) -> str:
    if word in ("eod", "cob", "close of business") or word.startswith("end of"):
        return "eod"
    if "day" in word:
        return "allday"
    if word.startswith("lunch"):
        return "noon"
    if word in ("tonight", "night"):
        return "tonight"
    return word


def minutes_in(text: str) -> int:
    """'1.5h' → 90, 'an hour and a half' → 90, '45 min' → 45, '1个半小时' → 90, '半小时' → 30."""
    total = 0.0
    for match in g.DURATION_PARTS.finditer(text):
        if match["half_hour"]:
            total += 30
        elif match["h"]:
            hours = 1.0 if match["h"] in ("a", "an") else float(match["h"])
            total += hours * 60 + (30 if match["hhalf"] or match["ahalf"] else 0) + int(match["hm"] or 0)
        elif match["q"]:
            total += 15 * int(match["q"])
        elif match["m"]:
            total += int(match["m"])
    return int(round(total))
