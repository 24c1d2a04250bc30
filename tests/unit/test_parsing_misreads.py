"""Messages the parser used to misread (past days, next week's weekdays, ranges, clock words,
durations, dates, constraints) now mean what the rows of `parsing_corpus_misreads` say."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.errors import ParseError
from bot.parsing import parse
from tests.unit.parsing_corpus import Context
from tests.unit.parsing_corpus_misreads import misread_cases

CASES = misread_cases()


def _moment(ctx: Context, value: str) -> str:
    day, clock = value.split(" ")
    if day.count("-") == 1:
        day = f"{ctx.now.year}-{day}"
    return f"{day}T{clock}"


def _shown(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="minutes")[:16]


def test_every_class_has_many_cases_in_both_languages() -> None:
    assert len(CASES) >= 120
    assert sum(1 for _, text, _, _ in CASES if any("\u4e00" <= c <= "\u9fff" for c in text)) >= 20


@pytest.mark.parametrize(("ctx", "text", "expected", "extras"), CASES, ids=[f"{c.name}:{t}" for c, t, _, _ in CASES])
def test_misread_corpus(ctx: Context, text: str, expected: str, extras: dict[str, Any]) -> None:
    if expected.startswith("!"):
        with pytest.raises(ParseError) as info:
            parse(text, now=ctx.now, tz=ctx.tz)
        assert info.value.reason == expected[1:].strip()
        if "suggestion" in extras:  # a past time is refused with the nearest one still to come
            assert info.value.detail["suggestion_start"][:16] == _moment(ctx, extras["suggestion"])
        return
    intent, kind, start_day, start_clock, end_day, end_clock = expected.split()
    request = parse(text, now=ctx.now, tz=ctx.tz)
    got = (request.intent.value, request.time_kind.value, _shown(request.start), _shown(request.end))
    want = (intent, kind, _moment(ctx, f"{start_day} {start_clock}"), _moment(ctx, f"{end_day} {end_clock}"))
    assert got == want
    assert request.capacity == extras.get("capacity")
    assert list(request.labels) == extras.get("labels", [])
    assert request.group == extras.get("group")
    if "ignored" in extras:
        assert list(request.ignored) == extras["ignored"]
