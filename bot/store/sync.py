"""Room directory sync: DingTalk's room list into the `rooms` table.

DingTalk's room list changes rarely and every call counts against the monthly quota, so the
directory is refreshed by `roombot sync` and lazily when older than a setting, never per question.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.models import Room, RoomDetail, RoomGroupRef
from bot.errors import DingTalkError
from bot.store.records import SyncReport
from bot.store.repository import Store

log = logging.getLogger(__name__)


class DirectoryClient(Protocol):
    """What sync needs from `bot.dingtalk.DingTalkClient`."""

    def list_rooms(self, union_id: str) -> Sequence[Room]: ...

    def list_room_groups(self, union_id: str) -> Sequence[RoomGroupRef]: ...

    def get_room(self, union_id: str, room_id: str) -> RoomDetail: ...


def sync_directory(*, store: Store, client: DirectoryClient, team_id: str, union_id: str, now: datetime) -> SyncReport:
    """Fetch every room (all pages), each room's detail and DingTalk's room groups, and upsert them.

    The detail says whether the room is open for bookings, closed until when, and whom a
    member-only room admits: answers must never offer a room the asker cannot book, and free/busy
    does not tell. A detail that cannot be read leaves that room's stored details as they were.

    Rooms that DingTalk no longer lists are marked unlisted, not deleted. DingTalk errors from the
    room list propagate (nothing is changed); the group list only adds names, so its failure is
    logged and the rooms are synced anyway.
    """
    rooms = list(client.list_rooms(union_id))
    try:
        groups = {group.group_id: group for group in client.list_room_groups(union_id)}
    except DingTalkError as exc:
        log.warning("room groups not fetched (%s); syncing rooms without group names", type(exc).__name__)
        groups = {}
    named = [_with_details(_with_group_name(room, groups), client, union_id) for room in rooms]
    report = store.rooms.upsert(team_id, named, now)
    log.info(
        "directory of %s synced: %d rooms (%d added, %d changed, %d removed)",
        team_id,
        report.total,
        report.added,
        report.changed,
        report.removed,
    )
    return report


def ensure_fresh_directory(
    *, store: Store, client: DirectoryClient, team_id: str, union_id: str, now: datetime, max_age_s: float
) -> SyncReport | None:
    """Sync when the directory was never synced or is older than `max_age_s`; else do nothing (None)."""
    synced_at = store.rooms.synced_at(team_id)
    if synced_at is not None and (now - synced_at).total_seconds() < max_age_s:
        return None
    return sync_directory(store=store, client=client, team_id=team_id, union_id=union_id, now=now)


def _with_details(room: Room, client: DirectoryClient, union_id: str) -> Room:
    try:
        detail = client.get_room(union_id, room.room_id)
    except DingTalkError as exc:
        log.warning("details of room %s not fetched (%s); keeping the stored ones", room.room_id, type(exc).__name__)
        return room
    return dataclasses.replace(room, access=detail.access)


def _with_group_name(room: Room, groups: dict[int, RoomGroupRef]) -> Room:
    """The room with its group's name filled in from the group list when the room's own ref lacks it."""
    if room.group is None or room.group.name:
        return room
    group = groups.get(room.group.group_id)
    if group is None or not group.name:
        return room
    return dataclasses.replace(room, group=dataclasses.replace(room.group, name=group.name))


__all__ = ["DirectoryClient", "ensure_fresh_directory", "sync_directory"]
