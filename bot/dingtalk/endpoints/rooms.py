"""The room directory: rooms (paged), DingTalk's room groups, and one room with its rules."""

from __future__ import annotations

from bot.dingtalk import wire
from bot.dingtalk.endpoints.host import HostApi
from bot.dingtalk.transport import Call, path_segment
from bot.domain.models import Room, RoomDetail, RoomGroupRef
from bot.errors import MalformedReply, OperatorNotEmployee, UserNotFound

ROOM_PAGE_SIZE = 100  # the largest maxResults DingTalk accepts for the room list
MAX_ROOM_PAGES = 1000  # a guard against a server that keeps answering hasMore


class RoomsApi(HostApi):
    """DingTalk's meeting-room endpoints, read as `union_id`.

    Args:
        host: where the calls go.
    """

    def _send(self, call: Call) -> object:
        """Send a rooms call; `user.not.employee` here is about the account the rooms are read as."""
        try:
            return self._transport.send(call)
        except UserNotFound as exc:
            raise OperatorNotEmployee(exc.message, code=exc.code, request_id=exc.request_id, status=exc.status) from exc

    def list_rooms(self, union_id: str) -> list[Room]:
        """Every room visible to `union_id`, following pagination (100 per page)."""
        rooms: dict[str, Room] = {}
        next_token: int | None = None
        seen_tokens: set[int] = set()
        for _ in range(MAX_ROOM_PAGES):
            params: dict[str, str | int] = {"unionId": union_id, "maxResults": ROOM_PAGE_SIZE}
            if next_token is not None:
                params["nextToken"] = next_token
            call = Call("meetingRoomLists", "GET", self._url + "/v1.0/rooms/meetingRoomLists", params=params)
            page = wire.parse_room_page(self._send(call))
            for room in page.rooms:
                rooms.setdefault(room.room_id, room)
            if not page.has_more:
                return list(rooms.values())
            assert page.next_token is not None  # parse_room_page guarantees it with hasMore
            if page.next_token in seen_tokens:
                raise MalformedReply(f"room list repeats nextToken {page.next_token}")
            seen_tokens.add(page.next_token)
            next_token = page.next_token
        raise MalformedReply(f"room list did not end after {MAX_ROOM_PAGES} pages")

    def list_room_groups(self, union_id: str) -> list[RoomGroupRef]:
        """DingTalk's own room groups."""
        call = Call("groupLists", "GET", self._url + "/v1.0/rooms/groupLists", params={"unionId": union_id})
        return wire.parse_group_list(self._send(call))

    def get_room_group(self, union_id: str, group_id: int) -> RoomGroupRef:
        url = self._url + f"/v1.0/rooms/groups/{path_segment(str(group_id))}"
        return wire.parse_group(self._send(Call("group", "GET", url, params={"unionId": union_id})))

    def get_room(self, union_id: str, room_id: str) -> RoomDetail:
        """One room with its booking rules."""
        url = self._url + f"/v1.0/rooms/meetingRooms/{path_segment(room_id)}"
        return wire.parse_room_detail(self._send(Call("meetingRoom", "GET", url, params={"unionId": union_id})))


__all__ = ["MAX_ROOM_PAGES", "ROOM_PAGE_SIZE", "RoomsApi"]
