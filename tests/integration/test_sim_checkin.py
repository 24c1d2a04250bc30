"""Event sign-in and moving an event's time on the simulator over real HTTP (POST …/signin, PUT …/events/{id})."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from bot.sim import Simulator
from tests.integration.test_sim_events import (
    add_rooms,
    assert_error,
    at,
    create,
    events_path,
    next_weekday,
    plain_room,
)


def test_the_organizer_signs_in_once_and_the_sign_in_list_shows_it(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    event = create(http, sim, at(day, 20), at(day, 21))
    url = f"{events_path(sim)}/{event['id']}/signin"

    first = http.post(url, json={})
    again = http.post(url, json={})

    assert first.status_code == 200, first.text
    assert isinstance(first.json()["checkInTime"], int)
    assert again.json() == first.json()  # the first sign-in time stays
    signed = http.get(url, params={"type": "sign_in", "maxResults": "10"})
    assert [u["userId"] for u in signed.json()["users"]] == [sim.operator_union_id]
    assert signed.json()["users"][0]["checkInTime"] == first.json()["checkInTime"]
    assert http.get(url, params={"type": "not_yet_sign_in", "maxResults": "10"}).json() == {"users": []}


def test_someone_not_on_the_event_cannot_sign_in(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    event = create(http, sim, at(day, 20), at(day, 21))
    stranger = str(sim.users[2]["unionid"])
    response = http.post(f"{events_path(sim, stranger)}/{event['id']}/signin", json={})
    assert_error(response, 400, "notInEvent", "用户不在日程内")


def test_the_sign_in_list_needs_a_type_and_max_results(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    event = create(http, sim, at(day, 20), at(day, 21))
    url = f"{events_path(sim)}/{event['id']}/signin"
    assert http.get(url, params={"type": "sign_in"}).status_code == 400
    assert http.get(url, params={"type": "everyone", "maxResults": "5"}).status_code == 400


def iso(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.isoformat(), "timeZone": "Asia/Shanghai"}


def test_moving_the_end_moves_the_room_booking_in_free_busy(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    room = plain_room(sim)
    event = create(http, sim, at(day, 20), at(day, 21))
    assert add_rooms(http, sim, event["id"], room).status_code == 200

    moved = http.put(
        f"{events_path(sim)}/{event['id']}", json={"id": event["id"], "start": iso(at(day, 20)), "end": iso(at(day, 21, 30))}
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["end"]["dateTime"].startswith(f"{day:%Y-%m-%d}T21:30")
    items = sim.schedule(room, at(day, 20), at(day, 22))
    assert [item["end"]["dateTime"][:16] for item in items] == [f"{day:%Y-%m-%d}T21:30"]


def test_moving_the_end_onto_a_taken_room_is_refused_and_changes_nothing(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    room = plain_room(sim)
    mine = create(http, sim, at(day, 20), at(day, 21))
    theirs = create(http, sim, at(day, 21), at(day, 21, 30))
    assert add_rooms(http, sim, mine["id"], room).status_code == 200
    assert add_rooms(http, sim, theirs["id"], room).status_code == 200

    refused = http.put(f"{events_path(sim)}/{mine['id']}", json={"end": iso(at(day, 21, 30))})

    assert_error(refused, 400, "invalidParameter", "Meeting room invalid")
    items = sim.schedule(room, at(day, 20), at(day, 21) - timedelta(minutes=1))
    assert [item["end"]["dateTime"][:16] for item in items] == [f"{day:%Y-%m-%d}T21:00"]


def test_only_the_organizer_may_move_an_event(http: httpx.Client, sim: Simulator) -> None:
    day = next_weekday(sim)
    attendee = str(sim.users[1]["unionid"])
    body = {
        "summary": "Sync",
        "start": iso(at(day, 20)),
        "end": iso(at(day, 21)),
        "attendees": [{"id": attendee, "isOptional": False}],
    }
    event = http.post(events_path(sim), json=body).json()
    response = http.put(f"{events_path(sim, attendee)}/{event['id']}", json={"end": iso(at(day, 22))})
    assert response.status_code == 403
