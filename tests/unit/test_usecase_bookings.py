"""BookingService and the Bookings use case with fakes: book, compensate, cancel, list."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.errors import AccountNotLinked, NotAllowed, NotAllowedReason, ParseError
from bot.parsing import Intent, Request, TimeKind
from bot.present.reply import BookingsReply, FindReply
from bot.usecases.bookings.rules import parse_marker
from bot.usecases.bookings.service import BookingAsk, BookingOutcome, BookingService
from bot.usecases.bookings.usecase import Bookings
from bot.usecases.context import Backends
from tests.booking_intents import intent
from tests.unit.usecase_fakes import (
    ADMIN,
    ALICE,
    BOB,
    LOG,
    NOW,
    TEAM,
    FakeDingTalk,
    FakeDirectory,
    FakeSchedules,
    FakeStore,
    admins,
    asker,
    find_rooms,
    settings,
)

START = NOW + timedelta(hours=1)
END = START + timedelta(hours=1)
# "book Everest" with START to END in words, as the parser reads it.
BOOK_EVEREST = Request(
    intent=Intent.BOOK, text="book Everest", rooms=("Everest",), start=START, end=END, time_kind=TimeKind.INTERVAL
)
ASK = BookingAsk(room_id="r1", start=START, end=END, idempotency_key="k")


class World:
    def __init__(self, *, operator: str | None = "union-operator", unlinked: str = "operator") -> None:
        self.store = FakeStore()
        self.store.add_room("r1", "Everest")
        self.store.add_room("r2", "K2")
        self.store.add_group("HQ", ["r1", "r2"])
        self.store.users.link(TEAM, ALICE, "union-alice", verified=True)
        self.dingtalk = FakeDingTalk()
        self.schedules = FakeSchedules()
        config = settings(dingtalk_operator_union_id=operator, unlinked_booking=unlinked)
        backends = Backends(
            settings=config,
            store=self.store.as_store(),
            dingtalk=self.dingtalk.as_client(),
            schedules=self.schedules.as_provider(),
            clock=lambda: NOW,
            log=LOG,
        )
        self.service = BookingService(backends=backends)
        directory = FakeDirectory()
        self.bookings = Bookings(
            booking=self.service,
            find=find_rooms(self.store, self.schedules, directory=directory, config=config),
            store=self.store.as_store(),
            directory=directory.as_directory(),
            admins=admins(),
            cancel_mode=config.cancel_mode,
            log=LOG,
        )


def test_booking_creates_one_event_with_the_room_and_writes_it_into_the_cache() -> None:
    world = World()
    outcome = world.service.book(asker(ALICE, user_name="Alice"), ASK)
    assert outcome.status == "booked" and not outcome.on_behalf
    (event,) = world.dingtalk.events.values()
    assert event.organizer_id == "union-alice"
    assert [room.room_id for room in event.meeting_rooms] == ["r1"]
    # The cache shows the booking at once, without a call to learn it.
    assert [(room, item.event_id, item.start, item.end) for room, item in world.schedules.recorded] == [
        ("r1", event.event_id, START, END)
    ]
    assert world.schedules.invalidated == []
    again = world.service.book(asker(ALICE, user_name="Alice"), ASK)
    assert again.replayed and len(world.dingtalk.events) == 1


def test_a_room_taken_meanwhile_leaves_no_event_behind() -> None:
    world = World()
    world.dingtalk.busy_rooms.add("r1")
    outcome = world.service.book(asker(ALICE, user_name="Alice"), ASK)
    assert outcome.status == "busy"
    assert world.dingtalk.events == {} and len(world.dingtalk.deleted) == 1
    assert world.store.bookings.rows[outcome.booking.id].status == "failed"


def test_an_unlinked_user_is_refused_when_the_settings_say_so() -> None:
    world = World(unlinked="refuse")
    with pytest.raises(AccountNotLinked):
        world.service.book(asker(BOB, user_name="Bob"), ASK)


def test_an_unlinked_user_books_on_the_operators_behalf() -> None:
    world = World()
    outcome = world.service.book(asker(BOB, user_name="Bob"), ASK)
    assert outcome.on_behalf and outcome.booking.organizer_union_id == "union-operator"


def test_an_unproved_link_books_on_the_operators_behalf_not_in_the_named_account() -> None:
    """A link made without a code could name a colleague: it never makes them the organizer."""
    world = World()
    world.store.users.link(TEAM, BOB, "union-colleague")
    outcome = world.service.book(asker(BOB, user_name="Bob"), ASK)
    assert outcome.on_behalf and outcome.booking.organizer_union_id == "union-operator"


def test_only_the_booker_or_an_admin_may_cancel() -> None:
    world = World()
    booking = world.store.add_booking(ALICE, "r1", START)
    with pytest.raises(NotAllowed) as caught:
        world.service.cancel(team_id=TEAM, user_id=BOB, booking_id=booking.id, is_admin=False)
    assert caught.value.what == NotAllowedReason.CANCEL_BOOKING
    outcome = world.service.cancel(team_id=TEAM, user_id=BOB, booking_id=booking.id, is_admin=True)
    assert outcome.status == "cancelled" and world.dingtalk.deleted == [booking.event_id]
    assert world.service.cancel(team_id=TEAM, user_id=ALICE, booking_id=booking.id, is_admin=False).status == (
        "already_cancelled"
    )


def test_book_answers_with_the_window_and_a_cancel_button() -> None:
    world = World()
    reply = world.bookings.book(asker(user_name="Alice"), replace(ASK, room_id="r2"))
    assert isinstance(reply, FindReply) and reply.intro_kind == "success"
    assert reply.results[0].room.room_id == "r2" and reply.results[0].booked_by == "Alice"
    assert reply.buttons[0].action_id.startswith("cancel_booking:")


def test_a_busy_room_answers_with_the_next_best_rooms() -> None:
    world = World()
    world.dingtalk.busy_rooms.add("r1")
    reply = world.bookings.book(asker(user_name="Alice"), ASK)
    assert isinstance(reply, FindReply) and reply.intro_kind == "info"
    assert [r.room.room_id for r in reply.results] == ["r2"]


def test_book_text_needs_an_exact_time() -> None:
    world = World()
    request = Request(intent=Intent.BOOK, text="book Everest tomorrow", rooms=("Everest",), time_kind=TimeKind.DAY)
    with pytest.raises(ParseError) as caught:
        world.bookings.book_text(request, asker())
    assert caught.value.reason == "no_time"


def test_book_text_books_the_named_room() -> None:
    world = World()
    request = BOOK_EVEREST
    reply = world.bookings.book_text(request, asker())
    assert isinstance(reply, FindReply) and reply.intro_kind == "success"
    assert [b.room_id for b in world.store.bookings.rows.values()] == ["r1"]


def test_cancel_by_number_and_by_time() -> None:
    world = World()
    first = world.store.add_booking(ALICE, "r1", START)
    second = world.store.add_booking(ALICE, "r2", START + timedelta(hours=3))
    by_number = world.bookings.cancel_text(Request(intent=Intent.CANCEL, text="cancel", args=(f"#{first.id}",)), asker())
    assert isinstance(by_number, BookingsReply) and by_number.intro_kind == "success"
    by_time = world.bookings.cancel_text(Request(intent=Intent.CANCEL, text="cancel", start=second.start), asker())
    assert isinstance(by_time, BookingsReply) and by_time.bookings == ()
    assert {b.status for b in world.store.bookings.rows.values()} == {"cancelled"}


def test_cancel_alone_lists_the_bookings_to_pick_from() -> None:
    world = World()
    world.store.add_booking(ALICE, "r1", START)
    reply = world.bookings.cancel_text(Request(intent=Intent.CANCEL, text="cancel"), asker())
    assert isinstance(reply, BookingsReply) and len(reply.bookings) == 1 and reply.intro


def test_an_admin_named_in_the_settings_may_cancel_from_the_button() -> None:
    world = World()
    booking = world.store.add_booking(ALICE, "r1", START)
    reply = world.bookings.cancel(asker(ADMIN), booking.id, is_admin=False)
    assert isinstance(reply, BookingsReply) and reply.intro_kind == "success"


def test_my_bookings_lists_upcoming_ones() -> None:
    world = World()
    world.store.add_booking(ALICE, "r1", START)
    world.store.add_booking(BOB, "r2", START)
    reply = world.bookings.mine(Request(intent=Intent.MY_BOOKINGS, text="my bookings"), asker())
    assert isinstance(reply, BookingsReply) and [b.room_name for b in reply.bookings] == ["Everest"]


def book_alice(world: World) -> BookingOutcome:
    return world.service.book(asker(ALICE, user_name="Alice"), ASK)


def test_a_lost_create_answer_is_unconfirmed_and_the_next_click_finishes_the_same_event() -> None:
    world = World()
    world.dingtalk.lost_creates = 1

    first = book_alice(world)

    assert first.status == "unconfirmed"
    (event,) = world.dingtalk.events.values()  # DingTalk made it; roombot did not hear
    row = world.store.bookings.rows[first.booking.id]
    assert (row.status, row.event_id, row.notify) == ("requested", None, "promised")
    assert parse_marker(event.description) == (TEAM, "k")

    second = book_alice(world)

    assert second.status == "booked" and second.booking.id == first.booking.id
    assert list(world.dingtalk.events) == [event.event_id]  # the same x-client-token: the same event
    assert [room.room_id for room in world.dingtalk.events[event.event_id].meeting_rooms] == ["r1"]
    # The promise stands: the reconciler tells the user, whose first click heard "in progress".
    assert world.store.bookings.rows[first.booking.id].notify == "promised"


def test_a_refused_room_whose_event_cannot_be_deleted_is_kept_to_be_released() -> None:
    world = World()
    world.dingtalk.busy_rooms.add("r1")
    world.dingtalk.failing_deletes = 1

    outcome = book_alice(world)

    assert outcome.status == "busy"
    row = world.store.bookings.rows[outcome.booking.id]
    assert (row.status, row.release, row.notify) == ("requested", True, None)
    assert row.event_id in world.dingtalk.events  # still held: the reconciler deletes it


def test_a_click_while_another_is_booking_is_told_in_progress_and_promised_the_answer() -> None:
    world = World()
    written = intent("k", user=ALICE, start=START, end=END, organizer="union-alice", lease=timedelta(minutes=3))
    record, _ = world.store.bookings.begin(TEAM, **written)

    outcome = book_alice(world)

    assert outcome.status == "in_progress" and world.dingtalk.events == {}
    assert world.store.bookings.rows[record.id].notify == "promised"
