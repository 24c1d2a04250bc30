"""The `/_sim/...` control routes: read and change knobs, faults, tokens, credentials and stats
over HTTP. Control calls are not counted in the stats and never faulted."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.sim.http import Reply, Request


class Controllable(Protocol):
    """What the control routes drive (the Simulator)."""

    @property
    def config(self) -> dict[str, Any]: ...
    @property
    def events(self) -> list[dict[str, Any]]: ...
    @property
    def rooms(self) -> list[dict[str, Any]]: ...
    @property
    def users(self) -> list[dict[str, Any]]: ...
    @property
    def notifications(self) -> list[dict[str, Any]]: ...
    def stats(self) -> dict[str, int]: ...
    def reset_stats(self) -> None: ...
    def configure(self, **knobs: Any) -> Any: ...
    # `Simulator.inject_fault(endpoint, *, status, code, message, count, body, required_scopes)`.
    @property
    def inject_fault(self) -> Callable[..., None]: ...
    def clear_faults(self) -> None: ...
    def lose_replies(self, endpoint: str, *, mode: str, count: int = 1) -> None: ...
    def release_replies(self) -> None: ...
    @property
    def held_replies(self) -> int: ...
    def expire_tokens(self) -> None: ...
    def revoke_credentials(self) -> None: ...
    def restore_credentials(self) -> None: ...
    def info(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    def register_callback(self, url: str, *, token: str, aes_key: str) -> None: ...
    def rotate_suite_ticket(self) -> dict[str, Any]: ...
    def close_room(
        self, room_id: str, *, until: datetime | None, reason: str = "", start: datetime | None = None
    ) -> None: ...
    def reopen_room(self, room_id: str) -> None: ...
    def set_room_members(self, room_id: str, union_ids: Sequence[str] | None) -> None: ...
    def decide_approval(self, event_id: str, room_id: str | None, *, approve: bool) -> None: ...


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 moment with its offset, or None."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset")
    return moment


def is_control_path(path: str) -> bool:
    return path.startswith("/_sim/") or path == "/_sim"


def control(sim: Controllable, request: Request) -> Reply:
    """Answer one `/_sim/...` request; bad input is a 400 `{"error": ...}`, unknown routes a 404."""
    route = (request.method, request.path.rstrip("/"))
    try:
        payload = json.loads(request.body) if request.body.strip() else {}
    except ValueError:
        return Reply.json(400, {"error": "body is not valid JSON"})
    if not isinstance(payload, dict):
        return Reply.json(400, {"error": "body must be a JSON object"})
    try:
        reply = _route(sim, route, payload)
    except (TypeError, ValueError, KeyError) as exc:
        return Reply.json(400, {"error": str(exc)})
    if reply is None:
        return Reply.json(404, {"error": f"no control endpoint {request.method} {request.path}"})
    return reply


def _route(sim: Controllable, route: tuple[str, str], payload: dict[str, Any]) -> Reply | None:
    reads: dict[tuple[str, str], Callable[[], Any]] = {
        ("GET", "/_sim/stats"): sim.stats,
        ("GET", "/_sim/config"): lambda: sim.config,
        ("GET", "/_sim/replies"): lambda: {"held": sim.held_replies},
        ("GET", "/_sim/events"): lambda: {"events": sim.events},
        ("GET", "/_sim/info"): sim.info,
        ("GET", "/_sim/rooms"): lambda: {"rooms": sim.rooms},
        ("GET", "/_sim/notifications"): lambda: {"notifications": sim.notifications},
        ("GET", "/_sim/users"): lambda: {"users": sim.users},
    }
    actions: dict[tuple[str, str], Callable[[], Any]] = {
        ("DELETE", "/_sim/faults"): sim.clear_faults,
        ("POST", "/_sim/replies/release"): sim.release_replies,
        ("POST", "/_sim/tokens/expire"): sim.expire_tokens,
        ("POST", "/_sim/credentials/revoke"): sim.revoke_credentials,
        ("POST", "/_sim/credentials/restore"): sim.restore_credentials,
        ("POST", "/_sim/reset"): sim.reset,
    }
    if route in reads:
        return Reply.json(200, reads[route]())
    if route in actions:
        actions[route]()
        return Reply.json(200, {"ok": True})
    if route == ("POST", "/_sim/stats/reset"):
        sim.reset_stats()
        return Reply.json(200, sim.stats())
    if route == ("POST", "/_sim/config"):
        sim.configure(**payload)
        return Reply.json(200, sim.config)
    if route == ("POST", "/_sim/suite-ticket/rotate"):
        return Reply.json(200, sim.rotate_suite_ticket())
    changed = _change(sim, route, payload)
    return Reply.json(200, {"ok": True}) if changed else None


def _change(sim: Controllable, route: tuple[str, str], payload: dict[str, Any]) -> bool:
    """Carry out a control call that changes faults, rooms, approvals or the callback; False if
    `route` is none of them."""
    if route == ("POST", "/_sim/faults"):
        sim.inject_fault(
            str(payload.get("endpoint", "")),
            status=int(payload.get("status", 500)),
            code=str(payload.get("code", "system.error")),
            message=str(payload.get("message", "")),
            count=int(payload.get("count", 1)),
            body=payload.get("body"),
            required_scopes=[str(scope) for scope in payload.get("requiredScopes", [])],
        )
    elif route == ("POST", "/_sim/replies"):
        sim.lose_replies(
            str(payload.get("endpoint", "")), mode=str(payload.get("mode", "drop")), count=int(payload.get("count", 1))
        )
    elif route == ("POST", "/_sim/callback"):
        sim.register_callback(str(payload["url"]), token=str(payload["token"]), aes_key=str(payload["aesKey"]))
    elif route[1].startswith(("/_sim/rooms/", "/_sim/approvals/")) and route[0] == "POST":
        try:
            return _change_room(sim, route, payload)
        except KeyError as exc:
            what = "event or room" if route[1].startswith("/_sim/approvals/") else "room"
            raise ValueError(f"unknown or missing {what}: {exc}") from None
    else:
        return False
    return True


def _change_room(sim: Controllable, route: tuple[str, str], payload: dict[str, Any]) -> bool:
    path = route[1]
    if path == "/_sim/rooms/close":
        sim.close_room(
            str(payload["roomId"]),
            until=_moment(payload.get("until")),
            reason=str(payload.get("reason") or ""),
            start=_moment(payload.get("start")),
        )
    elif path == "/_sim/rooms/reopen":
        sim.reopen_room(str(payload["roomId"]))
    elif path == "/_sim/rooms/members":
        members = payload.get("members")
        sim.set_room_members(str(payload["roomId"]), None if members is None else [str(member) for member in members])
    elif path in ("/_sim/approvals/approve", "/_sim/approvals/decline"):
        room_id = payload.get("roomId")
        sim.decide_approval(str(payload["eventId"]), str(room_id) if room_id else None, approve=path.endswith("approve"))
    else:
        return False
    return True
