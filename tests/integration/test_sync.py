"""Directory sync against the DingTalk simulator over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.dingtalk import DingTalkClient
from bot.sim import Simulator
from bot.store import Store
from bot.store.sync import ensure_fresh_directory, sync_directory
from tests.integration.conftest import T1, Clock


@pytest.fixture
def big_sim() -> Iterator[Simulator]:
    """150 rooms: more than one page of DingTalk's room list (100 a page)."""
    with Simulator(seed=7, rooms=150).start(port=0) as simulator:
        yield simulator


def client_for(sim: Simulator) -> DingTalkClient:
    return DingTalkClient(base_url=sim.url, app_key=sim.app_key, app_secret=sim.app_secret)


def sync(store: Store, sim: Simulator, now: datetime) -> tuple[int, int, int, int]:
    with client_for(sim) as client:
        report = sync_directory(store=store, client=client, team_id=T1, union_id=sim.operator_union_id, now=now)
    return report.added, report.changed, report.removed, report.total


def test_first_sync_follows_pagination_past_100_rooms(store: Store, big_sim: Simulator, clock: Clock) -> None:
    assert sync(store, big_sim, clock()) == (150, 0, 0, 150)

    assert big_sim.stats()["meetingRoomLists"] == 2
    stored = {room.room_id: room for room in store.rooms.all(T1)}
    served = {wire["roomId"]: wire for wire in big_sim.rooms}
    assert set(stored) == set(served)
    for room_id, wire in served.items():
        assert stored[room_id].name == wire["roomName"]
        assert stored[room_id].capacity == wire.get("roomCapacity")
    assert store.rooms.synced_at(T1) == clock()


def test_resync_after_rooms_change(store: Store, sim: Simulator, clock: Clock) -> None:
    sync(store, sim, clock())
    first, second = sim.rooms[0]["roomId"], sim.rooms[1]["roomId"]
    sim.update_room(first, roomName="3F-Everest (big)", roomCapacity=40)
    sim.remove_room(second)
    added = sim.add_room("9F-Fuji", capacity=6, group_id=172)

    assert sync(store, sim, clock.advance(hours=1)) == (1, 1, 1, 24)

    assert store.rooms.resolve(T1, "3f everest (BIG)").room_id == first
    assert store.rooms.get_many(T1, [first])[first].capacity == 40
    assert store.rooms.resolve(T1, "9F-Fuji").room_id == added["roomId"]
    gone = store.rooms.get_many(T1, [second])[second]
    assert gone.listed is False
    assert second not in {room.room_id for room in store.rooms.all(T1)}
    assert len(store.rooms.all(T1, include_unlisted=True)) == 25


def test_an_unchanged_resync_reports_nothing(store: Store, sim: Simulator, clock: Clock) -> None:
    sync(store, sim, clock())
    assert sync(store, sim, clock.advance(hours=1)) == (0, 0, 0, 24)


def test_a_room_that_disappears_stays_in_its_groups_and_comes_back(store: Store, sim: Simulator, clock: Clock) -> None:
    sync(store, sim, clock())
    wire = sim.rooms[3]
    group = store.groups.create(T1, name="Mine", scope="personal", owner_user_id="U1", room_refs=(wire["roomId"],))
    sim.remove_room(wire["roomId"])

    assert sync(store, sim, clock.advance(hours=1))[2] == 1
    assert store.groups.get(T1, group.id).room_ids == (wire["roomId"],)
    assert store.rooms.get_many(T1, [wire["roomId"]])[wire["roomId"]].listed is False


def test_synced_dingtalk_groups_can_be_imported(store: Store, sim: Simulator, clock: Clock) -> None:
    sync(store, sim, clock())
    imported = store.groups.import_dingtalk(T1, acting_user="U_ADMIN")

    by_group: dict[str, set[str]] = {}
    for wire in sim.rooms:
        if wire.get("roomGroup"):
            by_group.setdefault(wire["roomGroup"]["groupName"], set()).add(wire["roomId"])
    assert {group.name: set(group.room_ids) for group in imported} == by_group
    assert all(group.scope == "workspace" for group in imported)


def test_the_directory_refreshes_itself_only_when_stale(store: Store, sim: Simulator, clock: Clock) -> None:
    day = 24 * 3600.0
    with client_for(sim) as client:

        def ensure() -> object:
            return ensure_fresh_directory(
                store=store, client=client, team_id=T1, union_id=sim.operator_union_id, now=clock(), max_age_s=day
            )

        assert ensure() is not None
        calls = sim.stats()["meetingRoomLists"]
        clock.advance(hours=23)
        assert ensure() is None
        assert sim.stats()["meetingRoomLists"] == calls
        clock.advance(hours=1)
        assert ensure() is not None
        assert sim.stats()["meetingRoomLists"] == calls + 1
    assert store.rooms.synced_at(T1) == clock()


def _point_cli_at(sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`roombot sync` as an operator would run it: a database file and the simulator's credentials."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DINGTALK_API_URL", sim.url)
    monkeypatch.setenv("DINGTALK_APP_KEY", sim.app_key)
    monkeypatch.setenv("DINGTALK_APP_SECRET", sim.app_secret)
    monkeypatch.setenv("DINGTALK_OPERATOR_UNION_ID", sim.operator_union_id)


def test_roombot_sync_prints_the_counts(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _point_cli_at(sim, tmp_path, monkeypatch)

    assert main(["sync", "--team", "T_CLI"]) == 0
    assert capsys.readouterr().out.strip() == "synced 24 rooms: 24 added, 0 changed, 0 removed"

    sim.remove_room(sim.rooms[0]["roomId"])
    assert main(["sync"]) == 0  # default: every team already in the database
    assert capsys.readouterr().out.strip() == "synced 23 rooms: 0 added, 0 changed, 1 removed"


def test_roombot_sync_without_credentials_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["sync"]) == 2
    assert "no DingTalk credentials" in capsys.readouterr().err


def test_roombot_sync_reports_a_dingtalk_failure_in_one_line(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _point_cli_at(sim, tmp_path, monkeypatch)
    sim.revoke_credentials()

    assert main(["sync"]) == 1

    err = capsys.readouterr().err
    assert err.startswith("roombot sync: DingTalk refused roombot's app credentials.")
    assert "DINGTALK_APP_SECRET" in err
    assert len(err.strip().splitlines()) == 1
    assert sim.app_secret not in err


def test_a_failed_room_list_changes_nothing(store: Store, sim: Simulator, clock: Clock) -> None:
    sync(store, sim, clock())
    before = store.rooms.all(T1)
    sim.inject_fault("meetingRoomLists", status=400, code="invalidParameter", message="bad", count=1)
    with pytest.raises(Exception, match="invalidParameter"):
        sync(store, sim, clock.advance(hours=1))
    assert store.rooms.all(T1) == before
    assert store.rooms.synced_at(T1) == clock() - timedelta(hours=1)
