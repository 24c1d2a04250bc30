"""The App Home model with fakes."""

from __future__ import annotations

from datetime import timedelta

from bot.present.reply import FindReply
from bot.usecases.home import Home
from tests.unit.usecase_fakes import (
    ALICE,
    NOW,
    TEAM,
    FakeStore,
    asker,
    find_rooms,
    guard,
)


def build(store: FakeStore) -> Home:
    return Home(store=store.as_store(), find=find_rooms(store), guard=guard(), meeting_minutes=30)


def test_home_shows_groups_bookings_and_what_is_free_now_in_the_default_group() -> None:
    store = FakeStore()
    store.add_room("r1", "Everest")
    store.add_group("Other", ["r1"])
    default = store.add_group("HQ", ["r1"])
    store.users.set_default_group(TEAM, ALICE, default.id)
    store.add_booking(ALICE, "r1", NOW + timedelta(hours=1))
    model = build(store).model(asker(channel_id=None))
    assert model.default_group == default and model.default_group_id == default.id
    assert [g.name for g in model.groups] == ["Other", "HQ"]
    assert len(model.bookings) == 1
    assert isinstance(model.free_now, FindReply) and model.free_now.groups == ("HQ",)
    assert model.free_now.end - model.free_now.start == timedelta(minutes=30)


def test_home_without_groups_has_no_free_now() -> None:
    model = build(FakeStore()).model(asker())
    assert model.default_group is None and model.free_now is None and model.groups == ()
