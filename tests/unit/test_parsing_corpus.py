"""The corpus of parsing/corpus rows: every message, read in its fixed context, means what the row says."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.errors import ParseError
from bot.parsing import parse
from tests.unit.parsing_corpus import Context, cases, settings_for

CASES = cases()


def _expected_moment(ctx: Context, value: str) -> str:
    """`12-03 14:00` → `2025-12-03T14:00` in the context's year; full forms pass through."""
    if value == "-":
        return "-"
    if "T" in value:
        return value
    date_part, clock = value.split(" ") if " " in value else (value, "")
    if date_part.count("-") == 1:
        date_part = f"{ctx.now.year}-{date_part}"
    return f"{date_part}T{clock}"


def _actual_moment(moment: datetime | None, expected: str) -> str:
    if moment is None:
        return "-"
    full = moment.isoformat(timespec="minutes")
    return full if len(expected) > 16 else full[:16]


def test_corpus_is_large_and_covers_both_languages_and_contexts() -> None:
    assert len(CASES) >= 300
    assert sum(1 for _, text, _, _ in CASES if any("\u4e00" <= c <= "\u9fff" for c in text)) >= 60
    assert len({ctx.name for ctx, *_ in CASES}) == 4


@pytest.mark.parametrize(("ctx", "text", "expected", "extras"), CASES, ids=[f"{c.name}:{t}" for c, t, _, _ in CASES])
def test_corpus(ctx: Context, text: str, expected: str, extras: dict[str, Any]) -> None:
    settings = settings_for(extras)
    if expected.startswith("!"):
        with pytest.raises(ParseError) as info:
            parse(text, now=ctx.now, tz=ctx.tz, settings=settings)
        assert info.value.reason == expected[1:].strip()
        return
    intent, kind, start_day, start_clock, end_day, end_clock = _split(expected)
    request = parse(text, now=ctx.now, tz=ctx.tz, settings=settings)
    start = _expected_moment(ctx, f"{start_day} {start_clock}".strip())
    end = _expected_moment(ctx, f"{end_day} {end_clock}".strip())
    got = (
        request.intent.value,
        request.time_kind.value,
        _actual_moment(request.start, start),
        _actual_moment(request.end, end),
    )
    assert got == (intent, kind, start, end)
    assert request.duration_minutes == extras.get("duration_minutes")
    assert request.group == extras.get("group")
    assert request.capacity == extras.get("capacity")
    assert list(request.labels) == extras.get("labels", [])
    if "rooms" in extras:
        assert list(request.rooms) == extras["rooms"]
    if "args" in extras:
        assert list(request.args) == extras["args"]
    if request.start is not None:
        assert request.start.utcoffset() == request.start.astimezone(ctx.now.tzinfo).utcoffset()


def _split(expected: str) -> tuple[str, str, str, str, str, str]:
    parts = expected.split()
    intent, kind, rest = parts[0], parts[1], parts[2:]
    if rest == ["-", "-"]:
        return intent, kind, "-", "", "-", ""
    if len(rest) == 2:  # full ISO forms with offsets
        return intent, kind, rest[0], "", rest[1], ""
    return intent, kind, rest[0], rest[1], rest[2], rest[3]
