"""A fake Slack Web API on a loopback port, for a real `slack_sdk.WebClient` to talk to.

It records every call (method path, parsed body, headers), answers the methods roombot uses
with Slack's documented shapes, and has knobs to make a method fail (an error such as
`channel_not_found`, or HTTP 429 with Retry-After). `/webhook/<name>` plays the `response_url`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlparse

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
_WEBHOOKS = "/webhook/"  # the faults of the response_url receiver, kept beside the Web API methods' own


@dataclass
class Call:
    path: str  # "/api/chat.postMessage" or "/webhook/<name>"
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def all_text(self) -> str:
        """Every text of the message: fallback and blocks, for "does it say X" asserts."""
        return str(self.body.get("text") or "") + "\n" + json.dumps(self.blocks, ensure_ascii=False)


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: int | None


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    team_id: str = "T_E2E"
    timezones: dict[str, str | None] = field(default_factory=dict)
    default_tz: str | None = "Europe/Berlin"
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Further `users.info` fields per user: `is_admin`, `is_owner`, `team_id`, `profile`."""

    def __post_init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Condition()
        self._faults: dict[str, list[_Fault]] = {}
        self._ts = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._holds: dict[str, str] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "default") -> str:
        return f"{self.url}/webhook/{name}"

    # --- knobs ----------------------------------------------------------------------------------

    def fail(self, method: str, *, error: str, count: int = 1) -> None:
        """The next `count` calls of `method` answer `{"ok": false, "error": error}`."""
        self._queue_fault(method, _Fault(200, error, None), count)

    def rate_limit(self, method: str, *, retry_after: int = 1, count: int = 1) -> None:
        """The next `count` calls of `method` answer HTTP 429 with Retry-After."""
        self._queue_fault(method, _Fault(429, "ratelimited", retry_after), count)

    def server_error(self, method: str, *, count: int = 1) -> None:
        """The next `count` calls of `method` answer HTTP 500."""
        self._queue_fault(method, _Fault(500, "internal_error", None), count)

    def fail_webhook(self, status: int, body: str, *, count: int = 1, retry_after: int | None = None) -> None:
        """The next `count` posts to any response_url answer `status` with the text `body` (and Retry-After)."""
        self._queue_fault(_WEBHOOKS, _Fault(status, body, retry_after), count)

    def hold(self, method: str, *, until: str) -> None:
        """Answer `method` only once a call of `until` has arrived (makes "slow" deterministic, no sleeps)."""
        self._holds[method] = until

    # --- what happened --------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method or c.path == method]

    def webhook_calls(self, name: str = "default") -> list[Call]:
        return self.calls(f"/webhook/{name}")

    def wait_for(self, method: str, count: int = 1, *, timeout: float = 10.0) -> list[Call]:
        """Wait until `count` calls of `method` arrived (for apps that answer after the HTTP ack)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if c.method == method or c.path == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} call(s) of {method}, got {len(found)}: {self._calls!r}")
                self._lock.wait(left)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    # --- serving --------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        content_type = request.headers.get("Content-Type") or ""
        body: dict[str, Any] = dict(parse_qsl(parsed.query))
        if raw:
            if "json" in content_type:
                body.update(json.loads(raw))
            else:
                body.update(parse_qsl(raw))
        call = Call(parsed.path, body, {k.lower(): v for k, v in request.headers.items()})
        with self._lock:
            self._calls.append(call)
            self._lock.notify_all()

        if parsed.path.startswith("/webhook/"):
            fault = self._take_fault(_WEBHOOKS)
            if fault is None:
                self._send(request, 200, "ok", content_type="text/plain")
            else:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                self._send(request, fault.status, fault.error or "", content_type="text/plain", headers=headers)
            return
        method = call.method
        if method in self._holds:
            self.wait_for(self._holds[method])
        fault = self._take_fault(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            self._send(request, fault.status, json.dumps({"ok": False, "error": fault.error}), headers=headers)
            return
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            self._send(request, 200, json.dumps({"ok": False, "error": "invalid_auth"}))
            return
        self._send(request, 200, json.dumps(self._answer(method, body)))

    def _queue_fault(self, method: str, fault: _Fault, count: int) -> None:
        with self._lock:
            self._faults.setdefault(method, []).extend([fault] * count)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.pop(0) if queue else None

    def _answer(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "team_id": self.team_id, "user": "roombot"}
        if method == "users.info":
            user = str(body.get("user"))
            tz = self.timezones.get(user, self.default_tz)
            info: dict[str, Any] = {"id": user, "name": user.lower()}
            if tz is not None:
                info["tz"] = tz
            info.update(self.profiles.get(user, {}))
            return {"ok": True, "user": info}
        if method in {"chat.postMessage", "chat.update"}:
            ts = body.get("ts") or f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"text": body.get("text")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method.startswith("views."):
            view = body.get("view")
            return {"ok": True, "view": json.loads(view) if isinstance(view, str) else view}
        return {"ok": True}

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        text: str,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = text.encode()
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)


@contextmanager
def running_fake_slack(**kwargs: Any) -> Iterator[FakeSlack]:
    fake = FakeSlack(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
