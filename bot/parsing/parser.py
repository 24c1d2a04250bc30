"""text, now, zone → Request. Our range grammar on top; dateparser reads calendar dates.

The flow: clean the text (Slack markup, Unicode forms), find the command, then take the
details out one by one (headcount, equipment, durations, dates, times, group); each taken span
is blanked so later patterns cannot reuse it. Last, the pieces are resolved into one window.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ParseError
from bot.parsing import grammar as g
from bot.parsing.models import Intent, ParseSettings, Request, TimeKind
from bot.parsing.text import clean, convert_chinese_numerals, has_chinese, lower_same_length

_log = logging.getLogger(__name__)
BLANK = "\x00"
_DEFAULT_SETTINGS = ParseSettings()
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_ZH_PARTS = {
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
    "全天": "allday",
    "一整天": "allday",
    "1整天": "allday",
    "整天": "allday",
    "下班前": "eod",
}
_FILLERS = g.words(
    "a an the room rooms meeting meetings booking bookings reservation my me for on at in please pls and with "
    "from to any some free available one , & + 会议室 房间 一个 1个 个 间 的 和 及 我的 会议 预订"
)
# Words a search may carry without meaning anything about rooms or time ("is anything free?").
_SEARCH_WORDS = g.words(
    "is are there anything something what whats which show find get need want i we us you can could do does have has "
    "got slot slots space spaces open vacant empty unused hey hi hello please thanks thank ok okay list check see left "
    "still right conference huddle call where who how"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_GROUP_SUBS = {
    "add": Intent.GROUP_ADD,
    "create": Intent.GROUP_ADD,
    "new": Intent.GROUP_ADD,
    "+": Intent.GROUP_ADD,
    "添加": Intent.GROUP_ADD,
    "加入": Intent.GROUP_ADD,
    "加": Intent.GROUP_ADD,
    "新建": Intent.GROUP_ADD,
    "创建": Intent.GROUP_ADD,
    "remove": Intent.GROUP_REMOVE,
    "rm": Intent.GROUP_REMOVE,
    "drop": Intent.GROUP_REMOVE,
    "移除": Intent.GROUP_REMOVE,
    "rename": Intent.GROUP_RENAME,
    "mv": Intent.GROUP_RENAME,
    "重命名": Intent.GROUP_RENAME,
    "改名": Intent.GROUP_RENAME,
    "delete": Intent.GROUP_DELETE,
    "del": Intent.GROUP_DELETE,
    "destroy": Intent.GROUP_DELETE,
    "删除": Intent.GROUP_DELETE,
    "share": Intent.GROUP_SHARE,
    "共享": Intent.GROUP_SHARE,
    "分享": Intent.GROUP_SHARE,
    "default": Intent.GROUP_DEFAULT,
    "默认": Intent.GROUP_DEFAULT,
    "设为默认": Intent.GROUP_DEFAULT,
    "设置默认": Intent.GROUP_DEFAULT,
    "import": Intent.GROUP_IMPORT,
    "sync": Intent.GROUP_IMPORT,
    "导入": Intent.GROUP_IMPORT,
    "list": Intent.GROUPS,
    "show": Intent.GROUPS,
    "ls": Intent.GROUPS,
    "列表": Intent.GROUPS,
    "查看": Intent.GROUPS,
}
# intent -> (fewest arguments, most arguments or None, example)
_GROUP_ARITY: dict[Intent, tuple[int, int | None, str]] = {
    Intent.GROUP_ADD: (1, None, "group add HQ 3F-Everest 3F-K2"),
    Intent.GROUP_REMOVE: (2, None, "group remove HQ 3F-K2"),
    Intent.GROUP_RENAME: (2, 2, 'group rename HQ "Head Office"'),
    Intent.GROUP_DELETE: (1, 1, "group delete HQ"),
    Intent.GROUP_SHARE: (1, 1, "group share HQ"),
    Intent.GROUP_DEFAULT: (1, 1, "group default HQ"),
    Intent.GROUP_IMPORT: (0, None, "group import"),
    Intent.GROUPS: (0, 1, "groups"),
}
_ZH_FILLER_EDGES = re.compile(
    r"^(?:的|帮我|请|一下|吧|呢|吗|有空的|空的)+|(?:的|预订|预定|预约|会议|会议室|吧|呢|吗|一下)+$"
)
_TOKEN = re.compile(r'"([^"]*)"?|\'([^\']*)\'|(\S+)')
_PHONE = re.compile(r"^\+?[\d ()\-.]{6,}$")
_LEFTOVER = re.compile(r'"[^"\x00]*"|[^\s\x00,;，、]+')


def parse(
    text: str,
    *,
    now: datetime,
    tz: str | tzinfo,
    settings: ParseSettings | None = None,
) -> Request:
    """Read one message.

    Args:
        text: the message as Slack delivered it (markup is stripped here).
        now: the moment it was sent; naive values are read in `tz`.
        tz: the asker's IANA zone name or a tzinfo.
        settings: working hours, default meeting length, date order, limits.

    Raises:
        ParseError: the only exception this raises, whatever the input.
    """
    try:
        return _Parser(text, now=now, tz=tz, settings=settings or _DEFAULT_SETTINGS).run()
    except ParseError:
        raise
    except Exception as exc:  # a guard: odd input must never surface as anything but a ParseError
        _log.exception("parser failed on a message of %d chars", len(str(text)))
        raise ParseError(
            "unreadable",
            understood="",
            example="free rooms tomorrow 2-3pm",
            detail={"fragment": str(text)[:80], "internal": type(exc).__name__},
            text=str(text)[:200],
        ) from exc


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(str(tz).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ParseError("bad_timezone", detail={"tz": str(tz)[:64]}, example="Europe/Berlin") from exc


@dataclass
class _Clock:
    hour: int | None  # None for noon/midnight
    minute: int = 0
    meridiem: str | None = None  # "am" | "pm"
    special: str | None = None  # "noon" | "midnight"
    part: str | None = None  # from a Chinese prefix: 下午 → afternoon
    strong: bool = False  # written so it can only be a time (2pm, 14:00, 3点)
    h24: bool = False  # 14:00, 09:00: read literally
    colon: bool = False
    raw: str = ""


@dataclass
class _Found:
    """The pieces taken out of the text, before they are resolved into a window."""

    day: date | None = None
    day_text: str = ""
    day_kind: str = ""  # "today" | "relative" | "weekday" | "date"
    weekday_strict: bool = False  # "this friday", "下周一": no rolling to next week
    day_end: date | None = None  # a range of days (monday to wednesday)
    week: tuple[date, date] | None = None
    part: str | None = None
    part_names_day: bool = False  # "this afternoon", "tonight"
    range: tuple[_Clock, _Clock] | None = None
    until: _Clock | None = None
    after: _Clock | None = None
    point: _Clock | None = None
    relative: timedelta | None = None
    next_span: timedelta | None = None
    duration: int | None = None
    now: bool = False
    eod: bool = False
    understood: list[str] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, *, now: datetime, tz: str | tzinfo, settings: ParseSettings) -> None:
        self.settings = settings
        self.zone = _zone(tz)
        if not isinstance(now, datetime):
            raise ParseError("bad_now", detail={"now": str(now)[:64]})
        now = now.replace(tzinfo=self.zone) if now.tzinfo is None else now.astimezone(self.zone)
        self.now = now.replace(second=0, microsecond=0)
        self.today = self.now.date()
        self.cleaned = clean(str(text), max_chars=settings.max_chars)
        self.chinese = has_chinese(self.cleaned)
        work = convert_chinese_numerals(self.cleaned) if self.chinese else self.cleaned
        work = g.EN_NUMBER.sub(lambda m: str(g.en_number(m[1])), work)
        work = g.PAST_TO.sub(_past_to, work)
        self.orig = work
        self.low = lower_same_length(work)
        self.found = _Found()
        self.intent: Intent | None = None

    # --- helpers -------------------------------------------------------------------------------

    def _blank(self, start: int, end: int) -> None:
        self.low = self.low[:start] + BLANK * (end - start) + self.low[end:]

    def _take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.search(self.low)
        if match:
            self._blank(match.start(), match.end())
        return match

    def _error(self, reason: str, example: str, **detail: str) -> ParseError:
        if self.intent is not None:
            detail["intent"] = self.intent.value
        return ParseError(
            reason,
            understood=", ".join(self.found.understood),
            example=example,
            detail={k: v for k, v in detail.items() if v},
            text=self.cleaned,
        )

    def _at(self, day: date, minutes: int) -> datetime:
        """Wall-clock `minutes` after midnight of `day`, made real in the zone (DST gaps move forward)."""
        day = day + timedelta(days=minutes // 1440)
        minutes %= 1440
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        return naive.replace(tzinfo=self.zone).astimezone(UTC).astimezone(self.zone)

    def _plus(self, moment: datetime, delta: timedelta) -> datetime:
        return (moment.astimezone(UTC) + delta).astimezone(self.zone)

    # --- the whole run -------------------------------------------------------------------------

    def run(self) -> Request:
        intent, rest_at = self._intent()
        self.intent = intent
        if intent in (Intent.FIND, Intent.BOOK, Intent.CANCEL, Intent.MY_BOOKINGS):
            return self._request(intent, rest_at)
        return self._command(intent, rest_at)

    def _intent(self) -> tuple[Intent, int]:
        low = self.low
        if g.HELP.match(low):
            return Intent.HELP, 0
        for pattern, intent in (
            (g.LINK, Intent.LINK),
            (g.CANCEL, Intent.CANCEL),
            (g.BOOK, Intent.BOOK),
        ):
            match = pattern.match(low)
            if match:
                return intent, match.end()
        match = g.MY_BOOKINGS.match(low) or g.MY_BOOKINGS_SINGULAR.match(low)
        if match:
            return Intent.MY_BOOKINGS, match.end()
        if g.ZH_GROUP_VERB_FIRST.match(low) or g.GROUP_WORD.match(low):
            return Intent.GROUPS, 0
        return Intent.FIND, 0

    # --- commands with arguments ------------------------------------------------------------------

    def _command(self, intent: Intent, rest_at: int) -> Request:
        if intent is Intent.HELP:
            match = g.HELP.match(self.low)
            topic = match["topic"] if match and match["topic"] else None
            return Request(intent=intent, text=self.cleaned, args=(topic,) if topic else ())
        if intent is Intent.LINK:
            return self._link(rest_at)
        return self._group_command()

    def _link(self, rest_at: int) -> Request:
        rest = self.cleaned[rest_at:].strip() if not self.chinese else self.orig[rest_at:].strip()
        rest = rest.strip(" :：")
        if not rest:
            self.found.understood.append("link")
            raise self._error("missing_argument", "link +86 138 0000 0000", command="link", needs="unionId or mobile")
        if _PHONE.match(rest):
            target = ("+" if rest.startswith("+") else "") + re.sub(r"\D", "", rest)
        else:
            target = rest.split()[0]
        return Request(intent=Intent.LINK, text=self.cleaned, args=(target,))

    def _group_command(self) -> Request:
        text = self.cleaned
        verb_first = g.ZH_GROUP_VERB_FIRST.match(text)
        if verb_first:
            intent = _GROUP_SUBS.get(verb_first["verb"], Intent.GROUPS)
            tokens = _tokens(text[verb_first.end() :])
        else:
            head = g.GROUP_WORD.match(lower_same_length(text))
            rest = text[head.end() :] if head else text
            tokens = _tokens(rest)
            intent = Intent.GROUPS
            if tokens:
                first = tokens[0].lower()
                sub = _GROUP_SUBS.get(first)
                if sub is None:
                    for word, candidate in _GROUP_SUBS.items():  # 分组添加 HQ …: a Chinese verb glued on
                        if not word.isascii() and first.startswith(word) and len(first) > len(word):
                            sub, tokens = candidate, [first[len(word) :], *tokens[1:]]
                            break
                    else:
                        sub = None
                else:
                    tokens = tokens[1:]
                if sub is not None:
                    intent = sub
        fewest, most, example = _GROUP_ARITY[intent]
        if len(tokens) < fewest or (most is not None and len(tokens) > most):
            self.found.understood.append(intent.value.replace("_", " "))
            raise self._error(
                "missing_argument" if len(tokens) < fewest else "too_many_arguments",
                example,
                command=intent.value.replace("_", " "),
                count=str(len(tokens)),
            )
        return Request(intent=intent, text=self.cleaned, args=tuple(tokens))

    # --- find, book, cancel, my bookings ----------------------------------------------------------

    def _request(self, intent: Intent, rest_at: int) -> Request:
        if rest_at:
            self._blank(0, rest_at)
        quoted_group = self._take(g.GROUP_QUOTED)
        capacity = self._capacity()
        labels = self._labels()
        self._durations()
        self._dates()
        self._clocks()
        self._days()
        self._parts()
        if self._take(g.NOW):
            self.found.now = True
            self.found.understood.append("now")
        group = self.orig[quoted_group.start("name") : quoted_group.end("name")].strip() if quoted_group else self._group()
        if group:
            self.found.understood.append(f"in {group}")
        leftovers = self._leftovers()
        for word in leftovers:
            shaped = g.TIME_SHAPED.search(lower_same_length(word))
            if shaped:
                raise self._error("unreadable", "free rooms tomorrow 2-3pm", fragment=word)
        stray = g.TIME_SHAPED.search(" ".join(lower_same_length(w) for w in leftovers))
        if stray:
            raise self._error("unreadable", "free rooms tomorrow 2-3pm", fragment=stray[0])
        if intent is Intent.FIND and not (self.found.understood or capacity or labels or self.chinese):
            # Nothing about rooms or time was read: answering "free rooms now" to gibberish would
            # hide that we did not understand.
            unknown = [w for w in leftovers if w.strip("\"'?!.").lower() not in _FILLERS | _SEARCH_WORDS]
            if unknown:
                raise self._error("not_understood", "free rooms tomorrow 2-3pm", fragment=unknown[0])
        rooms: tuple[str, ...] = ()
        args: tuple[str, ...] = ()
        if intent in (Intent.BOOK, Intent.CANCEL):
            names = [_ZH_FILLER_EDGES.sub("", w.strip("\"'?!.")) for w in leftovers]
            names = [n for n in names if n.lower() not in _FILLERS]
            names = [n for n in names if n]
            refs = tuple(n for n in names if _is_booking_ref(n)) if intent is Intent.CANCEL else ()
            rooms = tuple(n for n in names if n not in refs)
            args = refs if intent is Intent.CANCEL else rooms
        start, end, kind, duration = self._window(intent)
        return Request(
            intent=intent,
            text=self.cleaned,
            start=start,
            end=end,
            time_kind=kind,
            duration_minutes=duration,
            group=group,
            capacity=capacity,
            labels=labels,
            rooms=rooms,
            args=args,
        )

    def _capacity(self) -> int | None:
        for pattern in g.CAPACITY:
            match = self._take(pattern)
            if match:
                value = int(match["n2"] or match["n"]) if "n2" in match.groupdict() else int(match["n"])
                if value <= 0 or value > 5000:
                    raise self._error("bad_capacity", "free rooms for 8 people", fragment=match[0].strip(BLANK + " "))
                self.found.understood.append(f"for {value} people")
                return value
        return None

    def _labels(self) -> tuple[int, ...]:
        found: list[int] = []
        for label_id, pattern in g.LABELS:
            while self._take(pattern):
                if label_id not in found:
                    found.append(label_id)
        if found:
            self.found.understood.append("with labels " + "/".join(map(str, sorted(found))))
        return tuple(sorted(found))

    def _durations(self) -> None:
        f = self.found
        match = self._take(g.RELATIVE_DAYS)
        if match:
            days = int(match["n"] or match["zn"])
            f.day, f.day_kind, f.day_text = self.today + timedelta(days=days), "relative", f"in {days} days"
        match = self._take(g.NEXT_SPAN)
        if match:
            f.next_span = timedelta(minutes=_minutes(match["d"] or match["d2"]))
            f.understood.append(f"the next {_fmt_minutes(f.next_span)}")
        match = self._take(g.RELATIVE)
        if match:
            f.relative = timedelta(minutes=_minutes(match["d"] or match["d2"] or match["d3"]))
            f.understood.append(f"in {_fmt_minutes(f.relative)}")
        match = self._take(g.FOR_DURATION)
        if match:
            minutes = _minutes(match["d"] or match["d2"])
            if minutes <= 0:
                raise self._error("unreadable", "tomorrow 10am for an hour", fragment=match[0].strip(BLANK + " "))
            f.duration = minutes
            f.understood.append(f"for {_fmt_minutes(timedelta(minutes=minutes))}")

    # --- days ------------------------------------------------------------------------------------

    def _set_day(self, day: date, kind: str, text: str, *, strict: bool = False) -> None:
        f = self.found
        if f.day is not None and f.day != day:
            if kind == "weekday" and f.day_kind == "weekday" and day < f.day and not strict:
                day += timedelta(days=7 * ((f.day - day).days // 7 + 1))  # monday to wednesday
            if day > f.day and f.day_end is None:
                f.day_end = day
                f.understood.append(f"to {_fmt_day(day)}")
            return
        f.day, f.day_kind, f.day_text, f.weekday_strict = day, kind, text, strict
        f.understood.append(f"{text} ({_fmt_day(day)})" if text else _fmt_day(day))

    def _dates(self) -> None:
        while True:
            match = self._take(g.EN_MONTH_DATE)
            if not match:
                break
            month = match["m1"] or match["m2"]
            day_number = match["d1"] or match["d2"]
            year = match["y1"] or match["y2"]
            self._set_day(self._month_day(month, int(day_number), int(year) if year else None, match[0]), "date", "")
        while True:
            match = self._take(g.NUM_DATE)
            if not match:
                break
            raw = match["iso"] or match["num"] or match["dot"]
            order = "YMD" if match["iso"] else self.settings.date_order
            has_year = bool(match["iso"]) or raw.count("/") == 2 or raw.count(".") == 2
            self._set_day(self._calendar(raw.replace(".", "/"), has_year=has_year, order=order), "date", "")
        match = self._take(g.ORDINAL_DATE)
        if match:
            self._set_day(self._day_of_month(int(match["d"]), match[0]), "date", "")
        for match in list(g.ZH_DATE.finditer(self.low)):
            self._blank(match.start(), match.end())
            if match["m"]:
                month, day_number = int(match["m"]), int(match["d"])
                year = int(match["y"]) if match["y"] else self.today.year
                try:
                    day = date(year, month, day_number)
                except ValueError as exc:
                    raise self._error("unreadable", "12月3日下午2点到3点", fragment=match[0]) from exc
                if not match["y"] and day < self.today:
                    day = _replace_year(day, year + 1)
                self._set_day(day, "date", "")
            else:
                self._set_day(self._day_of_month(int(match["d2"]), match[0]), "date", "")

    def _calendar(self, raw: str, *, has_year: bool, order: str | None = None) -> date:
        """A calendar date, read by dateparser with fixed languages (no detection on the hot path)."""
        import dateparser  # lazy: most messages name no calendar date, and the import costs ~0.1 s

        settings: dict[str, Any] = {
            "DATE_ORDER": order or self.settings.date_order,
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
            raise self._error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw)
        day = parsed.date()
        if not has_year:
            # dateparser may pick another year (29 Feb → the last leap year): take the next occurrence
            try:
                day = date(self.today.year, day.month, day.day)
                if day < self.today:
                    day = date(self.today.year + 1, day.month, day.day)
            except ValueError as exc:
                raise self._error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw) from exc
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
            raise self._error("unreadable", "free rooms Dec 3 2-4pm", fragment=raw.strip(BLANK + " ")) from exc

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
        raise self._error("unreadable", "free rooms on the 3rd 2-4pm", fragment=raw.strip(BLANK + " "))

    def _days(self) -> None:
        f = self.found
        match = self._take(g.WEEK)
        if match:
            qualifier = match["q"] or match["zq"] or "this"
            monday = self.today - timedelta(days=self.today.weekday())
            if qualifier in ("next", "下"):
                monday += timedelta(days=7)
            f.week = (monday, monday + timedelta(days=4))
            f.understood.append("next week" if qualifier in ("next", "下") else "this week")
        for match in list(g.EN_DAY.finditer(self.low)):
            self._blank(match.start(), match.end())
            if match["today"]:
                self._set_day(self.today, "today", "today")
            elif match["tomorrow"]:
                self._set_day(self.today + timedelta(days=1), "relative", "tomorrow")
            elif match["after"]:
                self._set_day(self.today + timedelta(days=2), "relative", "the day after tomorrow")
            else:
                weekday = _WEEKDAYS[match["wd"][:3]]
                qualifier = match["q"] or ""
                delta = (weekday - self.today.weekday()) % 7
                if qualifier == "next" and delta == 0:
                    delta = 7
                self._set_day(
                    self.today + timedelta(days=delta), "weekday", match[0].strip(BLANK + " "), strict=qualifier == "this"
                )
        for match in list(g.ZH_DAY.finditer(self.low)):
            self._blank(match.start(), match.end())
            if match["rel"]:
                offset = {"今": 0, "明": 1, "后": 2, "後": 2, "大": 3}[match["rel"][0]]
                self._set_day(self.today + timedelta(days=offset), "today" if offset == 0 else "relative", match["rel"])
            elif match["zpart"]:
                offset = 0 if match["zpart"][0] == "今" else 1
                self._set_day(self.today + timedelta(days=offset), "today" if offset == 0 else "relative", match["zpart"])
                f.part = "morning" if match["zpart"][1] == "早" else "tonight"
                f.part_names_day = True
            else:
                raw_wd = match["wd"]
                weekday = int(raw_wd) - 1 if raw_wd.isdigit() else _ZH_WEEKDAYS[raw_wd]
                weekday = min(weekday, 6)
                qualifier = match["q"] or ""
                monday = self.today - timedelta(days=self.today.weekday())
                if qualifier in ("下",):
                    self._set_day(monday + timedelta(days=7 + weekday), "weekday", match[0], strict=True)
                elif qualifier == "下下":
                    self._set_day(monday + timedelta(days=14 + weekday), "weekday", match[0], strict=True)
                elif qualifier == "上":
                    self._set_day(monday + timedelta(days=weekday - 7), "weekday", match[0], strict=True)
                elif qualifier in ("这", "這", "本"):
                    self._set_day(monday + timedelta(days=weekday), "weekday", match[0], strict=True)
                else:
                    delta = (weekday - self.today.weekday()) % 7
                    self._set_day(self.today + timedelta(days=delta), "weekday", match[0])

    def _parts(self) -> None:
        f = self.found
        for match in list(g.PART.finditer(self.low)):
            self._blank(match.start(), match.end())
            if match["zp"]:
                name = _ZH_PARTS[match["zp"]]
                qualifier = ""
            else:
                word = re.sub(r"[ \t]+", " ", match["p"])
                qualifier = (match["this"] or "").strip()
                if word in ("eod", "cob", "close of business") or word.startswith("end of"):
                    name = "eod"
                elif "day" in word:
                    name = "allday"
                elif word.startswith("lunch"):
                    name = "noon"
                elif word in ("tonight", "night"):
                    name = "tonight"
                else:
                    name = word
                if qualifier == "tomorrow":
                    self._set_day(self.today + timedelta(days=1), "relative", "tomorrow")
                if word == "tonight" or qualifier == "this":
                    if f.day is None:
                        self._set_day(self.today, "today", "today")
                    f.part_names_day = True
            if qualifier in ("after", "before") and name in _PART_NAMES:
                start_time, end_time = self.settings.part(name)
                edge = end_time if qualifier == "after" else start_time
                clock = _Clock(edge.hour, edge.minute, strong=True, h24=True, raw=f"{qualifier} {word}")
                if qualifier == "after":
                    f.after = f.after or clock
                else:
                    f.until = f.until or clock
                f.understood.append(f"{qualifier} {word}")
                continue
            if name == "eod":
                f.eod = True
                f.understood.append("until the end of the day")
            elif f.part is None or f.part == "allday":
                f.part = name
                f.understood.append(name if name != "allday" else "all day")

    # --- times of day -------------------------------------------------------------------------

    def _clocks(self) -> None:
        f = self.found
        for match in list(g.RANGE.finditer(self.low)):
            first, second = _clock(match, 1), _clock(match, 2)
            keyword = match["kw"]
            if match["sep"] == "and" and keyword != "between":
                continue
            if not (first.strong or second.strong or keyword) and match["sep"] not in ("-", "to", "到", "至"):
                continue
            if f.range is None:
                f.range = (first, second)
                f.understood.append(f"from {first.raw} to {second.raw}")
            self._blank(match.start(), match.end())
        until = self._take(g.UNTIL)
        if until:
            f.until = _first_clock(until)
            f.understood.append(f"until {f.until.raw}")
        after = self._take(g.AFTER)
        if after:
            f.after = _first_clock(after)
            f.understood.append(f"from {f.after.raw}")
        for match in g.POINT.finditer(self.low):
            found = _first_clock(match)
            if not (found.strong or match["kw"] or match["ctx"] is not None):
                continue
            self._blank(match.start(), match.end())
            f.point = found
            f.understood.append(f"at {found.raw}")
            break

    def _group(self) -> str | None:
        match = g.GROUP_AT.search(self.low)
        if match:
            self._blank(match.start(), match.end())
            return self.orig[match.start("name") : match.end("name")]
        for match in g.GROUP_WORDS.finditer(self.low):
            name = match["name"]
            if name in g.GROUP_STOPWORDS or name.isdigit():
                continue
            end = match.end("name")
            more = match["more"]
            if more:
                extra = self.orig[match.start("more") : match.end("more")].strip()
                if (
                    extra.lower() not in g.GROUP_STOPWORDS
                    and extra.lower() not in _FILLERS
                    and (len(extra) <= 3 or extra[:1].isupper())
                ):
                    end = match.end("more")
            self._blank(match.start(), end)
            return self.orig[match.start("name") : end].strip()
        match = g.GROUP_ZH.search(self.low)
        if match:
            self._blank(match.start(), match.end())
            span = (match.start("name"), match.end("name")) if match["name"] else (match.start("name2"), match.end("name2"))
            return self.orig[span[0] : span[1]]
        return None

    def _leftovers(self) -> list[str]:
        return [self.orig[m.start() : m.end()].strip('"') for m in _LEFTOVER.finditer(self.low)]

    # --- resolving the window -------------------------------------------------------------------

    def _minute_of(self, clock: _Clock, *, hint: str | None, after: int | None = None, end: bool = False) -> int:
        """Minutes after midnight for a clock, using am/pm, a part-of-day hint or working hours."""
        if clock.special == "noon":
            return 720
        if clock.special == "midnight":
            return 1440 if end or after is not None else 0
        hour = clock.hour if clock.hour is not None else 0
        if hour > 24 or clock.minute > 59 or (hour == 24 and clock.minute):
            raise self._error("unreadable", "free rooms tomorrow 2-3pm", fragment=clock.raw)
        meridiem = clock.meridiem or _meridiem_of(clock.part) or (None if clock.h24 else hint)
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
        ws = self.settings.work_start.hour * 60 + self.settings.work_start.minute
        we = self.settings.work_end.hour * 60 + self.settings.work_end.minute
        return min(candidates, key=lambda c: (max(ws - c, 0, c - we), c))

    def _range_minutes(self, first: _Clock, second: _Clock, hint: str | None) -> tuple[int, int]:
        second_meridiem = second.meridiem or _meridiem_of(second.part)
        first_meridiem = first.meridiem or _meridiem_of(first.part)
        if first_meridiem is None and second_meridiem is not None and not first.h24 and first.special is None:
            end = self._minute_of(second, hint=hint, end=True)
            shared = _Clock(first.hour, first.minute, meridiem=second_meridiem, raw=first.raw)
            start = self._minute_of(shared, hint=None)
            if start >= end and first.hour is not None and first.hour <= 12:
                other = "am" if second_meridiem == "pm" else "pm"
                start = self._minute_of(_Clock(first.hour, first.minute, meridiem=other, raw=first.raw), hint=None)
            return start, end
        start = self._minute_of(first, hint=hint)
        if second.h24 or (first.h24 and second.colon) or second.meridiem is not None:
            end = self._minute_of(second, hint=None, end=True)
            if end <= start and first.meridiem == "pm" and second.meridiem == "am":
                end += 1440  # 10pm-2am: overnight
            return start, end
        if second.part is None and second.special is None:
            second = _Clock(second.hour, second.minute, part=first.part, raw=second.raw, strong=second.strong)
        return start, self._minute_of(second, hint=hint, after=start, end=True)

    def _window(self, intent: Intent) -> tuple[datetime | None, datetime | None, TimeKind, int | None]:
        f = self.found
        s = self.settings
        ws, we = _minutes_of(s.work_start), _minutes_of(s.work_end)
        default = timedelta(minutes=s.default_meeting_minutes)
        hint = _meridiem_of(f.part)
        day = f.day if f.day is not None else self.today
        day_named = f.day is not None or f.part_names_day
        duration = timedelta(minutes=f.duration) if f.duration else None
        start: datetime
        end: datetime
        slot: int | None = None
        rolls = True  # an unnamed day moves to tomorrow when the window is over

        if f.week is not None and f.range is None and f.point is None and f.day is None:
            first_day, last_day = f.week
            start, end = self._at(first_day, ws), self._at(last_day, we)
            kind, slot, day_named = TimeKind.INTERVAL, f.duration, True
        elif f.day_end is not None and f.range is None and f.point is None:
            start, end = self._at(day, ws), self._at(f.day_end, we)
            kind, slot = TimeKind.INTERVAL, f.duration
        elif f.range is not None:
            first_minute, last_minute = self._range_minutes(*f.range, hint)
            start, end = self._at(day, first_minute), self._at(day, last_minute)
            kind = TimeKind.INTERVAL
            if end <= start:
                raise self._error(
                    "end_before_start",
                    "free rooms tomorrow 2-3pm",
                    start=_fmt_time(start),
                    end=_fmt_time(end),
                )
            if duration is not None:
                if duration > end - start:
                    raise self._error(
                        "duration_exceeds_window",
                        "a 30 min slot between 2 and 5pm",
                        duration=_fmt_minutes(duration),
                        window=f"{_fmt_time(start)}–{_fmt_time(end)}",
                    )
                slot = f.duration if duration < end - start else None
        elif f.until is not None or (f.eod and f.point is None and f.after is None and f.relative is None):
            if f.until is not None:
                last_minute = self._minute_of(f.until, hint=hint, end=True)
                if not day_named and f.until.meridiem is None and not f.until.h24 and f.until.hour is not None:
                    # "until 6" at 10:00 means 18:00 today: the first reading still ahead
                    now_minute = self.now.hour * 60 + self.now.minute
                    if last_minute <= now_minute:
                        later = self._minute_of(f.until, hint=hint, after=now_minute, end=True)
                        last_minute = later if later > now_minute else last_minute
            else:
                last_minute = _minutes_of(s.end_of_day)
            first_minute = _minutes_of(s.part(f.part)[0]) if f.part in _PART_NAMES else ws
            start = (
                self.now if (day == self.today and f.day_kind != "weekday") or not day_named else self._at(day, first_minute)
            )
            if day_named and day != self.today:
                start = self._at(day, first_minute)
            end = self._at(day, last_minute)
            kind = TimeKind.INTERVAL
            if not day_named and end <= self.now:
                start, end = self._at(day + timedelta(days=1), first_minute), self._at(day + timedelta(days=1), last_minute)
            if end <= start:
                if end <= self.now and day_named:
                    raise self._past(start, end)
                raise self._error("end_before_start", "until 6pm", start=_fmt_time(start), end=_fmt_time(end))
            if duration is not None and duration < end - start:
                slot = f.duration
            rolls = False
        elif f.after is not None:
            start = self._at(day, self._minute_of(f.after, hint=hint))
            if duration is not None:
                end, kind = self._plus(start, duration), TimeKind.INTERVAL
            else:
                end, kind = max(self._at(day, we), self._plus(start, default)), TimeKind.OPEN_END
        elif f.point is not None:
            start = self._at(day, self._minute_of(f.point, hint=hint))
            end = self._plus(start, duration or default)
            kind = TimeKind.INTERVAL if duration else TimeKind.POINT
            if not day_named and start < self.now:
                start, end = self._plus(start, timedelta(days=1)), self._plus(end, timedelta(days=1))
                start = self._at(day + timedelta(days=1), self._minute_of(f.point, hint=hint))
                end = self._plus(start, duration or default)
        elif f.relative is not None:
            start = self._plus(self.now, f.relative)
            end = self._plus(start, duration or default)
            kind = TimeKind.INTERVAL if duration else TimeKind.POINT
            rolls = False
        elif f.next_span is not None:
            start, end, kind = self.now, self._plus(self.now, f.next_span), TimeKind.INTERVAL
            if duration is not None and duration < f.next_span:
                slot = f.duration
        elif f.now:
            start, end = self.now, self._plus(self.now, duration or default)
            kind = TimeKind.INTERVAL if duration else TimeKind.POINT
        elif f.part is not None and f.part != "allday":
            if f.part == "early":
                span = (time(0), s.work_start)
            else:
                span = s.part(f.part)
            start, end = self._at(day, _minutes_of(span[0])), self._at(day, _minutes_of(span[1]))
            kind, slot = TimeKind.PART_OF_DAY, f.duration
        elif f.day is not None or f.part == "allday":
            start, end = self._at(day, ws), self._at(day, we)
            kind, slot = TimeKind.DAY, f.duration
        elif duration is not None:
            start, end, kind = self.now, self._plus(self.now, duration), TimeKind.INTERVAL
        else:
            if intent is Intent.BOOK:
                self.found.understood.insert(0, "book")
                raise self._error("no_time", "book 3F-Everest tomorrow 2-3pm")
            if intent is not Intent.FIND:
                return None, None, TimeKind.NONE, None
            return self.now, self._plus(self.now, default), TimeKind.NONE, None

        # A window that is over: roll an unnamed day forward, refuse a named one.
        if end <= self.now or (kind is TimeKind.POINT and start < self.now):
            if f.day_kind == "weekday" and not f.weekday_strict:
                start, end = self._shift_days(start, end, 7)
            elif not day_named and rolls:
                start, end = self._shift_days(start, end, 1)
            else:
                raise self._past(start, end)
        if start < self.now:
            start = self.now  # started earlier today but not over: from now on
        if end - start > timedelta(days=s.max_span_days):
            raise self._error(
                "too_long",
                "free rooms next monday 10am-noon",
                max_days=str(s.max_span_days),
                start=_fmt_day(start.date()),
                end=_fmt_day(end.date()),
            )
        if slot is not None and timedelta(minutes=slot) >= end - start:
            slot = None
        return start, end, kind, slot

    def _shift_days(self, start: datetime, end: datetime, days: int) -> tuple[datetime, datetime]:
        """The same wall-clock window `days` later (DST-safe)."""
        new_start = self._at(start.date() + timedelta(days=days), start.hour * 60 + start.minute)
        return new_start, self._plus(new_start, end - start)

    def _past(self, start: datetime, end: datetime) -> ParseError:
        tomorrow = self.today + timedelta(days=1)
        suggestion_start = self._at(tomorrow, start.hour * 60 + start.minute)
        suggestion_end = self._plus(suggestion_start, end - start)
        return self._error(
            "in_past",
            "free rooms tomorrow 2-3pm",
            start=start.isoformat(),
            end=end.isoformat(),
            suggestion=f"{_fmt_day(tomorrow)} {_fmt_time(suggestion_start)}–{_fmt_time(suggestion_end)}",
            suggestion_start=suggestion_start.isoformat(),
            suggestion_end=suggestion_end.isoformat(),
        )


_CLOCK_KEYS = frozenset({"cp", "sp", "h", "mi", "half", "q", "cmi", "oc", "m"})
_PART_NAMES = frozenset({"morning", "noon", "afternoon", "evening", "tonight"})


def _meridiem_of(part: str | None) -> str | None:
    if part in ("morning", "early"):
        return "am"
    if part in ("afternoon", "evening", "tonight"):
        return "pm"
    return None


def _minutes_of(value: time) -> int:
    return value.hour * 60 + value.minute


def _clock(match: re.Match[str], n: int) -> _Clock:
    groups = match.groupdict()
    raw_start, raw_end = match.span(f"h{n}") if groups.get(f"h{n}") else match.span(f"sp{n}")
    special = groups.get(f"sp{n}")
    part_word = groups.get(f"cp{n}")
    part = _ZH_PARTS.get(part_word) if part_word else None
    if special:
        name = "noon" if special in ("noon", "midday") else "midnight"
        return _Clock(None, 0, special=name, part=part, strong=True, raw=special)
    hour_text = groups[f"h{n}"]
    hour = int(hour_text)
    minute = 0
    colon = groups.get(f"mi{n}") is not None
    if colon:
        minute = int(groups[f"mi{n}"])
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
    return _Clock(hour, minute, meridiem=meridiem, part=part, strong=strong, h24=h24, colon=colon, raw=raw or hour_text)


def _first_clock(match: re.Match[str]) -> _Clock:
    for n in (1, 2, 3):
        if match.groupdict().get(f"h{n}") or match.groupdict().get(f"sp{n}"):
            return _clock(match, n)
    raise ValueError("no clock in match")  # the patterns always hold one


def _past_to(match: re.Match[str]) -> str:
    """'half past 2' → '2:30', 'quarter to 4' → '3:45' (read by the clock grammar as usual)."""
    hour = int(match["h"])
    minutes = 30 if match["what"].lower() == "half" else 15
    if match["rel"].lower() == "to":
        hour, minutes = (hour - 1) % 12 or 12, 60 - minutes
    return f"{hour}:{minutes:02d}"


def _minutes(text: str) -> int:
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


def _tokens(text: str) -> list[str]:
    """Split command arguments; "quoted names" keep their spaces."""
    tokens = []
    for match in _TOKEN.finditer(text):
        value = match[1] if match[1] is not None else match[2] if match[2] is not None else match[3]
        value = value.strip().strip(",")
        if value:
            tokens.append(value)
    return tokens


def _is_booking_ref(word: str) -> bool:
    return bool(re.fullmatch(r"#\w+|\d{1,12}|[A-Za-z0-9_-]{16,}", word))


def _replace_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _fmt_day(day: date) -> str:
    return day.strftime("%a %-d %b %Y")


def _fmt_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _fmt_minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    if minutes > 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min"
