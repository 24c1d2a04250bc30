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
        work = g.EN_NUMBER.sub(lambda m: str(g.en_number(m[1])), work)
        work = g.PAST_TO.sub(_past_to, work)
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
    """'half past 2' → '2:30', 'quarter to 4' → '3:45' (read by the clock grammar as usual)."""
    hour = int(match["h"])
    minutes = 30 if match["what"].lower() == "half" else 15
    if match["rel"].lower() == "to":
        hour, minutes = (hour - 1) % 12 or 12, 60 - minutes
    return f"{hour}:{minutes:02d}"
