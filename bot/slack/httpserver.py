"""HTTP mode's server: gunicorn's threaded worker, with every request bounded in time.

A thread of gunicorn's `gthread` worker reads a request's headers and body with blocking reads.
A client that trickles its bytes (one a second) would hold that thread for as long as it likes,
and a handful of them would stall every Slack request. `DeadlineThreadWorker` gives each request
`ROOMBOT_HTTP_REQUEST_TIMEOUT_S` in all: reading it, acknowledging it (which never waits on
DingTalk or a slow database) and writing the answer. When the time is up, the connection is shut
down, which ends any blocked read at once and frees the thread.

`gunicorn_options` is the one configuration of the server, used by `roombot serve --mode http`
and by the Procfile's `web:` line (through `bot.slack.gunicorn_conf`). Behind a platform router
(Heroku's, a load balancer), that router holds the client connections; this bound protects the
app when a router forwards a slow body as it arrives, and when no router is in front.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import logging
import socket
import sys
import threading
import time
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

from bot.config import Settings

logger = logging.getLogger(__name__)

WORKER_CLASS = "bot.slack.httpserver.DeadlineThreadWorker"
MAX_REQUEST_LINE = 4094
MAX_HEADER_FIELDS = 50
MAX_HEADER_FIELD_SIZE = 8190
GIL_SWITCH_INTERVAL_S = 0.0005  # CPython's default is 0.005


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn's settings for roombot: one worker (one job scheduler), bounded threads and requests."""
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": 1,
        "worker_class": WORKER_CLASS,
        "threads": settings.http_threads,
        # The worker's heartbeat: gthread's main loop beats it, whatever the request threads do.
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": MAX_REQUEST_LINE,
        "limit_request_fields": MAX_HEADER_FIELDS,
        "limit_request_field_size": MAX_HEADER_FIELD_SIZE,
        "accesslog": "-",
        "raw_env": [f"ROOMBOT_HTTP_REQUEST_TIMEOUT_S={settings.http_request_timeout_s}"],
    }


def settle_long_lived_objects() -> None:
    """Once the app is built: collect, then freeze what is left out of the garbage collector's sight.

    What exists by then (modules, the runtime, the app) lives as long as the process. Left in the
    oldest generation, each full collection walked all of it, 100-250 ms with the GIL held, and
    every ack due meanwhile waited as long. Frozen objects are still freed by reference counting.
    """
    gc.collect()
    gc.freeze()


class Watchdog:
    """One thread that shuts connections down when their deadline passes."""

    def __init__(self, *, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._cond = threading.Condition()
        self.cut = 0
        threading.Thread(target=self._run, name="roombot-http-watchdog", daemon=True).start()

    def arm(self, sock: socket.socket, after_s: float) -> int:
        with self._cond:
            ticket = next(self._ids)
            entry = (self._clock() + after_s, ticket, sock)
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                # Only a new earliest deadline changes the watchdog's wait. Waking it for every
                # request would hand it the interpreter lock in the middle of each ack.
                self._cond.notify()
            return ticket

    def disarm(self, ticket: int) -> None:
        with self._cond:
            self._cancelled.add(ticket)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                due, ticket, sock = self._heap[0]
                wait = due - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                if ticket in self._cancelled:
                    self._cancelled.discard(ticket)
                    continue
                self.cut += 1
            logger.warning("a client took too long to send its request or read the answer; connection closed")
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class DeadlineThreadWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker, with a time limit on each request (see the module's docstring)."""

    def init_process(self) -> None:
        self._deadline_s = _request_timeout(self.cfg.env)
        # An ack is a millisecond of Python; answers computed meanwhile hold the GIL for up to the
        # switch interval each time. A shorter interval keeps acks from queueing behind them.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._watchdog = Watchdog()
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        settle_long_lived_objects()

    def handle(self, conn: Any) -> Any:
        ticket = self._watchdog.arm(conn.sock, self._deadline_s)
        try:
            return super().handle(conn)
        finally:
            self._watchdog.disarm(ticket)


def _request_timeout(env: dict[str, str] | None) -> float:
    try:
        return max(0.5, float((env or {}).get("ROOMBOT_HTTP_REQUEST_TIMEOUT_S", "10")))
    except ValueError:
        return 10.0


__all__ = ["WORKER_CLASS", "DeadlineThreadWorker", "Watchdog", "gunicorn_options", "settle_long_lived_objects"]
