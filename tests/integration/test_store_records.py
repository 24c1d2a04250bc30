"""Users, bookings, processed Slack events and the schedule cache."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select

from bot.domain.models import BUSY, TENTATIVE, RoomSchedule, ScheduleItem
from bot.errors import NotAllowed, NotFound, StoreUnavailable
from bot.store import BOOKING_BOOKED, BOOKING_CANCELLED, BOOKING_FAILED, BOOKING_PENDING, BOOKING_REQUESTED, Store
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Booking
from tests.booking_intents import intent
from tests.integration.conftest import T1, T2, Clock
from tests.threads import run_in_threads

ALICE = "U_ALICE"
START = datetime(2025, 3, 11, 6, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


# --- users ---------------------------------------------------------------------------------------


def test_a_user_is_created_on_first_sight_and_keeps_tz_and_link(store: Store, clock: Clock) -> None:
    assert store.users.get(T1, ALICE) is None
    assert store.users.ensure(T1, ALICE).linked is False

    store.users.set_tz(T1, ALICE, "Europe/Paris", fetched_at=clock())
    store.users.link(T1, ALICE, "union-alice")

    user = store.users.get(T1, ALICE)
    assert user is not None
    assert (user.tz, user.tz_fetched_at, user.union_id, user.linked) == ("Europe/Paris", clock(), "union-alice", True)
    assert store.users.get(T2, ALICE) is None
    assert store.users.link(T1, ALICE, None).union_id is None


# --- bookings ------------------------------------------------------------------------------------


def begin(store: Store, key: str = "click-1", team: str = T1, user: str = ALICE) -> tuple[int, bool]:
    everest = ("r-everest", "3F-Everest")
    clicked_in = {"channel_id": "C1", "message_ts": "1700000000.000100"}
    written = intent(key, user=user, room=everest, start=START, end=END, organizer="union-alice", **clicked_in)
    record, created = store.bookings.begin(team, **written)
    return record.id, created


def test_the_same_idempotency_key_twice_gives_one_booking(store: Store, engine: Engine) -> None:
    first_id, first_created = begin(store)
    second_id, second_created = begin(store)

    assert (first_created, second_created) == (True, False)
    assert first_id == second_id
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Booking)).scalar() == 1


def test_the_same_key_in_another_team_is_another_booking(store: Store) -> None:
    mine, _ = begin(store)
    theirs, created = begin(store, team=T2)
    assert created is True and theirs != mine


def test_racing_double_clicks_make_one_booking(store: Store) -> None:
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(4)

    def click() -> None:
        barrier.wait()
        results.append(begin(store, key="racy"))

    run_in_threads(click, 4)

    assert len(results) == 4
    assert len({booking_id for booking_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]


def test_a_booking_goes_from_requested_to_booked_then_cancelled(store: Store) -> None:
    booking_id, _ = begin(store)
    requested = store.bookings.get(T1, booking_id)
    assert (requested.status, requested.active, requested.start, requested.end) == (BOOKING_REQUESTED, True, START, END)

    booked = store.bookings.complete(T1, booking_id, event_id="ev-1", status=BOOKING_BOOKED)
    assert (booked.status, booked.event_id) == (BOOKING_BOOKED, "ev-1")

    with pytest.raises(NotAllowed):
        store.bookings.cancel(T1, booking_id, acting_user="U_BOB")
    cancelled = store.bookings.cancel(T1, booking_id, acting_user=ALICE)
    assert (cancelled.status, cancelled.active) == (BOOKING_CANCELLED, False)


def test_a_failed_booking_keeps_its_reason(store: Store) -> None:
    booking_id, _ = begin(store)
    failed = store.bookings.fail(T1, booking_id, "meetingRoomNotAvailable")
    assert (failed.status, failed.error) == (BOOKING_FAILED, "meetingRoomNotAvailable")


def test_another_teams_booking_is_not_found(store: Store) -> None:
    booking_id, _ = begin(store, team=T2)
    with pytest.raises(NotFound):
        store.bookings.get(T1, booking_id)
    with pytest.raises(NotFound):
        store.bookings.cancel(T1, booking_id)
    assert store.bookings.get(T2, booking_id).status == BOOKING_REQUESTED


def test_upcoming_bookings_are_the_users_booked_and_pending_ones_soonest_first(store: Store) -> None:
    def book(key: str, start: datetime, status: str, user: str = ALICE) -> int:
        record, _ = store.bookings.begin(T1, **intent(key, user=user, start=start, end=start + timedelta(minutes=30)))
        if status in (BOOKING_BOOKED, BOOKING_PENDING):
            store.bookings.complete(T1, record.id, event_id=f"ev-{key}", status=status)
        elif status == BOOKING_CANCELLED:
            store.bookings.cancel(T1, record.id)
        return record.id

    later = book("later", START + timedelta(days=1), BOOKING_BOOKED)
    soon = book("soon", START, BOOKING_PENDING)
    book("past", START - timedelta(days=1), BOOKING_BOOKED)
    book("cancelled", START + timedelta(hours=2), BOOKING_CANCELLED)
    book("bobs", START, BOOKING_BOOKED, user="U_BOB")

    upcoming = store.bookings.for_user(T1, user_id=ALICE, start_after=START - timedelta(minutes=1))
    assert [b.id for b in upcoming] == [soon, later]


def test_find_active_booking_sees_overlaps_only(store: Store) -> None:
    booking_id, _ = begin(store)
    assert store.bookings.find_active(T1, "r-everest", START + timedelta(minutes=30), END + timedelta(hours=1)) is not None
    assert store.bookings.find_active(T1, "r-everest", END, END + timedelta(hours=1)) is None
    assert store.bookings.find_active(T1, "r-k2", START, END) is None
    assert store.bookings.find_active(T2, "r-everest", START, END) is None
    store.bookings.cancel(T1, booking_id)
    assert store.bookings.find_active(T1, "r-everest", START, END) is None


# --- processed events ----------------------------------------------------------------------------


def test_an_event_is_processed_once_per_team(store: Store, clock: Clock) -> None:
    assert store.events.mark_processed(T1, "Ev1", clock()) is True
    assert store.events.mark_processed(T1, "Ev1", clock()) is False
    assert store.events.mark_processed(T2, "Ev1", clock()) is True


def test_racing_deliveries_of_one_event_are_handled_once(store: Store, clock: Clock) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        results.append(store.events.mark_processed(T1, "EvRace", clock()))

    run_in_threads(deliver, 4)
    assert sorted(results) == [False, False, False, True]


def test_pruning_forgets_old_events_of_that_team_only(store: Store, clock: Clock) -> None:
    store.events.mark_processed(T1, "old", clock())
    store.events.mark_processed(T2, "old", clock())
    store.events.mark_processed(T1, "new", clock.advance(hours=2))

    assert store.events.prune(T1, older_than=clock() - timedelta(hours=1)) == 1

    assert store.events.mark_processed(T1, "old", clock()) is True
    assert store.events.mark_processed(T1, "new", clock()) is False
    assert store.events.mark_processed(T2, "old", clock()) is False


# --- schedule cache ------------------------------------------------------------------------------

SHANGHAI = timezone(timedelta(hours=8))
DAY_START = datetime(2025, 3, 11, 0, 0, tzinfo=SHANGHAI)  # a local day, as its UTC window
DAY_END = DAY_START + timedelta(days=1)

EVEREST = RoomSchedule(
    room_id="r-everest",
    items=(
        ScheduleItem(BUSY, START, END, event_id="ev-1", organizer_id="union-bob"),
        ScheduleItem(TENTATIVE, END, END + timedelta(minutes=30)),
        ScheduleItem(BUSY, DAY_START.astimezone(UTC), DAY_END.astimezone(UTC), all_day=True),
    ),
)
K2_ERROR = RoomSchedule(room_id="r-k2", error="roomId invalid")
EMPTY = RoomSchedule(room_id="r-cafe")


def test_cached_schedules_come_back_as_stored(store: Store, clock: Clock) -> None:
    store.schedules.put(T1, DAY_START, DAY_END, [EVEREST, K2_ERROR, EMPTY], fetched_at=clock())

    cached = store.schedules.get(
        T1, ["r-everest", "r-k2", "r-cafe", "r-unknown"], DAY_START, DAY_END, max_age_s=60, now=clock()
    )

    assert set(cached) == {"r-everest", "r-k2", "r-cafe"}
    assert cached["r-everest"].schedule == EVEREST
    assert cached["r-everest"].fetched_at == clock()
    assert cached["r-k2"].schedule.unknown and cached["r-k2"].schedule.error == "roomId invalid"
    assert cached["r-cafe"].schedule == EMPTY
    assert all(item.start.tzinfo is not None for item in cached["r-everest"].schedule.items)


def test_only_fresh_entries_of_the_same_window_and_team_are_returned(store: Store, clock: Clock) -> None:
    store.schedules.put(T1, DAY_START, DAY_END, [EVEREST], fetched_at=clock())

    def get(**overrides: object) -> set[str]:
        args: dict[str, object] = {"window_start": DAY_START, "window_end": DAY_END, "max_age_s": 60, "now": clock()}
        args.update(overrides)
        team = str(args.pop("team", T1))
        return set(store.schedules.get(team, ["r-everest"], **args))  # type: ignore[arg-type]

    assert get() == {"r-everest"}
    assert get(now=clock() + timedelta(seconds=60)) == {"r-everest"}
    assert get(now=clock() + timedelta(seconds=61)) == set()
    assert get(window_start=DAY_END, window_end=DAY_END + timedelta(days=1)) == set()
    assert get(team=T2) == set()


def test_putting_again_replaces_the_entry(store: Store, clock: Clock) -> None:
    store.schedules.put(T1, DAY_START, DAY_END, [EVEREST], fetched_at=clock())
    later = clock.advance(seconds=120)
    store.schedules.put(T1, DAY_START, DAY_END, [RoomSchedule("r-everest")], fetched_at=later)

    cached = store.schedules.get(T1, ["r-everest"], DAY_START, DAY_END, max_age_s=60, now=later)
    assert cached["r-everest"].schedule.items == ()
    assert cached["r-everest"].fetched_at == later


def test_invalidating_a_room_drops_all_its_days_and_nothing_else(store: Store, clock: Clock) -> None:
    next_start, next_end = DAY_END, DAY_END + timedelta(days=1)
    store.schedules.put(T1, DAY_START, DAY_END, [EVEREST, EMPTY], fetched_at=clock())
    store.schedules.put(T1, next_start, next_end, [RoomSchedule("r-everest")], fetched_at=clock())
    store.schedules.put(T2, DAY_START, DAY_END, [EVEREST], fetched_at=clock())

    store.schedules.invalidate(T1, ["r-everest"])

    def cached(team: str, start: datetime, end: datetime) -> set[str]:
        return set(store.schedules.get(team, ["r-everest", "r-cafe"], start, end, max_age_s=60, now=clock()))

    assert cached(T1, DAY_START, DAY_END) == {"r-cafe"}
    assert cached(T1, next_start, next_end) == set()
    assert cached(T2, DAY_START, DAY_END) == {"r-everest"}


def test_pruning_the_cache_drops_old_entries(store: Store, clock: Clock) -> None:
    store.schedules.put(T1, DAY_START, DAY_END, [EVEREST], fetched_at=clock())
    store.schedules.put(T1, DAY_START, DAY_END, [EMPTY], fetched_at=clock.advance(hours=1))
    assert store.schedules.prune(T1, older_than=clock() - timedelta(minutes=1)) == 1
    assert set(store.schedules.get(T1, ["r-everest", "r-cafe"], DAY_START, DAY_END, max_age_s=1e9, now=clock())) == {
        "r-cafe"
    }


# --- failures --------------------------------------------------------------------------------------


def test_an_unreachable_database_is_store_unavailable_without_secrets(clock: Clock) -> None:
    engine = make_engine("postgres://roombot:s3cret-pw@127.0.0.1:1/roombot", connect_args={"connect_timeout": 2})
    store = Store(session_factory=make_session_factory(engine), clock=clock)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            store.users.get(T1, ALICE)
        assert "s3cret" not in str(caught.value)
        with pytest.raises(StoreUnavailable):
            store.ping()
    finally:
        engine.dispose()


def test_heroku_postgres_urls_get_the_psycopg_driver() -> None:
    engine = make_engine("postgres://roombot:pw@db.example.com:5432/roombot")
    try:
        assert engine.url.drivername == "postgresql+psycopg"
        assert (engine.url.host, engine.url.database) == ("db.example.com", "roombot")
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
