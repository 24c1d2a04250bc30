"""Row-level helpers for room groups, shared by the groups, users and channels repositories.

Each function works inside the caller's transaction (it takes the session) and filters on the team.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.models import Room
from bot.domain.policy import may_change
from bot.errors import LimitExceeded, LimitReason, NotAllowed, NotAllowedReason, UnknownGroup
from bot.store import models as m
from bot.store.base import rowcount, to_record
from bot.store.names import clean_name, name_key
from bot.store.records import GroupRecord

# `LimitExceeded.what` values (bot.present.messages renders them).

# `NotAllowed.what` values.


def scope_key(scope: str, *, owner_user_id: str, channel_id: str | None) -> str:
    """The key group names are unique within: the owner, the channel, or the whole workspace."""
    if scope == m.SCOPE_PERSONAL:
        return f"user:{owner_user_id}"
    if scope == m.SCOPE_CHANNEL:
        return f"channel:{channel_id}"
    return "workspace"


def name_taken(session: Session, team_id: str, scope: str, key: str) -> bool:
    """Whether a group of the scope key `scope` already has the name key `key`."""
    found = session.scalar(
        select(func.count())
        .select_from(m.RoomGroup)
        .where(m.RoomGroup.team_id == team_id, m.RoomGroup.scope_key == scope, m.RoomGroup.name_key == key)
    )
    return bool(found)


def group_row(session: Session, team_id: str, group_id: int) -> m.RoomGroup:
    row = session.scalar(select(m.RoomGroup).where(m.RoomGroup.team_id == team_id, m.RoomGroup.id == group_id))
    if row is None:
        raise UnknownGroup(str(group_id))
    return row


def member_ids(session: Session, team_id: str, group_id: int) -> list[str]:
    return list(
        session.scalars(
            select(m.RoomGroupMember.room_id)
            .where(m.RoomGroupMember.team_id == team_id, m.RoomGroupMember.group_id == group_id)
            .order_by(m.RoomGroupMember.position, m.RoomGroupMember.room_id)
        )
    )


def group_record(session: Session, row: m.RoomGroup) -> GroupRecord:
    shares = session.scalars(
        select(m.GroupShare.channel_id)
        .where(m.GroupShare.team_id == row.team_id, m.GroupShare.group_id == row.id)
        .order_by(m.GroupShare.channel_id)
    )
    return to_record(
        GroupRecord, row, room_ids=tuple(member_ids(session, row.team_id, row.id)), shared_channel_ids=tuple(shares)
    )


def visible_groups(session: Session, team_id: str, user_id: str, channel_id: str | None) -> list[m.RoomGroup]:
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


def by_name_precedence(rows: list[m.RoomGroup], user_id: str, channel_id: str | None) -> list[m.RoomGroup]:
    """`visible_groups` reordered for a lookup by name: in a channel, the channel's own group and the
    groups shared with it come before the asker's personal ones, so everyone there means the same
    rooms by the same name; then personal, then workspace."""
    if not channel_id:
        return rows

    def rank(row: m.RoomGroup) -> int:
        if row.scope_key == f"channel:{channel_id}":
            return 0
        if row.scope_key != f"user:{user_id}" and row.scope != m.SCOPE_WORKSPACE:
            return 1  # shared with the channel
        if row.scope_key == f"user:{user_id}":
            return 2
        return 3

    return sorted(rows, key=rank)  # stable: name order within a rank is kept


def count_owned(session: Session, team_id: str, user_id: str) -> int:
    """Groups a user made (personal and channel groups; workspace groups belong to the workspace)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(m.RoomGroup)
            .where(
                m.RoomGroup.team_id == team_id,
                m.RoomGroup.owner_user_id == user_id,
                m.RoomGroup.scope != m.SCOPE_WORKSPACE,
            )
        )
        or 0
    )


def visible_in_channel(session: Session, group: m.RoomGroup, channel_id: str) -> bool:
    if group.scope == m.SCOPE_WORKSPACE or group.scope_key == f"channel:{channel_id}":
        return True
    return session.get(m.GroupShare, (group.id, channel_id)) is not None


def dingtalk_group_name(members: Sequence[Room]) -> str:
    """The name an imported DingTalk group gets: its DingTalk name, else one made from its id."""
    for room in members:
        if room.dingtalk_group_name:
            return clean_name(room.dingtalk_group_name)
    return f"DingTalk group {members[0].dingtalk_group_id}" if members else "DingTalk"


def valid_name(name: str, *, max_length: int) -> str:
    """The cleaned group name. Raises LimitExceeded when it is empty or too long."""
    name = clean_name(name)
    if not name_key(name):
        raise LimitExceeded(LimitReason.NAME_EMPTY, limit=1)
    if len(name) > max_length:
        raise LimitExceeded(LimitReason.NAME_LENGTH, limit=max_length)
    return name


def check_room_count(count: int, *, max_rooms: int) -> None:
    if count > max_rooms:
        raise LimitExceeded(LimitReason.GROUP_ROOMS, limit=max_rooms)


def lock_group(
    session: Session, team_id: str, group_id: int, *, acting_user: str, is_admin: bool, now: datetime
) -> m.RoomGroup:
    """Lock the group's row for the rest of the transaction and check the actor may change it.

    Touching the row (`UPDATE ... SET updated_at`) locks it on Postgres and takes SQLite's write
    lock, so concurrent read-then-modify edits of one group queue instead of losing rooms.
    """
    touched = session.execute(
        update(m.RoomGroup)
        .where(m.RoomGroup.team_id == team_id, m.RoomGroup.id == group_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(touched) != 1:
        raise UnknownGroup(str(group_id))
    row = group_row(session, team_id, group_id)
    session.refresh(row)
    workspace_owned = row.scope == m.SCOPE_WORKSPACE
    if not may_change(
        owner_user_id=row.owner_user_id, acting_user=acting_user, is_admin=is_admin, workspace_owned=workspace_owned
    ):
        raise NotAllowed(NotAllowedReason.WORKSPACE_GROUP if workspace_owned else NotAllowedReason.CHANGE_GROUP)
    return row


def append_members(session: Session, row: m.RoomGroup, room_ids: Sequence[str], *, max_rooms: int, now: datetime) -> None:
    """Append rooms to the group's members; rooms already in it stay where they are."""
    current = member_ids(session, row.team_id, row.id)
    present = set(current)
    new = [room_id for room_id in dict.fromkeys(room_ids) if room_id not in present]
    check_room_count(len(current) + len(new), max_rooms=max_rooms)
    session.add_all(
        m.RoomGroupMember(group_id=row.id, room_id=room_id, team_id=row.team_id, position=len(current) + i, added_at=now)
        for i, room_id in enumerate(new)
    )
    session.flush()


def write_members(
    session: Session, row: m.RoomGroup, room_ids: Sequence[str], *, max_rooms: int | None, now: datetime
) -> None:
    """Make the group's members exactly `room_ids`, in order (positions 0..n-1); `max_rooms` None skips the check."""
    wanted = list(dict.fromkeys(room_ids))
    if max_rooms is not None:
        check_room_count(len(wanted), max_rooms=max_rooms)
    existing = {
        member.room_id: member
        for member in session.scalars(
            select(m.RoomGroupMember).where(m.RoomGroupMember.team_id == row.team_id, m.RoomGroupMember.group_id == row.id)
        )
    }
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


__all__ = [
    "append_members",
    "by_name_precedence",
    "count_owned",
    "check_room_count",
    "dingtalk_group_name",
    "group_record",
    "group_row",
    "lock_group",
    "member_ids",
    "name_taken",
    "scope_key",
    "valid_name",
    "visible_groups",
    "visible_in_channel",
    "write_members",
]
