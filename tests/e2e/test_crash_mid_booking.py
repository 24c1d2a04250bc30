"""A `roombot serve` process killed (SIGKILL) in the middle of a booking loses nothing.

The real server (gunicorn, HTTP mode) in its own process group gets a signed Book click; the
DingTalk simulator creates the event and holds its reply, and the whole server is killed while it
waits. A restarted server and the reconciler (the clock process, `roombot jobs run --once`) then
settle the booking: DingTalk holds exactly one event, with the room; the booking row names that
event; and the user is told the outcome in Slack.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.config import Settings
from bot.present.actions import BOOK, book_value
from bot.sim import Simulator
from bot.store import Store, make_engine, make_session_factory
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import SIGNING_SECRET, block_actions_payload, payload_body, signed_headers
from tests.e2e.workspace import ALICE, TEAM
from tests.runtimes import simulator_environ

REPO = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Server:
    """`roombot serve --mode http` in a process group of its own (gunicorn's master and worker)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = int(env["PORT"])
        self._log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--mode", "http"],
            env=env,
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def healthy() -> bool:
            assert self.proc.poll() is None, log.read_text()[-3000:]
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=60, what="roombot serve to answer /healthz")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL the server's whole process group: nothing gets to clean up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


@pytest.fixture
def env(sim: Simulator, fake_slack: FakeSlack, database_url: str) -> Iterator[dict[str, str]]:
    base = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DINGTALK_", "ROOMBOT_", "DATABASE_URL", "REDIS_URL", "PORT"))
    }
    base.update(simulator_environ(sim, database_url))
    base.update(
        PYTHONPATH=str(REPO),
        PORT=str(free_port()),
        SLACK_BOT_TOKEN=fake_slack.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.base_url,
    )
    yield base


def click_book(server: Server, fake_slack: FakeSlack, room_id: str, start: datetime, end: datetime) -> None:
    payload = block_actions_payload(
        BOOK.id(1), book_value(room_id, start, end), response_url=fake_slack.response_url(), ephemeral=False
    )
    body = payload_body(payload)
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    response = httpx.post(f"{server.url}/slack/events", content=body, headers=headers, timeout=10)
    assert response.status_code == 200


def test_a_server_killed_mid_booking_leaves_no_orphan_no_row_without_event_and_the_user_told(
    sim: Simulator, fake_slack: FakeSlack, env: dict[str, str], tmp_path: Path
) -> None:
    day = sim.today + timedelta(days=1)
    start = datetime.combine(day, clock_time(20, 0), SHANGHAI)
    end = datetime.combine(day, clock_time(21, 0), SHANGHAI)
    everest = next(str(r["roomId"]) for r in sim.rooms if r["roomName"] == "3F-Everest")
    assert sim.schedule(everest, start, end) == [], "premise: the room is free then"
    log = tmp_path / "serve.log"
    server = Server(env, log)
    try:
        # DingTalk creates the event, and its answer hangs: the server dies waiting for it.
        sim.lose_replies("createEvent", mode="hold")
        click_book(server, fake_slack, everest, start, end)
        wait_until(lambda: sim.held_replies == 1, what="the simulator to hold the create reply")
        server.kill()
    finally:
        sim.release_replies()
        server.stop()

    # What the crash left: an event without its room, and a booking that never heard of it.
    [event] = sim.events
    assert [r["roomId"] for r in event.get("meetingRooms") or []] == []
    engine = make_engine(env["DATABASE_URL"])
    store = Store(session_factory=make_session_factory(engine))
    try:
        [row] = store.bookings.unsettled(TEAM)
        assert row.event_id is None

        restarted = Server(env, log)
        try:
            # The clock process runs the reconciler once the crashed booking's lease has run out.
            later = (datetime.now(UTC) + timedelta(seconds=Settings().booking_lease_s + 1)).isoformat()
            ran = subprocess.run(
                [sys.executable, "-m", "bot.cli", "jobs", "run", "--once", "--now", later],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert ran.returncode == 0, ran.stdout + ran.stderr
            assert "reconcile-bookings: done" in ran.stdout
        finally:
            restarted.stop()

        # No orphan event: the one event holds the room...
        [event] = sim.events
        assert [r["roomId"] for r in event["meetingRooms"]] == [everest]
        # ...no row without its event: the booking is settled and names it...
        assert store.bookings.unsettled(TEAM) == []
        [booking] = store.bookings.for_user(TEAM, user_id=ALICE)
        assert (booking.status, booking.event_id, booking.notify) == ("booked", event["id"], None)
        # ...and the user is told, in the thread of the message they clicked.
        [told] = [c.body for c in fake_slack.calls("chat.postMessage") if "3F-Everest" in str(c.body.get("text"))]
        assert told["thread_ts"] == "1700000050.000050"
        assert "is booked" in told["text"]
    finally:
        engine.dispose()
