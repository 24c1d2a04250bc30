"""Meeting rooms and room groups: the paged room list, groups, room details (with booking rules),
and adding, changing or removing rooms in process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.sim import data
from bot.sim.endpoints.users import DirectoryEndpoints
from bot.sim.http import Reply, Request
from bot.sim.replies import Problem, ok, serves, wire_copy
from bot.sim.timefmt import to_ms


class RoomEndpoints(DirectoryEndpoints):
    """`meetingRoomLists`, `groupLists`, `group` and `meetingRoom`, plus the room admin calls."""

    # --- in process --------------------------------------------------------------------------

    def rooms(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return [wire_copy(room.wire) for room in self._state.rooms]

    def groups(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return [dict(group) for group in self._state.groups]

    def room_rules(self, room_id: str) -> data.RoomRules:
        with self._state.lock:
            return self._state.room(room_id).rules

    def add_room(self, new: data.NewRoom) -> dict[str, Any]:
        state = self._state
        with state.lock:
            index = state.next_room_index
            state.next_room_index += 1
            group = next((g for g in state.groups if g["groupId"] == new.group_id), None)
            wire: dict[str, Any] = {
                "roomId": data.stable_hex(16, state.seed, "roomId", index),
                "roomStaffId": "",
                "corpId": state.corp_id,
                "roomName": new.name,
                "roomStatus": 0,
                "roomLabels": [{"labelId": label, "labelName": data.LABEL_NAMES.get(label, "")} for label in new.labels],
                "roomCapacity": new.capacity,
                "roomLocation": {"title": new.location[0], "desc": new.location[1]},
                "roomPicture": "",
                "isvRoomId": "",
            }
            if group is not None:
                wire["roomGroup"] = dict(group)
            state.rooms.append(data.SimRoom(index=index, wire=wire, rules=new.rules))
            return wire_copy(wire)  # type: ignore[no-any-return]

    def update_room(self, room_id: str, **wire_fields: Any) -> dict[str, Any]:
        with self._state.lock:
            room = self._state.room(room_id)
            room.wire.update(wire_fields)
            return wire_copy(room.wire)  # type: ignore[no-any-return]

    def close_room(self, room_id: str, *, start: datetime, until: datetime | None, reason: str = "") -> None:
        """Close the room for bookings from `start` until `until` (None: indefinitely)."""
        with self._state.lock:
            room = self._state.room(room_id)
            room.rules = replace(room.rules, closed_from=start, closed_until=until, close_reason=reason)

    def reopen_room(self, room_id: str) -> None:
        with self._state.lock:
            room = self._state.room(room_id)
            room.rules = replace(room.rules, closed_from=None, closed_until=None, close_reason="", open_reservation=True)

    def set_members(self, room_id: str, union_ids: Sequence[str] | None) -> None:
        """Open the room to these members only (roomStatus 2), or with None to everyone (roomStatus 0)."""
        with self._state.lock:
            room = self._state.room(room_id)
            if union_ids is None:
                room.wire["roomStatus"] = 0
                room.authorized_members = []
                return
            room.wire["roomStatus"] = 2
            room.authorized_members = []
            for union_id in union_ids:
                user = self._state.user_by_union(union_id)
                name = user.name if user is not None else ""
                room.authorized_members.append({"memberId": union_id, "memberType": "user", "memberName": name})

    def remove_room(self, room_id: str) -> None:
        with self._state.lock:
            room = self._state.room(room_id)
            self._state.rooms.remove(room)

    # --- endpoints ---------------------------------------------------------------------------

    @serves("meetingRoomLists")
    def room_list(self, params: dict[str, str], request: Request) -> Reply:
        self._directory.rooms_user(request)
        rooms = self._state.rooms
        try:
            max_results = int(request.query.get("maxResults") or 20)
            offset = int(request.query.get("nextToken") or 0)
        except ValueError:
            raise Problem(405, "params.invalid", "无效的分页请求参数nextToken和maxResults") from None
        if max_results > 100:
            raise Problem(400, "param.error.maxresults", "Too Large MaxResults")
        if max_results < 1 or offset < 0 or offset > len(rooms):
            raise Problem(405, "params.invalid", "无效的分页请求参数nextToken和maxResults")
        page = rooms[offset : offset + max_results]
        has_more = offset + max_results < len(rooms)
        payload: dict[str, Any] = {"hasMore": has_more, "result": [wire_copy(room.wire) for room in page]}
        if has_more:
            payload["nextToken"] = offset + max_results
        return ok(payload)

    @serves("groupLists")
    def group_list(self, params: dict[str, str], request: Request) -> Reply:
        self._directory.rooms_user(request)
        return ok({"result": [dict(group) for group in self._state.groups]})

    @serves("group")
    def group(self, params: dict[str, str], request: Request) -> Reply:
        self._directory.rooms_user(request)
        group = next((g for g in self._state.groups if str(g["groupId"]) == params["group"]), None)
        if group is None:
            raise Problem(400, "param.error", "Param Error")
        return ok(dict(group))

    @serves("meetingRoom")
    def room(self, params: dict[str, str], request: Request) -> Reply:
        self._directory.rooms_user(request)
        room = self._state.find_room(params["room"])
        if room is None:
            raise Problem(400, "param.error", "Param Error")
        return ok({"result": self._detail(room)})

    def _detail(self, room: data.SimRoom) -> dict[str, Any]:
        state = self._state
        rules = room.rules
        extension: dict[str, Any] = {
            "openReservation": rules.open_reservation,
            "maxReservationTimeInterval": rules.max_minutes,
            "minReservationTimeInterval": rules.min_minutes,
            "advanceReservation": {
                "advanceReservationTime": rules.advance_days,
                "advanceReservationTimeUnit": "days",
                "advanceBookTimeFormat": "00:00",
            },
            "approvalSwitch": rules.approval,
            "approvalType": 1,
        }
        if rules.closed_from is not None:
            extension["reservationCloseDetail"] = {
                "taskStartTime": to_ms(rules.closed_from),
                "taskEndTime": to_ms(rules.closed_until) if rules.closed_until is not None else None,
                "closeReason": rules.close_reason,
                "contactUnionId": state.operator.unionid,
                "contactNick": state.operator.name,
                "sendNotify": False,
            }
        detail = wire_copy(room.wire)
        detail.update(
            {
                "deviceUnionIds": [],
                "roomUnionId": data.stable_alnum(24, state.seed, "roomUnionId", room.room_id),
                "roomDescription": room.description,
                "enableCycleReservation": True,
                "extensionConfig": extension,
            }
        )
        if room.wire.get("roomStatus") == 2:
            detail["reservationAuthority"] = {"authorizedMembers": [dict(member) for member in room.authorized_members]}
        return detail  # type: ignore[no-any-return]
