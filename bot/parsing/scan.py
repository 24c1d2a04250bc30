"""One message being read: its cleaned text, the clock it was sent by, and what was taken so far.

Both grammars (commands and times) read from here: each taken span is blanked so a later pattern
cannot reuse it, and every piece understood is noted so an error can say how far reading got.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ParseError
from bot.parsing import grammar as g
from bot.parsing.models import Intent, ParseSettings
from bot.parsing.text import clean, convert_chinese_numerals, has_chinese, lower_same_length

BLANK = "\x00"
_LEFTOVER = re.compile(r'"[^"\x00]*"|[^\s\x00,;，、]+')


_MENTION = re.compile(r"<@([UW][A-Z0-9_]{2,})(?:\|[^>]*)?>")


class Scan:
    """The text state shared by the grammars; `low` is the lower-cased working copy that gets blanked."""

    def __init__(self, text: str, *, now: datetime, tz: str | tzinfo, settings: ParseSettings) -> None:
        self.settings = settings
        self.zone = _zone(tz)
        if not isinstance(now, datetime):
            raise ParseError("bad_now", detail={"now": str(now)[:64]})
        now = now.replace(tzinfo=self.zone) if now.tzinfo is None else now.astimezone(self.zone)
        self.now = now.replace(second=0, microsecond=0)
        self.today = self.now.date()
        self.cleaned = clean(str(text), max_chars=settings.max_chars)
        # Slack user mentions are markup that `clean` drops; commands about a person (`unlink @ana`) need them.
        self.mentions = tuple(_MENTION.findall(str(text)[: settings.max_chars]))
        # Whether the text holds a Han character; nothing below adds one, so patterns that need one
        # can be skipped when this is False.
        self.chinese = has_chinese(self.cleaned)
        work = convert_chinese_numerals(self.cleaned) if self.chinese else self.cleaned
        if self.chinese and "差" in work:
            work = g.ZH_BEFORE_HOUR.sub(_zh_before_hour, work)
        if not work.isascii() or _WORDY.search(work):
            work = g.WORD_MINUTES_TO.sub(_word_minutes, work)
            work = g.CLOCK_WORDS.sub(_clock_words, work)
            work = g.COUPLE.sub("2", work)
            work = g.ORDINAL_WORD.sub(_ordinal_word, work)
        work = g.EN_NUMBER.sub(lambda m: str(g.en_number(m[1])), work)
        work = g.PAST_TO.sub(_past_to, work)
        if "half" in work.lower():
            work = g.HALF_HOUR.sub(lambda m: f"{m['h']}:30", work)
        self.orig = work
        self.low = lower_same_length(work)
        self.understood: list[str] = []
        self.intent: Intent | None = None

    # --- taking spans out of the text ------------------------------------------------------------

    def blank(self, start: int, end: int) -> None:
        self.low = self.low[:start] + BLANK * (end - start) + self.low[end:]

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.search(self.low)
        if match:
            self.blank(match.start(), match.end())
        return match

    def leftovers(self) -> list[str]:
        """The words nothing took, as written (quoted names keep their spaces)."""
        return [self.orig[m.start() : m.end()].strip('"') for m in _LEFTOVER.finditer(self.low)]

    def error(self, reason: str, example: str, **detail: str) -> ParseError:
        if self.intent is not None:
            detail["intent"] = self.intent.value
        return ParseError(
            reason,
            understood=", ".join(self.understood),
            example=example,
            detail={k: v for k, v in detail.items() if v},
            text=self.cleaned,
        )

    # --- wall-clock arithmetic in the asker's zone -----------------------------------------------

    def at(self, day: date, minutes: int) -> datetime:
        """Wall-clock `minutes` after midnight of `day`, made real in the zone (DST gaps move forward)."""
        day = day + timedelta(days=minutes // 1440)
        minutes %= 1440
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        return naive.replace(tzinfo=self.zone).astimezone(UTC).astimezone(self.zone)

    def plus(self, moment: datetime, delta: timedelta) -> datetime:
        return (moment.astimezone(UTC) + delta).astimezone(self.zone)


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(str(tz).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ParseError("bad_timezone", detail={"tz": str(tz)[:64]}, example="Europe/Berlin") from exc


def _past_to(match: re.Match[str]) -> str:
    """'half past 2' → '2:30', 'a quarter to noon' → '11:45am', '20 minutes to 2pm' → '1:40pm'.

    A bare number before "to" stays as written: "from 10 to 3" is a range, not 2:50.
    """
    what, rel, hour_word = match["what"].lower(), match["rel"].lower(), match["h"].lower()
    before = rel in ("to", "before")
    if what[0].isdigit() and not match["mins"] and rel != "past":
        return match[0]
    minutes = 30 if what == "half" else 15 if what == "quarter" else int(what.split()[0].rstrip("minutes"))
    if minutes <= 0 or minutes >= 60:
        return match[0]
    meridiem = (match["m"] or "").replace(".", "").lower()
    if hour_word in ("noon", "midday", "midnight"):
        base = 720 if hour_word != "midnight" else (1440 if before else 0)
        total = base - minutes if before else base + minutes
        return f"{total // 60 % 24:02d}:{total % 60:02d}"
    hour = int(hour_word)
    if not before:
        return f"{hour}:{minutes:02d}{meridiem}"
    if hour > 12 or (hour == 0 and not meridiem):
        total = (hour * 60 - minutes) % 1440
        return f"{total // 60:02d}:{total % 60:02d}"
    if meridiem and hour == 12:  # 12pm is noon, 12am midnight: written in 24 hours to keep it exact
        total = (720 if meridiem == "pm" else 1440) - minutes
        return f"{total // 60:02d}:{total % 60:02d}"
    return f"{(hour - 1) % 12 or 12}:{60 - minutes:02d}{meridiem}"


_WORDY = re.compile(r"couple|first|second|third|th\b|teen|twent|thirt|forty|fifty", re.IGNORECASE)


def _word_minutes(match: re.Match[str]) -> str:
    """'twenty to three' → '20 minutes to three' (then read as 2:40)."""
    minutes = 20 if match["m"].lower() == "twenty" else 25
    return f"{minutes} minutes "


def _zh_before_hour(match: re.Match[str]) -> str:
    """'差1刻3点' → '2点45分', '3点差5分' → '2点55分'."""
    count, unit, hour = (match["a"], match["au"], match["ah"]) if match["a"] else (match["b"], match["bu"], match["bh"])
    minutes = int(count) * (15 if unit == "刻" else 1)
    if not 0 < minutes < 60:
        return match[0]
    total = int(hour) * 60 - minutes
    return f"{total // 60 % 24}点{total % 60}分"


def _clock_words(match: re.Match[str]) -> str:
    minute_word = re.sub(r"[ \t-]+", "-", match["m"].lower())
    minutes = {"fifteen": 15, "twenty": 20, "thirty": 30, "forty-five": 45, "forty": 40, "fifty": 50}[minute_word]
    return f"{g.en_number(match['h'])}:{minutes:02d}"


def _ordinal_word(match: re.Match[str]) -> str:
    if match["w"]:
        return f"{match['pre']}{g.ordinal_number(match['w'])}th"
    return f"{g.ordinal_number(match['w2'])}th"
