"""When to try a DingTalk call again: the retry policy, and what one call has been through.

Shaped like slack_sdk's RetryHandler and RetryState: the transport reports each failed attempt
(`Failure`) and the call's record so far (`RetryState`) to a `RetryPolicy`, which answers with a
`Decision`: give up, refresh the token and try again at once, or wait and try again. The policy
only decides; the transport does the waiting, so the policy can be tested with a fake clock and
a seeded random source.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.errors import DingTalkError, Throttled, UpstreamUnavailable


@dataclass(frozen=True)
class Failure:
    """One failed attempt of a call, as the retry policy sees it.

    Attributes:
        error: what the attempt ended with (already scrubbed of secrets).
        delivered: False when the connection never opened (connect error, connect or pool
            timeout): DingTalk cannot have acted on the request.
        auth_rejected: DingTalk refused the token (400 InvalidAuthentication or
            accesstoken.expired, 401, old-style errcode 40014 or 88).
        token_sent: the attempt carried a token; only then can a fresh token help.
    """

    error: DingTalkError
    delivered: bool = True
    auth_rejected: bool = False
    token_sent: bool = False

    @property
    def may_have_acted(self) -> bool:
        """DingTalk may have carried the call out although it failed: a 5xx, or a timeout after sending.

        An outage error without an HTTP status is a transport failure: the request went out
        and no answer came back.
        """
        if self.auth_rejected or not self.delivered:
            return False
        error = self.error
        return isinstance(error, UpstreamUnavailable) and (error.status is None or error.status >= 500)


@dataclass
class RetryState:
    """What one call has been through so far; the transport updates it, the policy reads it.

    Attributes:
        attempt: retries made after a backoff so far, from 0 (a token refresh does not count).
        token_refreshed: the token was already refreshed once for this call.
        may_have_acted: an earlier attempt may have been carried out (see `Failure.may_have_acted`);
            a caller that passes its own state reads this afterwards.
        last_error: the error of the last attempt that was retried after a backoff.
    """

    attempt: int = 0
    token_refreshed: bool = False
    may_have_acted: bool = False
    last_error: DingTalkError | None = None

    def record(self, failure: Failure) -> None:
        """Note what a failed attempt tells about the call as a whole."""
        if failure.may_have_acted:
            self.may_have_acted = True


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt.

    Attributes:
        retry: try again (otherwise raise the failure's error).
        delay_s: wait this long first.
        refresh_token: drop the refused token and fetch a new one first.
        out_of_time: the error was worth retrying, but the wait would reach the deadline.
    """

    retry: bool
    delay_s: float = 0.0
    refresh_token: bool = False
    out_of_time: bool = False


GIVE_UP = Decision(retry=False)
REFRESH_TOKEN = Decision(retry=True, refresh_token=True)


class RetryPolicy:
    """Decides whether and when a failed DingTalk call is tried again.

    - A refused token is refreshed once and the call repeated at once, without a backoff: a token
      can be revoked before it expires. Refused again, the error is raised.
    - Throttling (403 `Forbidden.AccessDenied.Qps*`/`Qpm*`, 429, `system.busy`, the per-IP flood
      limit) is always retried: DingTalk did not act on the call.
    - Outages (5xx, timeouts) are retried only for calls that are safe to repeat (`repeatable`),
      since DingTalk may have acted; a connection that never opened is retried for every call.
    - Parameter and business errors (4xx), a used-up quota, refused credentials, a missing
      permission and malformed replies are never retried: repeating cannot change the answer.
    - Waits grow exponentially with "equal jitter" (half fixed, half random) up to a cap, and no
      retry is made whose wait would reach the call's deadline.

    Args:
        backoff_base_s: the ceiling of the first wait; it doubles with each retry.
        backoff_max_s: the largest ceiling.
        clock: a monotonic clock in seconds, the one the deadlines are set on.
        rng: random source for the jitter.
    """

    def __init__(
        self,
        *,
        backoff_base_s: float = 0.2,
        backoff_max_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._clock = clock
        self._rng = rng or random.Random()

    def backoff(self, attempt: int) -> float:
        """The wait before retry number `attempt` (from 0): between half the ceiling and the ceiling."""
        ceiling = min(self._backoff_max_s, self._backoff_base_s * (2.0**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    @staticmethod
    def retryable(failure: Failure, *, repeatable: bool) -> bool:
        """Whether another attempt could succeed where this one failed, without doing anything twice."""
        if isinstance(failure.error, Throttled):
            return True
        if isinstance(failure.error, UpstreamUnavailable):
            return repeatable or not failure.delivered
        return False

    def decide(self, state: RetryState, failure: Failure, *, repeatable: bool, deadline: float) -> Decision:
        """What to do after `failure`, the latest failed attempt of a call described by `state`.

        Args:
            repeatable: the call is safe to send again after an ambiguous failure (a timeout
                after sending, a 5xx): a read, or a write DingTalk recognises when repeated.
            deadline: when the call must be over, on the policy's clock.
        """
        if failure.auth_rejected:
            return REFRESH_TOKEN if failure.token_sent and not state.token_refreshed else GIVE_UP
        if not self.retryable(failure, repeatable=repeatable):
            return GIVE_UP
        delay = self.backoff(state.attempt)
        if self._clock() + delay >= deadline:
            return Decision(retry=False, out_of_time=True)
        return Decision(retry=True, delay_s=delay)


__all__ = ["GIVE_UP", "REFRESH_TOKEN", "Decision", "Failure", "RetryPolicy", "RetryState"]
