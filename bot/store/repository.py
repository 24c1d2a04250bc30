"""`Store`: every read and write roombot makes to its database.

Rules kept here:
- Every method takes the Slack team id first and filters on it, so no call reaches another
  workspace's rows (an id from another team is "unknown", never "not allowed").
- One transaction per method: an error leaves nothing half-written. Connection failures become
  `StoreUnavailable`; broken rules become the store errors of `bot.errors`.
- Records come back as frozen dataclasses (`bot.store.records`), never ORM objects.
- Writes that read-then-modify a group first touch the group's row (`UPDATE ... SET updated_at`),
  which locks it on Postgres and takes SQLite's write lock, so concurrent edits queue instead of
  losing rooms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import (
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from bot.config import Clock, utc_now
from bot.dingtalk.models import Label, Room, RoomSchedule, ScheduleItem
from bot.errors import (
    AmbiguousRoom,
    DuplicateName,
    LimitExceeded,
    NotAllowed,
    NotFound,
    StoreUnavailable,
    UnknownGroup,
    UnknownRoom,
)
from bot.store import models as m
from bot.store.names import clean_name, closest, name_key, rank_prefix
from bot.store.records import BookingRecord, CachedSchedule, GroupRecord, RoomRecord, SyncReport, UserRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

# `LimitExceeded.what` values (bot.messages renders them).
LIMIT_GROUP_ROOMS = "group_rooms"
LIMIT_NAME_LENGTH = "name_length"
LIMIT_NAME_EMPTY = "name_empty"

# `NotAllowed.what` values.
NOT_ALLOWED_GROUP = "change_group"
NOT_ALLOWED_GROUP_NOT_IN_CHANNEL = "group_not_shared_with_channel"
NOT_ALLOWED_BOOKING = "cancel_booking"

ACTIVE_BOOKING_STATUSES = (m.BOOKING_REQUESTED, m.BOOKING_BOOKED, m.BOOKING_PENDING)
UPCOMING_BOOKING_STATUSES = (m.BOOKING_BOOKED, m.BOOKING_PENDING)

_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
_CONFLICT_RETRIES = 3
_UPSERT_CHUNK = 200


class Store:
    """The repository of roombot's data.

    Args:
        session_factory: makes sessions (`bot.store.db.make_session_factory(engine)`).
        clock: the current time (aware UTC); used for created/updated times.
        group_max_rooms: at most this many rooms in a group.
        name_max_length: group names of at most this many characters.
    """

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        clock: Clock = utc_now,
        group_max_rooms: int = 100,
        name_max_length: int = 60,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self.group_max_rooms = group_max_rooms
        self.name_max_length = name_max_length

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        try:
            with self._session_factory() as session, session.begin():
                yield session
        except _UNAVAILABLE as exc:
            # The driver's text may name hosts and users; keep the message generic (the cause stays chained).
            raise StoreUnavailable(f"database unavailable ({type(exc).__name__})") from exc

    def _run(
        self,
        work: Callable[[Session], T],
        *,
        on_conflict: Callable[[IntegrityError], T] | None = None,
    ) -> T:
        """Run `work` in one transaction; a unique-key race is retried (or handed to `on_conflict`)."""
        for attempt in range(_CONFLICT_RETRIES):
            try:
                with self._transaction() as session:
                    return work(session)
            except IntegrityError as exc:
                if on_conflict is not None:
                    return on_conflict(exc)
                log.debug("write conflict, retrying (attempt %d)", attempt + 1)
        raise StoreUnavailable("concurrent writes kept conflicting")

    def _read(self, work: Callable[[Session], T]) -> T:
        with self._transaction() as session:
            return work(session)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers (health checks)."""
        self._read(lambda session: session.execute(select(1)).scalar())

    # --- teams --------------------------------------------------------------------------------

    def list_team_ids(self) -> list[str]:
        """Teams known to the database (synced directories and users). Ids only; for `roombot sync`."""

        def work(session: Session) -> list[str]:
            teams = set(session.scalars(select(m.DirectorySync.team_id)))
            teams.update(session.scalars(select(m.User.team_id).distinct()))
            return sorted(teams)

        return self._read(work)

    # --- users --------------------------------------------------------------------------------

    def get_user(self, team_id: str, user_id: str) -> UserRecord | None:
        def work(session: Session) -> UserRecord | None:
            row = session.get(m.User, (team_id, user_id))
            return _user_record(row) if row else None

        return self._read(work)

    def ensure_user(self, team_id: str, user_id: str) -> UserRecord:
        """The user's record, created on first sight."""
        return self._run(lambda session: _user_record(self._user_row(session, team_id, user_id)))

    def set_user_tz(self, team_id: str, user_id: str, tz: str | None, fetched_at: datetime) -> UserRecord:
        """Cache the user's Slack time zone (`tz` None: Slack gave none) and when it was fetched."""

        def work(session: Session) -> UserRecord:
            row = self._user_row(session, team_id, user_id)
            row.tz = tz
            row.tz_fetched_at = fetched_at
            row.updated_at = self._clock()
            return _user_record(row)

        return self._run(work)

    def link_user(self, team_id: str, user_id: str, union_id: str | None) -> UserRecord:
        """Link (or with None, unlink) the user's DingTalk unionId."""

        def work(session: Session) -> UserRecord:
            row = self._user_row(session, team_id, user_id)
            row.union_id = union_id
            row.updated_at = self._clock()
            return _user_record(row)

        return self._run(work)

    def set_user_default_group(self, team_id: str, user_id: str, group_id: int | None) -> UserRecord:
        """Set (or clear) the user's default group; it must be one the user can see."""

        def work(session: Session) -> UserRecord:
            if group_id is not None:
                group = _group_row(session, team_id, group_id)
                if group.scope == m.SCOPE_PERSONAL and group.owner_user_id != user_id:
                    raise UnknownGroup(str(group_id))
            row = self._user_row(session, team_id, user_id)
            row.default_group_id = group_id
            row.updated_at = self._clock()
            return _user_record(row)

        return self._run(work)

    def _user_row(self, session: Session, team_id: str, user_id: str) -> m.User:
        row = session.get(m.User, (team_id, user_id))
        if row is None:
            now = self._clock()
            row = m.User(team_id=team_id, user_id=user_id, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
        return row

    # --- rooms --------------------------------------------------------------------------------

    def upsert_rooms(self, team_id: str, rooms: Sequence[Room], synced_at: datetime) -> SyncReport:
        """Make the directory match DingTalk's room list.

        New rooms are added, changed ones updated, rooms missing from `rooms` are marked unlisted
        (never deleted: groups and bookings keep pointing at them), and rooms listed again come back.
        Concurrent syncs of one team queue on the team's `directory_syncs` row.
        """
        incoming: dict[str, Room] = {}
        for room in rooms:
            incoming[room.room_id] = room  # a room repeated across pages counts once

        def work(session: Session) -> SyncReport:
            _upsert(
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
                    session.add(
                        m.Room(team_id=team_id, room_id=room_id, first_seen_at=synced_at, synced_at=synced_at, **values)
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
            for room_id, row in existing.items():
                if room_id not in incoming and row.listed:
                    row.listed = False
                    row.synced_at = synced_at
                    removed += 1
            return SyncReport(added=added, changed=changed, removed=removed, total=len(incoming))

        return self._run(work)

    def directory_synced_at(self, team_id: str) -> datetime | None:
        """When the team's directory was last synced, or None if never."""
        return self._read(
            lambda session: session.scalar(select(m.DirectorySync.synced_at).where(m.DirectorySync.team_id == team_id))
        )

    def list_rooms(self, team_id: str, *, include_unlisted: bool = False) -> list[RoomRecord]:
        """The directory, ordered by name."""

        def work(session: Session) -> list[RoomRecord]:
            query = select(m.Room).where(m.Room.team_id == team_id)
            if not include_unlisted:
                query = query.where(m.Room.listed.is_(True))
            return [_room_record(row) for row in session.scalars(query.order_by(m.Room.name_key, m.Room.room_id))]

        return self._read(work)

    def get_rooms(self, team_id: str, room_ids: Iterable[str]) -> dict[str, RoomRecord]:
        """The rooms with these ids (unlisted ones included); unknown ids are left out."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return {}

        def work(session: Session) -> dict[str, RoomRecord]:
            rows = session.scalars(select(m.Room).where(m.Room.team_id == team_id, m.Room.room_id.in_(wanted)))
            found = {row.room_id: _room_record(row) for row in rows}
            return {room_id: found[room_id] for room_id in wanted if room_id in found}

        return self._read(work)

    def resolve_room(self, team_id: str, ref: str) -> RoomRecord:
        """A listed room by id or name (case-, accent- and width-insensitive; a unique part of a name will do).

        Raises:
            AmbiguousRoom: the name matches several rooms (they are listed).
            UnknownRoom: nothing matches (with the closest names).
        """
        return _match_room(ref, self.list_rooms(team_id))

    def resolve_rooms(self, team_id: str, refs: Iterable[str]) -> list[RoomRecord]:
        """Each ref resolved as by `resolve_room`, in order, repeats removed; the first failure raises."""
        rooms = self.list_rooms(team_id)
        resolved: dict[str, RoomRecord] = {}
        for ref in refs:
            room = _match_room(ref, rooms)
            resolved.setdefault(room.room_id, room)
        return list(resolved.values())

    def search_rooms(self, team_id: str, prefix: str, limit: int = 20) -> list[RoomRecord]:
        """Listed rooms for a type-ahead: name prefix first, then a word prefix, then a part of the name."""
        rooms = {room.room_id: room for room in self.list_rooms(team_id)}
        ranked = rank_prefix(prefix, [(room.room_id, room.name) for room in rooms.values()])
        return [rooms[room_id] for room_id in ranked[: max(limit, 0)]]

    # --- groups -------------------------------------------------------------------------------

    def create_group(
        self,
        team_id: str,
        *,
        name: str,
        scope: str,
        owner_user_id: str,
        channel_id: str | None = None,
        room_refs: Sequence[str] = (),
        dingtalk_group_id: int | None = None,
    ) -> GroupRecord:
        """Create a group, optionally with rooms (resolved as by `resolve_room`).

        Raises:
            DuplicateName: a group of that name exists in the same scope.
            LimitExceeded: the name is empty or too long, or too many rooms.
            UnknownRoom, AmbiguousRoom: a room ref did not resolve (nothing is created).
        """
        name = self._valid_name(name)
        if scope not in m.SCOPES:
            raise ValueError(f"unknown group scope {scope!r}")
        if scope == m.SCOPE_CHANNEL and not channel_id:
            raise ValueError("a channel group needs a channel_id")
        if scope != m.SCOPE_CHANNEL:
            channel_id = None
        room_ids = [room.room_id for room in self.resolve_rooms(team_id, room_refs)]
        self._check_room_count(len(room_ids))
        scope_key = _scope_key(scope, owner_user_id=owner_user_id, channel_id=channel_id)

        def work(session: Session) -> GroupRecord:
            if _name_taken(session, team_id, scope_key, name_key(name)):
                raise DuplicateName(name)
            now = self._clock()
            row = m.RoomGroup(
                team_id=team_id,
                name=name,
                name_key=name_key(name),
                scope=scope,
                scope_key=scope_key,
                owner_user_id=owner_user_id,
                channel_id=channel_id,
                dingtalk_group_id=dingtalk_group_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.add_all(
                m.RoomGroupMember(group_id=row.id, room_id=room_id, team_id=team_id, position=position, added_at=now)
                for position, room_id in enumerate(room_ids)
            )
            session.flush()
            return _group_record(session, row)

        return self._run(work, on_conflict=_duplicate(name))

    def rename_group(
        self, team_id: str, group_id: int, new_name: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        new_name = self._valid_name(new_name)

        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            key = name_key(new_name)
            if key != row.name_key and _name_taken(session, team_id, row.scope_key, key):
                raise DuplicateName(new_name)
            row.name = new_name
            row.name_key = key
            session.flush()
            return _group_record(session, row)

        return self._run(work, on_conflict=_duplicate(new_name))

    def delete_group(self, team_id: str, group_id: int, *, acting_user: str, is_admin: bool = False) -> None:
        """Delete a group, its members and shares; defaults that pointed at it are cleared."""

        def work(session: Session) -> None:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            # Explicit, so the outcome does not depend on SQLite's foreign-key pragma.
            session.execute(
                delete(m.RoomGroupMember).where(m.RoomGroupMember.team_id == team_id, m.RoomGroupMember.group_id == row.id)
            )
            session.execute(delete(m.GroupShare).where(m.GroupShare.team_id == team_id, m.GroupShare.group_id == row.id))
            session.execute(
                update(m.User)
                .where(m.User.team_id == team_id, m.User.default_group_id == row.id)
                .values(default_group_id=None)
            )
            session.execute(
                update(m.ChannelSetting)
                .where(m.ChannelSetting.team_id == team_id, m.ChannelSetting.default_group_id == row.id)
                .values(default_group_id=None)
            )
            session.delete(row)

        self._run(work)

    def add_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Append rooms to a group (rooms already in it stay where they are).

        Raises:
            UnknownGroup, NotAllowed, UnknownRoom, AmbiguousRoom, LimitExceeded (nothing is changed).
        """
        room_ids = [room.room_id for room in self.resolve_rooms(team_id, refs)]

        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            self._append_members(session, row, room_ids)
            return _group_record(session, row)

        return self._run(work)

    def remove_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Remove rooms from a group; refs are matched against the group's own rooms (unlisted ones too).

        Raises:
            UnknownGroup, NotAllowed, UnknownRoom (not in the group; with the group's closest rooms), AmbiguousRoom.
        """

        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            members = _member_ids(session, team_id, row.id)
            member_rooms = [
                _room_record(room)
                for room in session.scalars(select(m.Room).where(m.Room.team_id == team_id, m.Room.room_id.in_(members)))
            ]
            doomed = {_match_room(ref, member_rooms).room_id for ref in refs}
            self._write_members(session, row, [room_id for room_id in members if room_id not in doomed])
            return _group_record(session, row)

        return self._run(work)

    def set_group_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Replace a group's rooms with `refs`, in that order (the "edit group" modal)."""
        room_ids = [room.room_id for room in self.resolve_rooms(team_id, refs)]
        self._check_room_count(len(room_ids))

        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            self._write_members(session, row, room_ids)
            return _group_record(session, row)

        return self._run(work)

    def get_group(self, team_id: str, group_id: int) -> GroupRecord:
        """A group by id. Raises UnknownGroup when it does not exist in this team."""
        return self._read(lambda session: _group_record(session, _group_row(session, team_id, group_id)))

    def list_groups(self, team_id: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        """Groups visible to the user: personal, then the channel's and shared with it, then workspace-wide."""

        def work(session: Session) -> list[GroupRecord]:
            return [_group_record(session, row) for row in _visible_groups(session, team_id, user_id, channel_id)]

        return self._read(work)

    def find_group(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> GroupRecord:
        """A visible group by name (case-, accent- and width-insensitive); the closest scope wins a tie.

        Raises:
            UnknownGroup: no visible group has that name (with the closest visible names).
        """

        def work(session: Session) -> GroupRecord:
            visible = _visible_groups(session, team_id, user_id, channel_id)
            key = name_key(name)
            for row in visible:  # already ordered personal, channel, shared, workspace
                if row.name_key == key:
                    return _group_record(session, row)
            raise UnknownGroup(clean_name(name), suggestions=closest(name, [row.name for row in visible]))

        return self._read(work)

    def share_group(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Share a group with a channel: everyone asking there sees it. Sharing twice is harmless."""

        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            if session.get(m.GroupShare, (row.id, channel_id)) is None:
                session.add(
                    m.GroupShare(
                        group_id=row.id,
                        channel_id=channel_id,
                        team_id=team_id,
                        shared_by=acting_user,
                        shared_at=self._clock(),
                    )
                )
                session.flush()
            return _group_record(session, row)

        return self._run(work)

    def unshare_group(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        def work(session: Session) -> GroupRecord:
            row = self._lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            session.execute(
                delete(m.GroupShare).where(
                    m.GroupShare.team_id == team_id, m.GroupShare.group_id == row.id, m.GroupShare.channel_id == channel_id
                )
            )
            return _group_record(session, row)

        return self._run(work)

    def set_channel_default_group(self, team_id: str, channel_id: str, group_id: int | None) -> None:
        """Set (or clear) a channel's default group; it must be visible in that channel.

        Raises:
            UnknownGroup: no such group in this team.
            NotAllowed: a personal group not shared with the channel.
        """

        def work(session: Session) -> None:
            if group_id is not None:
                group = _group_row(session, team_id, group_id)
                if not _visible_in_channel(session, group, channel_id):
                    raise NotAllowed(NOT_ALLOWED_GROUP_NOT_IN_CHANNEL)
            now = self._clock()
            _upsert(
                session,
                m.ChannelSetting,
                [{"team_id": team_id, "channel_id": channel_id, "default_group_id": group_id, "updated_at": now}],
                keys=["team_id", "channel_id"],
                update=["default_group_id", "updated_at"],
            )

        self._run(work)

    def channel_default_group_id(self, team_id: str, channel_id: str) -> int | None:
        return self._read(
            lambda session: session.scalar(
                select(m.ChannelSetting.default_group_id).where(
                    m.ChannelSetting.team_id == team_id, m.ChannelSetting.channel_id == channel_id
                )
            )
        )

    def resolve_groups(
        self, team_id: str, *, user_id: str, channel_id: str | None = None, name: str | None = None
    ) -> list[GroupRecord]:
        """The groups a question is about.

        In order: the named group; else the user's default; else the channel's default; else all the
        user's own groups; else the workspace groups; else [] (the answer then offers to import
        DingTalk's groups). Among several groups, empty ones are left out unless all are empty.

        Raises:
            UnknownGroup: `name` is given and no visible group has it.
        """
        if name:
            return [self.find_group(team_id, name, user_id=user_id, channel_id=channel_id)]

        def work(session: Session) -> list[GroupRecord]:
            visible = _visible_groups(session, team_id, user_id, channel_id)
            by_id = {row.id: row for row in visible}
            user = session.get(m.User, (team_id, user_id))
            if user is not None and user.default_group_id in by_id:
                return [_group_record(session, by_id[user.default_group_id])]
            if channel_id:
                setting = session.get(m.ChannelSetting, (team_id, channel_id))
                if setting is not None and setting.default_group_id in by_id:
                    return [_group_record(session, by_id[setting.default_group_id])]
            for scope in (m.SCOPE_PERSONAL, m.SCOPE_WORKSPACE):
                groups = [_group_record(session, row) for row in visible if row.scope == scope]
                if scope == m.SCOPE_PERSONAL:
                    groups = [group for group in groups if group.owner_user_id == user_id]
                if groups:
                    return [group for group in groups if not group.empty] or groups
            return []

        return self._read(work)

    def import_dingtalk_groups(self, team_id: str, *, acting_user: str) -> list[GroupRecord]:
        """Turn DingTalk's own room groups (from the synced directory) into workspace groups.

        Idempotent: a group imported before is found again by its DingTalk id and gains the rooms
        DingTalk added since (rooms added by hand stay). A name already used by another workspace
        group gets a " (DingTalk)" suffix. Groups larger than the room limit keep their first rooms.
        """
        rooms = self.list_rooms(team_id)
        by_group: dict[int, list[RoomRecord]] = {}
        for room in sorted(rooms, key=lambda r: (name_key(r.name), r.room_id)):
            if room.dingtalk_group_id is not None:
                by_group.setdefault(room.dingtalk_group_id, []).append(room)

        def work(session: Session) -> list[GroupRecord]:
            now = self._clock()
            result: list[GroupRecord] = []
            for dingtalk_id, members in sorted(by_group.items(), key=lambda item: name_key(_group_name(item[1]))):
                room_ids = [room.room_id for room in members]
                if len(room_ids) > self.group_max_rooms:
                    log.warning(
                        "DingTalk group %s has %d rooms; importing the first %d",
                        dingtalk_id,
                        len(room_ids),
                        self.group_max_rooms,
                    )
                row = session.scalar(
                    select(m.RoomGroup).where(
                        m.RoomGroup.team_id == team_id,
                        m.RoomGroup.scope == m.SCOPE_WORKSPACE,
                        m.RoomGroup.dingtalk_group_id == dingtalk_id,
                    )
                )
                if row is None:
                    name = self._free_import_name(session, team_id, _group_name(members))
                    row = m.RoomGroup(
                        team_id=team_id,
                        name=name,
                        name_key=name_key(name),
                        scope=m.SCOPE_WORKSPACE,
                        scope_key=_scope_key(m.SCOPE_WORKSPACE, owner_user_id=acting_user, channel_id=None),
                        owner_user_id=acting_user,
                        dingtalk_group_id=dingtalk_id,
                        created_at=now,
                        updated_at=now,
                    )
                    session.add(row)
                    session.flush()
                else:
                    row.updated_at = now
                current = _member_ids(session, team_id, row.id)
                space = max(self.group_max_rooms - len(current), 0)
                present = set(current)
                missing = [room_id for room_id in room_ids if room_id not in present][:space]
                self._write_members(session, row, current + missing, check=False)
                result.append(_group_record(session, row))
            return result

        return self._run(work)

    def _free_import_name(self, session: Session, team_id: str, wanted: str) -> str:
        base = clean_name(wanted[: self.name_max_length]) or "DingTalk"
        scope_key = _scope_key(m.SCOPE_WORKSPACE, owner_user_id="", channel_id=None)
        candidates = [base]
        for n in range(1, 50):
            suffix = " (DingTalk)" if n == 1 else f" (DingTalk {n})"
            candidates.append(base[: max(self.name_max_length - len(suffix), 1)].rstrip() + suffix)
        for candidate in candidates:
            if not _name_taken(session, team_id, scope_key, name_key(candidate)):
                return candidate
        raise DuplicateName(base)

    def _valid_name(self, name: str) -> str:
        name = clean_name(name)
        if not name_key(name):
            raise LimitExceeded(LIMIT_NAME_EMPTY, limit=1)
        if len(name) > self.name_max_length:
            raise LimitExceeded(LIMIT_NAME_LENGTH, limit=self.name_max_length)
        return name

    def _check_room_count(self, count: int) -> None:
        if count > self.group_max_rooms:
            raise LimitExceeded(LIMIT_GROUP_ROOMS, limit=self.group_max_rooms)

    def _lock_group(self, session: Session, team_id: str, group_id: int, *, acting_user: str, is_admin: bool) -> m.RoomGroup:
        """Lock the group's row for the rest of the transaction and check the actor may change it."""
        touched = session.execute(
            update(m.RoomGroup)
            .where(m.RoomGroup.team_id == team_id, m.RoomGroup.id == group_id)
            .values(updated_at=self._clock())
            .execution_options(synchronize_session=False)
        )
        if getattr(touched, "rowcount", 0) != 1:
            raise UnknownGroup(str(group_id))
        row = _group_row(session, team_id, group_id)
        session.refresh(row)
        if row.owner_user_id != acting_user and not is_admin:
            raise NotAllowed(NOT_ALLOWED_GROUP)
        return row

    def _append_members(self, session: Session, row: m.RoomGroup, room_ids: Sequence[str]) -> None:
        current = _member_ids(session, row.team_id, row.id)
        present = set(current)
        new = [room_id for room_id in dict.fromkeys(room_ids) if room_id not in present]
        self._check_room_count(len(current) + len(new))
        now = self._clock()
        session.add_all(
            m.RoomGroupMember(group_id=row.id, room_id=room_id, team_id=row.team_id, position=len(current) + i, added_at=now)
            for i, room_id in enumerate(new)
        )
        session.flush()

    def _write_members(self, session: Session, row: m.RoomGroup, room_ids: Sequence[str], *, check: bool = True) -> None:
        """Make the group's members exactly `room_ids`, in order (positions 0..n-1)."""
        wanted = list(dict.fromkeys(room_ids))
        if check:
            self._check_room_count(len(wanted))
        existing = {
            member.room_id: member
            for member in session.scalars(
                select(m.RoomGroupMember).where(
                    m.RoomGroupMember.team_id == row.team_id, m.RoomGroupMember.group_id == row.id
                )
            )
        }
        now = self._clock()
        for room_id, old in existing.items():
            if room_id not in wanted:
                session.delete(old)
        for position, room_id in enumerate(wanted):
            if (member := existing.get(room_id)) is None:
                session.add(
                    m.RoomGroupMember(group_id=row.id, room_id=room_id, team_id=row.team_id, position=position, added_at=now)
                )
            elif member.position != position:
                member.position = position
        session.flush()

    # --- bookings -----------------------------------------------------------------------------

    def begin_booking(
        self,
        team_id: str,
        *,
        idempotency_key: str,
        slack_user_id: str,
        room_id: str,
        room_name: str,
        start: datetime,
        end: datetime,
        organizer_union_id: str | None,
        channel_id: str | None = None,
        message_ts: str | None = None,
    ) -> tuple[BookingRecord, bool]:
        """Record a booking about to be made, once per idempotency key.

        Returns the booking and True, or, when the key was seen before (a double click, a retried
        delivery, another process racing), the existing booking and False.
        """

        def existing(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.idempotency_key == idempotency_key)
            )
            return _booking_record(row) if row else None

        def work(session: Session) -> tuple[BookingRecord, bool]:
            found = existing(session)
            if found is not None:
                return found, False
            now = self._clock()
            row = m.Booking(
                team_id=team_id,
                idempotency_key=idempotency_key,
                slack_user_id=slack_user_id,
                channel_id=channel_id,
                message_ts=message_ts,
                room_id=room_id,
                room_name=room_name,
                start_at=start,
                end_at=end,
                organizer_union_id=organizer_union_id,
                status=m.BOOKING_REQUESTED,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return _booking_record(row), True

        def lost_race(exc: IntegrityError) -> tuple[BookingRecord, bool]:
            found = self._read(existing)
            if found is None:
                raise exc
            return found, False

        return self._run(work, on_conflict=lost_race)

    def complete_booking(
        self, team_id: str, booking_id: int, *, event_id: str, status: str = m.BOOKING_BOOKED
    ) -> BookingRecord:
        """DingTalk accepted: `status` is "booked", or "pending" when the room needs approval."""
        if status not in (m.BOOKING_BOOKED, m.BOOKING_PENDING):
            raise ValueError(f"a completed booking is booked or pending, not {status!r}")
        return self._update_booking(team_id, booking_id, event_id=event_id, status=status, error=None)

    def fail_booking(self, team_id: str, booking_id: int, error: str) -> BookingRecord:
        """DingTalk refused or the attempt broke; `error` is a short code or reason (never a secret)."""
        return self._update_booking(team_id, booking_id, status=m.BOOKING_FAILED, error=error[:2000])

    def cancel_booking(
        self, team_id: str, booking_id: int, *, acting_user: str | None = None, is_admin: bool = False
    ) -> BookingRecord:
        """Mark a booking cancelled. With `acting_user`, only its booker (or an admin) may.

        Raises:
            NotFound: no such booking in this team.
            NotAllowed: someone else's booking.
        """

        def check(row: m.Booking) -> None:
            if acting_user is not None and row.slack_user_id != acting_user and not is_admin:
                raise NotAllowed(NOT_ALLOWED_BOOKING)

        return self._update_booking(team_id, booking_id, status=m.BOOKING_CANCELLED, check=check)

    def _update_booking(
        self, team_id: str, booking_id: int, *, check: Callable[[m.Booking], None] | None = None, **values: Any
    ) -> BookingRecord:
        def work(session: Session) -> BookingRecord:
            row = _booking_row(session, team_id, booking_id)
            if check is not None:
                check(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock()
            session.flush()
            return _booking_record(row)

        return self._run(work)

    def get_booking(self, team_id: str, booking_id: int) -> BookingRecord:
        """Raises NotFound when there is no such booking in this team."""
        return self._read(lambda session: _booking_record(_booking_row(session, team_id, booking_id)))

    def list_bookings(
        self,
        team_id: str,
        *,
        user_id: str,
        start_after: datetime | None = None,
        statuses: Sequence[str] = UPCOMING_BOOKING_STATUSES,
        limit: int = 50,
    ) -> list[BookingRecord]:
        """The user's bookings ending after `start_after` (upcoming and ongoing), soonest first."""

        def work(session: Session) -> list[BookingRecord]:
            query = select(m.Booking).where(
                m.Booking.team_id == team_id, m.Booking.slack_user_id == user_id, m.Booking.status.in_(list(statuses))
            )
            if start_after is not None:
                query = query.where(m.Booking.end_at > start_after)
            rows = session.scalars(query.order_by(m.Booking.start_at, m.Booking.id).limit(limit))
            return [_booking_record(row) for row in rows]

        return self._read(work)

    def find_active_booking(self, team_id: str, room_id: str, start: datetime, end: datetime) -> BookingRecord | None:
        """An active booking roombot holds on the room overlapping [start, end), if any."""

        def work(session: Session) -> BookingRecord | None:
            row = session.scalar(
                select(m.Booking)
                .where(
                    m.Booking.team_id == team_id,
                    m.Booking.room_id == room_id,
                    m.Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                    m.Booking.start_at < end,
                    m.Booking.end_at > start,
                )
                .order_by(m.Booking.start_at, m.Booking.id)
                .limit(1)
            )
            return _booking_record(row) if row else None

        return self._read(work)

    # --- processed Slack events ---------------------------------------------------------------

    def mark_event_processed(self, team_id: str, event_id: str, now: datetime) -> bool:
        """True the first time an event id is seen, False for every repeat (race-safe across processes)."""

        def work(session: Session) -> bool:
            if session.get(m.ProcessedEvent, (team_id, event_id)) is not None:
                return False
            session.add(m.ProcessedEvent(team_id=team_id, event_id=event_id, processed_at=now))
            session.flush()
            return True

        return self._run(work, on_conflict=lambda exc: False)

    def prune_processed_events(self, team_id: str, *, older_than: datetime) -> int:
        """Forget event ids handled before `older_than` (Slack retries within minutes). Returns how many."""

        def work(session: Session) -> int:
            result = session.execute(
                delete(m.ProcessedEvent).where(
                    m.ProcessedEvent.team_id == team_id, m.ProcessedEvent.processed_at < older_than
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

        return self._run(work)

    # --- schedule cache -----------------------------------------------------------------------

    def get_cached_schedules(
        self,
        team_id: str,
        room_ids: Iterable[str],
        window_start: datetime,
        window_end: datetime,
        *,
        max_age_s: float,
        now: datetime,
    ) -> dict[str, CachedSchedule]:
        """Cached schedules of these rooms for exactly this window, fetched at most `max_age_s` ago."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return {}
        oldest = now - timedelta(seconds=max_age_s)

        def work(session: Session) -> dict[str, CachedSchedule]:
            # Plain rows rather than ORM objects: this read is on every question's path.
            entry = m.ScheduleCacheEntry
            rows = session.execute(
                select(entry.room_id, entry.items, entry.error, entry.fetched_at).where(
                    entry.team_id == team_id,
                    entry.room_id.in_(wanted),
                    entry.window_start == window_start,
                    entry.window_end == window_end,
                    entry.fetched_at >= oldest,
                )
            )
            return {
                row.room_id: CachedSchedule(
                    schedule=_schedule_from_row(row.room_id, row.items, row.error), fetched_at=row.fetched_at
                )
                for row in rows
            }

        return self._read(work)

    def put_cached_schedules(
        self,
        team_id: str,
        window_start: datetime,
        window_end: datetime,
        schedules: Sequence[RoomSchedule],
        *,
        fetched_at: datetime,
    ) -> None:
        """Store (or replace) the schedules of rooms for one window."""
        values = {
            schedule.room_id: {
                "team_id": team_id,
                "room_id": schedule.room_id,
                "window_start": window_start,
                "window_end": window_end,
                "items": [_item_to_json(item) for item in schedule.items],
                "error": schedule.error or None,
                "fetched_at": fetched_at,
            }
            for schedule in schedules
        }
        if not values:
            return
        self._run(
            lambda session: _upsert(
                session,
                m.ScheduleCacheEntry,
                list(values.values()),
                keys=["team_id", "room_id", "window_start", "window_end"],
                update=["items", "error", "fetched_at"],
            )
        )

    def invalidate_cached_schedules(self, team_id: str, room_ids: Iterable[str]) -> None:
        """Drop every cached day of these rooms (after roombot booked or cancelled one)."""
        wanted = list(dict.fromkeys(room_ids))
        if not wanted:
            return

        def work(session: Session) -> None:
            session.execute(
                delete(m.ScheduleCacheEntry).where(
                    m.ScheduleCacheEntry.team_id == team_id, m.ScheduleCacheEntry.room_id.in_(wanted)
                )
            )

        self._run(work)

    def prune_cached_schedules(self, team_id: str, *, older_than: datetime) -> int:
        """Drop cache entries fetched before `older_than`. Returns how many."""

        def work(session: Session) -> int:
            result = session.execute(
                delete(m.ScheduleCacheEntry).where(
                    m.ScheduleCacheEntry.team_id == team_id, m.ScheduleCacheEntry.fetched_at < older_than
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

        return self._run(work)


# --- helpers ------------------------------------------------------------------------------------


def _duplicate(name: str) -> Callable[[IntegrityError], NoReturn]:
    """A unique-key race on a group name: the other writer took the name first."""

    def on_conflict(exc: IntegrityError) -> NoReturn:
        raise DuplicateName(name) from exc

    return on_conflict


def _upsert(
    session: Session, model: type[m.Base], rows: list[dict[str, Any]], *, keys: list[str], update: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, on SQLite and Postgres."""
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - roombot runs on SQLite and Postgres
        for values in rows:
            session.merge(model(**values))
        session.flush()
        return
    # One statement executed for many rows: SQLAlchemy caches its compiled form, where a
    # multi-VALUES statement would be compiled afresh for every call (the schedule cache's hot path).
    # Core, not the ORM's bulk path: the rows are plain dicts and the ORM would only add overhead.
    stmt = insert(model.__table__)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={column: stmt.excluded[column] for column in update})
    for start in range(0, len(rows), _UPSERT_CHUNK):
        session.connection().execute(stmt, rows[start : start + _UPSERT_CHUNK])


def _scope_key(scope: str, *, owner_user_id: str, channel_id: str | None) -> str:
    if scope == m.SCOPE_PERSONAL:
        return f"user:{owner_user_id}"
    if scope == m.SCOPE_CHANNEL:
        return f"channel:{channel_id}"
    return "workspace"


def _name_taken(session: Session, team_id: str, scope_key: str, key: str) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(m.RoomGroup)
        .where(m.RoomGroup.team_id == team_id, m.RoomGroup.scope_key == scope_key, m.RoomGroup.name_key == key)
    )
    return bool(found)


def _group_row(session: Session, team_id: str, group_id: int) -> m.RoomGroup:
    row = session.scalar(select(m.RoomGroup).where(m.RoomGroup.team_id == team_id, m.RoomGroup.id == group_id))
    if row is None:
        raise UnknownGroup(str(group_id))
    return row


def _member_ids(session: Session, team_id: str, group_id: int) -> list[str]:
    return list(
        session.scalars(
            select(m.RoomGroupMember.room_id)
            .where(m.RoomGroupMember.team_id == team_id, m.RoomGroupMember.group_id == group_id)
            .order_by(m.RoomGroupMember.position, m.RoomGroupMember.room_id)
        )
    )


def _group_record(session: Session, row: m.RoomGroup) -> GroupRecord:
    shares = session.scalars(
        select(m.GroupShare.channel_id)
        .where(m.GroupShare.team_id == row.team_id, m.GroupShare.group_id == row.id)
        .order_by(m.GroupShare.channel_id)
    )
    return GroupRecord(
        id=row.id,
        name=row.name,
        scope=row.scope,
        owner_user_id=row.owner_user_id,
        channel_id=row.channel_id,
        room_ids=tuple(_member_ids(session, row.team_id, row.id)),
        team_id=row.team_id,
        dingtalk_group_id=row.dingtalk_group_id,
        shared_channel_ids=tuple(shares),
    )


def _visible_groups(session: Session, team_id: str, user_id: str, channel_id: str | None) -> list[m.RoomGroup]:
    """Groups the user sees, ordered personal, channel's own, shared with the channel, workspace; by name within."""
    visible = [m.RoomGroup.scope == m.SCOPE_WORKSPACE, m.RoomGroup.scope_key == f"user:{user_id}"]
    shared: set[int] = set()
    if channel_id:
        visible.append(m.RoomGroup.scope_key == f"channel:{channel_id}")
        shared = set(
            session.scalars(
                select(m.GroupShare.group_id).where(m.GroupShare.team_id == team_id, m.GroupShare.channel_id == channel_id)
            )
        )
        if shared:
            visible.append(m.RoomGroup.id.in_(shared))
    rows = list(session.scalars(select(m.RoomGroup).where(m.RoomGroup.team_id == team_id, or_(*visible))))

    def rank(row: m.RoomGroup) -> tuple[int, str, int]:
        if row.scope_key == f"user:{user_id}":
            order = 0
        elif channel_id and row.scope_key == f"channel:{channel_id}":
            order = 1
        elif row.id in shared:
            order = 2
        else:
            order = 3
        return order, row.name_key, row.id

    return sorted(rows, key=rank)


def _visible_in_channel(session: Session, group: m.RoomGroup, channel_id: str) -> bool:
    if group.scope == m.SCOPE_WORKSPACE or group.scope_key == f"channel:{channel_id}":
        return True
    return session.get(m.GroupShare, (group.id, channel_id)) is not None


def _group_name(members: Sequence[RoomRecord]) -> str:
    for room in members:
        if room.dingtalk_group_name:
            return clean_name(room.dingtalk_group_name)
    return f"DingTalk group {members[0].dingtalk_group_id}" if members else "DingTalk"


def _match_room(ref: str, rooms: Sequence[RoomRecord]) -> RoomRecord:
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


def _candidates(rooms: Sequence[RoomRecord]) -> list[str]:
    """Candidate labels: names, with the room id where two names read the same."""
    ordered = sorted(rooms, key=lambda room: (name_key(room.name), room.room_id))
    keys = [name_key(room.name) for room in ordered]
    return [
        room.name if keys.count(key) == 1 else f"{room.name} ({room.room_id})"
        for room, key in zip(ordered, keys, strict=True)
    ]


def _room_values(room: Room) -> dict[str, Any]:
    name = clean_name(room.name) or room.room_id
    return {
        "name": name,
        "name_key": name_key(name),
        "capacity": room.capacity,
        "location_title": room.location_title or "",
        "location_desc": room.location_desc or "",
        "labels": [{"id": label.id, "name": label.name} for label in room.labels],
        "dingtalk_group_id": room.group.group_id if room.group else None,
        "dingtalk_group_name": room.group.name if room.group and room.group.name else None,
        "listed": True,
    }


def _room_record(row: m.Room) -> RoomRecord:
    return RoomRecord(
        team_id=row.team_id,
        room_id=row.room_id,
        name=row.name,
        capacity=row.capacity,
        location_title=row.location_title,
        location_desc=row.location_desc,
        labels=tuple(Label(id=int(label["id"]), name=str(label["name"])) for label in row.labels or []),
        dingtalk_group_id=row.dingtalk_group_id,
        dingtalk_group_name=row.dingtalk_group_name,
        listed=row.listed,
        synced_at=row.synced_at,
    )


def _user_record(row: m.User) -> UserRecord:
    return UserRecord(
        team_id=row.team_id,
        user_id=row.user_id,
        union_id=row.union_id,
        tz=row.tz,
        tz_fetched_at=row.tz_fetched_at,
        default_group_id=row.default_group_id,
    )


def _booking_row(session: Session, team_id: str, booking_id: int) -> m.Booking:
    row = session.scalar(select(m.Booking).where(m.Booking.team_id == team_id, m.Booking.id == booking_id))
    if row is None:
        raise NotFound("booking", str(booking_id))
    return row


def _booking_record(row: m.Booking) -> BookingRecord:
    return BookingRecord(
        id=row.id,
        team_id=row.team_id,
        idempotency_key=row.idempotency_key,
        slack_user_id=row.slack_user_id,
        room_id=row.room_id,
        room_name=row.room_name,
        start=row.start_at,
        end=row.end_at,
        status=row.status,
        event_id=row.event_id,
        organizer_union_id=row.organizer_union_id,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _item_to_json(item: ScheduleItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "event_id": item.event_id,
        "organizer_id": item.organizer_id,
        "all_day": item.all_day,
    }


def _schedule_from_row(room_id: str, stored_items: list[dict[str, Any]] | None, error: str | None) -> RoomSchedule:
    items = tuple(
        ScheduleItem(
            status=str(item["status"]),
            start=datetime.fromisoformat(item["start"]),
            end=datetime.fromisoformat(item["end"]),
            event_id=item.get("event_id"),
            organizer_id=item.get("organizer_id"),
            all_day=bool(item.get("all_day", False)),
        )
        for item in stored_items or []
    )
    return RoomSchedule(room_id=room_id, items=items, error=error)


__all__ = [
    "ACTIVE_BOOKING_STATUSES",
    "LIMIT_GROUP_ROOMS",
    "LIMIT_NAME_EMPTY",
    "LIMIT_NAME_LENGTH",
    "NOT_ALLOWED_BOOKING",
    "NOT_ALLOWED_GROUP",
    "NOT_ALLOWED_GROUP_NOT_IN_CHANNEL",
    "UPCOMING_BOOKING_STATUSES",
    "Store",
]
