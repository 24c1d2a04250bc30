"""`GroupsRepository`: room groups (personal, channel, workspace), their rooms and the channels they are shared with.

Writes that read-then-modify a group first lock the group's row (`group_rows.lock_group`), so
concurrent edits queue instead of losing rooms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Clock, utc_now
from bot.domain.models import Room
from bot.errors import DuplicateName, LimitExceeded, LimitReason, UnknownGroup
from bot.store import models as m
from bot.store.base import Repository, SessionFactory
from bot.store.group_rows import (
    append_members,
    by_name_precedence,
    check_room_count,
    count_owned,
    dingtalk_group_name,
    group_record,
    group_row,
    lock_group,
    member_ids,
    name_taken,
    scope_key,
    valid_name,
    visible_groups,
    write_members,
)
from bot.store.names import clean_name, closest, name_key
from bot.store.records import GroupRecord
from bot.store.rooms import RoomsRepository, match_room, room_from_row

log = logging.getLogger(__name__)


class GroupsRepository(Repository):
    """Room groups of a team.

    Args:
        session_factory: makes sessions (`bot.store.db.make_session_factory(engine)`).
        rooms: resolves room refs (ids or names) against the directory.
        clock: the current time (aware UTC); used for created/updated times.
        limits: how large groups may grow.
    """

    def __init__(
        self, *, session_factory: SessionFactory, rooms: RoomsRepository, clock: Clock = utc_now, limits: GroupLimits
    ) -> None:
        super().__init__(session_factory=session_factory, clock=clock)
        self._rooms = rooms
        self.max_rooms = limits.max_rooms
        self.name_max_length = limits.name_max_length
        self.max_groups_per_user = limits.max_groups_per_user

    # --- reading ------------------------------------------------------------------------------

    def get(self, team_id: str, group_id: int) -> GroupRecord:
        """A group by id. Raises UnknownGroup when it does not exist in this team."""
        return self._read(lambda session: group_record(session, group_row(session, team_id, group_id)))

    def visible(self, team_id: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        """Groups visible to the user: personal, then the channel's and shared with it, then workspace-wide."""

        def work(session: Session) -> list[GroupRecord]:
            return [group_record(session, row) for row in visible_groups(session, team_id, user_id, channel_id)]

        return self._read(work)

    def visible_page(
        self, team_id: str, *, user_id: str, channel_id: str | None = None, limit: int
    ) -> tuple[list[GroupRecord], int]:
        """The first `limit` groups of `visible` (with their rooms), and how many are visible in all."""

        def work(session: Session) -> tuple[list[GroupRecord], int]:
            rows = visible_groups(session, team_id, user_id, channel_id)
            return [group_record(session, row) for row in rows[:limit]], len(rows)

        return self._read(work)

    def find(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> GroupRecord:
        """A visible group by name, to change it: the asker's own group wins a tie (then the channel's,
        the shared ones, the workspace's), so `group add Mine …` never reaches for someone else's.

        Raises:
            UnknownGroup: no visible group has that name (with the closest visible names).
        """

        def work(session: Session) -> GroupRecord:
            visible = visible_groups(session, team_id, user_id, channel_id)
            key = name_key(name)
            for row in visible:  # already ordered personal, channel, shared, workspace
                if row.name_key == key:
                    return group_record(session, row)
            raise UnknownGroup(clean_name(name), suggestions=closest(name, [row.name for row in visible]))

        return self._read(work)

    def matching(self, team_id: str, name: str, *, user_id: str, channel_id: str | None = None) -> list[GroupRecord]:
        """Every visible group with that name, the one a question about rooms means first.

        In a channel, the channel's own group and the groups shared with it win over the asker's
        personal group of the same name (everyone there means the same rooms); then personal, then
        workspace groups.

        Raises:
            UnknownGroup: no visible group has that name (with the closest visible names).
        """

        def work(session: Session) -> list[GroupRecord]:
            visible = by_name_precedence(visible_groups(session, team_id, user_id, channel_id), user_id, channel_id)
            key = name_key(name)
            found = [group_record(session, row) for row in visible if row.name_key == key]
            if found:
                return found
            raise UnknownGroup(clean_name(name), suggestions=closest(name, [row.name for row in visible]))

        return self._read(work)

    def resolve(
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
            return self.matching(team_id, name, user_id=user_id, channel_id=channel_id)[:1]

        def work(session: Session) -> list[GroupRecord]:
            visible = visible_groups(session, team_id, user_id, channel_id)
            by_id = {row.id: row for row in visible}
            user = session.get(m.User, (team_id, user_id))
            if user is not None and user.default_group_id in by_id:
                return [group_record(session, by_id[user.default_group_id])]
            if channel_id:
                setting = session.get(m.ChannelSetting, (team_id, channel_id))
                if setting is not None and setting.default_group_id in by_id:
                    return [group_record(session, by_id[setting.default_group_id])]
            for scope in (m.SCOPE_PERSONAL, m.SCOPE_WORKSPACE):
                groups = [group_record(session, row) for row in visible if row.scope == scope]
                if scope == m.SCOPE_PERSONAL:
                    groups = [group for group in groups if group.owner_user_id == user_id]
                if groups:
                    return [group for group in groups if not group.empty] or groups
            return []

        return self._read(work)

    # --- writing ------------------------------------------------------------------------------

    def create(
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
        """Create a group, optionally with rooms (resolved as by `RoomsRepository.resolve`).

        Raises:
            DuplicateName: a group of that name exists in the same scope.
            LimitExceeded: the name is empty or too long, or too many rooms.
            UnknownRoom, AmbiguousRoom: a room ref did not resolve (nothing is created).
        """
        name = valid_name(name, max_length=self.name_max_length)
        if scope not in m.SCOPES:
            raise ValueError(f"unknown group scope {scope!r}")
        if scope == m.SCOPE_CHANNEL and not channel_id:
            raise ValueError("a channel group needs a channel_id")
        if scope != m.SCOPE_CHANNEL:
            channel_id = None
        room_ids = [room.room_id for room in self._rooms.resolve_many(team_id, room_refs)]
        check_room_count(len(room_ids), max_rooms=self.max_rooms)
        key_of_scope = scope_key(scope, owner_user_id=owner_user_id, channel_id=channel_id)

        def work(session: Session) -> GroupRecord:
            if name_taken(session, team_id, key_of_scope, name_key(name)):
                raise DuplicateName(name)
            if scope != m.SCOPE_WORKSPACE and count_owned(session, team_id, owner_user_id) >= self.max_groups_per_user:
                raise LimitExceeded(LimitReason.GROUPS_PER_USER, limit=self.max_groups_per_user)
            now = self._clock()
            row = _new_group(team_id, name, scope, owner_user_id, channel_id, dingtalk_group_id, now)
            session.add(row)
            session.flush()
            session.add_all(
                m.RoomGroupMember(group_id=row.id, room_id=room_id, team_id=team_id, position=position, added_at=now)
                for position, room_id in enumerate(room_ids)
            )
            session.flush()
            return group_record(session, row)

        return self._run(work, on_conflict=_duplicate(name))

    def rename(self, team_id: str, group_id: int, new_name: str, *, acting_user: str, is_admin: bool = False) -> GroupRecord:
        new_name = valid_name(new_name, max_length=self.name_max_length)

        def change(session: Session, row: m.RoomGroup) -> None:
            key = name_key(new_name)
            if key != row.name_key and name_taken(session, team_id, row.scope_key, key):
                raise DuplicateName(new_name)
            row.name = new_name
            row.name_key = key
            session.flush()

        return self._edit(team_id, group_id, acting_user, is_admin, change, on_conflict=_duplicate(new_name))

    def delete(self, team_id: str, group_id: int, *, acting_user: str, is_admin: bool = False) -> None:
        """Delete a group, its members and shares; defaults that pointed at it are cleared."""

        def work(session: Session) -> None:
            row = self._lock(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
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
        room_ids = [room.room_id for room in self._rooms.resolve_many(team_id, refs)]

        def change(session: Session, row: m.RoomGroup) -> None:
            append_members(session, row, room_ids, max_rooms=self.max_rooms, now=self._clock())

        return self._edit(team_id, group_id, acting_user, is_admin, change)

    def remove_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Remove rooms from a group; refs are matched against the group's own rooms (unlisted ones too).

        Raises:
            UnknownGroup, NotAllowed, UnknownRoom (not in the group; with the group's closest rooms), AmbiguousRoom.
        """

        def change(session: Session, row: m.RoomGroup) -> None:
            members = member_ids(session, team_id, row.id)
            member_rooms = [
                room_from_row(room)
                for room in session.scalars(select(m.Room).where(m.Room.team_id == team_id, m.Room.room_id.in_(members)))
            ]
            doomed = {match_room(ref, member_rooms).room_id for ref in refs}
            kept = [room_id for room_id in members if room_id not in doomed]
            write_members(session, row, kept, max_rooms=self.max_rooms, now=self._clock())

        return self._edit(team_id, group_id, acting_user, is_admin, change)

    def set_rooms(
        self, team_id: str, group_id: int, refs: Sequence[str], *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Replace a group's rooms with `refs`, in that order (the "edit group" modal)."""
        room_ids = [room.room_id for room in self._rooms.resolve_many(team_id, refs)]
        check_room_count(len(room_ids), max_rooms=self.max_rooms)

        def change(session: Session, row: m.RoomGroup) -> None:
            write_members(session, row, room_ids, max_rooms=self.max_rooms, now=self._clock())

        return self._edit(team_id, group_id, acting_user, is_admin, change)

    def share(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        """Share a group with a channel: everyone asking there sees it. Sharing twice is harmless."""

        def change(session: Session, row: m.RoomGroup) -> None:
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

        return self._edit(team_id, group_id, acting_user, is_admin, change)

    def unshare(
        self, team_id: str, group_id: int, channel_id: str, *, acting_user: str, is_admin: bool = False
    ) -> GroupRecord:
        def change(session: Session, row: m.RoomGroup) -> None:
            session.execute(
                delete(m.GroupShare).where(
                    m.GroupShare.team_id == team_id, m.GroupShare.group_id == row.id, m.GroupShare.channel_id == channel_id
                )
            )

        return self._edit(team_id, group_id, acting_user, is_admin, change)

    def import_dingtalk(self, team_id: str, *, acting_user: str) -> list[GroupRecord]:
        """Turn DingTalk's own room groups (from the synced directory) into workspace groups.

        Idempotent: a group imported before is found again by its DingTalk id and gains the rooms
        DingTalk added since (rooms added by hand stay). A name already used by another workspace
        group gets a " (DingTalk)" suffix. Groups larger than the room limit keep their first rooms.
        """
        by_group: dict[int, list[Room]] = {}
        for room in sorted(self._rooms.all(team_id), key=lambda r: (name_key(r.name), r.room_id)):
            if room.dingtalk_group_id is not None:
                by_group.setdefault(room.dingtalk_group_id, []).append(room)

        def work(session: Session) -> list[GroupRecord]:
            now = self._clock()
            result: list[GroupRecord] = []
            for dingtalk_id, members in sorted(by_group.items(), key=lambda item: name_key(dingtalk_group_name(item[1]))):
                room_ids = [room.room_id for room in members]
                if len(room_ids) > self.max_rooms:
                    log.warning(
                        "DingTalk group %s has %d rooms; importing the first %d", dingtalk_id, len(room_ids), self.max_rooms
                    )
                row = session.scalar(
                    select(m.RoomGroup).where(
                        m.RoomGroup.team_id == team_id,
                        m.RoomGroup.scope == m.SCOPE_WORKSPACE,
                        m.RoomGroup.dingtalk_group_id == dingtalk_id,
                    )
                )
                if row is None:
                    name = self._free_import_name(session, team_id, dingtalk_group_name(members))
                    row = _new_group(team_id, name, m.SCOPE_WORKSPACE, acting_user, None, dingtalk_id, now)
                    session.add(row)
                    session.flush()
                else:
                    row.updated_at = now
                current = member_ids(session, team_id, row.id)
                space = max(self.max_rooms - len(current), 0)
                present = set(current)
                missing = [room_id for room_id in room_ids if room_id not in present][:space]
                write_members(session, row, current + missing, max_rooms=None, now=now)
                result.append(group_record(session, row))
            return result

        return self._run(work)

    def _free_import_name(self, session: Session, team_id: str, wanted: str) -> str:
        base = clean_name(wanted[: self.name_max_length]) or "DingTalk"
        workspace = scope_key(m.SCOPE_WORKSPACE, owner_user_id="", channel_id=None)
        candidates = [base]
        for n in range(1, 50):
            suffix = " (DingTalk)" if n == 1 else f" (DingTalk {n})"
            candidates.append(base[: max(self.name_max_length - len(suffix), 1)].rstrip() + suffix)
        for candidate in candidates:
            if not name_taken(session, team_id, workspace, name_key(candidate)):
                return candidate
        raise DuplicateName(base)

    def _edit(
        self,
        team_id: str,
        group_id: int,
        acting_user: str,
        is_admin: bool,
        change: Callable[[Session, m.RoomGroup], None],
        on_conflict: Callable[[IntegrityError], NoReturn] | None = None,
    ) -> GroupRecord:
        """Lock the group (its owner or an admin only), `change` it, and return it as it is now."""

        def work(session: Session) -> GroupRecord:
            row = self._lock(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin)
            change(session, row)
            return group_record(session, row)

        return self._run(work, on_conflict=on_conflict)

    def _lock(self, session: Session, team_id: str, group_id: int, *, acting_user: str, is_admin: bool) -> m.RoomGroup:
        return lock_group(session, team_id, group_id, acting_user=acting_user, is_admin=is_admin, now=self._clock())


@dataclass(frozen=True)
class GroupLimits:
    """How large groups may grow.

    Attributes:
        max_rooms: at most this many rooms in a group.
        name_max_length: group names of at most this many characters.
        max_groups_per_user: at most this many personal and channel groups made by one user.
    """

    max_rooms: int = 100
    name_max_length: int = 60
    max_groups_per_user: int = 50


def _new_group(
    team_id: str,
    name: str,
    scope: str,
    owner_user_id: str,
    channel_id: str | None,
    dingtalk_group_id: int | None,
    now: datetime,
) -> m.RoomGroup:
    """A new group's row; its name key and scope key follow from the name, scope, owner and channel."""
    return m.RoomGroup(
        team_id=team_id,
        name=name,
        name_key=name_key(name),
        scope=scope,
        scope_key=scope_key(scope, owner_user_id=owner_user_id, channel_id=channel_id),
        owner_user_id=owner_user_id,
        channel_id=channel_id,
        dingtalk_group_id=dingtalk_group_id,
        created_at=now,
        updated_at=now,
    )


def _duplicate(name: str) -> Callable[[IntegrityError], NoReturn]:
    """A unique-key race on a group name: the other writer took the name first."""

    def on_conflict(exc: IntegrityError) -> NoReturn:
        raise DuplicateName(name) from exc

    return on_conflict


__all__ = ["GroupLimits", "GroupsRepository"]
