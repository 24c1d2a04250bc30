"""The `/_sim/...` control routes: read and change knobs, faults, tokens, credentials and stats
over HTTP. Control calls are not counted in the stats and never faulted."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    def inject_fault(
        self,
        endpoint: str,
        *,
        status: int,
        code: str,
        message: str = "",
        count: int = 1,
        body: Any = None,
        required_scopes: Sequence[str] = (),
    ) -> None: ...
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
    done = {"ok": True}
    if route == ("GET", "/_sim/stats"):
        return Reply.json(200, sim.stats())
    if route == ("POST", "/_sim/stats/reset"):
        sim.reset_stats()
        return Reply.json(200, sim.stats())
    if route == ("GET", "/_sim/config"):
        return Reply.json(200, sim.config)
    if route == ("POST", "/_sim/config"):
        sim.configure(**payload)
        return Reply.json(200, sim.config)
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
        return Reply.json(200, done)
    if route == ("DELETE", "/_sim/faults"):
        sim.clear_faults()
        return Reply.json(200, done)
    if route == ("POST", "/_sim/replies"):
        sim.lose_replies(
            str(payload.get("endpoint", "")), mode=str(payload.get("mode", "drop")), count=int(payload.get("count", 1))
        )
        return Reply.json(200, done)
    if route == ("GET", "/_sim/replies"):
        return Reply.json(200, {"held": sim.held_replies})
    if route == ("POST", "/_sim/replies/release"):
        sim.release_replies()
        return Reply.json(200, done)
    if route == ("POST", "/_sim/tokens/expire"):
        sim.expire_tokens()
        return Reply.json(200, done)
    if route == ("POST", "/_sim/credentials/revoke"):
        sim.revoke_credentials()
        return Reply.json(200, done)
    if route == ("POST", "/_sim/credentials/restore"):
        sim.restore_credentials()
        return Reply.json(200, done)
    if route == ("GET", "/_sim/events"):
        return Reply.json(200, {"events": sim.events})
    if route == ("GET", "/_sim/info"):
        return Reply.json(200, sim.info())
    if route == ("GET", "/_sim/rooms"):
        return Reply.json(200, {"rooms": sim.rooms})
    if route == ("GET", "/_sim/notifications"):
        return Reply.json(200, {"notifications": sim.notifications})
    if route == ("GET", "/_sim/users"):
        return Reply.json(200, {"users": sim.users})
    if route == ("POST", "/_sim/rooms/close"):
        try:
            sim.close_room(
                str(payload["roomId"]),
                until=_moment(payload.get("until")),
                reason=str(payload.get("reason") or ""),
                start=_moment(payload.get("start")),
            )
        except KeyError as exc:
            raise ValueError(f"unknown or missing room: {exc}") from None
        return Reply.json(200, done)
    if route == ("POST", "/_sim/rooms/reopen"):
        try:
            sim.reopen_room(str(payload["roomId"]))
        except KeyError as exc:
            raise ValueError(f"unknown or missing room: {exc}") from None
        return Reply.json(200, done)
    if route == ("POST", "/_sim/rooms/members"):
        members = payload.get("members")
        try:
            sim.set_room_members(str(payload["roomId"]), None if members is None else [str(member) for member in members])
        except KeyError as exc:
            raise ValueError(f"unknown or missing room: {exc}") from None
        return Reply.json(200, done)
    if route in (("POST", "/_sim/approvals/approve"), ("POST", "/_sim/approvals/decline")):
        try:
            room_id = payload.get("roomId")
            sim.decide_approval(
                str(payload["eventId"]), str(room_id) if room_id else None, approve=route[1].endswith("approve")
            )
        except KeyError as exc:
            raise ValueError(f"unknown or missing event or room: {exc}") from None
        return Reply.json(200, done)
    if route == ("POST", "/_sim/callback"):
        sim.register_callback(str(payload["url"]), token=str(payload["token"]), aes_key=str(payload["aesKey"]))
        return Reply.json(200, done)
    if route == ("POST", "/_sim/suite-ticket/rotate"):
        return Reply.json(200, sim.rotate_suite_ticket())
    if route == ("POST", "/_sim/reset"):
        sim.reset()
        return Reply.json(200, done)
    return None
