"""`RoomsRepository`: the synced room directory of each team, and finding rooms in it by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.models import AuthorizedMember, Label, ReservationClosed, Room, RoomAccess, RoomGroupRef
from bot.errors import AmbiguousRoom, UnknownRoom
from bot.store import models as m
from bot.store.base import Repository, to_record, upsert_rows
from bot.store.names import clean_name, closest, name_key, rank_prefix
from bot.store.records import SyncReport


class RoomsRepository(Repository):
    """The directory: rooms as DingTalk last listed them. Rooms are never deleted, only unlisted."""

    def upsert(self, team_id: str, rooms: Sequence[Room], synced_at: datetime) -> SyncReport:
        """Make the directory match DingTalk's room list.

        New rooms are added, changed ones updated, rooms missing from `rooms` are marked unlisted
        (never deleted: groups and bookings keep pointing at them), and rooms listed again come back.
        Concurrent syncs of one team queue on the team's `directory_syncs` row.
        """
        incoming: dict[str, Room] = {}
        for room in rooms:
            incoming[room.room_id] = room  # a room repeated across pages counts once

        def work(session: Session) -> SyncReport:
            upsert_rows(
                session,
                m.DirectorySync,
                [{"team_id": team_id, "synced_at": synced_at, "room_count": len(incoming)}],
                keys=["team_id"],
                update=["synced_at", "room_count"],
            )
            existing = {row.room_id: row for row in session.scalars(select(m.Room).where(m.Room.team_id == team_id))}
            added = changed = removed = 0
            for room_id, room in incoming.items():
                values = _room_values(room)
                row = existing.get(room_id)
                if row is None:
                    details_at = synced_at if room.access is not None else None
                    session.add(
                        m.Room(
                            team_id=team_id,
                            room_id=room_id,
                            first_seen_at=synced_at,
                            synced_at=synced_at,
                            details_synced_at=details_at,
                            **values,
                        )
                    )
                    added += 1
                    continue
                if not row.listed:
                    added += 1
                elif any(getattr(row, key) != value for key, value in values.items()):
                    changed += 1
                for key, value in values.items():
                    setattr(row, key, value)
                row.synced_at = synced_at
                if room.access is not None:
                    row.details_synced_at = synced_at
            for room_id, row in existing.items():
                if room_id not in incoming and row.listed:
                    row.listed = False
                    row.synced_at = synced_at
                    removed += 1
            return SyncReport(added=added, changed=changed, removed=removed, total=len(incoming))

        return self._run(work)

    def synced_at(self, team_id: str) -> datetime | None:
        """When the team's directory was last synced, or None if never."""
        return self._read(
            lambda session: session.scalar(select(m.DirectorySync.synced_at).where(m.DirectorySync.team_id == team_id))
        )

    def all(self, team_id: str, *, include_unlisted: bool = False) -> list[Room]:
        """The directory, ordered by name."""

        def work(session: Session) -> list[Room]:
            query = select(m.Room).where(m.Room.team_id == team_id)
            if not include_unlisted:
                query = query.where(m.Room.listed.is_(True))
            return [room_from_row(row) for row in session.scalars(query.order_by(m.Room.name_key, m.Room.room_id))]

        return self._read(work)

    def get_many(self, team_id: str, room_ids: Iterable[str]) -> dict[str, Room]:
        """The rooms with these ids (unlisted ones included); unknown ids are left out."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return {}

        def work(session: Session) -> dict[str, Room]:
            rows = session.scalars(select(m.Room).where(m.Room.team_id == team_id, m.Room.room_id.in_(wanted)))
            found = {row.room_id: room_from_row(row) for row in rows}
            return {room_id: found[room_id] for room_id in wanted if room_id in found}

        return self._read(work)

    def resolve(self, team_id: str, ref: str) -> Room:
        """A listed room by id or name (case-, accent- and width-insensitive; a unique part of a name will do).

        Raises:
            AmbiguousRoom: the name matches several rooms (they are listed).
            UnknownRoom: nothing matches (with the closest names).
        """
        return match_room(ref, self.all(team_id))

    def resolve_many(self, team_id: str, refs: Iterable[str]) -> list[Room]:
        """Each ref resolved as by `resolve`, in order, repeats removed; the first failure raises."""
        rooms = self.all(team_id)
        resolved: dict[str, Room] = {}
        for ref in refs:
            room = match_room(ref, rooms)
            resolved.setdefault(room.room_id, room)
        return list(resolved.values())

    def search(self, team_id: str, prefix: str, limit: int = 20) -> list[Room]:
        """Listed rooms for a type-ahead: name prefix first, then a word prefix, then a part of the name."""
        rooms = {room.room_id: room for room in self.all(team_id)}
        ranked = rank_prefix(prefix, [(room.room_id, room.name) for room in rooms.values()])
        return [rooms[room_id] for room_id in ranked[: max(limit, 0)]]


def match_room(ref: str, rooms: Sequence[Room]) -> Room:
    """Find one room among `rooms` by id, exact name key, or a unique part of a name."""
    ref = ref.strip()
    for room in rooms:
        if room.room_id == ref:
            return room
    key = name_key(ref)
    if not key:
        raise UnknownRoom(ref)
    keyed = [(name_key(room.name), room) for room in rooms]
    exact = [room for room_key, room in keyed if room_key == key]
    if not exact:
        # Separators are often left out ("会议室A" for "会议室 A", "3FEverest"): compare without them.
        compact = key.replace(" ", "")
        exact = [room for room_key, room in keyed if room_key.replace(" ", "") == compact]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise AmbiguousRoom(ref, candidates=_candidates(exact))
    partial = [room for room_key, room in keyed if key in room_key or key.replace(" ", "") in room_key.replace(" ", "")]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        raise AmbiguousRoom(ref, candidates=_candidates(partial))
    raise UnknownRoom(ref, suggestions=closest(ref, [room.name for room in rooms]))


def room_from_row(row: m.Room) -> Room:
    group = None
    if row.dingtalk_group_id is not None:
        group = RoomGroupRef(group_id=row.dingtalk_group_id, name=row.dingtalk_group_name or "")
    labels = tuple(Label(id=int(label["id"]), name=str(label["name"])) for label in row.labels or [])
    return to_record(Room, row, labels=labels, group=group, access=_access_from_row(row))


def _access_from_row(row: m.Room) -> RoomAccess | None:
    if row.details_synced_at is None:
        return None
    closed = None
    if row.closed_from is not None or row.closed_until is not None:
        closed = ReservationClosed(start=row.closed_from, end=row.closed_until, reason=row.close_reason or "")
    members = None
    if row.authorized_members is not None:
        members = tuple(
            AuthorizedMember(member_id=str(member["id"]), member_type=str(member.get("type") or "user"))
            for member in row.authorized_members
        )
    return RoomAccess(open_reservation=row.open_reservation is not False, closed=closed, members=members)


def _candidates(rooms: Sequence[Room]) -> list[str]:
    """Candidate labels: names, with the room id where two names read the same."""
    ordered = sorted(rooms, key=lambda room: (name_key(room.name), room.room_id))
    keys = [name_key(room.name) for room in ordered]
    return [
        room.name if keys.count(key) == 1 else f"{room.name} ({room.room_id})"
        for room, key in zip(ordered, keys, strict=True)
    ]


def _room_values(room: Room) -> dict[str, Any]:
    name = clean_name(room.name) or room.room_id
    values: dict[str, Any] = {
        "name": name,
        "name_key": name_key(name),
        "capacity": room.capacity,
        "location_title": room.location_title or "",
        "location_desc": room.location_desc or "",
        "labels": [{"id": label.id, "name": label.name} for label in room.labels],
        "dingtalk_group_id": room.dingtalk_group_id,
        "dingtalk_group_name": room.dingtalk_group_name,
        "listed": True,
    }
    access = room.access
    if access is not None:  # else the detail was not read this time: keep what the directory has
        closed = access.closed
        members = access.members
        values.update(
            {
                "room_status": room.status,
                "open_reservation": access.open_reservation,
                "closed_from": closed.start if closed is not None else None,
                "closed_until": closed.end if closed is not None else None,
                "close_reason": (closed.reason or None) if closed is not None else None,
                "authorized_members": None
                if members is None
                else [{"id": member.member_id, "type": member.member_type} for member in members],
            }
        )
    return values


__all__ = ["RoomsRepository", "match_room", "room_from_row"]
