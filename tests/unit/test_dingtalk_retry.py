"""The retry policy on its own: which failures are retried, when, and until what deadline.

A fake clock and a random source with a fixed draw make every wait exact. Errors are built from
DingTalk's own error bodies through `bot.dingtalk.wire`, the way the transport builds them.
"""

from __future__ import annotations

import random

import pytest

from bot import errors
from bot.dingtalk import wire
from bot.dingtalk.retry import GIVE_UP, REFRESH_TOKEN, Decision, Failure, RetryPolicy, RetryState


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FixedDraw(random.Random):
    """`uniform(a, b)` always lands at the same fraction of the way from a to b."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction
        self.draws = 0

    def uniform(self, a: float, b: float) -> float:
        self.draws += 1
        return a + (b - a) * self.fraction


def policy(*, clock: FakeClock | None = None, fraction: float = 0.5, base: float = 0.2, cap: float = 2.0) -> RetryPolicy:
    return RetryPolicy(backoff_base_s=base, backoff_max_s=cap, clock=clock or FakeClock(), rng=FixedDraw(fraction))


def reply(status: int, code: str, message: str = "") -> errors.DingTalkError:
    return wire.error_from_body(status, {"code": code, "message": message, "requestid": "RID"})


def timeout() -> errors.UpstreamUnavailable:
    return errors.UpstreamUnavailable("DingTalk timed out (ReadTimeout)", code="ReadTimeout")


def connect_error() -> Failure:
    return Failure(errors.UpstreamUnavailable("could not be reached", code="ConnectError"), delivered=False)


FAR = 1_000.0  # a deadline that never gets in the way


# --- backoff -------------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, 0.37, 1.0])
def test_each_wait_is_half_fixed_and_half_random_up_to_the_ceiling(fraction: float) -> None:
    retry = policy(fraction=fraction, base=0.1, cap=0.5)
    for attempt, ceiling in enumerate([0.1, 0.2, 0.4, 0.5, 0.5]):
        assert retry.backoff(attempt) == pytest.approx(ceiling / 2 + fraction * ceiling / 2)


def test_the_wait_grows_with_the_attempts_already_made() -> None:
    retry = policy(base=0.2, cap=2.0)
    failure = Failure(reply(503, "system.error"))
    delays = [retry.decide(RetryState(attempt=n), failure, repeatable=True, deadline=FAR).delay_s for n in range(6)]
    assert delays == pytest.approx([0.15, 0.3, 0.6, 1.2, 1.5, 1.5])


def test_with_a_real_random_source_the_waits_stay_within_bounds() -> None:
    retry = RetryPolicy(backoff_base_s=0.1, backoff_max_s=0.5, clock=FakeClock(), rng=random.Random(7))
    for attempt in range(8):
        ceiling = min(0.5, 0.1 * 2**attempt)
        assert ceiling / 2 <= retry.backoff(attempt) <= ceiling


# --- what is retried -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        reply(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps"),
        reply(403, "Forbidden.AccessDenied.QpmLimitForAppkeyAndApi", "qpm"),
        reply(429, "", "too many requests"),
        reply(503, "system.busy"),
        wire.error_from_body(403, {"status": 1111, "punish": "deny"}),
        wire.error_from_body(403, None),
    ],
    ids=["qps", "qpm", "429", "system.busy", "ip-flood", "gateway-403"],
)
@pytest.mark.parametrize("repeatable", [True, False])
def test_throttling_is_always_retried_since_dingtalk_did_not_act(error: errors.DingTalkError, repeatable: bool) -> None:
    assert isinstance(error, errors.Throttled)
    decision = policy().decide(RetryState(), Failure(error), repeatable=repeatable, deadline=FAR)
    assert decision.retry and not decision.refresh_token
    assert decision.delay_s == pytest.approx(0.15)


@pytest.mark.parametrize(
    "error",
    [reply(500, "system.error"), reply(502, ""), reply(503, "server.error"), timeout()],
    ids=["500", "502", "503", "read-timeout"],
)
def test_outages_are_retried_only_for_calls_that_are_safe_to_repeat(error: errors.DingTalkError) -> None:
    retry = policy()
    failure = Failure(error)
    assert retry.decide(RetryState(), failure, repeatable=True, deadline=FAR).retry
    assert retry.decide(RetryState(), failure, repeatable=False, deadline=FAR) == GIVE_UP


def test_a_connection_that_never_opened_is_retried_even_for_writes() -> None:
    decision = policy().decide(RetryState(), connect_error(), repeatable=False, deadline=FAR)
    assert decision.retry and decision.delay_s > 0


@pytest.mark.parametrize(
    "error",
    [
        reply(400, "invalidParameter", "Cannot query schedule for more than 90 days."),
        reply(400, "invalidParameter", "Cannot get schedule information for more than limit."),
        reply(400, "invalidParameter", "query ids cannot be empty"),
        reply(400, "invalidParameter", "something else"),
        reply(400, "meetingRoomNotAvailable", "room busy"),
        reply(400, "flowLimit"),
        reply(404, "itemNotFound"),
        reply(403, "Forbidden.AccessDenied.ApiCountLimitForOrg"),
        reply(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied"),
        reply(400, "invalidClientIdOrSecret"),
        errors.MalformedReply("reply is not JSON", code="malformed", status=200),
    ],
    ids=lambda e: f"{type(e).__name__}-{getattr(e, 'code', '')}",
)
def test_parameter_business_quota_credential_and_shape_errors_are_never_retried(error: errors.DingTalkError) -> None:
    retry = policy()
    for repeatable in (True, False):
        assert retry.decide(RetryState(), Failure(error), repeatable=repeatable, deadline=FAR) == GIVE_UP


def test_giving_up_on_an_error_draws_no_jitter() -> None:
    rng = FixedDraw(0.5)
    retry = RetryPolicy(clock=FakeClock(), rng=rng)
    retry.decide(RetryState(), Failure(reply(400, "invalidParameter")), repeatable=True, deadline=FAR)
    assert rng.draws == 0


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        reply(400, "InvalidAuthentication", "不合法的access_token"),
        reply(401, "Unauthorized"),
        reply(400, "accesstoken.expired"),
    ],
    ids=["InvalidAuthentication", "401", "accesstoken.expired"],
)
def test_a_refused_token_is_refreshed_once_at_once(error: errors.DingTalkError) -> None:
    retry = policy()
    failure = Failure(error, auth_rejected=True, token_sent=True)
    state = RetryState()
    assert retry.decide(state, failure, repeatable=False, deadline=FAR) == REFRESH_TOKEN
    assert REFRESH_TOKEN.delay_s == 0
    state.token_refreshed = True
    assert retry.decide(state, failure, repeatable=False, deadline=FAR) == GIVE_UP


def test_a_refusal_without_a_token_sent_is_not_helped_by_a_refresh() -> None:
    failure = Failure(reply(401, "Unauthorized"), auth_rejected=True, token_sent=False)
    assert policy().decide(RetryState(), failure, repeatable=True, deadline=FAR) == GIVE_UP


def test_a_token_refresh_needs_no_wait_so_a_close_deadline_does_not_prevent_it() -> None:
    clock = FakeClock(100.0)
    failure = Failure(reply(401, "Unauthorized"), auth_rejected=True, token_sent=True)
    assert policy(clock=clock).decide(RetryState(), failure, repeatable=True, deadline=100.01) == REFRESH_TOKEN


# --- the deadline --------------------------------------------------------------------------


def test_no_retry_is_made_whose_wait_would_reach_the_deadline() -> None:
    clock = FakeClock(100.0)
    retry = policy(clock=clock, fraction=1.0, base=1.0, cap=1.0)  # every wait is exactly 1 s
    failure = Failure(reply(429, "system.busy"))
    assert retry.decide(RetryState(), failure, repeatable=True, deadline=101.5) == Decision(retry=True, delay_s=1.0)
    assert retry.decide(RetryState(), failure, repeatable=True, deadline=101.0) == Decision(retry=False, out_of_time=True)
    clock.now = 100.6
    assert retry.decide(RetryState(), failure, repeatable=True, deadline=101.5).out_of_time


def test_an_error_not_worth_retrying_is_not_reported_as_out_of_time() -> None:
    retry = policy(clock=FakeClock(100.0))
    decision = retry.decide(RetryState(), Failure(reply(400, "invalidParameter")), repeatable=True, deadline=100.0)
    assert decision == GIVE_UP and not decision.out_of_time


# --- the call's record ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "acted"),
    [
        (Failure(reply(503, "system.error")), True),
        (Failure(timeout()), True),
        (connect_error(), False),
        (Failure(reply(429, "system.busy")), False),
        (Failure(reply(400, "idempotencyProcessing")), False),
        (Failure(reply(400, "meetingRoomNotAvailable")), False),
        (Failure(reply(401, "Unauthorized"), auth_rejected=True, token_sent=True), False),
    ],
    ids=["5xx", "timeout-after-sending", "never-connected", "throttled", "same-client-token-pending", "4xx", "auth"],
)
def test_the_state_remembers_whether_an_attempt_may_have_been_carried_out(failure: Failure, acted: bool) -> None:
    state = RetryState()
    state.record(failure)
    assert state.may_have_acted is acted
    state.record(Failure(reply(404, "itemNotFound")))
    assert state.may_have_acted is acted  # a later clear answer does not undo an earlier doubt
