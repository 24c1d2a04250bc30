"""text, now, zone → Request. Our range grammar on top; dateparser reads calendar dates.

The flow: clean the text (Slack markup, Unicode forms), find the command, then take the
details out one by one (headcount, equipment, durations, dates, times, group); each taken span
is blanked so later patterns cannot reuse it. Last, the pieces are resolved into one window.
The command grammar lives in `commands`, the time grammar in `times`; this module composes them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, tzinfo

from bot.errors import ParseError
from bot.parsing import commands
from bot.parsing import grammar as g
from bot.parsing.models import Intent, ParseSettings, Request
from bot.parsing.scan import Scan
from bot.parsing.text import lower_same_length
from bot.parsing.times.reader import TimeReader
from bot.parsing.times.window import resolve_window

_log = logging.getLogger(__name__)
_DEFAULT_SETTINGS = ParseSettings()
_EXAMPLE = "free rooms tomorrow 2-3pm"
LABEL_VIDEO = 5  # DingTalk's label id for video conferencing


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
        scan = Scan(text, now=now, tz=tz, settings=settings or _DEFAULT_SETTINGS)
        return _read(scan, commands.read_people(str(text)))
    except ParseError:
        raise
    except Exception as exc:  # a guard: odd input must never surface as anything but a ParseError
        _log.exception("parser failed on a message of %d chars", len(str(text)))
        raise ParseError(
            "unreadable",
            understood="",
            example=_EXAMPLE,
            detail={"fragment": str(text)[:80], "internal": type(exc).__name__},
            text=str(text)[:200],
        ) from exc


def _read(scan: Scan, people: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> Request:
    intent, rest_at = commands.read_intent(scan.low)
    if intent is Intent.FIND and (people[0] or people[1]) and commands.MEET_WORDS.search(scan.low):
        intent = Intent.MEET  # a search that names people: a time that suits them and a room
    scan.intent = intent
    if intent is Intent.MEET:
        request = _search(scan, intent, rest_at)
        video = LABEL_VIDEO in request.labels  # "with a video call": a DingTalk video meeting
        return replace(
            request,
            people=people[0],
            optional_people=people[1],
            video=video,
            labels=tuple(label for label in request.labels if label != LABEL_VIDEO),
        )
    if intent in commands.SEARCH_INTENTS:
        return _search(scan, intent, rest_at)
    return commands.command(scan, intent, rest_at)


def _search(scan: Scan, intent: Intent, rest_at: int) -> Request:
    """find, book, cancel, my bookings: room filters and times first, then what is left are room names."""
    if rest_at:
        scan.blank(0, rest_at)
    quoted_group = scan.take(g.GROUP_QUOTED)
    capacity = commands.read_capacity(scan)
    labels = commands.read_labels(scan)
    found = TimeReader(scan=scan).read()
    if quoted_group:
        group: str | None = scan.orig[quoted_group.start("name") : quoted_group.end("name")].strip()
    else:
        group = commands.read_group(scan)
    if group:
        scan.understood.append(f"in {group}")
    leftovers = scan.leftovers()
    _check_leftovers(scan, leftovers, understood_any=bool(scan.understood or capacity or labels or scan.chinese))
    rooms, args = commands.targets(intent, leftovers)
    ignored = commands.ignored(intent, leftovers)
    start, end, kind, duration = resolve_window(scan, found, intent)
    return Request(
        intent=intent,
        text=scan.cleaned,
        start=start,
        end=end,
        time_kind=kind,
        duration_minutes=duration,
        group=group,
        capacity=capacity,
        labels=labels,
        rooms=rooms,
        args=args,
        ignored=ignored,
        rolled_from=found.rolled_from,
    )


def _check_leftovers(scan: Scan, leftovers: list[str], *, understood_any: bool) -> None:
    """A time we could not read must not pass as a room name, nor gibberish as "free rooms now"."""
    for word in leftovers:
        if g.TIME_SHAPED.search(lower_same_length(word)):
            raise scan.error("unreadable", _EXAMPLE, fragment=word)
    stray = g.TIME_SHAPED.search(" ".join(lower_same_length(w) for w in leftovers))
    if stray:
        raise scan.error("unreadable", _EXAMPLE, fragment=stray[0])
    if scan.intent is Intent.FIND and not understood_any:
        unknown = [w for w in leftovers if w.strip("\"'?!.").lower() not in commands.FILLERS | commands.SEARCH_WORDS]
        if unknown:
            raise scan.error("not_understood", _EXAMPLE, fragment=unknown[0])
