"""The booking rules checked before DingTalk is called, and the idempotency keys: pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.models import AdvanceReservation, ReservationClosed, Room, RoomDetail
from bot.errors import (
    BookingRuleViolation,
    DingTalkParameterError,
    MalformedReply,
    ParseError,
    RoomBusy,
    Throttled,
    UpstreamUnavailable,
)
from bot.usecases.bookings.rules import (
    booking_key,
    check_rules,
    check_window,
    client_token,
    event_marker,
    next_key,
    outcome_unknown,
    parse_marker,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)


def detail(**rules: object) -> RoomDetail:
    return RoomDetail(room=Room(room_id="R1", name="3F-Everest"), **rules)  # type: ignore[arg-type]


def at(days: int, hour: int, minutes: int = 60) -> tuple[datetime, datetime]:
    start = (NOW + timedelta(days=days)).replace(hour=hour)
    return start, start + timedelta(minutes=minutes)


def violation(room: RoomDetail, window: tuple[datetime, datetime]) -> BookingRuleViolation | None:
    try:
        check_rules(room, *window, now=NOW, zone=SHANGHAI)
    except BookingRuleViolation as exc:
        return exc
    return None


def test_a_room_without_rules_takes_any_future_window() -> None:
    assert violation(detail(), at(400, 14)) is None


def test_a_room_not_open_for_reservations_is_closed() -> None:
    found = violation(detail(open_reservation=False), at(1, 14))
    assert found is not None and found.rule == "closed" and found.detail == {}


def test_a_closure_refuses_only_windows_that_overlap_it_and_says_until_when_and_why() -> None:
    start, _ = at(2, 0)  # 17 Dec 00:00, for three days
    closure = ReservationClosed(start=start, end=start + timedelta(days=3), reason="Renovation")
    room = detail(closed=closure)

    inside = violation(room, at(3, 14))
    assert inside is not None and inside.rule == "closed"
    assert inside.detail == {"until": "Sun 20 Dec 00:00", "reason": "Renovation"}
    assert violation(room, at(1, 14)) is None
    assert violation(room, at(5, 14)) is None


def test_an_open_ended_closure_refuses_everything_after_it_starts() -> None:
    room = detail(closed=ReservationClosed(start=NOW, end=None))
    found = violation(room, at(300, 14))
    assert found is not None and found.rule == "closed" and "until" not in found.detail


@pytest.mark.parametrize(("minutes", "rule"), [(121, "too_long"), (29, "too_short"), (120, None), (30, None)])
def test_length_limits(minutes: int, rule: str | None) -> None:
    found = violation(detail(max_minutes=120, min_minutes=30), at(1, 14, minutes))
    assert (found.rule if found else None) == rule


@pytest.mark.parametrize(
    ("amount", "unit", "last_ok_day", "limit"),
    [
        (14, "days", 14, "14 days"),
        (2, "weeks", 14, "2 weeks"),
        (1, "months", 31, "1 month"),  # 15 Dec + 1 month = 15 Jan, across the year end
        (1, "years", 365, "1 year"),
    ],
)
def test_how_far_ahead_counts_whole_local_days(amount: int, unit: str, last_ok_day: int, limit: str) -> None:
    room = detail(advance=AdvanceReservation(amount=amount, unit=unit))
    assert violation(room, at(last_ok_day, 23, 30)) is None
    found = violation(room, at(last_ok_day + 1, 0, 30))
    assert found is not None and found.rule == "too_far_ahead" and found.detail["limit"] == limit


def test_a_new_day_opens_only_at_the_rooms_booking_time() -> None:
    room = detail(advance=AdvanceReservation(amount=14, unit="days", book_time="12:00"))
    assert violation(room, at(13, 14)) is None
    found = violation(room, at(14, 14))  # at 10:00 the 14th day ahead is not open until noon
    assert found is not None and found.rule == "too_far_ahead"


def test_a_window_that_is_over_or_started_long_ago_is_in_the_past() -> None:
    with pytest.raises(BookingRuleViolation) as over:
        check_window(NOW - timedelta(hours=2), NOW - timedelta(hours=1), now=NOW, room_name="3F-Everest")
    assert over.value.rule == "in_past"
    with pytest.raises(BookingRuleViolation):
        check_window(NOW - timedelta(minutes=16), NOW + timedelta(minutes=30), now=NOW, room_name="3F-Everest")


def test_a_book_button_clicked_a_few_minutes_late_still_books() -> None:
    check_window(NOW - timedelta(minutes=10), NOW + timedelta(minutes=20), now=NOW, room_name="3F-Everest")


def test_an_empty_window_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as empty:
        check_window(NOW + timedelta(hours=1), NOW + timedelta(hours=1), now=NOW, room_name="3F-Everest")
    assert empty.value.reason == "end_before_start"


def test_keys_and_client_tokens_are_stable_distinct_and_fit_dingtalk() -> None:
    key = booking_key("T1", "U1", "R1", *at(1, 14))
    assert key == booking_key("T1", "U1", "R1", *at(1, 14))
    assert key != booking_key("T1", "U2", "R1", *at(1, 14))
    tokens = {client_token(key, step) for step in ("create", "add", "undo")}
    assert len(tokens) == 3 and all(len(token) <= 64 for token in tokens)
    assert next_key(key, 7) == next_key(key, 7) != next_key(key, 8)
    assert next_key(key, 7) != key


def test_one_key_per_logical_booking_whatever_zone_the_window_is_written_in() -> None:
    start, end = at(1, 14)
    utc = ZoneInfo("UTC")
    assert booking_key("T1", "U1", "R1", start, end) == booking_key(
        "T1", "U1", "R1", start.astimezone(utc), end.astimezone(utc)
    )
    assert booking_key("T1", "U1", "R1", start, end) != booking_key("T1", "U1", "R2", start, end)
    assert booking_key("T1", "U1", "R1", start, end) != booking_key("T1", "U1", "R1", start, end + timedelta(minutes=30))


def test_the_event_marker_names_team_and_key_and_is_found_in_any_description() -> None:
    key = booking_key("T1", "U1", "R1", *at(1, 14))
    description = f"Booked in Slack by alice via roombot.\n\n{event_marker('T1', key)}"
    assert parse_marker(description) == ("T1", key)
    assert parse_marker("Team lunch, [roombot booking] of nothing") is None
    assert parse_marker("") is None


@pytest.mark.parametrize(
    ("exc", "unknown"),
    [
        (UpstreamUnavailable("timeout"), True),  # DingTalk may have done it
        (MalformedReply("half a reply"), True),
        (OSError("connection reset"), True),
        (DingTalkParameterError("Idempotency processing", code="idempotencyProcessing"), True),  # the first may land
        (RoomBusy("room busy", code="meetingRoomNotAvailable"), False),  # a definite no
        (Throttled("qps", code="Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"), False),
    ],
)
def test_only_a_lost_or_unreadable_answer_leaves_the_outcome_unknown(exc: Exception, unknown: bool) -> None:
    assert outcome_unknown(exc) is unknown
