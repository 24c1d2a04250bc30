"""Two roombot processes against one DingTalk and one database behave as one.

Each process is a real OS process building the production runtime (`bot.wiring`) from its
environment, against one simulator (in this test process) and one SQLite file:

- the schedule cache is shared through the database (no Redis needed);
- with REDIS_URL, identical cold questions asked at the same moment cost what one process pays,
  and the DingTalk rate limit holds for both together. Without REDIS_URL each process pays and
  limits for itself, which the control experiments show.

Processes that must overlap start their question at the same moment: each builds its runtime,
fetches its token, says "ready" and waits for "go" on stdin.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from bot.coordination import redis_client
from bot.sim import Simulator
from tests.runtimes import simulator_environ

# The module's processes share one simulator, database and set of Redis keys (`world`): under
# pytest-xdist they all run on one worker, which builds that world once.
pytestmark = pytest.mark.xdist_group("two-processes")

REDIS_URL = "redis://127.0.0.1:6379/0"
TEAM = "T_TWO_PROCESSES"
NOW = "2026-11-30T09:00:00+08:00"  # questions name days of December 2026, each test its own
ZONE = "Asia/Shanghai"

CHILD = """
import json, os, sys
from datetime import datetime
from bot.config import Settings
from bot.present.reply import TextReply
from bot.present.terminal import render_text
from bot.usecases.context import Caller
from bot.wiring import build_runtime

team, text, now = sys.argv[1:4]
with build_runtime(Settings.from_env(os.environ)) as runtime:
    runtime.dingtalk.get_token()
    print("ready", flush=True)
    sys.stdin.readline()
    caller = Caller(team_id=team, user_id="U_ASKER", tz="Asia/Shanghai", now=datetime.fromisoformat(now))
    reply = runtime.service.handle_text(caller, text)
    error = isinstance(reply, TextReply) and reply.kind == "error"
    print(json.dumps({"error": error, "text": render_text(reply)}), flush=True)
"""


@dataclass
class World:
    sim: Simulator
    env: dict[str, str]
    one_question_calls: int  # free/busy calls one process spends on a cold question about every room


def redis_answers() -> bool:
    connection = redis_client(REDIS_URL)
    try:
        return bool(connection.ping())
    except redis.RedisError:
        return False
    finally:
        connection.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # A seed of its own gives an app key of its own, and so Redis keys no other run shares.
    sim = Simulator(seed=random.randrange(1_000, 1_000_000), rooms=24).start(port=0)
    database = Path(tmp_path_factory.mktemp("two-processes")) / "shared.db"
    env = {
        "PATH": os.environ.get("PATH", ""),
        **simulator_environ(sim, f"sqlite:///{database}"),
        # Each test asks about a day of its own: one fetch must not also fill the next days.
        "ROOMBOT_FETCH_HORIZON_DAYS": "1",
    }
    try:
        ask(env, "group import")  # the workspace's groups, and the room directory, in the shared database
        sim.reset_stats()
        ask(env, "free rooms on Dec 1 2-3pm")
        calls = sim.stats()["schedules"]
        assert calls >= 5  # 24 rooms, at most 5 per call
        yield World(sim=sim, env=env, one_question_calls=calls)
    finally:
        sim.stop()
        if redis_answers():
            connection = redis_client(REDIS_URL)
            for key in connection.scan_iter(match=f"roombot:*:{sim.app_key}:*"):
                connection.delete(key)
            connection.close()


@pytest.fixture
def sim(world: World) -> Simulator:
    world.sim.configure(latency_ms=0, qps_limit=0)
    world.sim.reset_stats()
    return world.sim


@pytest.fixture
def with_redis(world: World) -> dict[str, str]:
    if not redis_answers():
        pytest.skip("Redis does not answer at 127.0.0.1:6379")
    return {**world.env, "REDIS_URL": REDIS_URL}


def ask(env: dict[str, str], text: str) -> str:
    """`roombot ask` in its own process; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--team", TEAM, "--tz", ZONE, "--now", NOW, text],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def without_age(answer: str) -> str:
    return re.sub(r"checked (just now|\d+ (s|min|h) ago)", "checked (age)", answer)


def ask_at_once(env: dict[str, str], *texts: str) -> list[dict[str, object]]:
    """One process per text; all ask at the same moment (early in a second, so bursts share one)."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, TEAM, text, NOW],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for text in texts
    ]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "ready", line + (child.stderr.read() if child.stderr else "")
        time.sleep(max(0.0, math.ceil(time.time()) + 0.1 - time.time()))
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        answers = []
        for child in children:
            out, err = child.communicate(timeout=60)
            assert child.returncode == 0, err
            answers.append(json.loads(out.strip().splitlines()[-1]))
        return answers
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def test_a_second_process_answers_from_the_cache_the_first_one_filled(world: World, sim: Simulator) -> None:
    first = ask(world.env, "free rooms on Dec 2 2-3pm")
    assert sim.stats()["schedules"] == world.one_question_calls
    sim.reset_stats()

    second = ask(world.env, "free rooms on Dec 2 2-3pm")

    assert sim.stats()["schedules"] == 0
    # The same answer, from the shared database; only its age note moves on (a slow machine can
    # take more than the few seconds that still read "checked just now" between the two processes).
    assert without_age(second) == without_age(first)


def test_with_redis_two_processes_asking_the_same_cold_question_at_once_pay_once(
    world: World, sim: Simulator, with_redis: dict[str, str]
) -> None:
    sim.configure(latency_ms=500)  # the leader's fetch is still in flight when the other asks

    answers = ask_at_once(with_redis, "free rooms on Dec 3 2-3pm", "free rooms on Dec 3 2-3pm")

    assert sim.stats()["schedules"] == world.one_question_calls
    assert answers[0] == answers[1] and answers[0]["error"] is False


def test_without_redis_each_process_pays_for_the_same_question(world: World, sim: Simulator) -> None:
    """The control experiment: per-process deduplication cannot see the other process's fetch."""
    sim.configure(latency_ms=500)

    answers = ask_at_once(world.env, "free rooms on Dec 4 2-3pm", "free rooms on Dec 4 2-3pm")

    assert sim.stats()["schedules"] == 2 * world.one_question_calls
    assert answers[0] == answers[1] and answers[0]["error"] is False  # still answered, per process


def test_with_redis_two_processes_together_stay_within_dingtalks_rate_limit(
    world: World, sim: Simulator, with_redis: dict[str, str]
) -> None:
    sim.configure(qps_limit=5)
    env = {**with_redis, "ROOMBOT_QPS": "5"}

    answers = ask_at_once(env, "free rooms on Dec 7 2-3pm", "free rooms on Dec 8 2-3pm")

    assert [answer["error"] for answer in answers] == [False, False]
    assert "Free rooms" in str(answers[0]["text"]) and "Free rooms" in str(answers[1]["text"])
    assert sim.stats()["schedules"] == 2 * world.one_question_calls  # no 403, so no call was sent twice


def test_without_redis_two_processes_each_within_the_limit_exceed_it_together(world: World, sim: Simulator) -> None:
    """The control experiment: the same two questions with per-process limits get throttled (and retried)."""
    sim.configure(qps_limit=5)
    env = {**world.env, "ROOMBOT_QPS": "5"}

    answers = ask_at_once(env, "free rooms on Dec 9 2-3pm", "free rooms on Dec 10 2-3pm")

    assert [answer["error"] for answer in answers] == [False, False]  # retried after the 403s, still answered
    assert sim.stats()["schedules"] > 2 * world.one_question_calls
