"""Slack always hears back in time: over a real HTTP socket, with DingTalk slow or throttling, the
answer pool full, the database hung, and clients that trickle their requests.

"In time" is shown by order, not by a clock: DingTalk is held (a gate in the simulator's latency)
until every ack has come back, so an ack that waited on DingTalk could not have returned.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.present import messages
from bot.present.reply import TextReply
from bot.sim import Simulator
from bot.slack.health import TIMED_OUT, BoundedHealth
from bot.slack.work import BoundedWork
from bot.slack.wsgi import RoombotWSGI
from bot.usecases.context import CONSOLE_OPERATOR
from bot.wiring import Runtime, point_at_simulator
from tests.e2e.fake_slack import FakeSlack
from tests.e2e.slack_requests import (
    ALICE,
    FORM,
    JSON,
    SIGNING_SECRET,
    TEAM,
    dm_event,
    event_body,
    signed_headers,
    slash_body,
)
from tests.e2e.test_http_endpoint import post, serve

QUESTION = "free rooms tomorrow 2-3pm"


class Gate:
    """The simulator's latency, held until the test opens the gate (open at first)."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()

    def close(self) -> None:
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
        self._open.wait(timeout=60)


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.open()


@pytest.fixture
def sim(gate: Gate) -> Iterator[Simulator]:
    """The usual simulator (seed 7, 24 rooms) whose latency passes through the gate."""
    simulator = Simulator(seed=7, rooms=24, sleep=gate.sleep).start(port=0)
    try:
        yield simulator
    finally:
        gate.open()
        simulator.stop()


@pytest.fixture
def settings(database_url: str, sim: Simulator, fake_slack: FakeSlack) -> Settings:
    """The e2e settings with production's DingTalk deadlines: a 1.5 s DingTalk is slow, not down."""
    return point_at_simulator(
        Settings(
            slack_bot_token=fake_slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.base_url,
            database_url=database_url,
            default_tz="Asia/Shanghai",
        ),
        sim,
    )


@pytest.fixture(autouse=True)
def groups_imported(runtime: Runtime) -> None:
    """The workspace's DingTalk groups (and so the room directory) imported, as an admin would first."""
    reply = runtime.service.import_groups(team_id=TEAM, user_id=ALICE, actor=CONSOLE_OPERATOR)
    assert isinstance(reply, TextReply) and reply.kind == "success", reply


def production_server(make_app: Any, runtime: Runtime, **overrides: Any) -> Generator[str, None, None]:
    """The production shape: the answer pool after the ack, the bounded /healthz."""
    settings = runtime.settings.with_overrides(**overrides)
    app = make_app(process_before_response=False, app_settings=settings)
    health = BoundedHealth(runtime.service.health, timeout_s=settings.health_timeout_s)
    yield from serve(RoombotWSGI(app=app, health=health))


@pytest.fixture
def base_url(make_app: Any, runtime: Runtime) -> Iterator[str]:
    yield from production_server(make_app, runtime)


def ask_all(base_url: str, fake: FakeSlack, names: list[str], text: str = QUESTION) -> list[httpx.Response]:
    def one(name: str) -> httpx.Response:
        return post(base_url, slash_body(text, response_url=fake.response_url(name)), content_type=FORM)

    with ThreadPoolExecutor(len(names)) as pool:
        return list(pool.map(one, names))


def names_a_room(sim: Simulator, text: str) -> bool:
    return any(str(room["roomName"]) in text for room in sim.rooms)


# --- slow and throttling DingTalk ------------------------------------------------------------


def test_with_dingtalk_slow_every_command_is_acked_before_dingtalk_answers_and_every_one_is_answered(
    base_url: str, fake_slack: FakeSlack, sim: Simulator, gate: Gate
) -> None:
    sim.configure(latency_ms=1500)
    gate.close()
    names = [f"q{i}" for i in range(16)]  # more than Bolt's own listener pool, which used to queue acks

    acks = ask_all(base_url, fake_slack, names)

    assert [ack.status_code for ack in acks] == [200] * len(names)
    assert all(ack.content == b"" for ack in acks)  # a plain ack: the answer comes later
    assert [fake_slack.webhook_calls(name) for name in names] == [[]] * len(names), "acked before DingTalk answered"
    gate.open()
    for name in names:
        (answer,) = fake_slack.wait_for(f"/webhook/{name}", timeout=60)
        assert answer.body["response_type"] == "ephemeral"
        assert names_a_room(sim, answer.all_text()), answer.all_text()


def test_with_dingtalk_throttling_most_calls_every_command_is_acked_and_answered(
    base_url: str, fake_slack: FakeSlack, sim: Simulator
) -> None:
    sim.configure(throttle_rate=0.6)
    names = [f"t{i}" for i in range(6)]

    acks = ask_all(base_url, fake_slack, names)

    assert [ack.status_code for ack in acks] == [200] * len(names)
    for name in names:
        (answer,) = fake_slack.wait_for(f"/webhook/{name}", timeout=60)
        assert answer.blocks and "Traceback" not in answer.all_text()


def test_when_every_answer_slot_is_taken_the_ack_itself_says_busy(
    make_app: Any, runtime: Runtime, fake_slack: FakeSlack, sim: Simulator, gate: Gate
) -> None:
    base_url = production_server(make_app, runtime, slack_workers=1, slack_queue=0)
    url = next(base_url)
    try:
        sim.configure(latency_ms=1)  # every DingTalk call passes the gate
        gate.close()
        first = post(url, slash_body(QUESTION, response_url=fake_slack.response_url("first")), content_type=FORM)
        second = post(url, slash_body(QUESTION, response_url=fake_slack.response_url("second")), content_type=FORM)

        assert first.status_code == 200 and first.content == b""
        assert second.status_code == 200
        busy = second.json()
        assert busy["text"] == messages.slack_busy() and busy["response_type"] == "ephemeral"
        gate.open()
        (answer,) = fake_slack.wait_for("/webhook/first", timeout=60)
        assert names_a_room(sim, answer.all_text())
        assert fake_slack.webhook_calls("second") == []  # told once, in the ack; nothing queued behind it
    finally:
        gate.open()
        base_url.close()


# --- a hung database -------------------------------------------------------------------------


def test_healthz_says_503_while_its_checks_hang_and_does_not_wait_again(runtime: Runtime, make_app: Any) -> None:
    released = threading.Event()

    def hung_check() -> dict[str, bool]:
        released.wait(timeout=30)  # a database that stopped answering without refusing
        return {"database": True, "dingtalk": True}

    health = BoundedHealth(hung_check, timeout_s=0.3)
    server = serve(RoombotWSGI(app=make_app(), health=health))
    url = next(server)
    try:
        first = httpx.get(f"{url}/healthz", timeout=10)
        second = httpx.get(f"{url}/healthz", timeout=10)
        assert (first.status_code, second.status_code) == (503, 503)
        assert first.json() == {"ok": False, TIMED_OUT: False} == second.json()
        released.set()
        deadline = time.monotonic() + 10
        while (third := httpx.get(f"{url}/healthz", timeout=10)).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert third.status_code == 200
    finally:
        released.set()
        server.close()


def test_a_dm_while_another_process_holds_the_database_is_acked_and_answered(
    settings: Settings, make_app: Any, runtime: Runtime, fake_slack: FakeSlack
) -> None:
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("the SQLite lock variant; Postgres has the proxy variant below")
    base_url = production_server(make_app, runtime, event_dedup_timeout_s=0.2)
    server_url = next(base_url)
    holder = sqlite3.connect(str(url.database), timeout=1)
    try:
        # Another process took the write lock and hangs: every write waits for the busy timeout.
        holder.execute("BEGIN EXCLUSIVE")
        response = post(server_url, event_body(dm_event("help")), content_type=JSON)
        assert response.status_code == 200
        (answer,) = fake_slack.wait_for("chat.postMessage", timeout=30)
        assert answer.body["channel"] == "D_ALICE" and answer.all_text().strip()
    finally:
        holder.rollback()
        holder.close()
        base_url.close()


class StallingProxy:
    """A loopback TCP proxy in front of Postgres.

    `stall()` stops forwarding without closing anything, as a network partition does: the client's
    bytes are taken and never answered. `close()` cuts every connection (shut down, then closed), so
    a client thread blocked on a stalled connection gets an error at once and the server sees its
    client gone; a plain `close()` would not wake a thread blocked in `recv()` on the same socket.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._closed = False
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._start(self._accept)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def stall(self) -> None:
        self._flowing.clear()

    def close(self, *, timeout_s: float = 10.0) -> list[threading.Thread]:
        """Cut every connection; returns the proxy's threads still running after `timeout_s` (none)."""
        with self._lock:
            self._closed = True
            sockets = [self._listener, *self._sockets]
            threads = list(self._threads)
        self._flowing.set()  # a stalled pump wakes, sees the proxy closed and forwards nothing
        for sock in sockets:
            _cut(sock)
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [thread for thread in threads if thread.is_alive()]

    def _start(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was shut down
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _cut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                closed = self._closed
                if not closed:
                    self._sockets += [client, upstream]
            if closed:  # closed while this connection was being made
                _cut(client)
                _cut(upstream)
                return
            self._start(self._pump, client, upstream)
            self._start(self._pump, upstream, client)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self._flowing.wait()
                if self._closed:
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            _cut(target)  # one side gone: the other end hears of it


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # not connected, or already shut down
    sock.close()


def test_with_postgres_behind_a_stalled_network_healthz_says_503_and_a_question_ends_in_a_clear_answer(
    database_url: str, sim: Simulator, fake_slack: FakeSlack
) -> None:
    parsed = make_url(database_url)
    if parsed.get_backend_name() != "postgresql":
        pytest.skip("needs Postgres over TCP (ROOMBOT_TEST_DATABASE_URL)")
    from bot.slack.app import create_app
    from bot.wiring import build_runtime

    proxy = StallingProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    # A name of this test's own, so that its sessions can be found and ended afterwards: a session
    # stranded behind the stalled proxy may hold locks that would keep the schema from being dropped.
    application_name = f"roombot-stalled-{uuid.uuid4().hex[:12]}"
    proxied = (
        parsed.set(host="127.0.0.1", port=proxy.port)
        .update_query_dict({"application_name": application_name})
        .render_as_string(hide_password=False)
    )
    settings = point_at_simulator(
        Settings(
            slack_bot_token=fake_slack.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake_slack.base_url,
            database_url=proxied,
            deadline_s=2.0,
            request_timeout_s=2.0,
            answer_deadline_s=4.0,
            health_timeout_s=0.5,
            event_dedup_timeout_s=0.3,
            db_pool_timeout_s=1.0,
            db_statement_timeout_ms=1000,
        ),
        sim,
    )
    threads_before = set(threading.enumerate())
    runtime = build_runtime(settings)
    work = BoundedWork(workers=4, queue=4)
    health = BoundedHealth(runtime.service.health, timeout_s=settings.health_timeout_s)
    stuck_proxy_threads: list[threading.Thread] = []
    try:
        app = create_app(settings=settings, service=runtime.service, token_verification_enabled=False, work=work)
        server = serve(RoombotWSGI(app=app, health=health))
        url = next(server)
        try:
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
            proxy.stall()

            healthz, took = timed(lambda: httpx.get(f"{url}/healthz", timeout=10))
            assert healthz.status_code == 503 and took < 2.0, took  # at once: the checks get 0.5 s

            question = slash_body(QUESTION, response_url=fake_slack.response_url("hung"))
            ack, took = timed(lambda: post(url, question, content_type=FORM))
            assert ack.status_code == 200 and took < 3.0, took  # in Slack's time
            asked = time.monotonic()
            # "Looking…" comes first (the answer takes over a second), then the clear answer replaces it.
            notice, answer = fake_slack.wait_for("/webhook/hung", count=2, timeout=30)
            answered_after = time.monotonic() - asked
            assert notice.body["text"] == messages.slack_looking()
            assert answer.body["text"] in {messages.slack_too_slow(), messages.store_unavailable()}
            assert answered_after < 10.0, answered_after  # seconds (the 4 s answer deadline), not a minute

            # A DM's ack does not wait on the event de-duplication's write either.
            dm, took = timed(lambda: post(url, event_body(dm_event("help")), content_type=JSON))
            assert dm.status_code == 200 and took < 3.0, took

            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 503
        finally:
            stuck_proxy_threads = proxy.close()
            server.close()
    finally:
        proxy.close()
        work.close()
        health.close()
        runtime.close()
        _end_sessions(database_url, application_name)
    assert stuck_proxy_threads == []
    # Every thread that waited on the stalled database got its error and ended: none is left to
    # keep the process from exiting (the answer pool's threads are joined at exit).
    assert _still_running(threads_before, prefixes=("roombot-answer", "roombot-health"), timeout_s=10) == []


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _still_running(before: set[threading.Thread], *, prefixes: tuple[str, ...], timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    started = [t for t in threading.enumerate() if t not in before and t.name.startswith(prefixes)]
    for thread in started:
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread.name for thread in started if thread.is_alive()]


def _end_sessions(database_url: str, application_name: str, *, timeout_s: float = 10.0) -> None:
    """End the test's own Postgres sessions and wait until they are gone, so the schema can be dropped."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            deadline = time.monotonic() + timeout_s
            while True:
                left = conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": application_name},
                ).scalar_one()
                if not left:
                    return
                assert time.monotonic() < deadline, f"{left} session(s) of {application_name} did not end"
                time.sleep(0.1)
    finally:
        admin.dispose()


# --- slow clients ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[str]:
    """`roombot serve --mode http` as in production (gunicorn, one worker), with 4 threads."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": fake_slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "ROOMBOT_USE_SIMULATOR": "1",
        "ROOMBOT_HTTP_THREADS": "4",
        "ROOMBOT_HTTP_REQUEST_TIMEOUT_S": "2",
        "PORT": str(port),
    }
    log = (tmp_path / "serve.log").open("w")
    # A process group of its own: gunicorn's worker ends with its master, even if the master hangs.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--mode", "http"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "roombot serve did not become healthy"
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()


def test_clients_that_trickle_their_requests_do_not_stall_slack(served: str, fake_slack: FakeSlack) -> None:
    port = int(served.rsplit(":", 1)[1])
    body = slash_body("help", response_url=fake_slack.response_url("after-slow"))
    slow: list[socket.socket] = []
    stop = threading.Event()

    def trickle(sock: socket.socket) -> None:
        try:
            while not stop.is_set():
                sock.sendall(b"x")  # one byte at a time, never the whole body
                stop.wait(0.3)
        except OSError:
            pass  # the server cut the connection: what it should do

    for _ in range(8):  # twice as many slow clients as the server has threads
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\n"
        )
        slow.append(sock)
        threading.Thread(target=trickle, args=(sock,), daemon=True).start()
    try:
        time.sleep(0.5)  # every thread is now busy with a slow body
        health = httpx.get(f"{served}/healthz", timeout=20)
        headers = signed_headers(body, content_type=FORM)
        command = httpx.post(f"{served}/slack/events", content=body.encode(), headers=headers, timeout=20)

        assert health.status_code == 200
        assert command.status_code == 200
        (answer,) = fake_slack.wait_for("/webhook/after-slow", timeout=30)
        assert answer.blocks
        for sock in slow:  # each slow client was cut off once its time was up
            sock.settimeout(20)
            try:
                while sock.recv(1024):
                    pass  # whatever the server said before closing
            except TimeoutError:
                pytest.fail("a slow client still holds its connection")
            except OSError:
                pass  # reset: cut off too
    finally:
        stop.set()
        for sock in slow:
            sock.close()
