"""The room directory: upserts, time zones, and finding rooms by id or by name."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from bot.errors import AmbiguousRoom, StoreUnavailable, UnknownRoom
from bot.store import Store, make_engine, make_session_factory
from tests.integration.conftest import DIRECTORY, T1, T2, Clock, room


def test_timestamps_come_back_aware_utc_whatever_zone_went_in(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    synced_at = datetime(2025, 3, 10, 9, 30, 15, 123456, tzinfo=shanghai)

    store.rooms.upsert(T1, [room("r1", "Everest")], synced_at)

    [got] = store.rooms.all(T1)
    assert got.synced_at == synced_at
    assert got.synced_at is not None and got.synced_at.tzinfo is not None
    assert got.synced_at.utcoffset() == timedelta(0)
    assert (got.synced_at.hour, got.synced_at.minute) == (1, 30)
    assert store.rooms.synced_at(T1) == synced_at


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        store.rooms.upsert(T1, [room("r1", "Everest")], datetime(2025, 3, 10, 9, 30))
    assert store.rooms.all(T1) == []


def test_first_sync_adds_every_room(store: Store, clock: Clock) -> None:
    report = store.rooms.upsert(T1, DIRECTORY, clock())

    assert (report.added, report.changed, report.removed, report.total) == (len(DIRECTORY), 0, 0, len(DIRECTORY))
    everest = store.rooms.resolve(T1, "r-everest")
    assert everest.name == "3F-Everest"
    assert everest.capacity == 12
    assert everest.label_names == ("tv",)
    assert (everest.dingtalk_group_id, everest.dingtalk_group_name) == (10, "HQ 3F")
    assert everest.location == "HQ"


def test_resync_counts_changes_and_unlists_missing_rooms(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, DIRECTORY, clock())
    renamed = dataclasses.replace(DIRECTORY[1], name="3F-K2 (big)", capacity=10)
    later = clock.advance(hours=1)

    report = store.rooms.upsert(T1, [DIRECTORY[0], renamed, *DIRECTORY[3:], room("r-new", "5F-Fuji")], later)

    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    assert report.total == len(DIRECTORY)
    listed = {r.room_id for r in store.rooms.all(T1)}
    assert "r-lhotse" not in listed and "r-new" in listed
    gone = store.rooms.get_many(T1, ["r-lhotse"])["r-lhotse"]
    assert gone.listed is False
    assert store.rooms.resolve(T1, "r-k2").name == "3F-K2 (big)"
    assert store.rooms.synced_at(T1) == later


def test_a_room_listed_again_counts_as_added(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, DIRECTORY, clock())
    store.rooms.upsert(T1, DIRECTORY[1:], clock.advance(hours=1))

    report = store.rooms.upsert(T1, DIRECTORY, clock.advance(hours=1))

    assert (report.added, report.changed, report.removed) == (1, 0, 0)
    assert store.rooms.get_many(T1, ["r-everest"])["r-everest"].listed is True


def test_unchanged_resync_reports_nothing(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, DIRECTORY, clock())
    report = store.rooms.upsert(T1, DIRECTORY, clock.advance(hours=1))
    assert (report.added, report.changed, report.removed, report.total) == (0, 0, 0, len(DIRECTORY))


def test_directories_of_two_teams_are_separate(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, DIRECTORY, clock())
    store.rooms.upsert(T2, [room("r-everest", "Other Everest")], clock())

    assert store.rooms.resolve(T1, "r-everest").name == "3F-Everest"
    assert store.rooms.resolve(T2, "r-everest").name == "Other Everest"
    assert [r.room_id for r in store.rooms.all(T2)] == ["r-everest"]
    assert store.rooms.get_many(T2, ["r-k2"]) == {}
    with pytest.raises(UnknownRoom):
        store.rooms.resolve(T2, "3F-K2")
    assert store.users.team_ids() == [T1, T2]


@pytest.mark.parametrize(
    "ref",
    ["3F-Everest", "3f-everest", "3F EVEREST", "  3f_everest ", "３Ｆ－Ｅｖｅｒｅｓｔ", "3F-Ｅｖｅｒｅｓｔ", "r-everest"],
)
def test_rooms_are_found_by_id_or_by_name_in_any_case_and_width(synced: Store, ref: str) -> None:
    assert synced.rooms.resolve(T1, ref).room_id == "r-everest"


def test_accents_do_not_matter(synced: Store) -> None:
    assert synced.rooms.resolve(T1, "cafe lounge").room_id == "r-cafe"
    assert synced.rooms.resolve(T1, "CAFÉ LOUNGE").room_id == "r-cafe"


def test_chinese_names_match(synced: Store) -> None:
    assert synced.rooms.resolve(T1, "会议室A").room_id == "r-zh"
    assert synced.rooms.resolve(T1, "会议室　Ａ").room_id == "r-zh"  # ideographic space, full-width A


def test_a_unique_part_of_a_name_is_enough(synced: Store) -> None:
    assert synced.rooms.resolve(T1, "lhotse").room_id == "r-lhotse"


def test_a_name_of_several_rooms_is_ambiguous_and_lists_them(synced: Store) -> None:
    with pytest.raises(AmbiguousRoom) as caught:
        synced.rooms.resolve(T1, "mont blanc")
    assert caught.value.candidates == ("Mont Blanc (r-mont)", "Mont Blanc (r-mont-2)")


def test_a_part_shared_by_several_rooms_is_ambiguous(synced: Store) -> None:
    with pytest.raises(AmbiguousRoom) as caught:
        synced.rooms.resolve(T1, "3F")
    assert caught.value.candidates == ("3F-Everest", "3F-K2")


def test_an_unknown_name_suggests_the_closest_rooms(synced: Store) -> None:
    with pytest.raises(UnknownRoom) as caught:
        synced.rooms.resolve(T1, "3F-Everst")
    assert caught.value.name == "3F-Everst"
    assert caught.value.suggestions[0] == "3F-Everest"


def test_unlisted_rooms_are_not_resolved(store: Store, clock: Clock) -> None:
    store.rooms.upsert(T1, DIRECTORY, clock())
    store.rooms.upsert(T1, DIRECTORY[1:], clock.advance(hours=1))
    with pytest.raises(UnknownRoom):
        store.rooms.resolve(T1, "3F-Everest")


def test_search_ranks_name_prefix_then_word_prefix_then_part(synced: Store) -> None:
    assert [r.room_id for r in synced.rooms.search(T1, "3f")] == ["r-everest", "r-k2"]
    assert [r.room_id for r in synced.rooms.search(T1, "bl")] == ["r-mont", "r-mont-2"]
    assert [r.room_id for r in synced.rooms.search(T1, "ounge")] == ["r-cafe"]
    assert len(synced.rooms.search(T1, "", limit=3)) == 3


def test_resolve_rooms_keeps_order_and_drops_repeats(synced: Store) -> None:
    rooms = synced.rooms.resolve_many(T1, ["k2", "3F-Everest", "r-k2"])
    assert [r.room_id for r in rooms] == ["r-k2", "r-everest"]


def test_ping_answers(engine: Engine, store: Store) -> None:
    """The ping asks the database (it raises StoreUnavailable when no answer comes back)."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *rest: object) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", record)
    try:
        store.ping()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "SELECT 1" in statements


def test_ping_fails_when_the_database_cannot_be_reached(tmp_path: Path, clock: Clock) -> None:
    """A database file in a directory that does not exist cannot be opened: the ping raises StoreUnavailable."""
    engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'roombot.db'}")
    dead = Store(session_factory=make_session_factory(engine), clock=clock)
    try:
        with pytest.raises(StoreUnavailable):
            dead.ping()
    finally:
        engine.dispose()


def test_utc_is_kept_exactly(store: Store) -> None:
    moment = datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    store.rooms.upsert(T1, [room("r1", "Everest")], moment)
    assert store.rooms.synced_at(T1) == moment
