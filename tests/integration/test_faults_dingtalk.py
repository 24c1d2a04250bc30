"""DingTalk at its worst, through the real RoomService: slow, 5xx bursts, throttling storms,
malformed JSON, expiring tokens, revoked credentials and a used-up monthly quota.

Each fault ends in a friendly `TextReply` whose Slack rendering is valid Block Kit, and the
next question after the fault clears is answered by the same runtime (nothing is rebuilt).
How long an answer may take is checked through the simulator's call counts, never a clock.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.config import Settings
from bot.errors import MalformedReply, Throttled, UpstreamUnavailable
from bot.present import messages
from bot.present.reply import FindReply, Reply, TextReply
from bot.sim import Simulator
from bot.slack.blocks import render
from bot.usecases.context import CONSOLE_OPERATOR, Caller
from bot.wiring import Runtime, build_runtime, point_at_simulator

TEAM, USER = "T_FAULTS", "U_FAULTS"
QUESTION = "free rooms tomorrow 2-3pm"
DEADLINE_S = 1.5


@pytest.fixture
def cache_ttl_s() -> float:
    # Every question goes to DingTalk, so "the next question works" proves DingTalk recovered.
    return 0.001


@pytest.fixture
def runtime(sim: Simulator, database_url: str, cache_ttl_s: float) -> Iterator[Runtime]:
    settings = point_at_simulator(
        Settings(
            database_url=database_url,
            deadline_s=DEADLINE_S,
            request_timeout_s=DEADLINE_S,
            cache_ttl_s=cache_ttl_s,
        ),
        sim,
    )
    with build_runtime(settings) as built:
        reply = built.service.import_groups(team_id=TEAM, user_id=USER, actor=CONSOLE_OPERATOR)
        assert isinstance(reply, TextReply) and reply.kind == "success", reply
        yield built


def ask(runtime: Runtime, text: str = QUESTION) -> Reply:
    return runtime.service.handle_text(Caller(team_id=TEAM, user_id=USER, tz="Asia/Shanghai"), text)


def batches(runtime: Runtime) -> int:
    """Free/busy calls one cold question costs: the rooms of the user's groups, five per call."""
    groups = runtime.store.groups.resolve(TEAM, user_id=USER)
    rooms = {room for group in groups for room in group.room_ids}
    return math.ceil(len(rooms) / runtime.dingtalk.batch_size)


def assert_valid_slack_message(reply: Reply) -> dict[str, Any]:
    """The rendered message is what Slack accepts: ≤ 50 blocks, each valid, section text ≤ 3000."""
    message = render(reply)
    assert 0 < len(message["blocks"]) <= 50
    assert message["text"]
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block  # to_dict() validates Slack's limits
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "Traceback" not in json.dumps(message)
    return message


def assert_friendly(reply: Reply, sentence: str) -> None:
    assert isinstance(reply, TextReply), reply
    assert reply.kind == "error"
    assert reply.text == sentence
    message = assert_valid_slack_message(reply)
    assert sentence.split(".")[0] in json.dumps(message, ensure_ascii=False)


def assert_answered(reply: Reply) -> None:
    assert isinstance(reply, FindReply), reply
    assert reply.results
    assert not reply.notes, reply.notes  # every room has a real verdict, none "unknown"
    assert_valid_slack_message(reply)


# --- faults that outlast the deadline: one table, one test --------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    start: Callable[[Simulator], object]
    clear: Callable[[Simulator], object]
    sentence: str
    # The most free/busy calls one question may cost, as a multiple of its batches: a bounded
    # number of retries within the deadline, never an endless loop.
    max_calls_per_batch: int


def _slow(sim: Simulator) -> None:
    sim.configure(latency_ms=DEADLINE_S * 1000 + 1500)


def _burst(sim: Simulator) -> None:
    sim.inject_fault("schedules", status=503, code="systemError", message="系统错误，请稍后重试", count=10_000)


def _set(**knobs: float) -> Callable[[Simulator], object]:
    return lambda sim: sim.configure(**knobs)


UNAVAILABLE = messages.dingtalk_error(UpstreamUnavailable())
FAULTS = [  # name, start, clear, sentence, max_calls_per_batch
    Fault("slow beyond the deadline", _slow, _set(latency_ms=0), UNAVAILABLE, 1),
    Fault("5xx burst longer than the deadline", _burst, lambda sim: sim.clear_faults(), UNAVAILABLE, 8),
    Fault("throttling storm", _set(throttle_rate=1), _set(throttle_rate=0), messages.dingtalk_error(Throttled()), 8),
    # A reply that cannot be read is not asked again.
    Fault("malformed JSON", _set(malformed_rate=1), _set(malformed_rate=0), messages.dingtalk_error(MalformedReply()), 1),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_a_fault_ends_in_a_friendly_answer_and_the_next_question_works_once_it_clears(
    runtime: Runtime, sim: Simulator, fault: Fault
) -> None:
    assert_answered(ask(runtime))  # healthy to begin with
    per_question = batches(runtime)
    fault.start(sim)
    sim.reset_stats()

    reply = ask(runtime)

    assert_friendly(reply, fault.sentence)
    calls = sim.stats()["schedules"]
    assert 1 <= calls <= per_question * fault.max_calls_per_batch

    fault.clear(sim)
    assert_answered(ask(runtime))
    # Once the fault clears, a question costs exactly what it cost before: no leftover retries,
    # no stuck state.
    sim.reset_stats()
    assert_answered(ask(runtime))
    assert sim.stats()["schedules"] == per_question


def test_a_short_5xx_burst_is_absorbed_by_retries_and_nobody_notices(runtime: Runtime, sim: Simulator) -> None:
    per_question = batches(runtime)
    sim.inject_fault("schedules", status=502, code="system.error", message="System Error", count=2)
    sim.reset_stats()

    assert_answered(ask(runtime))

    assert sim.stats()["schedules"] == per_question + 2  # the two failed calls were simply retried


@pytest.mark.parametrize("cache_ttl_s", [300.0])  # a real cache: a room DingTalk could not answer for is not cached
def test_one_malformed_batch_marks_its_rooms_unknown_and_the_next_question_asks_again(
    runtime: Runtime, sim: Simulator
) -> None:
    sim.inject_fault("schedules", status=200, code="", body='{"scheduleInformation": [{"roomId": "', count=1)

    first = ask(runtime)

    assert isinstance(first, FindReply)
    unknown = [result for result in first.results if result.footnote]
    assert 1 <= len(unknown) <= runtime.dingtalk.batch_size
    assert_valid_slack_message(first)
    assert_answered(ask(runtime))


def test_tokens_expiring_between_questions_are_refreshed_without_the_user_noticing(runtime: Runtime, sim: Simulator) -> None:
    assert_answered(ask(runtime))
    refreshes = runtime.dingtalk.token_refreshes
    for _ in range(3):
        sim.expire_tokens()
        sim.reset_stats()

        assert_answered(ask(runtime))

        stats = sim.stats()
        # One new token per question (never one per batch), and each refused call asked once more.
        assert stats["accessToken"] == 1
        assert stats["schedules"] <= 2 * batches(runtime)
    assert runtime.dingtalk.token_refreshes == refreshes + 3


def test_tokens_expiring_on_their_own_mid_run_are_refreshed(runtime: Runtime, sim: Simulator) -> None:
    sim.configure(token_ttl_s=1)
    sim.expire_tokens()
    for _ in range(3):
        assert_answered(ask(runtime))


def test_revoked_credentials_name_the_settings_to_check_and_restoring_them_heals(runtime: Runtime, sim: Simulator) -> None:
    sim.revoke_credentials()
    sim.expire_tokens()
    sim.reset_stats()

    reply = ask(runtime)

    assert isinstance(reply, TextReply) and reply.kind == "error"
    assert "DINGTALK_APP_KEY" in reply.text and "DINGTALK_APP_SECRET" in reply.text
    assert sim.app_secret not in reply.text
    assert_valid_slack_message(reply)
    stats = sim.stats()
    # The cached token is tried once per batch; refused credentials are never retried.
    assert stats["schedules"] <= batches(runtime)
    assert 1 <= stats["accessToken"] <= batches(runtime)

    sim.reset_stats()
    assert isinstance(ask(runtime), TextReply)
    assert sim.stats()["schedules"] == 0  # nothing is asked without a token

    sim.restore_credentials()
    assert_answered(ask(runtime))


def test_the_monthly_quota_gets_the_quota_sentence_without_hammering_dingtalk(runtime: Runtime, sim: Simulator) -> None:
    per_question = batches(runtime)
    sim.configure(monthly_quota=1)  # one more call this month, then ApiCountLimitForOrg
    sim.reset_stats()

    replies = [ask(runtime) for _ in range(3)]

    # Nothing is cached yet: each answer says the quota is spent and when searching works again.
    for reply in replies:
        assert isinstance(reply, TextReply) and reply.kind == "error"
        assert "used this month's API quota" in reply.text and "Searching works again on" in reply.text
    # A used-up quota is never retried, and once DingTalk said so the next questions do not call at all
    # (tests/integration/test_quota.py shows the cached answers and the retry half an hour later).
    assert sim.stats()["schedules"] <= per_question
