"""Rooms and room groups: the room list (paged), one room's detail, the group list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.dingtalk.wire.shape import as_bool, as_int, as_list, as_object, as_str, required_str
from bot.domain.models import (
    AdvanceReservation,
    AuthorizedMember,
    Label,
    ReservationClosed,
    Room,
    RoomDetail,
    RoomGroupRef,
)
from bot.errors import MalformedReply


def parse_group(raw: object) -> RoomGroupRef:
    obj = as_object(raw, "room group")
    group_id = as_int(obj.get("groupId"), "groupId")
    if group_id is None:
        raise MalformedReply("room group has no groupId")
    parent_id = as_int(obj.get("parentId"), "parentId", default=0) or 0
    return RoomGroupRef(group_id=group_id, name=as_str(obj.get("groupName")), parent_id=parent_id)


def parse_room(raw: object) -> Room:
    obj = as_object(raw, "room")
    location = obj.get("roomLocation")
    loc = as_object(location, "roomLocation") if location is not None else {}
    labels = []
    for label in as_list(obj.get("roomLabels"), "roomLabels"):
        label_obj = as_object(label, "roomLabels[]")
        label_id = as_int(label_obj.get("labelId"), "labelId")
        if label_id is None:
            raise MalformedReply("room label has no labelId")
        labels.append(Label(id=label_id, name=as_str(label_obj.get("labelName"))))
    group = obj.get("roomGroup")
    # An empty roomGroup object means "no group" rather than a broken reply.
    parsed_group = parse_group(group) if isinstance(group, Mapping) and group.get("groupId") is not None else None
    if group is not None and not isinstance(group, Mapping):
        raise MalformedReply("roomGroup is not an object")
    return Room(
        room_id=required_str(obj, "roomId", "room"),
        name=as_str(obj.get("roomName")),
        capacity=as_int(obj.get("roomCapacity"), "roomCapacity"),
        location_title=as_str(loc.get("title")),
        location_desc=as_str(loc.get("desc")),
        labels=tuple(labels),
        group=parsed_group,
        status=as_int(obj.get("roomStatus"), "roomStatus", default=0) or 0,
        isv_room_id=as_str(obj.get("isvRoomId")),
    )


@dataclass(frozen=True)
class RoomPage:
    rooms: list[Room]
    has_more: bool
    next_token: int | None


def parse_room_page(body: object) -> RoomPage:
    obj = as_object(body, "room list reply")
    if "result" not in obj:
        raise MalformedReply("room list reply has no result")
    rooms = [parse_room(raw) for raw in as_list(obj.get("result"), "result")]
    has_more = as_bool(obj.get("hasMore"), default=False)
    next_token = as_int(obj.get("nextToken"), "nextToken")
    if has_more and next_token is None:
        raise MalformedReply("room list says hasMore but gives no nextToken")
    return RoomPage(rooms=rooms, has_more=has_more, next_token=next_token)


def parse_group_list(body: object) -> list[RoomGroupRef]:
    obj = as_object(body, "group list reply")
    if "result" not in obj:
        raise MalformedReply("group list reply has no result")
    return [parse_group(raw) for raw in as_list(obj.get("result"), "result")]


def _from_millis(value: object, what: str) -> datetime | None:
    millis = as_int(value, what)
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def parse_room_detail(body: object) -> RoomDetail:
    obj = as_object(body, "room reply")
    result = as_object(obj.get("result"), "room reply result")
    room = parse_room(result)
    config_raw = result.get("extensionConfig")
    config = as_object(config_raw, "extensionConfig") if config_raw is not None else {}
    advance = None
    if (adv_raw := config.get("advanceReservation")) is not None:
        adv = as_object(adv_raw, "advanceReservation")
        amount = as_int(adv.get("advanceReservationTime"), "advanceReservationTime")
        if amount is not None and amount > 0:
            advance = AdvanceReservation(
                amount=amount,
                unit=as_str(adv.get("advanceReservationTimeUnit")).lower() or "days",
                book_time=as_str(adv.get("advanceBookTimeFormat")),
            )
    closed = None
    if (close_raw := config.get("reservationCloseDetail")) is not None:
        close = as_object(close_raw, "reservationCloseDetail")
        if close:
            closed = ReservationClosed(
                start=_from_millis(close.get("taskStartTime"), "taskStartTime"),
                end=_from_millis(close.get("taskEndTime"), "taskEndTime"),
                reason=as_str(close.get("closeReason")),
            )
    members: tuple[AuthorizedMember, ...] | None = None
    if room.status == 2:
        # Open to some members only: the reservation scope lists who may book.
        authority_raw = result.get("reservationAuthority")
        authority = as_object(authority_raw, "reservationAuthority") if authority_raw is not None else {}
        members = tuple(
            AuthorizedMember(
                member_id=required_str(as_object(raw, "authorizedMembers[]"), "memberId", "authorizedMembers[]"),
                member_type=as_str(as_object(raw, "authorizedMembers[]").get("memberType")) or "user",
            )
            for raw in as_list(authority.get("authorizedMembers"), "authorizedMembers")
        )
    return RoomDetail(
        room=room,
        members=members,
        open_reservation=as_bool(config.get("openReservation"), default=True),
        max_minutes=as_int(config.get("maxReservationTimeInterval"), "maxReservationTimeInterval", default=0) or 0,
        min_minutes=as_int(config.get("minReservationTimeInterval"), "minReservationTimeInterval", default=0) or 0,
        advance=advance,
        closed=closed,
        approval_required=as_bool(config.get("approvalSwitch"), default=False),
        description=as_str(result.get("roomDescription")),
    )
