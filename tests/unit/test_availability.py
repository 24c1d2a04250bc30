"""Availability: busy items + a window → verdicts, free windows, ranking, alternatives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.availability import (
    Alternative,
    Assessment,
    Busy,
    Candidate,
    Interval,
    Verdict,
    alternatives,
    assess,
    rank,
    summarize,
)
from bot.domain.models import BUSY, TENTATIVE, ScheduleItem

SH = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


def busy(start: datetime, end: datetime, status: str = BUSY, **kw: object) -> ScheduleItem:
    return ScheduleItem(status=status, start=start, end=end, **kw)  # type: ignore[arg-type]


# --- verdicts --------------------------------------------------------------------------------


def test_no_items_means_free_for_the_whole_window_and_bookable_as_asked() -> None:
    result = assess([], at(14), at(15))
    assert result.verdict is Verdict.FREE
    assert result.fits
    assert result.bookable == Interval(at(14), at(15))
    assert result.free == (Interval(at(14), at(15)),)
    assert result.next_free == at(14)


def test_back_to_back_items_on_both_sides_leave_the_window_free() -> None:
    items = [busy(at(13), at(14)), busy(at(15), at(16))]
    result = assess(items, at(14), at(15))
    assert result.verdict is Verdict.FREE
    assert result.conflicts == ()
    assert result.bookable == Interval(at(14), at(15))
    # The timeline still gets both neighbours.
    assert [(b.start, b.end) for b in result.blocks] == [(at(13), at(14)), (at(15), at(16))]


def test_item_overlapping_the_window_start_leaves_the_rest_free() -> None:
    result = assess([busy(at(13), at(14, 30))], at(14), at(16))
    assert result.verdict is Verdict.PARTLY_FREE
    assert result.free == (Interval(at(14, 30), at(16)),)
    assert result.conflicts == (Busy(at(14), at(14, 30)),)  # clipped to the window
    assert not result.fits  # the whole window was wanted
    assert result.bookable is None


def test_item_overlapping_the_window_end_leaves_the_start_free() -> None:
    result = assess([busy(at(15, 30), at(17))], at(14), at(16))
    assert result.verdict is Verdict.PARTLY_FREE
    assert result.free == (Interval(at(14), at(15, 30)),)
    assert result.conflicts == (Busy(at(15, 30), at(16)),)


def test_item_covering_the_window_is_busy_and_next_free_is_its_end() -> None:
    result = assess([busy(at(13), at(15, 30))], at(14), at(15))
    assert result.verdict is Verdict.BUSY
    assert result.free == ()
    assert result.next_free == at(15, 30)


def test_next_free_skips_gaps_too_short_for_the_window() -> None:
    items = [busy(at(14), at(15)), busy(at(15, 15), at(16))]
    result = assess(items, at(14), at(15))
    assert result.verdict is Verdict.BUSY
    assert result.next_free == at(16)  # 15:00-15:15 is too short for an hour


def test_a_short_gap_does_not_make_a_room_partly_free() -> None:
    items = [busy(at(14), at(14, 25)), busy(at(14, 30), at(15))]
    result = assess(items, at(14), at(15))
    assert result.free == (Interval(at(14, 25), at(14, 30)),)
    assert result.verdict is Verdict.BUSY


def test_only_tentative_items_in_the_way_make_the_room_pending() -> None:
    result = assess([busy(at(13, 30), at(15), TENTATIVE)], at(14), at(15))
    assert result.verdict is Verdict.PENDING
    assert result.conflicts == (Busy(at(14), at(15), tentative=True),)
    assert not result.fits


def test_tentative_beside_busy_is_busy() -> None:
    items = [busy(at(14), at(14, 30), TENTATIVE), busy(at(14, 30), at(15), BUSY)]
    result = assess(items, at(14), at(15))
    assert result.verdict is Verdict.BUSY
    assert [c.tentative for c in result.conflicts] == [True, False]


def test_tentative_overlapping_busy_is_busy() -> None:
    items = [busy(at(14), at(15), TENTATIVE), busy(at(14), at(15), BUSY)]
    assert assess(items, at(14), at(15)).verdict is Verdict.BUSY


def test_an_unknown_status_counts_as_busy_never_free() -> None:
    assert assess([busy(at(14), at(15), "OOF")], at(14), at(15)).verdict is Verdict.BUSY


def test_all_day_item_blocks_the_whole_local_day() -> None:
    # DingTalk sends all-day items as UTC midnights: 08:00 to 08:00 in Shanghai.
    day = busy(datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC), all_day=True)
    early = assess([day], at(7), at(7, 30))
    assert early.verdict is Verdict.BUSY
    assert early.blocks == (Busy(at(0), at(0, day=25)),)
    assert assess([day], at(23), at(23, 30)).verdict is Verdict.BUSY
    # ...and not the next morning, which the raw UTC times would have blocked until 08:00.
    assert assess([day], at(7, day=25), at(7, 30, day=25)).verdict is Verdict.FREE


def test_all_day_item_with_an_inclusive_end_still_blocks_its_day() -> None:
    day = busy(datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC), all_day=True)
    assert assess([day], at(12), at(13)).verdict is Verdict.BUSY


def test_empty_items_are_ignored() -> None:
    assert assess([busy(at(14), at(14))], at(13), at(15)).verdict is Verdict.FREE


def test_a_room_with_an_error_is_unknown_never_free() -> None:
    result = assess([], at(14), at(15), error="无权限")
    assert result.verdict is Verdict.UNKNOWN
    assert result.reason == "无权限"
    assert not result.fits
    assert result.next_free is None


def test_items_in_another_time_zone_compare_by_instant() -> None:
    # 06:00-07:00 UTC is 14:00-15:00 in Shanghai.
    item = busy(datetime(2026, 11, 24, 6, tzinfo=UTC), datetime(2026, 11, 24, 7, tzinfo=UTC))
    assert assess([item], at(14), at(15)).verdict is Verdict.BUSY
    assert assess([item], at(15), at(16)).verdict is Verdict.FREE


# --- zero-length windows ---------------------------------------------------------------------


def test_an_instant_is_free_when_a_meeting_ends_right_then() -> None:
    result = assess([busy(at(15), at(16))], at(16), at(16))
    assert result.verdict is Verdict.FREE
    assert result.next_free == at(16)
    assert not result.fits  # nothing to book in no time


def test_an_instant_is_busy_when_a_meeting_starts_right_then() -> None:
    result = assess([busy(at(16), at(17))], at(16), at(16))
    assert result.verdict is Verdict.BUSY
    assert result.next_free == at(17)


def test_an_instant_inside_a_tentative_booking_is_pending() -> None:
    assert assess([busy(at(15), at(17), TENTATIVE)], at(16), at(16)).verdict is Verdict.PENDING


# --- wanted duration -------------------------------------------------------------------------


def test_with_a_duration_a_room_fits_when_any_free_window_is_long_enough() -> None:
    result = assess([busy(at(14), at(16, 30))], at(14), at(17), duration=timedelta(minutes=30))
    assert result.verdict is Verdict.PARTLY_FREE
    assert result.fits
    assert result.bookable == Interval(at(16, 30), at(17))


def test_with_a_duration_a_too_short_window_does_not_fit() -> None:
    result = assess([busy(at(14), at(16, 45))], at(14), at(17), duration=timedelta(minutes=30))
    assert result.verdict is Verdict.BUSY
    assert not result.fits
    assert result.next_free == at(16, 45)  # 16:45-17:15 is free, past the window's end


def test_with_a_duration_a_free_room_books_the_first_slot_not_the_whole_span() -> None:
    result = assess([], at(14), at(17), duration=timedelta(minutes=30))
    assert result.verdict is Verdict.FREE
    assert result.bookable == Interval(at(14), at(14, 30))


def test_with_a_duration_pending_when_only_tentative_blocks_the_slot() -> None:
    items = [busy(at(14), at(16, 45)), busy(at(16, 45), at(17), TENTATIVE)]
    result = assess(items, at(14), at(17), duration=timedelta(minutes=15))
    assert result.verdict is Verdict.PENDING


@pytest.mark.parametrize(
    ("start", "end", "duration"),
    [
        (at(15), at(14), None),
        (at(14), at(15), timedelta(hours=2)),
        (at(14), at(15), timedelta(0)),
        (datetime(2026, 11, 24, 14), datetime(2026, 11, 24, 15), None),
    ],
)
def test_invalid_windows_are_refused(start: datetime, end: datetime, duration: timedelta | None) -> None:
    with pytest.raises(ValueError):
        assess([], start, end, duration=duration)


# --- ranking ---------------------------------------------------------------------------------


def room(name: str, result: Assessment, capacity: int | None = None, **kw: object) -> Candidate[str]:
    return Candidate(key=name, assessment=result, capacity=capacity, **kw)  # type: ignore[arg-type]


FREE = assess([], at(14), at(15))
PARTLY = assess([busy(at(14), at(14, 30))], at(14), at(15))
PENDING = assess([busy(at(14), at(15), TENTATIVE)], at(14), at(15))
TAKEN = assess([busy(at(14), at(15))], at(14), at(15))
UNKNOWN = assess([], at(14), at(15), error="roomId invalid")


def names(ranked: list[Candidate[str]]) -> list[str]:
    return [c.key for c in ranked]


def test_rank_puts_free_rooms_first_then_partly_pending_busy_unknown() -> None:
    candidates = [room("u", UNKNOWN), room("b", TAKEN), room("p", PENDING), room("h", PARTLY), room("f", FREE)]
    assert names(rank(candidates)) == ["f", "h", "p", "b", "u"]


def test_rank_prefers_the_smallest_room_big_enough_then_unknown_size_then_too_small() -> None:
    candidates = [
        room("tiny", FREE, 2),
        room("huge", FREE, 30),
        room("unsized", FREE, None),
        room("snug", FREE, 8),
        room("small", FREE, 4),
    ]
    assert names(rank(candidates, capacity=6)) == ["snug", "huge", "unsized", "small", "tiny"]


def test_rank_prefers_wanted_labels_case_insensitively_then_group_order() -> None:
    candidates = [
        room("plain-a", FREE, 8, group="A"),
        room("tv-b", FREE, 8, labels=("TV",), group="B"),
        room("both-b", FREE, 8, labels=("tv", "Projector"), group="B"),
        room("plain-b", FREE, 8, group="B", position=0),
    ]
    ranked = rank(candidates, capacity=6, labels=["Projector", "TV"], group_order=["b", "a"])
    assert names(ranked) == ["both-b", "tv-b", "plain-b", "plain-a"]


def test_rank_free_beats_better_size() -> None:
    ranked = rank([room("snug-busy", TAKEN, 6), room("big-free", FREE, 20)], capacity=6)
    assert names(ranked) == ["big-free", "snug-busy"]


def test_rank_keeps_position_within_a_group() -> None:
    candidates = [room("second", FREE, group="HQ", position=1), room("first", FREE, group="HQ", position=0)]
    assert names(rank(candidates, group_order=["HQ"])) == ["first", "second"]


# --- summary ---------------------------------------------------------------------------------


def test_summary_counts_verdicts_and_when_rooms_free_up() -> None:
    free_at_1530 = assess([busy(at(13), at(15, 30))], at(14), at(15))
    also_1530 = assess([busy(at(14), at(15, 30))], at(14), at(15))
    free_at_16 = assess([busy(at(14), at(16))], at(14), at(15))
    summary = summarize([free_at_1530, also_1530, free_at_16, UNKNOWN, UNKNOWN, PENDING])
    assert summary.total == 6
    assert summary.fitting == 0
    assert (summary.busy, summary.pending, summary.unknown) == (3, 1, 2)
    assert summary.next_free == at(15)  # the pending room frees when its tentative booking ends
    assert summary.next_free_count == 1


def test_summary_of_fitting_rooms() -> None:
    summary = summarize([FREE, FREE, PARTLY])
    assert (summary.total, summary.fitting, summary.free, summary.partly_free) == (3, 2, 2, 1)
    assert summary.next_free == at(14, 30)
    assert summary.next_free_count == 1


def test_summary_of_nothing() -> None:
    summary = summarize([])
    assert summary.total == 0
    assert summary.next_free is None


# --- alternatives ----------------------------------------------------------------------------


DAY = Interval(at(9), at(18))


def earlier(found: tuple[Alternative[str], ...]) -> tuple[Alternative[str], ...]:
    return tuple(slot for slot in found if slot.earlier)


def later(found: tuple[Alternative[str], ...]) -> tuple[Alternative[str], ...]:
    return tuple(slot for slot in found if not slot.earlier)


def test_alternatives_give_the_nearest_slot_of_the_same_length_before_and_after() -> None:
    everest = assess([busy(at(10), at(13, 30)), busy(at(14), at(15, 20))], at(14), at(15))
    k2 = assess([busy(at(9), at(14, 30)), busy(at(14, 30), at(16))], at(14), at(15))
    found = alternatives([("Everest", everest), ("K2", k2)], within=DAY)
    # Everest: 13:30-14:00 is too short, 09:00-10:00 fits before; 15:20 is a meeting's end.
    assert [(s.key, s.start, s.end) for s in earlier(found)] == [("Everest", at(9), at(10))]
    assert [(s.key, s.start, s.end) for s in later(found)] == [
        ("Everest", at(15, 20), at(16, 20)),
        ("K2", at(16), at(17)),
    ]


def test_alternatives_end_right_when_the_next_meeting_starts() -> None:
    result = assess([busy(at(9), at(11)), busy(at(12, 40), at(18))], at(14), at(15))
    found = alternatives([("r", result)], within=DAY)
    assert [(s.start, s.end) for s in earlier(found)] == [(at(11, 40), at(12, 40))]
    assert later(found) == ()


def test_alternatives_keep_the_wanted_duration_and_never_suggest_the_past() -> None:
    result = assess([busy(at(14), at(17))], at(14), at(17), duration=timedelta(minutes=30))
    found = alternatives([("r", result)], within=DAY, not_before=at(13, 50))
    assert [(s.start, s.end) for s in earlier(found)] == []  # 13:50-14:20 would overlap the meeting
    assert [(s.start, s.end) for s in later(found)] == [(at(17), at(17, 30))]
    found = alternatives([("r", result)], within=DAY, not_before=at(12, 3))
    assert [(s.start, s.end) for s in earlier(found)] == [(at(13, 30), at(14))]


def test_alternatives_stay_within_bounds() -> None:
    result = assess([busy(at(9), at(14, 32)), busy(at(14, 32), at(17, 30))], at(14), at(15))
    found = alternatives([("r", result)], within=DAY)
    assert earlier(found) == ()
    assert later(found) == ()  # 17:30-18:30 would leave the day


def test_alternatives_round_earlier_starts_down_to_the_grid() -> None:
    result = assess([busy(at(12, 37), at(18))], at(14), at(15))
    found = alternatives([("r", result)], within=DAY)
    assert [(s.start, s.end) for s in earlier(found)] == [(at(11, 35), at(12, 35))]


def test_alternatives_skip_rooms_that_fit_or_are_unknown() -> None:
    found = alternatives([("free", FREE), ("unknown", UNKNOWN)], within=DAY)
    assert found == ()


def test_alternatives_limit_and_order_nearest_first() -> None:
    rooms = [(f"r{i}", assess([busy(at(12), at(14, 10 * i))], at(12), at(13))) for i in range(1, 6)]
    found = alternatives(rooms, within=DAY, limit=2)
    assert [slot.earlier for slot in found] == [True, True, False, False]  # earlier ones first
    assert [(s.key, s.start) for s in later(found)] == [("r1", at(14, 10)), ("r2", at(14, 20))]
    assert [(s.key, s.start) for s in earlier(found)] == [("r1", at(11)), ("r2", at(11))]
