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


# --- answers that never misread the question: past days, constraints, ranges ---------------------

PAST_AND_FUTURE_WORDS = [
    "yesterday",
    "the day before yesterday",
    "last",
    "previous",
    "friday",
    "monday",
    "wednesday",
    "next week",
    "today",
    "tomorrow",
    "tonight",
    "3pm",
    "9am",
    "at",
    "2-3pm",
    "10pm-2am",
    "0930-1045",
    "between now and 5",
    "later than 3:30pm but before 6pm",
    "a quarter to noon",
    "8",
    "for the next hour",
    "next 3 days",
    "昨天",
    "前天",
    "上周五",
    "下午3点",
    "晚上11点 ~ 凌晨2点",
    "march first",
    "the first monday of next month",
    "Tuesday 8th",
    "2 days ago",
    "3 hours ago",
    "this past",
    "两天前",
    "at half 3",
    "between now and",
    "now until",
    "现在到",
]
hour_minutes = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _suggestion_is_ahead(exc: ParseError, now: datetime) -> None:
    start, end = exc.detail.get("suggestion_start"), exc.detail.get("suggestion_end")
    assert start and end, "a past time must come with the nearest one still to come"
    floor = now.replace(second=0, microsecond=0)
    assert datetime.fromisoformat(start) >= floor
    assert datetime.fromisoformat(end) > now


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(PAST_AND_FUTURE_WORDS), min_size=1, max_size=5),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Pacific/Auckland"]),
    now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
)
def test_no_window_in_the_past_is_searched_without_a_warning(words: list[str], zone: str, now: datetime) -> None:
    try:
        request = parse(" ".join(words), now=now, tz=zone)
    except ParseError as exc:
        if exc.reason == "in_past":
            _suggestion_is_ahead(exc, now)
        return
    if request.start is not None:
        assert request.start >= now.replace(second=0, microsecond=0), "a past window was searched silently"
    if request.rolled_from is not None:  # moved to the next day or week: the moment it moved from is kept
        assert request.start is not None and request.rolled_from < request.start


@settings(max_examples=200, deadline=None)
@given(
    when=hour_minutes,
    past=st.sampled_from(
        [
            "yesterday",
            "last monday",
            "last friday",
            "previous sunday",
            "this past tuesday",
            "2 days ago",
            "昨天",
            "前天",
            "上周三",
        ]
    ),
    zone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/Los_Angeles"]),
    now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
)
def test_a_past_day_is_always_refused_with_a_time_to_come(
    when: tuple[int, int], past: str, zone: str, now: datetime
) -> None:
    text = f"{past} {when[0]:02d}:{when[1]:02d}"
    try:
        parse(text, now=now, tz=zone)
    except ParseError as exc:
        assert exc.reason == "in_past", f"{text!r}: {exc.reason}"
        _suggestion_is_ahead(exc, now)
    else:
        raise AssertionError(f"{text!r} searched a day that is over")


def _clock_text(hour: int, minute: int, style: str) -> str:
    if style == "24h":
        return f"{hour:02d}:{minute:02d}"
    if style == "4digit":
        return f"{hour:02d}{minute:02d}"
    twelve = hour % 12 or 12
    return f"{twelve}:{minute:02d}{'am' if hour < 12 else 'pm'}" if style == "ampm" else str(twelve)


@settings(max_examples=400, deadline=None)
@given(
    first=hour_minutes,
    second=hour_minutes,
    styles=st.tuples(*[st.sampled_from(["24h", "4digit", "ampm", "bare"])] * 2),
    form=st.sampled_from(["{a}-{b}", "from {a} to {b}", "between {a} and {b}", "{a} ~ {b}", "after {a} but before {b}"]),
    day=st.sampled_from(["", "tomorrow ", "friday ", "next week wednesday ", "明天"]),
    zone=st.sampled_from(["Asia/Shanghai", "America/New_York"]),
    now=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
)
def test_the_end_is_never_before_the_start(
    first: tuple[int, int],
    second: tuple[int, int],
    styles: tuple[str, str],
    form: str,
    day: str,
    zone: str,
    now: datetime,
) -> None:
    text = day + form.format(a=_clock_text(*first, styles[0]), b=_clock_text(*second, styles[1]))
    try:
        request = parse(text, now=now, tz=zone)
    except ParseError as exc:
        assert "internal" not in exc.detail
        return
    if request.start is not None and request.end is not None:
        assert request.end > request.start, text
