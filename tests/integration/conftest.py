"""Fixtures for the database tests: an engine and a `Store` on each backend of `database_url`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from bot.domain.models import Label, Room, RoomGroupRef
from bot.sim import Simulator
from bot.store import Store, make_engine, make_session_factory
from bot.store.models import Base

T1 = "T_ONE"
T2 = "T_TWO"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 10, 1, 30, tzinfo=UTC))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def store(engine: Engine, clock: Clock) -> Store:
    return Store(session_factory=make_session_factory(engine), clock=clock, group_max_rooms=10, name_max_length=20)


def room(
    room_id: str,
    name: str,
    *,
    capacity: int | None = 8,
    group: tuple[int, str] | None = None,
    labels: tuple[str, ...] = (),
    location: str = "",
) -> Room:
    return Room(
        room_id=room_id,
        name=name,
        capacity=capacity,
        location_title=location,
        labels=tuple(Label(id=i + 1, name=label) for i, label in enumerate(labels)),
        group=RoomGroupRef(group_id=group[0], name=group[1]) if group else None,
    )


DIRECTORY = (
    room("r-everest", "3F-Everest", capacity=12, group=(10, "HQ 3F"), labels=("tv",), location="HQ"),
    room("r-k2", "3F-K2", capacity=6, group=(10, "HQ 3F")),
    room("r-lhotse", "4F-Lhotse", capacity=4, group=(11, "HQ 4F")),
    room("r-cafe", "Café Lounge", capacity=20),
    room("r-mont", "Mont Blanc", capacity=8, group=(11, "HQ 4F")),
    room("r-mont-2", "Mont Blanc", capacity=8, location="Annex"),
    room("r-zh", "会议室 A", capacity=10),
)


@pytest.fixture
def synced(store: Store, clock: Clock) -> Store:
    """The store with DIRECTORY synced into both teams (same room ids in each team)."""
    store.rooms.upsert(T1, DIRECTORY, clock())
    store.rooms.upsert(T2, DIRECTORY, clock())
    return store


@pytest.fixture
def oapi(sim: Simulator) -> Iterator[httpx.Client]:
    """Raw HTTP to the simulator's old-style (oapi) endpoints, which take the token as `?access_token=`."""
    with httpx.Client(base_url=sim.url) as client:
        token = client.post("/v1.0/oauth2/accessToken", json={"appKey": sim.app_key, "appSecret": sim.app_secret})
        client.params = {"access_token": token.json()["accessToken"]}
        yield client
