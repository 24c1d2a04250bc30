"""Rooms the asker cannot book (closed, members only) and all-day items placed in the organisation's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.availability import Candidate, Interval, Verdict, alternatives, assess, rank, restrict, summarize
from bot.domain.models import BUSY, AuthorizedMember, ReservationClosed, RoomAccess, ScheduleItem

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 24, tz: ZoneInfo = SH) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=tz)


def test_a_closure_over_the_window_makes_the_room_closed_with_its_reopening_and_nothing_to_book() -> None:
    closure = ReservationClosed(start=at(0, day=20), end=at(0, day=30), reason="Renovation")
    assessment = restrict(assess([], at(14), at(15)), RoomAccess(closed=closure), booker="u1")
    assert assessment.verdict is Verdict.CLOSED
    assert assessment.until == at(0, day=30)
    assert assessment.reason == "Renovation"
    assert not assessment.fits and assessment.next_free is None


def test_a_closure_that_ends_before_the_window_or_starts_after_it_changes_nothing() -> None:
    free = assess([], at(14), at(15))
    assert restrict(free, RoomAccess(closed=ReservationClosed(start=at(0, day=20), end=at(14))), booker=None) == free
    assert restrict(free, RoomAccess(closed=ReservationClosed(start=at(15), end=None)), booker=None) == free
    closing_mid_window = RoomAccess(closed=ReservationClosed(start=at(14, 30), end=None))
    assert restrict(free, closing_mid_window, booker=None).verdict is Verdict.CLOSED


def test_a_room_not_open_for_reservations_is_closed_without_a_date() -> None:
    assessment = restrict(assess([], at(14), at(15)), RoomAccess(open_reservation=False), booker=None)
    assert assessment.verdict is Verdict.CLOSED and assessment.until is None


def test_a_members_only_room_admits_its_members_and_leaves_others_out() -> None:
    scope = RoomAccess(members=(AuthorizedMember("alice"),))
    free = assess([], at(14), at(15))
    assert restrict(free, scope, booker="alice") == free
    assert restrict(free, scope, booker="bob").verdict is Verdict.NOT_OPEN
    assert restrict(free, scope, booker=None).verdict is Verdict.NOT_OPEN
    # Department membership is DingTalk's to know: such a scope is left for the booking to settle.
    with_dept = RoomAccess(members=(AuthorizedMember("alice"), AuthorizedMember("42", "dept")))
    assert restrict(free, with_dept, booker="bob") == free


def test_unavailable_rooms_rank_last_count_apart_and_are_never_an_alternative() -> None:
    window = (at(14), at(15))
    busy_room = assess([ScheduleItem(BUSY, at(14), at(15))], *window)
    closed = restrict(assess([], *window), RoomAccess(open_reservation=False), booker=None)
    ranked = rank([Candidate("closed", closed), Candidate("busy", busy_room)])
    assert [c.key for c in ranked] == ["busy", "closed"]
    assert summarize([closed, busy_room]).unavailable == 1
    slots = alternatives([("closed", closed), ("busy", busy_room)], within=Interval(at(9), at(18)))
    assert {slot.key for slot in slots} == {"busy"}


def all_day(day: int) -> ScheduleItem:
    """An all-day item as DingTalk's room free/busy writes it: UTC midnights of the date."""
    start = datetime(2026, 11, day, tzinfo=UTC)
    return ScheduleItem(BUSY, start, start + timedelta(days=1), all_day=True)


def test_an_all_day_item_covers_its_date_in_the_org_zone_whatever_the_askers_zone() -> None:
    # 24 Nov in Shanghai is 23 Nov 11:00 .. 24 Nov 11:00 in New York (UTC-5).
    item = all_day(24)
    assert assess([item], at(22, day=23, tz=NY), at(23, day=23, tz=NY), org_zone=SH).verdict is Verdict.BUSY
    assert assess([item], at(12, day=24, tz=NY), at(13, day=24, tz=NY), org_zone=SH).verdict is Verdict.FREE
    ten_am = assess([item], at(10, day=24, tz=NY), at(12, day=24, tz=NY), org_zone=SH)
    assert ten_am.verdict is Verdict.PARTLY_FREE
    assert ten_am.free == (Interval(at(11, day=24, tz=NY), at(12, day=24, tz=NY)),)
    # Berlin (UTC+1): 23 Nov 17:00 .. 24 Nov 17:00.
    assert assess([item], at(16, day=24, tz=BERLIN), at(17, day=24, tz=BERLIN), org_zone=SH).verdict is Verdict.BUSY
    assert assess([item], at(17, day=24, tz=BERLIN), at(18, day=24, tz=BERLIN), org_zone=SH).verdict is Verdict.FREE


def test_the_org_zone_is_a_setting_checked_at_start() -> None:
    import pytest

    from bot.config import Settings
    from bot.errors import ConfigError

    assert Settings.from_env({}).org_zone == SH
    assert Settings.from_env({"ROOMBOT_ORG_TZ": "Europe/Berlin"}).org_zone == BERLIN
    with pytest.raises(ConfigError) as bad:
        Settings.from_env({"ROOMBOT_ORG_TZ": "Mars/Olympus"})
    assert bad.value.variable == "ROOMBOT_ORG_TZ"
