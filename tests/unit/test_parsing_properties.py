"""Whatever the text, zone and moment, parse returns a Request or raises a ParseError, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.parsing import Request, TimeKind, parse

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("posix/", "right/")))
WORDS = [
    "tomorrow",
    "2-3pm",
    "at",
    "4",
    "from",
    "to",
    "between",
    "and",
    "noon",
    "book",
    "cancel",
    "group",
    "add",
    "明天",
    "下午",
    "2点",
    "到",
    "3点",
    "半",
    "周五",
    "8人",
    "for",
    "45",
    "min",
    "in",
    "HQ",
    "@3F",
    "<@U1>",
    '"',
    "next",
    "monday",
    "Dec",
    "3",
    "/",
    "12",
    ":",
    "30",
    "until",
    "after",
    "EOD",
    "tonight",
    "-",
    "链接",
    "1.5h",
]

moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 1), timezones=st.just(UTC))
texts = st.one_of(st.text(max_size=120), st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))


def _check(text: str, zone: str, now: datetime) -> None:
    try:
        request = parse(text, now=now, tz=zone)
    except ParseError as exc:
        assert exc.reason
        assert "internal" not in exc.detail, f"the parser crashed inside: {exc.detail}"
        return
    assert isinstance(request, Request)
    if request.start is not None and request.end is not None:
        assert request.end > request.start
        assert request.start.tzinfo is not None
        assert request.end - request.start <= timedelta(days=31)
        if request.time_kind is not TimeKind.NONE:
            assert request.end > now


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, zone=st.sampled_from(ZONES), now=moments)
def test_any_text_zone_and_moment_gives_a_request_or_a_parse_error(text: str, zone: str, now: datetime) -> None:
    _check(text, zone, now)


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1000, max_size=6000))
def test_long_text_is_cut_not_choked_on(text: str) -> None:
    _check(text, "Asia/Shanghai", datetime(2025, 12, 2, 10, 17, tzinfo=ZoneInfo("Asia/Shanghai")))


def test_an_unknown_zone_is_a_parse_error() -> None:
    try:
        parse("tomorrow 2pm", now=datetime(2025, 12, 2, tzinfo=UTC), tz="Mars/Olympus")
    except ParseError as exc:
        assert exc.reason == "bad_timezone"
    else:  # pragma: no cover - the assertion below explains the failure
        raise AssertionError("an unknown zone must raise ParseError")
