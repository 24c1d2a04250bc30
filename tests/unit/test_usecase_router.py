"""The front door with fakes: one intent → handler table, and no exception ever reaches a front end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import NotAllowed, NotAllowedReason, StoreUnavailable
from bot.parsing import Intent
from bot.present import messages
from bot.present.reply import BookingsReply, FindReply, TextReply
from bot.usecases.bookings.service import BookingAsk
from bot.usecases.context import NOBODY_SPECIAL, Actor, Askers, Backends, Caller, parse_settings_from
from bot.usecases.router import RoomService
from tests.unit.usecase_fakes import ALICE, NOW, SHANGHAI, TEAM, FakeDingTalk, FakeSchedules, FakeStore, settings


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.add_room("r1", "Everest")
    store.add_group("HQ", ["r1"])
    return store


@pytest.fixture
def service(store: FakeStore) -> Iterator[RoomService]:
    backends = Backends(
        settings=settings(),
        store=store.as_store(),
        dingtalk=FakeDingTalk().as_client(),
        schedules=FakeSchedules().as_provider(),
        clock=lambda: NOW,
    )
    built = RoomService(backends=backends)
    yield built
    built.close()


def ask(service: RoomService, text: str) -> object:
    return service.handle_text(Caller(team_id=TEAM, user_id=ALICE, channel_id="C1", tz="Asia/Shanghai", now=NOW), text)


def test_every_intent_has_one_handler(service: RoomService) -> None:
    assert set(service._handlers) == set(Intent)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("help", TextReply),
        ("free rooms in 1 hour", FindReply),
        ("groups", TextReply),
        ("my bookings", BookingsReply),
        ("link", TextReply),
    ],
)
def test_text_goes_to_its_use_case(service: RoomService, text: str, kind: type) -> None:
    assert isinstance(ask(service, text), kind)


def test_errors_become_friendly_replies(service: RoomService, store: FakeStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("database down")

    monkeypatch.setattr(store.groups, "visible", down)
    reply = ask(service, "groups")
    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert "database" in reply.text


def test_unexpected_errors_are_answered_kindly(
    service: RoomService, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError

    monkeypatch.setattr(store.bookings, "for_user", broken)
    reply = ask(service, "my bookings")
    assert isinstance(reply, TextReply) and reply.kind == "error"


def test_find_rooms_reads_text_as_a_search(service: RoomService) -> None:
    reply = service.find_rooms(
        Caller(team_id=TEAM, user_id=ALICE, channel_id="C1", tz="Asia/Shanghai", now=NOW), "in 1 hour"
    )
    assert isinstance(reply, FindReply)


def test_book_and_cancel_buttons(service: RoomService, store: FakeStore) -> None:
    store.users.link(TEAM, ALICE, "union-alice", verified=True)
    start = NOW + timedelta(hours=1)
    booked = service.book(
        Caller(team_id=TEAM, user_id=ALICE, tz="Asia/Shanghai", now=NOW, user_name="Alice"),
        BookingAsk(room_id="r1", start=start, end=start + timedelta(hours=1), idempotency_key="click"),
    )
    assert isinstance(booked, FindReply) and booked.intro_kind == "success"
    (booking,) = store.bookings.rows.values()
    cancelled = service.cancel(Caller(team_id=TEAM, user_id=ALICE, tz="Asia/Shanghai"), booking.id, is_admin=False)
    assert isinstance(cancelled, BookingsReply) and cancelled.intro_kind == "success"


def test_housekeeping(service: RoomService) -> None:
    assert service.mark_event_processed(team_id=TEAM, event_id="Ev1") is True
    assert service.mark_event_processed(team_id=TEAM, event_id="Ev1") is False
    assert service.search_rooms(team_id=TEAM, query="Ev") == [("r1", "Everest")]
    assert service.resolve_timezone(team_id=TEAM, user_id=ALICE, fetch=lambda: None) == "Asia/Shanghai"


def test_a_caller_is_read_with_the_workspace_defaults_where_the_front_end_knows_nothing() -> None:
    """No zone, an unknown zone, no moment and no name: the default zone, the clock and the user's id."""
    askers = Askers(default_zone=SHANGHAI, parse_settings=parse_settings_from(settings()), clock=lambda: NOW)
    bare = askers.asker(Caller(team_id=TEAM, user_id=ALICE))
    assert (bare.zone, bare.now, bare.user_name, bare.channel_id, bare.actor) == (SHANGHAI, NOW, ALICE, None, NOBODY_SPECIAL)
    assert askers.asker(Caller(team_id=TEAM, user_id=ALICE, tz="Mars/Olympus")).zone == SHANGHAI
    naive = askers.asker(Caller(team_id=TEAM, user_id=ALICE, tz="UTC", now=datetime(2026, 12, 2, 9, 0)))
    assert naive.now == datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    assert askers.asker(Caller(team_id=TEAM, user_id=ALICE, user_name="Alice")).user_name == "Alice"


def test_a_guest_from_another_organisation_cannot_book_from_a_button(service: RoomService, store: FakeStore) -> None:
    start = NOW + timedelta(hours=1)
    guest = Caller(team_id=TEAM, user_id=ALICE, tz="Asia/Shanghai", actor=Actor(external=True))
    reply = service.book(guest, BookingAsk(room_id="r1", start=start, end=start + timedelta(hours=1), idempotency_key="g"))
    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert reply.text == messages.describe_error(NotAllowed(NotAllowedReason.EXTERNAL_USER))
    assert store.bookings.rows == {}
