"""The user directory: who may call the room and calendar APIs, and adding people to it."""

from __future__ import annotations

from typing import Any

from bot.sim import data
from bot.sim.http import Request
from bot.sim.replies import Endpoints, Problem
from bot.sim.state import SimState


class Directory:
    """The demo people (the operator first) and the checks the new-style APIs make on a caller."""

    def __init__(self, *, state: SimState) -> None:
        self._state = state

    def users(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return [user.wire() for user in self._state.users]

    def add_user(
        self, name: str, *, mobile: str, userid: str | None = None, unionid: str | None = None, email: str = ""
    ) -> dict[str, Any]:
        state = self._state
        with state.lock:
            number = len(state.users)
            user = data.SimUser(
                userid=userid or f"{data.stable_int(state.seed, 'userid', name) % 90_000_000 + 10_000_000}",
                unionid=unionid or data.stable_alnum(27, state.seed, "unionid", name) + "E",
                name=name,
                mobile=mobile,
                email=email or f"user{number}@example.com",
            )
            state.users.append(user)
            state.organizers = tuple(u.unionid for u in state.users)
            return user.wire()

    def rooms_user(self, request: Request) -> data.SimUser:
        """The caller named by `?unionId=` on the room APIs; unknown people are not employees."""
        union_id = request.query.get("unionId", "").strip()
        if not union_id:
            raise Problem(400, "param.error", "Param Error")
        user = self._state.user_by_union(union_id)
        if user is None:
            raise Problem(400, "user.not.employee", "User Not Employee")
        return user

    def calendar_user(self, union_id: str) -> data.SimUser:
        """The calendar owner in a calendar API path; unknown people are outside the app's scope."""
        user = self._state.user_by_union(union_id)
        if user is None:
            raise Problem(400, "permissionDeny", "用户不在授权范围内")
        return user


class DirectoryEndpoints(Endpoints):
    """An endpoint family that checks its callers against the directory of people."""

    def __init__(self, *, state: SimState, directory: Directory) -> None:
        self._state = state
        self._directory = directory
