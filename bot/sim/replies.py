"""The answer shapes every simulated endpoint shares: new-style error bodies, old-style
errcode/errmsg bodies, and the `Problem` an endpoint raises to answer with an error."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.sim.http import Reply, Request


class Problem(Exception):
    """An error answer raised from inside an endpoint handler."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def request_id() -> str:
    return str(uuid.uuid4()).upper()


def error_reply(status: int, code: str, message: str, *, extra: Mapping[str, Any] | None = None) -> Reply:
    """A new-style (api.dingtalk.com) error body: `{"code", "message", "requestid"}`, with the
    request id repeated in `x-acs-request-id`."""
    rid = request_id()
    body: dict[str, Any] = {"code": code, "message": message, "requestid": rid}
    body.update(extra or {})
    return Reply.json(status, body, headers={"x-acs-request-id": rid, "x-acs-trace-id": secrets.token_hex(16)})


def ok(payload: Any) -> Reply:
    return Reply.json(200, payload, headers={"x-acs-request-id": request_id()})


def oapi_reply(errcode: int, errmsg: str, **extra: Any) -> Reply:
    """An old-style (oapi.dingtalk.com) answer: HTTP 200 with errcode/errmsg, errors included."""
    return Reply.json(200, {"errcode": errcode, "errmsg": errmsg, **extra, "request_id": secrets.token_hex(12)})


def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body; a missing or broken one is a 400 Problem."""
    if not request.body.strip():
        if required:
            raise Problem(400, "Missingbody", "body is mandatory for this action")
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise Problem(400, "invalidParameter", "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Problem(400, "invalidParameter", "body must be a JSON object")
    return body


def wire_copy(value: Any) -> Any:
    """A deep copy of a JSON-shaped value, so callers never hold the simulator's own dicts."""
    return json.loads(json.dumps(value))


# An endpoint handler: (path parameters, request) -> reply; it may raise Problem.
Handler = Callable[[dict[str, str], Request], Reply]

HandlerMethod = TypeVar("HandlerMethod", bound=Callable[..., Reply])
_SERVES = "_sim_serves"


def serves(key: str) -> Callable[[HandlerMethod], HandlerMethod]:
    """Marks a method of an `Endpoints` family as the handler of endpoint `key` (see `bot.sim.routes`)."""

    def mark(method: HandlerMethod) -> HandlerMethod:
        method.__dict__[_SERVES] = key
        return method

    return mark


class Endpoints:
    """A family of simulated endpoints: its handlers are the methods marked with `@serves(key)`."""

    def handlers(self) -> dict[str, Handler]:
        found: dict[str, Handler] = {}
        for cls in reversed(type(self).__mro__):
            for name, member in vars(cls).items():
                key = getattr(member, "__dict__", {}).get(_SERVES)
                if key:
                    found[key] = getattr(self, name)
        return found
