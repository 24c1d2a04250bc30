"""Redis shares DingTalk's rate limit and in-flight deduplication between processes, and is never needed.

Runs against the Redis at 127.0.0.1:6379 (skipped with a reason when it does not answer). Each
test works under its own random key prefix and deletes only its own keys.

The simulator's `qps_limit` knob is the referee for the rate limit: it answers 403
QpsLimitForAppkeyAndApi to the call that exceeds the limit in a second. The client retries
throttled calls, so a throttle shows as more calls served than were asked for.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from bot.config import Settings
from bot.coordination import RedisRateLimiter, RedisSingleFlight, redis_client
from bot.dingtalk import DingTalkClient
from bot.present.reply import FindReply
from bot.sim import Simulator
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import build_runtime, point_at_simulator

REDIS_URL = "redis://127.0.0.1:6379/0"
DAY = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis_client(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError as exc:
        connection.close()
        pytest.skip(f"Redis does not answer at 127.0.0.1:6379 ({type(exc).__name__})")
    yield connection
    connection.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    value = f"roombot-test:{uuid.uuid4().hex}:"
    yield value
    for key in client.scan_iter(match=value + "*"):
        client.delete(key)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rooms(sim: Simulator, count: int) -> list[str]:
    return [room["roomId"] for room in sim.rooms[:count]]


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def next_second_plus(offset: float) -> float:
    """A start time early in a coming second, so that a burst is counted in one second by the simulator."""
    return math.ceil(time.time()) + 1 + offset


# --- the shared rate limit ---------------------------------------------------------------------------


def test_threads_with_separate_limiters_share_one_window_and_are_never_throttled(
    sim: Simulator, client: redis.Redis, prefix: str
) -> None:
    sim.configure(qps_limit=5)
    room_ids = rooms(sim, 4)
    # Four "processes" in one: each its own limiter object and DingTalk client, one Redis window.
    clients = [
        DingTalkClient(
            base_url=sim.url,
            app_key=sim.app_key,
            app_secret=sim.app_secret,
            rate_limiter=RedisRateLimiter(client=client, qps=5, key_prefix=prefix),
        )
        for _ in range(4)
    ]
    for dingtalk in clients:
        dingtalk.get_token()
    sim.reset_stats()
    start_at = next_second_plus(0.2)

    def work(dingtalk: DingTalkClient, room_id: str) -> None:
        wait_until(start_at)
        for _ in range(3):
            dingtalk.query_schedules(sim.operator_union_id, [room_id], DAY, DAY + timedelta(days=1))

    threads = [
        threading.Thread(target=work, args=(dingtalk, room)) for dingtalk, room in zip(clients, room_ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for dingtalk in clients:
        dingtalk.close()

    assert sim.stats()["schedules"] == 12  # no 403 was answered, so nothing was retried
    window = client.zrange(prefix + "schedules", 0, -1, withscores=True)
    assert len(window) == 5  # the newest `limit` grants are all Redis keeps


CHILD = """
import json, sys, time
from datetime import datetime, timedelta, UTC
from bot.coordination import RedisRateLimiter, redis_client
from bot.dingtalk import DingTalkClient

args = json.loads(sys.argv[1])
limiter = None
if args["prefix"]:
    limiter = RedisRateLimiter(client=redis_client(args["redis"]), qps=args["qps"], key_prefix=args["prefix"])
day = datetime(2026, 12, 1, tzinfo=UTC)
with DingTalkClient(
    base_url=args["url"], app_key=args["key"], app_secret=args["secret"], qps=args["qps"], rate_limiter=limiter
) as client:
    client.get_token()
    time.sleep(max(0.0, args["start_at"] - time.time()))
    sent = []
    for _ in range(args["calls"]):
        client.query_schedules(args["union"], [args["room"]], day, day + timedelta(days=1))
        sent.append(time.time())
print(json.dumps(sent))
"""


def run_processes(sim: Simulator, *, prefix: str | None, processes: int, calls: int, qps: float) -> list[float]:
    start_at = next_second_plus(0.2) + 1  # every child has started and fetched its token by then
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                json.dumps(
                    {
                        "redis": REDIS_URL,
                        "prefix": prefix,
                        "qps": qps,
                        "url": sim.url,
                        "key": sim.app_key,
                        "secret": sim.app_secret,
                        "union": sim.operator_union_id,
                        "room": room,
                        "calls": calls,
                        "start_at": start_at,
                    }
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for room in rooms(sim, processes)
    ]
    done: list[float] = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        done.extend(json.loads(out))
    return done


def test_two_processes_sharing_redis_stay_within_the_limit_together(sim: Simulator, prefix: str) -> None:
    sim.configure(qps_limit=5)
    sim.reset_stats()

    finished = run_processes(sim, prefix=prefix, processes=2, calls=6, qps=5)

    assert sim.stats()["schedules"] == 12  # no call was throttled and retried
    # Twelve calls at five per second for both together take more than two seconds.
    assert max(finished) - min(finished) > 2.0


def test_without_redis_two_processes_each_within_the_limit_are_throttled_together(sim: Simulator) -> None:
    """The control experiment: the same load with per-process limiters goes beyond DingTalk's limit."""
    sim.configure(qps_limit=5)
    sim.reset_stats()

    run_processes(sim, prefix=None, processes=2, calls=6, qps=5)

    assert sim.stats()["schedules"] > 12  # some calls were answered 403 and sent again


# --- the shared in-flight deduplication -------------------------------------------------------------


class SharedCache:
    """Stands in for the database cache both processes read: fn looks here first, as ScheduleProvider does."""

    def __init__(self) -> None:
        self.value: str | None = None
        self.fetches = 0
        self.lock = threading.Lock()

    def fetch(self, *, seconds: float = 0.5) -> str:
        if self.value is not None:
            return self.value
        with self.lock:
            self.fetches += 1
        time.sleep(seconds)  # the DingTalk round trip
        self.value = "schedules"
        return self.value


def in_parallel(*calls: object) -> list[object]:
    results: list[object] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int, call: object) -> None:
        barrier.wait()
        try:
            results[index] = call()  # type: ignore[operator]
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_identical_fetches_of_two_processes_cost_one_fetch(client: redis.Redis, prefix: str) -> None:
    cache = SharedCache()
    first = RedisSingleFlight(client=client, key_prefix=prefix)
    second = RedisSingleFlight(client=client, key_prefix=prefix)
    key = ("T1", ("room-1", "room-2"), "2026-12-01")

    results = in_parallel(lambda: first.do(key, cache.fetch), lambda: second.do(key, cache.fetch))

    assert results == ["schedules", "schedules"]
    assert cache.fetches == 1
    assert client.exists(first.lock_name(key)) == 0  # released, not left to expire


def test_different_keys_do_not_wait_for_each_other(client: redis.Redis, prefix: str) -> None:
    flight = RedisSingleFlight(client=client, key_prefix=prefix)
    other = RedisSingleFlight(client=client, key_prefix=prefix)
    one, two = SharedCache(), SharedCache()

    in_parallel(lambda: flight.do(("T1", "a"), one.fetch), lambda: other.do(("T1", "b"), two.fetch))

    assert (one.fetches, two.fetches) == (1, 1)
    assert flight.lock_name(("T1", "a")) != flight.lock_name(("T1", "b"))


def test_a_failed_leader_releases_the_lock_and_the_follower_fetches_itself(client: redis.Redis, prefix: str) -> None:
    cache = SharedCache()
    leader = RedisSingleFlight(client=client, key_prefix=prefix)
    follower = RedisSingleFlight(client=client, key_prefix=prefix)
    key = ("T1", "x")
    entered = threading.Event()

    def failing() -> str:
        entered.set()
        time.sleep(0.3)
        raise RuntimeError("DingTalk said no")

    def follow() -> str:
        entered.wait(5)
        return follower.do(key, cache.fetch)

    results = in_parallel(lambda: leader.do(key, failing), follow)

    assert isinstance(results[0], RuntimeError)
    assert results[1] == "schedules"
    assert cache.fetches == 1


def test_a_lock_left_by_a_dead_process_delays_a_follower_only_until_its_timeout(
    client: redis.Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    flight = RedisSingleFlight(client=client, key_prefix=prefix, wait_timeout_s=0.3)
    key = ("T1", "orphan")
    client.set(flight.lock_name(key), "a process that died", px=60_000)
    cache = SharedCache()

    with caplog.at_level(logging.WARNING, logger="bot.coordination"):
        assert flight.do(key, lambda: cache.fetch(seconds=0)) == "schedules"

    assert cache.fetches == 1
    assert "fetching here" in caplog.text


# --- Redis down ----------------------------------------------------------------------------------------


def test_when_redis_is_down_the_limiter_falls_back_to_a_per_process_window(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:hunter2-password@127.0.0.1:{closed_port()}/0"
    waits: list[float] = []
    limiter = RedisRateLimiter(client=redis_client(url), qps=2, sleep=waits.append)

    with caplog.at_level(logging.WARNING, logger="bot.coordination"):
        for _ in range(3):
            limiter.acquire("schedules")  # never raises

    assert len(waits) == 1 and 0.9 < waits[0] <= 1.05  # the third call of a 2/s window waits for the first to leave it
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # said once, not once per call
    assert "per process" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text


def test_when_redis_is_down_single_flight_just_runs_the_call(caplog: pytest.LogCaptureFixture) -> None:
    flight = RedisSingleFlight(client=redis_client(f"redis://127.0.0.1:{closed_port()}/0"))
    cache = SharedCache()

    with caplog.at_level(logging.WARNING, logger="bot.coordination"):
        assert flight.do("key", lambda: cache.fetch(seconds=0)) == "schedules"
        assert flight.do("key", lambda: cache.fetch(seconds=0)) == "schedules"

    assert cache.fetches == 1  # the second found the (shared) cache filled
    assert "Redis does not answer" in caplog.text


def test_the_limiter_uses_redis_again_once_it_answers(client: redis.Redis, prefix: str) -> None:
    clock = [0.0]
    limiter = RedisRateLimiter(client=client, qps=5, key_prefix=prefix, retry_after_s=5.0)
    limiter._outage._clock = lambda: clock[0]  # the outage's own clock, moved by hand
    limiter._outage.failed(redis.ConnectionError("simulated"))

    limiter.acquire("schedules")
    assert client.exists(prefix + "schedules") == 0  # skipped Redis while presumed down

    clock[0] = 6.0
    limiter.acquire("schedules")
    assert client.zcard(prefix + "schedules") == 1


def test_a_runtime_with_redis_down_still_answers_questions(
    sim: Simulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = point_at_simulator(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'roombot.db'}",
            redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        ),
        sim,
    )
    with caplog.at_level(logging.WARNING, logger="bot.coordination"), build_runtime(settings) as runtime:
        runtime.service.import_groups(team_id="T1", user_id="U1", actor=CONSOLE_OPERATOR)
        reply = runtime.service.handle_text(
            Caller(team_id="T1", user_id="U1", tz="Asia/Shanghai", now=DAY), "free rooms on Dec 1 2-3pm"
        )

    assert isinstance(reply, FindReply)
    assert sim.stats()["schedules"] >= 5
    assert "Redis does not answer" in caplog.text
