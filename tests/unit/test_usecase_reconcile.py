"""The reconciler with fakes: settle what a lost answer or a crash left unsettled, tell the user
once, and release the events roombot made that no booking knows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.domain.models import Event, EventRoom
from bot.present import messages
from bot.store import BookingRecord
from bot.usecases.bookings.reconcile import Reconciler
from bot.usecases.bookings.rules import event_marker
from tests.booking_intents import intent
from tests.unit.usecase_fakes import ALICE, LOG, NOW, TEAM, FakeDingTalk, FakeNotifier, FakeStore, settings

START = NOW + timedelta(hours=2)
END = START + timedelta(hours=1)
OPERATOR = "union-operator"
EVERY = timedelta(minutes=3)


class World:
    def __init__(self) -> None:
        self.store = FakeStore()
        self.store.add_room("r1", "Everest")
        self.dingtalk = FakeDingTalk()
        self.notifier = FakeNotifier()
        self.reconciler = Reconciler(
            settings=settings(dingtalk_operator_union_id=OPERATOR, reconcile_every_s=EVERY.total_seconds()),
            store=self.store.as_store(),
            dingtalk=self.dingtalk.as_client(),
            notifier=self.notifier,
            log=LOG,
        )

    def unsettled(self, key: str = "k1", *, lease_until: timedelta = timedelta(0), **fields: object) -> BookingRecord:
        """A booking written down before DingTalk was called, whose process then went silent."""
        written = intent(key, user=ALICE, start=START, end=END, organizer=OPERATOR, channel_id="C1", message_ts="111.222")
        record, _ = self.store.bookings.begin(TEAM, **written)
        return self.store.bookings._save(record.id, next_check_at=NOW + lease_until, **fields)

    def event(self, key: str | None, *, rooms: tuple[str, ...] = ()) -> Event:
        """An event in the operator's calendar; with `key`, roombot's marker for that booking."""
        made = self.dingtalk.create_event(
            OPERATOR,
            summary="Meeting (alice)",
            start=START,
            end=END,
            description=event_marker(TEAM, key) if key else "Team lunch",
        )
        with_rooms = replace(made, meeting_rooms=tuple(EventRoom(room_id=room, status="accepted") for room in rooms))
        self.dingtalk.events[made.event_id] = with_rooms
        return with_rooms


def test_an_event_found_by_its_marker_gets_its_room_and_the_booker_is_told_once() -> None:
    world = World()
    booking = world.unsettled()
    event = world.event("k1")

    done = world.reconciler.run(NOW, sweep=False)

    assert [s.outcome for s in done.settled] == [messages.SETTLED_BOOKED]
    row = world.store.bookings.rows[booking.id]
    assert (row.status, row.event_id, row.notify) == ("booked", event.event_id, None)
    assert [r.room_id for r in world.dingtalk.events[event.event_id].meeting_rooms] == ["r1"]
    [(user, channel, thread, text)] = world.notifier.told
    assert (user, channel, thread) == (ALICE, "C1", "111.222") and "is booked" in text
    assert world.reconciler.run(NOW + EVERY, sweep=False).told == 0


def test_a_booking_its_process_still_holds_is_left_alone() -> None:
    world = World()
    world.unsettled(lease_until=timedelta(minutes=2))

    assert world.reconciler.run(NOW, sweep=False).settled == []
    assert world.dingtalk.list_calls == 0


def test_when_dingtalk_does_not_answer_the_booking_waits_for_the_next_round() -> None:
    world = World()
    booking = world.unsettled(event_id="EV-gone-quiet", release=True)
    world.event(None)  # something else in the calendar
    world.dingtalk.events["EV-gone-quiet"] = Event(event_id="EV-gone-quiet", summary="", start=START, end=END)
    world.dingtalk.failing_deletes = 1

    first = world.reconciler.run(NOW, sweep=False)

    assert [s.outcome for s in first.settled] == [None]
    row = world.store.bookings.rows[booking.id]
    assert row.status == "requested" and row.next_check_at == NOW + EVERY
    second = world.reconciler.run(NOW + EVERY, sweep=False)
    assert [s.outcome for s in second.settled] == [messages.SETTLED_REFUSED]
    assert "EV-gone-quiet" not in world.dingtalk.events


def test_an_answer_slack_would_not_take_stays_owed_until_it_is_delivered() -> None:
    world = World()
    world.unsettled()
    world.event("k1")
    world.notifier.down = True

    assert world.reconciler.run(NOW, sweep=False).told == 0
    world.notifier.down = False
    assert world.reconciler.run(NOW + EVERY, sweep=False).told == 1


def test_the_sweep_releases_only_marked_events_no_booking_knows() -> None:
    world = World()
    known = world.unsettled("k-booked")
    world.store.bookings.complete(TEAM, known.id, event_id=world.event("k-booked", rooms=("r1",)).event_id)
    orphan = world.event("k-nobody")
    lunch = world.event(None)

    swept = world.reconciler.sweep(NOW, release=True)

    assert [(o.event.event_id, o.released) for o in swept.orphans] == [(orphan.event_id, True)]
    assert orphan.event_id not in world.dingtalk.events and lunch.event_id in world.dingtalk.events
    assert swept.calls == 2  # one page read, one delete
