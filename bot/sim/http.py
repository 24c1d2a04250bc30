"""The simulator's HTTP plumbing: a ThreadingHTTPServer whose handler hands every request to a
`dispatch(Request) -> Reply` function. Nothing DingTalk-specific lives here."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("bot.sim")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json;charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, *, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode(), headers=dict(headers or {}))


Dispatch = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many clients run their batches in parallel; a larger backlog avoids refused connections.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx's connection pool expects
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACKs
    # add ~40 ms to every keep-alive reply.
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = Request(self.command, unquote(parts.path), query, headers, body)
        try:
            reply = self.server.dispatch(request)
        except Exception:  # a bug in the simulator must still answer, as DingTalk's gateway would
            log.exception("simulator failed on %s %s", self.command, parts.path)
            reply = Reply.json(500, {"code": "system.error", "message": "simulator internal error", "requestid": ""})
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        # The request line never carries a secret (tokens travel in headers, or the oapi
        # `access_token` query which we drop here).
        log.debug("%s %s", self.address_string(), (format % args).split("?access_token=")[0])


class HttpServer:
    """Serve `dispatch` on (host, port) from a background daemon thread."""

    def __init__(self, *, dispatch: Dispatch, host: str, port: int) -> None:
        self._server = _Server((host, port), dispatch)
        # A short poll interval makes stop() quick (tests start and stop a simulator each).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="roombot-sim", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
